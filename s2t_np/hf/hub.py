"""Hub ids (``org/name``) -> a snapshot directory of the standard Hugging Face cache.

What transformers' ``from_pretrained`` does with a hub id, in this order:

1. **The cache, offline, with the standard library alone** (no huggingface_hub needed, so a plain
   install can use what transformers or ``hf download`` already fetched). The cache directory is
   ``$HF_HUB_CACHE``, else ``$HF_HOME/hub``, else ``$XDG_CACHE_HOME/huggingface/hub`` or
   ``~/.cache/huggingface/hub`` (huggingface_hub's rule). A model repo lives in
   ``models--{org}--{name}/``::

       refs/{revision}          the commit sha a branch or tag name pointed to when it was fetched
       snapshots/{sha}/{file}   the files of that commit (links into blobs/)
       blobs/{etag}             the contents (an unfinished download is a ``*.incomplete`` file here)

   ``revision`` is a branch or tag name, read through ``refs/`` (default ``"main"``), or a 40-hex
   commit sha, the snapshot directly. A snapshot serves a loader only if it holds ``config.json``
   and the files that loader reads (`missing_files`); otherwise the message names what is missing.
2. **A download** when the id is not cached, ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is
   not set and huggingface_hub is installed (the optional extra ``s2t-np[hub]``, imported only in
   `download_snapshot`). huggingface_hub honours ``HF_TOKEN``; the endpoint (``HF_ENDPOINT``) and
   the cache directory are read here at call time and passed on. Only the files of `SMALL_FILES`
   the repo holds and one weights format (`pick_weights`: safetensors preferred) are fetched, one
   by one, ``config.json`` last: huggingface_hub moves a file into the snapshot only once it is
   complete, so an interrupted download leaves a snapshot without ``config.json``, which step 1
   does not accept.
3. Otherwise `ModelNotFoundError`, saying how to install the extra or how to download by hand.

A cached revision is used as it is, without asking the hub whether the branch moved: pass
``revision=`` (a newer sha or tag), or remove the cached repo (``hf cache rm model/org/name``).
"""

import os
import re
from pathlib import Path

from ..checks import read_json
from ..errors import InvalidInputError, ModelNotFoundError
from .checkpoint import INDEX_FILE, SINGLE_FILE, TORCH_FILE

CONFIG_FILE = "config.json"
PROCESSOR_CONFIG_FILE = "processor_config.json"
PREPROCESSOR_CONFIG_FILE = "preprocessor_config.json"
TOKENIZER_REQUIRED = ("vocab.json", "sentencepiece.bpe.model")
# Every file a loader may read besides the weights, fetched when the repo has it (config.json last).
SMALL_FILES = (
    "generation_config.json",
    PREPROCESSOR_CONFIG_FILE,
    PROCESSOR_CONFIG_FILE,
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    *TOKENIZER_REQUIRED,
)
# What a loader reads beyond config.json: the model its weights, the processor both of the others.
NEEDS_ALL = ("weights", "feature_extractor", "tokenizer")
DEFAULT_REVISION = "main"
INSTALL_HINT = 'pip install "s2t-np[hub]"'
EXAMPLE_ID = "facebook/s2t-small-librispeech-asr"

_REPO_ID = re.compile(r"[A-Za-z0-9_][\w.-]{0,95}/[A-Za-z0-9_][\w.-]{0,95}", re.ASCII)
_COMMIT_SHA = re.compile(r"[0-9a-f]{40}")
_TRUE = {"1", "ON", "YES", "TRUE"}


def download_hint(repo_id=EXAMPLE_ID):
    """The command that fetches a repo into a directory by hand (huggingface_hub's ``hf`` CLI)."""
    return f"hf download {repo_id} --local-dir DIR"


def is_hub_id(model):
    """True for a string shaped like a hub model id, ``org/name`` (checked after local paths)."""
    return (
        isinstance(model, str)
        and _REPO_ID.fullmatch(model) is not None
        and "--" not in model
        and ".." not in model
        and not model.endswith(".git")
    )


def offline():
    """The variable that turns downloads off (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE set true, read now), or None."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(name, "").upper() in _TRUE:
            return name
    return None


def hub_cache_dir(cache_dir=None):
    """`cache_dir`, else $HF_HUB_CACHE (legacy: $HUGGINGFACE_HUB_CACHE), else $HF_HOME/hub, else
    $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub: huggingface_hub's rule, read now."""
    if cache_dir is None:
        cache_dir = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if cache_dir is None:
        home = os.environ.get("HF_HOME")
        if home is None:
            home = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache"), "huggingface")
        cache_dir = os.path.join(home, "hub")
    return Path(os.path.expandvars(os.path.expanduser(str(cache_dir))))


def repo_folder(repo_id, cache_dir=None):
    """``{cache}/models--{org}--{name}``: where huggingface_hub keeps a model repo."""
    return hub_cache_dir(cache_dir) / ("models--" + repo_id.replace("/", "--"))


def check_revision(revision):
    """None -> "main"; a branch, tag or commit sha -> itself; anything that could leave refs/ -> InvalidInputError."""
    if revision is None:
        return DEFAULT_REVISION
    if not isinstance(revision, str) or not revision or revision.startswith("/") or ".." in revision.split("/"):
        raise InvalidInputError(f"revision must be a branch, tag or commit sha, got {revision!r}")
    return revision


def cached_snapshot(repo_id, revision=None, cache_dir=None):
    """The cached snapshot directory of `revision` (a sha: directly; a name: through refs/), or None."""
    revision = check_revision(revision)
    folder = repo_folder(repo_id, cache_dir)
    sha = revision
    if _COMMIT_SHA.fullmatch(revision) is None:
        ref = folder / "refs" / revision
        if not ref.is_file():
            return None
        sha = ref.read_text(encoding="utf-8").strip()
        if _COMMIT_SHA.fullmatch(sha) is None:
            return None
    snapshot = folder / "snapshots" / sha
    return snapshot if snapshot.is_dir() else None


def missing_files(directory, needs=NEEDS_ALL):
    """What `directory` lacks for the loaders of `needs` (a subset of NEEDS_ALL); config.json always."""
    directory = Path(directory)
    missing = [] if (directory / CONFIG_FILE).is_file() else [CONFIG_FILE]
    if "weights" in needs and not _has_weights(directory):
        missing.append(f"weights ({SINGLE_FILE}, {INDEX_FILE} and its shards, or {TORCH_FILE})")
    if "feature_extractor" in needs and not any(
        (directory / name).is_file() for name in (PROCESSOR_CONFIG_FILE, PREPROCESSOR_CONFIG_FILE)
    ):
        missing.append(f"{PROCESSOR_CONFIG_FILE} or {PREPROCESSOR_CONFIG_FILE}")
    if "tokenizer" in needs:
        missing += [name for name in TOKENIZER_REQUIRED if not (directory / name).is_file()]
    return missing


def _has_weights(directory):
    if (directory / SINGLE_FILE).is_file() or (directory / TORCH_FILE).is_file():
        return True
    if not (directory / INDEX_FILE).is_file():
        return False
    try:
        shards = _shard_names(directory / INDEX_FILE)
    except ModelNotFoundError:
        return False
    return all((directory / name).is_file() for name in shards)


def _shard_names(index_file):
    weight_map = read_json(index_file, "safetensors index", ModelNotFoundError).get("weight_map")
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        raise ModelNotFoundError(f"{str(index_file)!r} is not a valid safetensors index: no 'weight_map' of file names")
    return sorted(set(weight_map.values()))


def pick_weights(names):
    """The weights file to fetch from a repo listing, in transformers' order of preference, or None."""
    for name in (SINGLE_FILE, INDEX_FILE, TORCH_FILE):
        if name in names:
            return name
    return None


def resolve_hub_id(repo_id, *, revision=None, cache_dir=None, local_files_only=False, token=None, needs=NEEDS_ALL):
    """A hub id -> its snapshot directory: the cache first, then a download (module docstring)."""
    revision = check_revision(revision)
    label = f"{repo_id!r} (revision {revision!r})"
    snapshot = cached_snapshot(repo_id, revision, cache_dir)
    if snapshot is not None and not missing_files(snapshot, needs):
        return snapshot
    if snapshot is None:
        found = f"{label} is not a local directory, and the Hugging Face cache ({hub_cache_dir(cache_dir)}) has no copy"
    else:  # an interrupted download, or files another tool did not fetch
        found = f"the cached snapshot {str(snapshot)!r} of {label} lacks {', '.join(missing_files(snapshot, needs))}"
    by_hand = f"download it by hand:\n  {download_hint(repo_id)}\nand pass DIR as the model"
    if local_files_only or offline():
        why = "local_files_only=True" if local_files_only else f"{offline()} is set"
        raise ModelNotFoundError(
            f"{found}; {why}, so s2t_np does not download it. Allow downloads (with the hub extra: {INSTALL_HINT}), "
            f"or {by_hand}."
        )
    try:
        import huggingface_hub  # noqa: F401 - the optional extra
    except ImportError:
        raise ModelNotFoundError(
            f"{found}. To download hub ids, install the hub extra:\n  {INSTALL_HINT}\nor {by_hand}."
        ) from None
    snapshot = download_snapshot(repo_id, revision, cache_dir, token)
    missing = missing_files(snapshot, needs)
    if missing:
        raise ModelNotFoundError(f"{label} has no {', '.join(missing)}: it is not a complete Speech2Text checkpoint")
    return snapshot


def download_snapshot(repo_id, revision, cache_dir=None, token=None):
    """Fetch the files s2t_np reads into the cache with huggingface_hub -> the snapshot directory.

    The repo listing picks the files (`SMALL_FILES` it has, one weights format); each is fetched at
    the listed commit, config.json last and under `revision` so that huggingface_hub records
    ``refs/{revision}``. Hub and network errors become `ModelNotFoundError` naming the cause.
    """
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError

    endpoint = (os.environ.get("HF_ENDPOINT") or "").rstrip("/") or None
    where = endpoint or "the Hugging Face Hub"
    cache = str(hub_cache_dir(cache_dir))
    label = f"{repo_id!r} (revision {revision!r})"

    def fetch(filename, at):
        return Path(
            hf_hub_download(
                repo_id, filename, revision=at, cache_dir=cache, token=token, endpoint=endpoint, library_name="s2t-np"
            )
        )

    try:
        info = HfApi(endpoint=endpoint, library_name="s2t-np").model_info(repo_id, revision=revision, token=token)
        if not info.sha:
            raise ModelNotFoundError(f"{where} gave no commit sha for {label}")
        names = {sibling.rfilename for sibling in info.siblings or ()}
        weights = pick_weights(names)
        if CONFIG_FILE not in names or weights is None:
            lacks = CONFIG_FILE if CONFIG_FILE not in names else f"{SINGLE_FILE}, {INDEX_FILE} or {TORCH_FILE}"
            raise ModelNotFoundError(f"{label} at {where} has no {lacks}: not a checkpoint s2t_np can read")
        for name in SMALL_FILES:
            if name in names:
                fetch(name, info.sha)
        weights_file = fetch(weights, info.sha)
        if weights == INDEX_FILE:
            for shard in _shard_names(weights_file):
                if shard not in names:
                    raise ModelNotFoundError(f"{label} at {where}: {INDEX_FILE} lists {shard!r}, which the repo lacks")
                fetch(shard, info.sha)
        config = fetch(CONFIG_FILE, revision)
    except ModelNotFoundError:
        raise
    except GatedRepoError as exc:
        raise ModelNotFoundError(
            f"{label} at {where} is gated: accept its terms on the model page, then log in (hf auth login) or set "
            f"HF_TOKEN. {_one_line(exc)}"
        ) from exc
    except RepositoryNotFoundError as exc:
        raise ModelNotFoundError(
            f"{repo_id!r} was not found at {where}: check the id (a private repo needs a token: hf auth login, or "
            f"HF_TOKEN), or pass a local directory. {_one_line(exc)}"
        ) from exc
    except RevisionNotFoundError as exc:
        raise ModelNotFoundError(f"{repo_id!r} at {where} has no revision {revision!r}. {_one_line(exc)}") from exc
    except Exception as exc:  # network, HTTP and disk errors from huggingface_hub and its HTTP client
        raise ModelNotFoundError(
            f"downloading {label} from {where} failed: {type(exc).__name__}: {_one_line(exc)}\n"
            "Incomplete files are not used; the complete ones are kept for the next try. Run again, or download "
            f"by hand:\n  {download_hint(repo_id)}"
        ) from exc
    if config.parent.name != info.sha:
        raise ModelNotFoundError(f"{label} moved on the hub during the download (to {config.parent.name}); run again")
    return config.parent


def _one_line(exc):
    return " ".join(str(exc).split())
