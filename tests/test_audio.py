"""s2t_np.load_audio: formats, scaling, down-mixing, resampling and every error case.

Files are written into tmp_path with soundfile from known sample values, so the expected
waveform is known independently of the decoder under test.
"""

import io
import warnings

import numpy as np
import pytest
import soundfile

import s2t_np
from s2t_np.errors import AudioDecodeError, AudioFileNotFoundError, EmptyAudioError, InvalidAudioError, S2TError
from tests.support.asserts import assert_close
from tests.support.reference_audio import reference_load_audio
from tests.support.tolerances import AUDIO_DOWNMIX, AUDIO_FLOAT_WAV, AUDIO_RESAMPLED_SINE, AUDIO_VORBIS_SINE


def int16_ramp(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(-32768, 32768, size=n, dtype=np.int32).astype(np.int16)
    x[:2] = (-32768, 32767)  # the extremes map to -1 and 1 - 2**-15
    return x


def sine(rate, seconds=0.5, freq=440.0, phase=0.0):
    t = np.arange(int(round(seconds * rate))) / rate
    return 0.5 * np.sin(2 * np.pi * freq * t + phase)


def test_int16_wav_is_scaled_to_unit_range(tmp_path):
    pcm = int16_ramp()
    soundfile.write(tmp_path / "a.wav", pcm, 16000, subtype="PCM_16")
    x = s2t_np.load_audio(tmp_path / "a.wav")
    assert x.dtype == np.float32 and x.shape == pcm.shape
    np.testing.assert_array_equal(x, pcm.astype(np.float32) / 32768)
    assert x.min() == -1.0 and x.max() == np.float32(1 - 2**-15)


def test_float_wav_is_returned_as_stored(tmp_path):
    values = np.random.default_rng(1).uniform(-1, 1, 2000).astype(np.float32)
    soundfile.write(tmp_path / "f.wav", values, 16000, subtype="FLOAT")
    np.testing.assert_array_equal(s2t_np.load_audio(str(tmp_path / "f.wav")), values)


def test_flac_and_file_like(tmp_path):
    pcm = int16_ramp(seed=2)
    soundfile.write(tmp_path / "a.flac", pcm, 16000, subtype="PCM_16")
    expected = pcm.astype(np.float32) / 32768
    np.testing.assert_array_equal(s2t_np.load_audio(tmp_path / "a.flac"), expected)
    with open(tmp_path / "a.flac", "rb") as f:
        np.testing.assert_array_equal(s2t_np.load_audio(f), expected)
    buffer = io.BytesIO((tmp_path / "a.flac").read_bytes())
    np.testing.assert_array_equal(s2t_np.load_audio(buffer), expected)


def test_ogg_vorbis(tmp_path):
    x = sine(16000, seconds=1.0)
    soundfile.write(tmp_path / "a.ogg", x, 16000, format="OGG", subtype="VORBIS")
    y = s2t_np.load_audio(tmp_path / "a.ogg")
    assert y.dtype == np.float32 and y.shape == x.shape
    assert np.abs(y[1000:-1000] - x[1000:-1000]).max() < AUDIO_VORBIS_SINE  # lossy codec


def test_stereo_is_averaged(tmp_path):
    left, right = int16_ramp(seed=3), int16_ramp(seed=4)
    soundfile.write(tmp_path / "s.wav", np.stack([left, right], axis=1), 16000, subtype="PCM_16")
    expected = (left.astype(np.float32) / 32768 + right.astype(np.float32) / 32768) / 2
    np.testing.assert_array_equal(s2t_np.load_audio(tmp_path / "s.wav"), expected)  # exact: (a + b) / 2**16 in float32


def test_int16_stereo_extremes_average_exactly(tmp_path):
    """Two int16 channels: (a + b) / 65536 is exact in float32, so the expected samples are written out."""
    left = np.array([-32768, 32767, 1, 0, 100, -32768, 32767, 12345], dtype=np.int16)
    right = np.array([-32768, -32768, 0, 0, -100, 32767, 32767, -12344], dtype=np.int16)
    soundfile.write(tmp_path / "s.wav", np.stack([left, right], axis=1), 16000, subtype="PCM_16")
    expected = np.array([-1.0, -(2**-16), 2**-16, 0.0, 0.0, -(2**-16), 1 - 2**-15, 2**-16], dtype=np.float32)
    np.testing.assert_array_equal(s2t_np.load_audio(tmp_path / "s.wav"), expected)


def uneven_channels(n_channels, subtype, n=3000, seed=0):
    """Channels at very different levels: full-scale noise, a half-level inverted copy of it (they
    partly cancel), a DC offset with a little noise, silence. Returns (samples to write [n, C],
    the float64 values the file holds [n, C])."""
    rng = np.random.default_rng(seed)
    full = rng.uniform(-1.0, 1.0, n)
    columns = [full, -0.5 * full, -0.25 + 0.01 * rng.standard_normal(n), np.zeros(n)][:n_channels]
    x = np.stack(columns, axis=1)
    if subtype == "PCM_16":
        pcm = np.round(x * 32767).astype(np.int16)
        return pcm, pcm / 32768.0
    stored = x.astype(np.float32)
    return stored, stored.astype(np.float64)


@pytest.mark.parametrize("n_channels", [2, 3, 4])
@pytest.mark.parametrize("subtype", ["PCM_16", "FLOAT"])
def test_uneven_channels_are_averaged(tmp_path, n_channels, subtype):
    data, stored = uneven_channels(n_channels, subtype, seed=n_channels)
    soundfile.write(tmp_path / "m.wav", data, 16000, subtype=subtype)
    expected = stored.mean(axis=1)  # float64 mean of every channel
    # the case tells the mean apart from one channel, from the sum and from the mean of fewer channels
    assert np.abs(expected - stored[:, 0]).max() > 0.1 and np.abs(expected - stored.sum(axis=1)).max() > 0.1
    assert np.abs(expected - stored[:, :-1].mean(axis=1)).max() > 0.05
    got = s2t_np.load_audio(tmp_path / "m.wav")
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert_close(got, expected, AUDIO_DOWNMIX, f"{n_channels} {subtype} channels")


@pytest.mark.parametrize("subtype", ["PCM_16", "FLOAT"])
def test_stereo_at_another_rate_is_mixed_then_resampled(tmp_path, subtype):
    """8 kHz stereo -> 16 kHz mono equals soundfile + mean + resample_poly written independently."""
    data, stored = uneven_channels(2, subtype, n=4000, seed=9)
    soundfile.write(tmp_path / "s8.wav", data, 8000, subtype=subtype)
    got = s2t_np.load_audio(tmp_path / "s8.wav", sampling_rate=16000)
    assert got.shape == (8000,)
    assert_close(got, reference_load_audio(tmp_path / "s8.wav", 16000), AUDIO_DOWNMIX, f"{subtype} stereo 8 -> 16 kHz")


@pytest.mark.parametrize("rate", [8000, 22050, 44100])
def test_resampled_to_16k(tmp_path, rate):
    """A 440 Hz sine written at `rate` comes back as the same sine sampled at 16 kHz."""
    soundfile.write(tmp_path / "r.wav", sine(rate), rate, subtype="FLOAT")
    y = s2t_np.load_audio(tmp_path / "r.wav", sampling_rate=16000)
    assert y.dtype == np.float32
    assert len(y) == int(np.ceil(int(round(0.5 * rate)) * 16000 / rate))
    expected = sine(16000)[: len(y)]
    # away from the zero-padded edges the polyphase filter (Kaiser beta 5, stop-band ~-45 dB) is
    # transparent for a 440 Hz tone
    assert np.abs(y[200:-200] - expected[200:-200]).max() < AUDIO_RESAMPLED_SINE
    assert np.abs(s2t_np.load_audio(tmp_path / "r.wav", sampling_rate=rate) - sine(rate)).max() < AUDIO_FLOAT_WAV


def test_committed_clips_load():
    from tests.support.paths import DATA_DIR

    for name in ("speech_en_us_m.wav", "speech_en_f3.wav", "speech_en_gb.wav", "speech_fr.wav"):
        x = s2t_np.load_audio(DATA_DIR / name)
        assert x.ndim == 1 and 1.5 * 16000 < len(x) < 6 * 16000 and np.abs(x).max() > 0.1


def test_missing_file(tmp_path):
    with pytest.raises(AudioFileNotFoundError, match="not found") as info:
        s2t_np.load_audio(tmp_path / "nope.wav")
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, S2TError)


def test_not_audio(tmp_path):
    (tmp_path / "text.wav").write_text("this is not a wav file at all\n" * 10)
    with pytest.raises(AudioDecodeError) as info:
        s2t_np.load_audio(tmp_path / "text.wav")
    assert isinstance(info.value, ValueError)
    with pytest.raises(AudioDecodeError):
        s2t_np.load_audio(io.BytesIO(b"\x00\x01garbage" * 50))


def test_directory_and_non_path_sources(tmp_path):
    """A directory is not "not found"; an int is not silently taken as a file descriptor."""
    with pytest.raises(AudioDecodeError, match="is a directory"):
        s2t_np.load_audio(tmp_path)
    for bad in (123, 0, None, np.zeros(10)):
        with pytest.raises(InvalidAudioError, match="path or a binary file-like object"):
            s2t_np.load_audio(bad)


def test_truncated_header(tmp_path):
    soundfile.write(tmp_path / "a.flac", int16_ramp(), 16000, subtype="PCM_16")
    (tmp_path / "cut.flac").write_bytes((tmp_path / "a.flac").read_bytes()[:20])
    with pytest.raises(AudioDecodeError):
        s2t_np.load_audio(tmp_path / "cut.flac")


def test_zero_length_audio(tmp_path):
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, np.int16), 16000, subtype="PCM_16")
    with pytest.raises(EmptyAudioError) as info:
        s2t_np.load_audio(tmp_path / "empty.wav")
    assert isinstance(info.value, ValueError)


# ---- pieces of a file (read_audio, audio_blocks): what transcribe reads long files with ---------------
@pytest.mark.parametrize("rate, channels", [(16000, 1), (8000, 1), (22050, 2), (44100, 1), (48000, 2), (16001, 1)])
def test_pieces_equal_the_whole_waveform_sample_for_sample(tmp_path, rate, channels):
    """Any [a, b) of read_audio, and audio_blocks concatenated, are load_audio's numbers exactly (the
    resampling of a piece is aligned to the whole file's output grid, with the filter's reach as margin)."""
    from s2t_np.audio import audio_blocks, audio_length, read_audio

    rng = np.random.default_rng(rate)
    path = tmp_path / "x.wav"
    soundfile.write(path, (rng.standard_normal((int(rate * 2.3), channels)) * 0.2).astype(np.float32), rate, "FLOAT")
    whole = s2t_np.load_audio(path)
    n = whole.shape[0]
    assert audio_length(path) == n
    for a, b in [(0, 100), (7, 16000), (12345, 20000), (n - 1000, n), (n - 3, None), (0, None), (5, 5)]:
        np.testing.assert_array_equal(read_audio(path, 16000, a, b), whole[a:b], err_msg=f"[{a}, {b})")
    for block in (160, 7 * 160 + 1, 16000):
        np.testing.assert_array_equal(np.concatenate(list(audio_blocks(path, 16000, block=block))), whole)


def test_truncated_wav_warns_and_reads_what_is_there(tmp_path):
    """A WAV whose header announces more audio than the file holds: TruncatedAudioWarning naming the file
    and both durations, and the samples that are there (libsndfile alone would pass silently)."""
    from s2t_np.errors import TruncatedAudioWarning

    x = int16_ramp(32000)
    soundfile.write(tmp_path / "full.wav", x, 16000, subtype="PCM_16")
    data = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: 44 + 2 * 8000])  # 0.5 s of the 2 s announced
    with pytest.warns(TruncatedAudioWarning, match=r"cut\.wav is truncated.*announces 2\.00 s.*holds 0\.50 s"):
        wave = s2t_np.load_audio(tmp_path / "cut.wav")
    np.testing.assert_array_equal(wave, x[:8000] / np.float32(32768))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete file and a streamed header (size unknown) do not warn
        s2t_np.load_audio(tmp_path / "full.wav")
        streamed = bytearray(data)
        streamed[40:44] = b"\xff\xff\xff\xff"
        (tmp_path / "streamed.wav").write_bytes(bytes(streamed))
        s2t_np.load_audio(tmp_path / "streamed.wav")
