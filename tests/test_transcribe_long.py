"""transcribe() on audio of any length, with the shipped demo model: segmenting at pauses, no text from
silence, segment times, the output formats, per-input errors, and the bad inputs that used to pass.

Long recordings are the committed espeak-ng sentence clips strung together with pauses
(tests/support/long_audio.py); the demo model knows their words (docs/demo_model.md). "One by one"
is the same clips, cut out of the same file, transcribed as a list: what a user would get by
segmenting the file by hand at the right places.
"""

import re
import shutil
import warnings

import numpy as np
import pytest
import soundfile

import s2t_np
from s2t_np import (
    AudioDecodeError,
    AudioFileNotFoundError,
    GenerationError,
    InvalidInputError,
    SamplingRateError,
    TruncatedAudioWarning,
    WeightsError,
    load_audio,
    transcribe,
)
from s2t_np.hf.modeling import Speech2TextForConditionalGeneration
from s2t_np.hf.pretrained import DEMO_DIR
from s2t_np.transcript import Segment, Transcript, format_transcript
from s2t_np.vad import VadOptions
from tests.support.long_audio import RATE, long_recording, wer
from tests.support.subtitles import parse_srt, parse_vtt

EXAMPLE = DEMO_DIR.parent / "examples" / "example.wav"


@pytest.fixture(scope="module")
def long_file(tmp_path_factory):
    """~100 s: 32 sentences (4 rounds of the 8 clips) with pauses of 0.6-1.5 s, as a 16-bit WAV."""
    x, sentences, spans = long_recording(75, seed=1)
    path = tmp_path_factory.mktemp("long") / "long.wav"
    soundfile.write(path, x, RATE, subtype="PCM_16")
    return path, sentences, spans


@pytest.fixture(scope="module")
def long_result(long_file):
    return transcribe(long_file[0], return_segments=True)


def speech_extent(wave, a, b):
    """The first and last sample of clip [a, b) that is not silence (|x| > 1e-3), in seconds."""
    loud = np.flatnonzero(np.abs(wave[a:b]) > 1e-3)
    return (a + loud[0]) / RATE, (a + loud[-1] + 1) / RATE


def test_long_form_wer_is_that_of_the_sentences_one_by_one(long_file, long_result):
    path, sentences, spans = long_file
    wave = load_audio(path)
    one_by_one = transcribe([wave[a:b] for a, b in spans], sampling_rate=RATE)
    reference = " ".join(sentences)
    long_wer, one_wer = wer(reference, long_result.text), wer(reference, " ".join(one_by_one))
    assert long_wer <= one_wer + 0.03, f"long-form WER {long_wer:.1%}, one by one {one_wer:.1%}"
    assert long_wer < 0.10, long_result.text
    assert long_result.text == " ".join(s.text for s in long_result.segments)
    assert abs(len(long_result.segments) - len(spans)) <= 2, "about one segment per sentence"


def test_segment_times_lie_in_the_file_in_order_and_cover_the_speech(long_file, long_result):
    path, _, spans = long_file
    wave = load_audio(path)
    duration = wave.shape[0] / RATE
    assert long_result.duration == pytest.approx(duration) and long_result.path == str(path)
    times = [(s.start, s.end) for s in long_result.segments]
    assert all(0 <= start < end <= duration for start, end in times)
    assert all(prev_end <= start for (_, prev_end), (start, _) in zip(times, times[1:])), "in order, no overlap"
    assert all(end - start <= 20.0 for start, end in times)
    for a, b in spans:  # every clip's speech lies inside one segment (to the 10 ms frame)
        first, last = speech_extent(wave, a, b)
        assert any(start <= first + 0.01 and last - 0.01 <= end for start, end in times), (first, last, times)


def test_silence_and_noise_give_no_text_without_running_the_model(tmp_path, monkeypatch):
    def no_generate(*args, **kwargs):
        raise AssertionError("the model must not run on audio without speech")

    monkeypatch.setattr(Speech2TextForConditionalGeneration, "generate", no_generate)
    rng = np.random.default_rng(0)
    assert transcribe(np.zeros(5 * RATE, np.float32), sampling_rate=RATE) == ""
    soundfile.write(tmp_path / "silence.wav", np.zeros(60 * RATE, np.int16), RATE)
    soundfile.write(tmp_path / "hiss.wav", (rng.standard_normal(30 * RATE) * 0.01).astype(np.float32), RATE)
    got = transcribe([tmp_path / "silence.wav", tmp_path / "hiss.wav"], return_segments=True)
    assert [t.text for t in got] == ["", ""] and [t.segments for t in got] == [(), ()]
    assert [t.duration for t in got] == [60.0, 30.0]


def test_speech_padded_by_long_silences_gives_the_same_text(long_file):
    """A recording with 1 s of silence at its ends, and the same with 30 s and 45 s more: same segments, same text."""
    wave = np.pad(load_audio(long_file[0]), RATE)
    plain = transcribe(wave, sampling_rate=RATE, return_segments=True)
    padded = transcribe(np.pad(wave, (30 * RATE, 45 * RATE)), sampling_rate=RATE, return_segments=True)
    assert padded.text == plain.text and len(plain.segments) >= 30
    shifted = [(s.start - 30, s.end - 30) for s in padded.segments]
    np.testing.assert_allclose(shifted, [(s.start, s.end) for s in plain.segments], atol=1e-9)


def test_continuous_speech_is_cut_at_pauses_to_max_segment_s():
    """Sentences with short pauses, min_silence_s too long to end a stretch: max_segment_s cuts between sentences."""
    x, _, spans = long_recording(30, seed=2, pause=(0.05, 0.1))
    got = transcribe(
        x, sampling_rate=RATE, max_segment_s=6, vad_options=VadOptions(min_silence_s=5.0), return_segments=True
    )
    assert len(got.segments) >= 4 and all(s.end - s.start <= 6.0 for s in got.segments)
    cuts = [s.start for prev, s in zip(got.segments, got.segments[1:]) if prev.end == s.start]
    assert len(cuts) >= 3, "one stretch of speech, cut into pieces"
    extents = [speech_extent(x, a, b) for a, b in spans]
    inside = [c for c in cuts if any(first + 0.01 < c < last - 0.01 for first, last in extents)]
    assert not inside, f"cuts inside a sentence at {inside} s"


def test_short_audio_is_one_segment_and_max_segment_none_never_cuts(long_file):
    got = transcribe(EXAMPLE, return_segments=True)
    assert got.segments == (Segment(0.0, got.duration, got.text),) and got.text == transcribe(EXAMPLE)
    wave = load_audio(long_file[0])[: 25 * RATE]
    whole = transcribe(wave, sampling_rate=RATE, max_segment_s=None, return_segments=True)
    assert [(s.start, s.end) for s in whole.segments] == [(0.0, 25.0)]


def test_return_exceptions_keeps_the_good_results(tmp_path):
    (tmp_path / "notes.wav").write_text("not audio")
    items = [EXAMPLE, tmp_path / "missing.wav", tmp_path, tmp_path / "notes.wav", np.zeros(RATE, np.float32)]
    got = transcribe(items, sampling_rate=RATE, return_exceptions=True)
    assert got[0] == transcribe(EXAMPLE) and got[4] == ""
    assert isinstance(got[1], AudioFileNotFoundError) and "missing.wav" in str(got[1])
    assert isinstance(got[2], AudioDecodeError) and "is a directory" in str(got[2])
    assert isinstance(got[3], AudioDecodeError) and "notes.wav" in str(got[3])
    assert all(isinstance(e, AudioFileNotFoundError) for e in transcribe([tmp_path / "a.wav"], return_exceptions=True))
    with pytest.raises(AudioDecodeError, match="is a directory, not an audio file"):
        transcribe(tmp_path)


def test_truncated_wav_warns_naming_the_file_and_transcribes_the_rest(tmp_path):
    data = EXAMPLE.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.warns(TruncatedAudioWarning, match=r"cut\.wav is truncated.*announces 3\.17 s"):
        text = transcribe(cut)
    assert len(text.split()) >= 4


def test_bad_arguments_say_what_is_wrong_in_transcribes_terms():
    wave = load_audio(EXAMPLE)
    for rate in ("16000", 0, 16000.5, None):
        with pytest.raises(SamplingRateError, match="sampling_rate"):
            transcribe(wave, sampling_rate=rate)
    with pytest.raises(SamplingRateError, match="audio at 8000 Hz, the model expects 16000 Hz"):
        transcribe(wave, sampling_rate=8000.0)
    for bad in (0, 1, "10", 2.5, True):
        with pytest.raises(GenerationError, match=r"max_length is the longest text of a segment in tokens.*>= 2"):
            transcribe(EXAMPLE, max_length=bad)
    with pytest.raises(GenerationError, match="num_beams is the beam width"):
        transcribe(EXAMPLE, num_beams=0)
    for bad in (0.5, -1, float("inf"), "20", True):
        with pytest.raises(InvalidInputError, match="max_segment_s must be a number of seconds >= 1"):
            transcribe(EXAMPLE, max_segment_s=bad)
    with pytest.raises(InvalidInputError, match="VadOptions"):
        transcribe(EXAMPLE, vad_options={"pad_after_s": 0.1})
    with pytest.raises(InvalidInputError, match="batch_size"):
        transcribe(EXAMPLE, batch_size=0)


@pytest.mark.parametrize("keep", [0, 100, 0.5])
def test_corrupt_weights_file_is_a_weights_error_naming_it(tmp_path, keep):
    model_dir = tmp_path / "model"
    shutil.copytree(DEMO_DIR, model_dir)
    weights = model_dir / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: int(len(data) * keep) if isinstance(keep, float) else keep])
    with pytest.raises(WeightsError, match=r"model\.safetensors is not a complete safetensors file"):
        transcribe(EXAMPLE, model_dir)


# ---- output formats ------------------------------------------------------------------------------------
def test_formats_of_a_transcript():
    t = Transcript((Segment(0.0, 1.5, "hello\tworld"), Segment(3725.0004, 3726.9996, "again")), 3730.0, "a.wav")
    assert format_transcript(t, "txt") == "hello world again\n"
    assert format_transcript(t, "tsv") == "start\tend\ttext\n0.000\t1.500\thello world\n3725.000\t3727.000\tagain\n"
    assert parse_srt(format_transcript(t, "srt")) == [(1, 0.0, 1.5, "hello world"), (2, 3725.0, 3727.0, "again")]
    assert parse_vtt(format_transcript(t, "vtt")) == [(0.0, 1.5, "hello world"), (3725.0, 3727.0, "again")]
    assert "01:02:05,000 --> 01:02:07,000" in format_transcript(t, "srt")
    with pytest.raises(InvalidInputError, match="unknown format 'doc'"):
        format_transcript(t, "doc")


def test_subtitles_of_a_long_file_parse_and_match_the_segments(long_result):
    cues = parse_srt(format_transcript(long_result, "srt"))
    assert [c[0] for c in cues] == list(range(1, len(long_result.segments) + 1))
    expected = [(round(s.start, 3), round(s.end, 3), s.text) for s in long_result.segments]
    assert [c[1:] for c in cues] == expected
    assert parse_vtt(format_transcript(long_result, "vtt")) == expected


def test_progress_reports_seconds_within_a_long_file(long_file, capsys):
    transcribe(long_file[0], batch_size=8, progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) >= 4 and lines[0].startswith("s2t-np: transcribed 0/1 files, ")
    assert lines[-1].startswith("s2t-np: transcribed 1/1 files, ") and lines[-1].endswith(" s of speech")
    done = [float(re.search(r"files, ([\d.]+)/", line)[1]) for line in lines]
    assert done == sorted(done)


def test_no_warning_for_ordinary_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        transcribe([EXAMPLE, s2t_np.load_audio(EXAMPLE)], sampling_rate=RATE)
