"""Hub ids: the Hugging Face cache read offline, and downloads through huggingface_hub (s2t_np/hf/hub.py).

No network: `FakeHub` is a loopback HTTP server (127.0.0.1, an ephemeral port, stopped by its
fixture) answering what huggingface_hub's client asks the hub for `HfApi.model_info` and
`hf_hub_download`: ``/api/models/{repo}/revision/{rev}`` (sha and file list) and
``/{repo}/resolve/{rev}/{file}`` (HEAD and GET with X-Repo-Commit, ETag and Content-Length, byte
ranges for resumed downloads; 404s with the hub's X-Error-Code). The served model is the shipped
demo directory, so results can be compared with loading that directory directly. The autouse
fixture of conftest.py keeps every other test offline; here `hub` turns downloads on against the
server.
"""

import hashlib
import http.server
import json
import re
import shutil
import sys
import threading
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import s2t_np
from s2t_np import (
    ModelNotFoundError,
    Speech2TextConfig,
    Speech2TextFeatureExtractor,
    Speech2TextForConditionalGeneration,
    Speech2TextProcessor,
    Speech2TextTokenizer,
)
from s2t_np.hf import hub as hub_module
from s2t_np.hf.pretrained import DEMO_DIR
from s2t_np.weights import checkpoint_tensors
from tests.conftest import require

REPO = "s2t-test/tiny-demo"
TOKEN = "hf_test_token_not_a_secret"
CLIP = DEMO_DIR.parent / "examples" / "example.wav"
DEMO_FILES = {path.name: path.read_bytes() for path in sorted(DEMO_DIR.iterdir()) if path.is_file()}


class FakeHub(http.server.ThreadingHTTPServer):
    """Serves `repos[repo_id] = {"refs": {name: sha}, "commits": {sha: {filename: bytes}}}`.

    `faults[filename]` breaks the GET of that file at its middle byte: "drop" closes the connection
    there; "short" sends a complete response with fewer bytes than the HEAD announced.
    `requests` records (method, repo path, Authorization header).
    """

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.repos, self.faults, self.requests = {}, {}, []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def add_commit(self, repo_id, files, *refs):
        digest = hashlib.sha1(json.dumps(sorted((k, hashlib.sha256(v).hexdigest()) for k, v in files.items())).encode())
        sha = digest.hexdigest()
        repo = self.repos.setdefault(repo_id, {"refs": {}, "commits": {}})
        repo["commits"][sha] = dict(files)
        repo["refs"].update(dict.fromkeys(refs, sha))
        return sha

    def gets(self):
        return [path.rsplit("/", 1)[-1] for method, path, _ in self.requests if method == "GET" and "/resolve/" in path]


class _Handler(http.server.BaseHTTPRequestHandler):
    timeout = 10  # a client that stalls cannot hold a server thread

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def _answer(self, body):
        hub = self.server
        parts = [urllib.parse.unquote(p) for p in urllib.parse.urlsplit(self.path).path.split("/")]
        hub.requests.append((self.command, "/".join(parts), self.headers.get("Authorization")))
        if parts[1:3] == ["api", "models"] and len(parts) == 7 and parts[5] == "revision":
            repo_id, revision, filename = f"{parts[3]}/{parts[4]}", parts[6], None
        elif len(parts) >= 6 and parts[3] == "resolve":
            repo_id, revision, filename = f"{parts[1]}/{parts[2]}", parts[4], "/".join(parts[5:])
        else:
            return self._error(404, None, "EndpointNotFound")
        repo = hub.repos.get(repo_id)
        if repo is None:
            return self._error(404, None, "RepoNotFound")
        sha = revision if revision in repo["commits"] else repo["refs"].get(revision)
        if sha is None:
            return self._error(404, None, "RevisionNotFound")
        files = repo["commits"][sha]
        if filename is None:
            siblings = [{"rfilename": name} for name in sorted(files)]
            return self._send(200, json.dumps({"id": repo_id, "sha": sha, "siblings": siblings}).encode(), {}, body)
        if filename not in files:
            return self._error(404, sha, "EntryNotFound")
        content = files[filename]
        headers = {"X-Repo-Commit": sha, "ETag": f'"{hashlib.sha256(content).hexdigest()}"'}
        status, start = 200, 0
        ranged = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if body and ranged:  # a resumed download, as the hub answers it
            status, start = 206, int(ranged.group(1))
            headers["Content-Range"] = f"bytes {start}-{len(content) - 1}/{len(content)}"
        fault = hub.faults.get(filename) if body else None
        if fault == "short":
            return self._send(status, content[start : max(start, len(content) // 2)], headers, body)
        if fault == "drop":
            self._head(status, {**headers, "Content-Length": str(len(content) - start)})
            self.wfile.write(content[start : max(start, len(content) // 2)])
            self.close_connection = True
            return None
        return self._send(status, content[start:], headers, body)

    def _error(self, status, sha, code):
        headers = {"X-Error-Code": code, **({"X-Repo-Commit": sha} if sha else {})}
        return self._send(status, json.dumps({"error": code}).encode(), headers, True)

    def _head(self, status, headers):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def _send(self, status, content, headers, body):
        self._head(status, {**headers, "Content-Length": str(len(content))})
        if body:
            self.wfile.write(content)


@pytest.fixture
def huggingface_hub():
    """The installed huggingface_hub (transformers depends on it) with the submodules used here."""
    return SimpleNamespace(
        constants=require("huggingface_hub.constants"), file_download=require("huggingface_hub.file_download")
    )


@pytest.fixture
def server():
    hub = FakeHub()
    thread = threading.Thread(target=hub.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        hub.shutdown()
        hub.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the loopback hub server did not stop"


@pytest.fixture
def hub(server, huggingface_hub, monkeypatch, tmp_path):
    """Downloads on, from `server`, into a fresh cache; huggingface_hub's import-time settings overridden."""
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))  # no token file or settings of the user's
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    # huggingface_hub read these when it was imported, possibly under conftest's offline setting
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_ETAG_TIMEOUT", 5)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DOWNLOAD_TIMEOUT", 5)
    # its download retries pause 1 s each; the interrupted-download test would wait 5 s for nothing
    monkeypatch.setattr(huggingface_hub.file_download, "time", SimpleNamespace(sleep=lambda seconds: None))
    server.cache = tmp_path / "hf_cache"
    return server


def _generate(model_arg, **hub_options):
    model = Speech2TextForConditionalGeneration.from_pretrained(model_arg, **hub_options)
    processor = Speech2TextProcessor.from_pretrained(model_arg, **hub_options)
    inputs = processor(s2t_np.load_audio(CLIP), sampling_rate=16000, return_tensors="np")
    ids = model.generate(inputs["input_features"], attention_mask=inputs["attention_mask"])
    return ids, processor.batch_decode(ids, skip_special_tokens=True), model


def _snapshot(cache, repo_id, sha):
    return cache / f"models--{repo_id.replace('/', '--')}" / "snapshots" / sha


def test_download_then_offline_from_the_cache(hub, monkeypatch):
    sha = hub.add_commit(REPO, {**DEMO_FILES, "README.md": b"# card\n", "tf_model.h5": b"never fetched"}, "main")
    ids, text, model = _generate(REPO)
    ref_ids, ref_text, ref_model = _generate(DEMO_DIR)
    np.testing.assert_array_equal(ids, ref_ids)
    assert text == ref_text and len(text[0]) > 10
    assert model.generation_config == ref_model.generation_config
    snapshot = _snapshot(hub.cache, REPO, sha)
    assert Path(model.name_or_path) == snapshot
    assert (snapshot.parent.parent / "refs" / "main").read_text() == sha
    assert sorted(p.name for p in snapshot.iterdir()) == sorted(DEMO_FILES)  # no README.md, no tf_model.h5
    assert sorted(hub.gets()) == sorted(DEMO_FILES) and hub.gets()[-1] == "config.json"  # each once, config last
    assert {auth for *_, auth in hub.requests} == {f"Bearer {TOKEN}"}  # HF_TOKEN reached the hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    seen = len(hub.requests)
    assert Speech2TextConfig.from_pretrained(REPO) == Speech2TextConfig.from_pretrained(DEMO_DIR)
    tokenizer = Speech2TextTokenizer.from_pretrained(REPO)
    assert (
        tokenizer("hello world")["input_ids"]
        == Speech2TextTokenizer.from_pretrained(DEMO_DIR)("hello world")["input_ids"]
    )
    extractor = Speech2TextFeatureExtractor.from_pretrained(REPO)
    assert extractor.to_dict() == Speech2TextFeatureExtractor.from_pretrained(DEMO_DIR).to_dict()
    np.testing.assert_array_equal(_generate(REPO)[0], ref_ids)
    assert len(hub.requests) == seen  # the cache alone


def test_end_to_end_transcribe_and_cli(hub, capsys):
    hub.add_commit(REPO, DEMO_FILES, "main")
    expected = s2t_np.transcribe(CLIP, DEMO_DIR)
    assert s2t_np.transcribe(CLIP, REPO) == expected
    from s2t_np.cli import main

    assert main(["transcribe", str(CLIP), "--model", REPO, "--json"]) == 0
    assert expected in capsys.readouterr().out


def test_revision_pinning(hub, monkeypatch):
    """v1: the demo files. main: max_length 4, and the weights as two safetensors shards beside a
    pytorch_model.bin that must not be fetched (safetensors first, as transformers)."""
    sha_v1 = hub.add_commit(REPO, DEMO_FILES, "v1")
    tensors = load_file(DEMO_DIR / "model.safetensors")
    names = sorted(tensors)
    shards = {"model-00001-of-00002.safetensors": names[::2], "model-00002-of-00002.safetensors": names[1::2]}
    files = {k: v for k, v in DEMO_FILES.items() if k != "model.safetensors"}
    for shard, keys in shards.items():
        save_file({k: tensors[k] for k in keys}, hub.cache.parent / shard, metadata={"format": "pt"})
        files[shard] = (hub.cache.parent / shard).read_bytes()
    index = {"metadata": {}, "weight_map": {k: shard for shard, keys in shards.items() for k in keys}}
    files["model.safetensors.index.json"] = json.dumps(index).encode()
    files["pytorch_model.bin"] = b"not a checkpoint: must never be downloaded"
    generation = {**json.loads(DEMO_FILES["generation_config.json"]), "max_length": 4}
    files["generation_config.json"] = json.dumps(generation).encode()
    sha_main = hub.add_commit(REPO, files, "main")

    full = s2t_np.transcribe(CLIP, DEMO_DIR)
    assert s2t_np.transcribe(CLIP, REPO) != full
    assert Speech2TextForConditionalGeneration.from_pretrained(REPO).generation_config.max_length == 4
    assert "pytorch_model.bin" not in hub.gets()
    for revision in ("v1", sha_v1):
        ids, text, model = _generate(REPO, revision=revision)
        assert model.generation_config.max_length == 200 and Path(model.name_or_path).name == sha_v1
        assert text == [full]
    ids, text, model = _generate(REPO, revision=sha_main)
    assert Path(model.name_or_path).name == sha_main and len(text[0]) < len(full)
    reference = Speech2TextForConditionalGeneration.from_pretrained(DEMO_DIR)
    loaded = checkpoint_tensors(model.params, model.config)
    for key, value in checkpoint_tensors(reference.params, reference.config).items():  # the shards hold every tensor
        np.testing.assert_array_equal(loaded[key], value, err_msg=key)

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    seen = len(hub.requests)
    assert Path(Speech2TextForConditionalGeneration.from_pretrained(REPO, revision="v1").name_or_path).name == sha_v1
    assert Path(Speech2TextForConditionalGeneration.from_pretrained(REPO).name_or_path).name == sha_main
    with pytest.raises(ModelNotFoundError, match="revision 'v2'"):
        Speech2TextConfig.from_pretrained(REPO, revision="v2")
    assert len(hub.requests) == seen


def test_not_found_on_the_hub(hub):
    hub.add_commit(REPO, DEMO_FILES, "main")
    with pytest.raises(ModelNotFoundError, match="'s2t-test/missing' was not found at http://127.0.0.1") as info:
        Speech2TextForConditionalGeneration.from_pretrained("s2t-test/missing")
    assert "check the id" in str(info.value)
    with pytest.raises(ModelNotFoundError, match="has no revision 'nope'"):
        Speech2TextProcessor.from_pretrained(REPO, revision="nope")
    hub.add_commit("s2t-test/no-weights", {"config.json": DEMO_FILES["config.json"]}, "main")
    with pytest.raises(ModelNotFoundError, match="has no model.safetensors, model.safetensors.index.json or pytorch"):
        Speech2TextConfig.from_pretrained("s2t-test/no-weights")
    assert not any(hub.cache.glob("models--*/snapshots/*/config.json"))


@pytest.mark.parametrize("fault", ["drop", "short"])
def test_interrupted_download_leaves_nothing_usable(hub, monkeypatch, fault):
    sha = hub.add_commit(REPO, DEMO_FILES, "main")
    hub.faults["model.safetensors"] = fault
    with pytest.raises(ModelNotFoundError, match="downloading 's2t-test/tiny-demo' .* failed") as info:
        s2t_np.transcribe(CLIP, REPO)
    assert "hf download s2t-test/tiny-demo --local-dir DIR" in str(info.value)
    snapshot = _snapshot(hub.cache, REPO, sha)
    assert not (snapshot / "config.json").exists() and not (snapshot / "model.safetensors").exists()
    for path in snapshot.iterdir():  # what is there is complete
        assert path.read_bytes() == DEMO_FILES[path.name], path.name

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert not (snapshot.parent.parent / "refs" / "main").exists()  # written with config.json, the last file
    for load in (Speech2TextConfig.from_pretrained, Speech2TextProcessor.from_pretrained):
        with pytest.raises(ModelNotFoundError, match="has no copy"):
            load(REPO)
        with pytest.raises(ModelNotFoundError, match="lacks config.json"):
            load(REPO, revision=sha)

    monkeypatch.delenv("HF_HUB_OFFLINE")
    del hub.faults["model.safetensors"]
    before = len(hub.gets())
    assert s2t_np.transcribe(CLIP, REPO) == s2t_np.transcribe(CLIP, DEMO_DIR)
    assert hub.gets()[before:] == ["model.safetensors", "config.json"]  # the rest was kept


def test_local_files_only_and_offline_do_not_ask_the_hub(hub, monkeypatch):
    hub.add_commit(REPO, DEMO_FILES, "main")
    with pytest.raises(ModelNotFoundError, match="local_files_only=True, so s2t_np does not download"):
        Speech2TextConfig.from_pretrained(REPO, local_files_only=True)
    for variable in ("TRANSFORMERS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.setenv(variable, "1")
        with pytest.raises(ModelNotFoundError, match=f"{variable} is set"):
            Speech2TextConfig.from_pretrained(REPO)
    assert hub.requests == []


def test_a_partial_cache_is_completed_online(hub):
    """A snapshot without weights (e.g. only the processor was fetched) serves the processor; the
    model fetches what is missing."""
    sha = hub.add_commit(REPO, DEMO_FILES, "main")
    _write_cache(hub.cache, REPO, {k: v for k, v in DEMO_FILES.items() if k != "model.safetensors"}, sha, ["main"])
    Speech2TextProcessor.from_pretrained(REPO)
    assert hub.requests == []
    Speech2TextForConditionalGeneration.from_pretrained(REPO)
    assert hub.gets() == ["model.safetensors"]


# ---- the cache by hand, without huggingface_hub -----------------------------------------------
def _write_cache(cache, repo_id, files, sha, refs):
    """The layout huggingface_hub writes: blobs/<sha256>, snapshots/<sha>/<file> -> ../../blobs/..., refs/<name>."""
    folder = cache / f"models--{repo_id.replace('/', '--')}"
    (folder / "blobs").mkdir(parents=True, exist_ok=True)
    (folder / "snapshots" / sha).mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        blob = hashlib.sha256(content).hexdigest()
        (folder / "blobs" / blob).write_bytes(content)
        (folder / "snapshots" / sha / name).symlink_to(Path("..", "..", "blobs", blob))
    for ref in refs:
        (folder / "refs" / ref).parent.mkdir(parents=True, exist_ok=True)
        (folder / "refs" / ref).write_text(sha)
    return folder / "snapshots" / sha


@pytest.fixture
def without_huggingface_hub(monkeypatch, tmp_path):
    """A plain install: `import huggingface_hub` fails; downloads allowed, so only the cache can help."""
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_hand_made_cache_loads_without_huggingface_hub(without_huggingface_hub):
    cache = without_huggingface_hub
    sha, other = "a" * 40, "b" * 40
    snapshot = _write_cache(cache, REPO, DEMO_FILES, sha, ["main", "refs/pr/1"])
    _write_cache(cache, REPO, {"config.json": DEMO_FILES["config.json"]}, other, ["config-only"])
    with pytest.raises(ImportError):
        import huggingface_hub  # noqa: F401
    ids, text, model = _generate(REPO)
    np.testing.assert_array_equal(ids, _generate(DEMO_DIR)[0])
    assert Path(model.name_or_path) == snapshot
    assert s2t_np.transcribe(CLIP, REPO) == text[0]
    for revision in ("main", sha, "refs/pr/1"):
        assert Speech2TextTokenizer.from_pretrained(REPO, revision=revision).vocab_size > 0
    assert Speech2TextConfig.from_pretrained(REPO, revision="config-only") == Speech2TextConfig.from_pretrained(REPO)
    with pytest.raises(ModelNotFoundError, match=r"lacks weights \(model.safetensors"):
        Speech2TextForConditionalGeneration.from_pretrained(REPO, revision="config-only")
    with pytest.raises(ModelNotFoundError, match="lacks processor_config.json or preprocessor_config.json, vocab.json"):
        Speech2TextProcessor.from_pretrained(REPO, revision=other)


def test_missing_id_without_huggingface_hub_gives_both_hints(without_huggingface_hub):
    for load in (s2t_np.transcribe, Speech2TextForConditionalGeneration.from_pretrained):
        args = (CLIP, "org/absent") if load is s2t_np.transcribe else ("org/absent",)
        with pytest.raises(ModelNotFoundError) as info:
            load(*args)
        message = str(info.value)
        assert "not a local directory" in message and str(without_huggingface_hub) in message
        assert 'pip install "s2t-np[hub]"' in message
        assert "hf download org/absent --local-dir DIR" in message
        assert "huggingface-cli" not in message


def test_incomplete_snapshot_says_what_is_missing(without_huggingface_hub):
    files = {k: v for k, v in DEMO_FILES.items() if k not in ("config.json", "vocab.json")}
    _write_cache(without_huggingface_hub, REPO, files, "c" * 40, ["main"])
    with pytest.raises(ModelNotFoundError, match="lacks config.json, vocab.json") as info:
        Speech2TextProcessor.from_pretrained(REPO)
    assert 'pip install "s2t-np[hub]"' in str(info.value) and f"hf download {REPO}" in str(info.value)


# ---- units ----------------------------------------------------------------------------------
def test_cache_location_follows_huggingface_hub(monkeypatch, tmp_path, huggingface_hub):
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert hub_module.hub_cache_dir() == tmp_path / "home" / ".cache" / "huggingface" / "hub"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub_module.hub_cache_dir() == tmp_path / "xdg" / "huggingface" / "hub"
    monkeypatch.setenv("HF_HOME", "~/hf")
    assert hub_module.hub_cache_dir() == tmp_path / "home" / "hf" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub_cache"))
    assert hub_module.hub_cache_dir() == tmp_path / "hub_cache"
    assert hub_module.hub_cache_dir(tmp_path / "explicit") == tmp_path / "explicit"
    # the same folder names as huggingface_hub
    assert hub_module.repo_folder(REPO).name == huggingface_hub.file_download.repo_folder_name(
        repo_id=REPO, repo_type="model"
    )


def test_hub_ids_and_local_paths(tmp_path, monkeypatch):
    for ok in ("facebook/s2t-small-librispeech-asr", "org/name.v2", "a_b/c-d"):
        assert hub_module.is_hub_id(ok), ok
    for not_id in ("name", "./org/name", "/org/name", "a/b/c", "org--x/name", "org/na..me", "org/name.git", "o/"):
        assert not hub_module.is_hub_id(not_id), not_id
    assert not hub_module.is_hub_id(Path("org/name"))
    # a local directory spelled like an id wins, as in transformers
    shutil.copytree(DEMO_DIR, tmp_path / "org" / "name")
    monkeypatch.chdir(tmp_path)
    assert Speech2TextConfig.from_pretrained("org/name") == Speech2TextConfig.from_pretrained(DEMO_DIR)
    with pytest.raises(s2t_np.InvalidInputError, match="revision"):
        Speech2TextConfig.from_pretrained("org/other", revision="../../etc")


def test_file_names_match_the_loaders():
    from s2t_np.hf import checkpoint, configuration, feature_extraction, generation_config, pretrained, tokenizer_files

    assert hub_module.CONFIG_FILE == configuration.CONFIG_FILE == generation_config.MODEL_CONFIG_FILE
    assert hub_module.PROCESSOR_CONFIG_FILE == pretrained.PROCESSOR_CONFIG_FILE
    assert hub_module.PREPROCESSOR_CONFIG_FILE == pretrained.FEATURE_EXTRACTOR_CONFIG_FILE
    assert hub_module.PREPROCESSOR_CONFIG_FILE == feature_extraction.PREPROCESSOR_CONFIG
    assert hub_module.TOKENIZER_REQUIRED == tuple(tokenizer_files.VOCAB_FILES_NAMES.values())
    tokenizer_names = {
        tokenizer_files.TOKENIZER_CONFIG_FILE,
        tokenizer_files.SPECIAL_TOKENS_MAP_FILE,
        tokenizer_files.ADDED_TOKENS_FILE,
    }
    assert tokenizer_names <= set(hub_module.SMALL_FILES)
    assert generation_config.GENERATION_CONFIG_FILE in hub_module.SMALL_FILES
    assert hub_module.pick_weights({checkpoint.TORCH_FILE, checkpoint.INDEX_FILE}) == checkpoint.INDEX_FILE
    assert set(DEMO_FILES) - {"model.safetensors"} <= set(hub_module.SMALL_FILES) | {"config.json"}
