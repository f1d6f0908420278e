"""The s2t-np command line end to end, through subprocesses (python -m s2t_np and the console script)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from s2t_np.cli import example_clips, main
from s2t_np.hf.pretrained import DEMO_DIR
from tests.support.reference_audio import reference_load_audio
from tests.support.text_fixtures import VARIED, build_full_dir, reference_transcribe, train_spm

CLIPS = ["speech_en_us_m.wav", "speech_en_f3.wav", "speech_fr.wav"]
SCRIPT = Path(sys.executable).parent / "s2t-np"
EXAMPLE_CLIP = DEMO_DIR.parent / "examples" / "example.wav"


def run(*args, script=False):
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "s2t_np"]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run(command + [str(a) for a in args], capture_output=True, text=True, timeout=120, env=env)


def one_error_line(result, code=1):
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("s2t-np: error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return lines[0]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, transformers, torch):
    root = tmp_path_factory.mktemp("cli")
    directory, _ = build_full_dir(
        root / "asr", train_spm(root / "spm", "unigram", False), seed=1, model_overrides=VARIED
    )
    return directory


@pytest.fixture(scope="module")
def expected(model_dir, data_dir, transformers):
    """transformers' texts for the clips, batched as the CLI batches them (one batch)."""
    pair = (
        transformers.Speech2TextForConditionalGeneration.from_pretrained(str(model_dir)).eval(),
        transformers.Speech2TextProcessor.from_pretrained(str(model_dir)),
    )
    return {
        "all": reference_transcribe(pair, [reference_load_audio(data_dir / c) for c in CLIPS]),
        "one": reference_transcribe(pair, [reference_load_audio(data_dir / CLIPS[0])])[0],
        "greedy": reference_transcribe(pair, [reference_load_audio(data_dir / CLIPS[0])], num_beams=1, max_length=8)[0],
    }


def test_json_output_for_several_files(model_dir, data_dir, expected):
    paths = [data_dir / c for c in CLIPS]
    result = run("transcribe", *paths, "--model", model_dir, "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [{"path": r["path"], "text": r["text"]} for r in rows] == [
        {"path": str(p), "text": t} for p, t in zip(paths, expected["all"])
    ]
    assert all(r["segments"] == [{"start": 0.0, "end": r["duration"], "text": r["text"]}] for r in rows), rows
    assert "transcribed 3/3 files" in result.stderr  # progress on stderr, not mixed into stdout


def test_plain_output_and_options(model_dir, data_dir, expected, capsys):
    result = run("transcribe", data_dir / CLIPS[0], "--model", model_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected["one"] + "\n"
    result = run(data_dir / CLIPS[0], "--model", model_dir, "--beams", "1", "--max-length", "8", script=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected["greedy"] + "\n"
    paths = [data_dir / c for c in CLIPS]
    assert main(["transcribe", *map(str, paths), "--model", str(model_dir), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.splitlines() == [f"{p}\t{t}" for p, t in zip(paths, expected["all"])]


def test_error_paths_through_subprocess(model_dir, data_dir, tmp_path):
    line = one_error_line(run("transcribe", tmp_path / "missing.wav", "--model", model_dir))
    assert "audio file not found" in line and "missing.wav" in line
    (tmp_path / "notes.wav").write_text("this is not audio")
    line = one_error_line(run("transcribe", tmp_path / "notes.wav", "--model", model_dir))
    assert "cannot decode" in line and "notes.wav" in line
    (tmp_path / "empty_model").mkdir()
    line = one_error_line(run("transcribe", data_dir / CLIPS[0], "--model", tmp_path / "empty_model"))
    assert "config.json" in line


def _main_error(capsys, argv, code=1):
    assert main(argv) == code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("s2t-np: error: "), err
    return lines[0]


def test_more_error_paths_in_process(model_dir, data_dir, capsys):
    clip = str(data_dir / CLIPS[0])
    line = _main_error(capsys, ["transcribe", clip, "--model", "facebook/s2t-small-librispeech-asr"])
    assert "hf download facebook/s2t-small-librispeech-asr --local-dir DIR" in line
    assert "multilingual" in _main_error(capsys, ["transcribe", clip, "--model", str(model_dir), "--tgt-lang", "fr"])
    assert "positive integer" in _main_error(capsys, ["transcribe", clip, "--beams", "0"], code=2)
    assert "FILE" in _main_error(capsys, ["transcribe"], code=2)
    assert "--bogus" in _main_error(capsys, ["--bogus"], code=2)


def test_debug_shows_the_traceback(data_dir, tmp_path):
    result = run("transcribe", tmp_path / "missing.wav", "--debug")
    assert result.returncode != 0 and "Traceback" in result.stderr and "AudioFileNotFoundError" in result.stderr


def test_no_arguments_runs_the_shipped_demo():
    """The README's main job: the demo model and the example clips ship with the package."""
    assert (DEMO_DIR / "config.json").is_file() and example_clips(), "s2t_np/demo or s2t_np/examples is missing"
    result = run()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == [p.name for p in example_clips()]
    assert all(line.split("\t")[1].strip() for line in lines), "the demo model should produce text"


def test_no_arguments_job_with_a_stand_in_demo(model_dir, data_dir, tmp_path, monkeypatch, capsys, transformers):
    """The default job's logic, whatever is installed: demo dir and example clips patched to fixtures."""
    import shutil

    import s2t_np.cli as cli
    import s2t_np.hf.pretrained as pretrained

    examples = tmp_path / "examples"
    examples.mkdir()
    for name in ("b_clip.wav", "a_clip.wav"):
        shutil.copyfile(data_dir / CLIPS[0 if name.startswith("a") else 1], examples / name)
    (examples / "transcripts.tsv").write_text("not audio, ignored\n")
    monkeypatch.setattr(pretrained, "DEMO_DIR", model_dir)
    monkeypatch.setattr(cli, "EXAMPLES_DIR", examples)
    assert main([]) == 0
    out, _ = capsys.readouterr()
    pair = (
        transformers.Speech2TextForConditionalGeneration.from_pretrained(str(model_dir)).eval(),
        transformers.Speech2TextProcessor.from_pretrained(str(model_dir)),
    )
    want = reference_transcribe(pair, [reference_load_audio(examples / name) for name in ("a_clip.wav", "b_clip.wav")])
    assert out.splitlines() == [f"a_clip.wav\t{want[0]}", f"b_clip.wav\t{want[1]}"]
    monkeypatch.setattr(cli, "EXAMPLES_DIR", tmp_path / "none")
    assert main([]) == 1
    assert "no example clips" in capsys.readouterr().err


# ---- trace and compare (the parity oracle's files) ----------------------------------------------
def test_trace_writes_the_oracle_trace_of_the_demo_model(data_dir, tmp_path):
    """`trace` = processor features + greedy hypothesis + oracle.trace, saved: the file equals the in-process trace."""
    import numpy as np

    import s2t_np
    from s2t_np.oracle import assert_trace_close, load_trace, trace

    clip, out = data_dir / CLIPS[0], tmp_path / "demo.safetensors"
    result = run("trace", "demo", clip, "-o", out, script=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{out}: ") and "entries" in lines[0], result.stdout
    saved = load_trace(out)
    model = s2t_np.Speech2TextForConditionalGeneration.from_pretrained("demo")
    processor = s2t_np.Speech2TextProcessor.from_pretrained("demo")
    inputs = processor([s2t_np.load_audio(clip)], sampling_rate=16000, padding=True, return_tensors="np")
    ids = model.generate(
        inputs["input_features"], attention_mask=inputs["attention_mask"], num_beams=1, max_new_tokens=20
    )
    assert ids.shape[1] > 2, "the default decoder ids are the model's hypothesis, not just the start token"
    np.testing.assert_array_equal(saved.inputs["decoder_input_ids"], ids)
    assert_trace_close(
        trace(model, inputs["input_features"], inputs["attention_mask"], ids), saved, tolerances=(0.0, 0.0)
    )
    assert saved.metadata["source"]["audio"] == [str(clip)] and saved.metadata["dtype"] == "float32"
    assert f"{len(saved)} entries" in lines[0]

    assert (
        main(["trace", "demo", str(clip), "-o", str(out), "--dtype", "float64", "--decoder-input-ids", "2 45 17"]) == 0
    )
    given = load_trace(out)
    np.testing.assert_array_equal(given.inputs["decoder_input_ids"], [[2, 45, 17]])
    assert given["lm_head"].dtype == np.float64 and given["lm_head"].shape == (1, 3, model.config.vocab_size)


def test_compare_exit_status_and_first_divergence(data_dir, tmp_path, capsys):
    import numpy as np

    from s2t_np.oracle import Trace, load_trace, save_trace

    reference = tmp_path / "ref.safetensors"
    assert main(["trace", "demo", str(data_dir / CLIPS[1]), "-o", str(reference)]) == 0
    capsys.readouterr()
    assert main(["compare", str(reference), str(reference)]) == 0
    out, err = capsys.readouterr()
    n = len(load_trace(reference))
    assert err == "" and out.rstrip().endswith(f"ok: all {n} names agree")

    original = load_trace(reference)
    entries = dict(original)
    name = "model.decoder.layers.0.fc1"
    entries[name] = entries[name] + np.float32(0.01) * np.abs(entries[name]).max()
    perturbed = save_trace(Trace(entries, original.metadata, original.inputs), tmp_path / "perturbed.safetensors")
    assert main(["compare", str(reference), str(perturbed)]) == 1
    out, _ = capsys.readouterr()
    assert f"first divergence: {name}\n" in out
    assert main(["compare", str(reference), str(perturbed), "--tolerance", "1,0"]) == 0  # |diff| <= 1 everywhere
    capsys.readouterr()

    del entries["lm_head"]
    entries[name] = original[name]
    partial = save_trace(Trace(entries, original.metadata, original.inputs), tmp_path / "partial.safetensors")
    assert main(["compare", str(reference), str(partial)]) == 1  # every shared name agrees, one is missing
    out, _ = capsys.readouterr()
    assert "missing in candidate (1): lm_head" in out


def test_trace_and_compare_errors(data_dir, tmp_path, capsys):
    clip = str(data_dir / CLIPS[0])
    line = _main_error(capsys, ["compare", str(tmp_path / "missing.safetensors"), clip])
    assert "trace file not found" in line and "missing.safetensors" in line
    line = _main_error(capsys, ["compare", clip, clip])
    assert "not a safetensors file" in line and CLIPS[0] in line
    assert "ATOL,RTOL" in _main_error(capsys, ["compare", clip, clip, "--tolerance", "1e-5"], code=2)
    assert "-o/--output" in _main_error(capsys, ["trace", "demo", clip], code=2)
    assert "token ids" in _main_error(capsys, ["trace", "demo", clip, "-o", "x", "--decoder-input-ids", "2 a"], code=2)
    line = _main_error(
        capsys, ["trace", "demo", clip, "-o", str(tmp_path / "t.safetensors"), "--decoder-input-ids", "2 99999"]
    )
    assert "outside the vocabulary" in line
    line = one_error_line(run("trace", "demo", tmp_path / "missing.wav", "-o", tmp_path / "t.safetensors"))
    assert "audio file not found" in line


# ---- long files, output formats, several files with bad ones (the shipped demo model) -------------------
@pytest.fixture(scope="module")
def long_wav(tmp_path_factory):
    """~30 s of the committed sentence clips with pauses, as a 16-bit WAV."""
    import soundfile

    from tests.support.long_audio import long_recording

    x, _, _ = long_recording(25, seed=3)
    path = tmp_path_factory.mktemp("cli_long") / "talk.wav"
    soundfile.write(path, x, 16000, subtype="PCM_16")
    return path


def test_a_bad_file_does_not_stop_the_others(data_dir, tmp_path):
    from s2t_np import transcribe

    good = [EXAMPLE_CLIP, data_dir / "demo_heldout" / "seen_1.wav"]
    (tmp_path / "notes.wav").write_text("not audio")
    (tmp_path / "folder.wav").mkdir()
    files = [good[0], tmp_path / "missing.wav", tmp_path / "notes.wav", good[1], tmp_path / "folder.wav"]
    result = run("transcribe", *files, "--quiet")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [f"{p}\t{t}" for p, t in zip(good, transcribe(good))]
    errors = result.stderr.splitlines()
    assert len(errors) == 3 and all(line.startswith("s2t-np: error: ") for line in errors), result.stderr
    assert "audio file not found" in errors[0] and "missing.wav" in errors[0]
    assert "cannot decode" in errors[1] and "notes.wav" in errors[1]
    assert "is a directory" in errors[2] and "folder.wav" in errors[2]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["srt", "vtt", "tsv", "json", "txt"])
def test_output_formats_of_a_long_file(long_wav, fmt, capsys):
    from s2t_np import transcribe
    from s2t_np.transcript import format_transcript
    from tests.support.subtitles import parse_srt, parse_vtt

    want = transcribe(long_wav, return_segments=True)
    assert len(want.segments) >= 8
    assert main(["transcribe", str(long_wav), "--format", fmt]) == 0
    stdout, stderr = capsys.readouterr()
    assert stdout == format_transcript(want, fmt)
    segments = [(round(s.start, 3), round(s.end, 3), s.text) for s in want.segments]
    if fmt == "srt":
        assert [c[1:] for c in parse_srt(stdout)] == segments
    elif fmt == "vtt":
        assert parse_vtt(stdout) == segments
    elif fmt == "tsv":
        lines = stdout.splitlines()
        assert lines[0] == "start\tend\ttext" and len(lines) == len(segments) + 1
        assert [(float(a), float(b), t) for a, b, t in (line.split("\t") for line in lines[1:])] == segments
    elif fmt == "json":
        row = json.loads(stdout)
        assert row["path"] == str(long_wav) and [tuple(s.values()) for s in row["segments"]] == segments
    else:
        assert stdout == want.text + "\n"
    progress = stderr.splitlines()
    assert len(progress) >= 2 and all(line.startswith("s2t-np: transcribed ") for line in progress), stderr
    assert progress[-1].startswith("s2t-np: transcribed 1/1 files, "), stderr


def test_subtitles_of_several_files_go_to_an_output_dir(long_wav, tmp_path, capsys):
    from tests.support.subtitles import parse_srt

    files = [str(long_wav), str(EXAMPLE_CLIP)]
    line = _main_error(capsys, ["transcribe", *files, "--format", "srt"], code=2)
    assert "--output-dir" in line
    assert "disagree" in _main_error(capsys, ["transcribe", files[1], "--json", "--format", "tsv"], code=2)
    out_dir = tmp_path / "subs"
    assert main(["transcribe", *files, "--format", "srt", "--output-dir", str(out_dir), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert sorted(p.name for p in out_dir.iterdir()) == ["example.srt", "talk.srt"]
    assert len(parse_srt((out_dir / "talk.srt").read_text(encoding="utf-8"))) >= 8
    assert main(["transcribe", *files, "--format", "tsv", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "file\tstart\tend\ttext" and {line.split("\t")[0] for line in lines[1:]} == set(files)


def test_truncated_wav_prints_a_warning_line_and_the_text(tmp_path):
    data = EXAMPLE_CLIP.read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) * 2 // 3])
    result = run("transcribe", tmp_path / "cut.wav", "--quiet")  # run() sets PYTHONWARNINGS=ignore
    assert result.returncode == 0 and len(result.stdout.split()) >= 4, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("s2t-np: warning: ") and "cut.wav is truncated" in lines[0]


def test_corrupt_weights_is_one_error_line(tmp_path):
    import shutil

    shutil.copytree(DEMO_DIR, tmp_path / "model")
    weights = tmp_path / "model" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    line = one_error_line(run("transcribe", EXAMPLE_CLIP, "--model", tmp_path / "model"))
    assert "model.safetensors is not a complete safetensors file" in line
