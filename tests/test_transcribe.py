"""transcribe() == transformers' processor + generate + batch_decode on the same directory and audio.

Random-weight models (text_fixtures.VARIED) give nonsense but varied texts; the texts must be
identical strings. Both sides batch the same way (the padding of a batch changes the output,
docs/numerics.md section 2): s2t_np with its batch_plan, the reference with the documented rule
written again in tests/support/reference_audio.py, which also loads the reference's audio without
s2t_np.load_audio.
"""

import numpy as np
import pytest

import s2t_np
from s2t_np import GenerationError, InvalidAudioError, ModelNotFoundError, SamplingRateError, load_audio, transcribe
from s2t_np.transcriber import load
from tests.support.reference_audio import reference_batches, reference_load_audio
from tests.support.text_fixtures import (
    VARIED,
    build_full_dir,
    dropped_pieces,
    reference_transcribe,
    train_spm,
    write_published_layout,
)

CLIPS = ["speech_en_us_m.wav", "speech_en_f3.wav", "speech_en_gb.wav", "speech_fr.wav"]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory, transformers, torch):
    root = tmp_path_factory.mktemp("transcribe")
    asr_spm = train_spm(root / "spm", "unigram", False)
    st_spm = train_spm(root / "spm", "bpe", True)
    asr, _ = build_full_dir(root / "asr", asr_spm, drop=dropped_pieces(asr_spm), seed=1, model_overrides=VARIED)
    st, _ = build_full_dir(
        root / "st",
        st_spm,
        seed=2,
        lang_codes="mustc",
        tgt_lang="fr",
        model_overrides={**VARIED, "tie_word_embeddings": False},
    )
    hub = write_published_layout(root / "hub", asr)
    (hub / "generation_config.json").unlink()  # the generation keys in config.json must be enough
    return {"asr": asr, "st": st, "hub": hub}


@pytest.fixture(scope="module")
def reference(dirs, transformers, torch):
    """directory -> (transformers model, transformers processor)."""
    return {
        name: (
            transformers.Speech2TextForConditionalGeneration.from_pretrained(str(d)).eval(),
            transformers.Speech2TextProcessor.from_pretrained(str(d)),
        )
        for name, d in dirs.items()
    }


@pytest.fixture(scope="module")
def paths(data_dir):
    return [data_dir / name for name in CLIPS]


def test_one_file(dirs, reference, paths):
    got = transcribe(paths[0], dirs["asr"])
    want = reference_transcribe(reference["asr"], [reference_load_audio(paths[0])])[0]
    assert isinstance(got, str) and got == want
    assert len(set(got)) >= 4, f"degenerate random-weight output {got!r}: the parity check would be weak"


@pytest.mark.parametrize("batch_size", [8, 3, 1])
def test_several_files(dirs, reference, paths, batch_size):
    got = transcribe([str(p) for p in paths], dirs["asr"], batch_size=batch_size)
    want = reference_transcribe(reference["asr"], [reference_load_audio(p) for p in paths], batch_size=batch_size)
    assert got == want
    assert len(set(got)) == len(got), "every clip should give its own text"


def test_array_and_overrides(dirs, reference, paths):
    wave, other = load_audio(paths[1]), load_audio(paths[2])
    ref_wave, ref_other = reference_load_audio(paths[1]), reference_load_audio(paths[2])
    assert transcribe(wave, dirs["asr"], sampling_rate=16000) == reference_transcribe(reference["asr"], [ref_wave])[0]
    got = transcribe([wave, other], dirs["asr"], sampling_rate=16000, num_beams=1, max_length=10)
    want = reference_transcribe(reference["asr"], [ref_wave, ref_other], num_beams=1, max_length=10)
    assert got == want


def test_translation_with_tgt_lang(dirs, reference, paths):
    waves = [reference_load_audio(p) for p in paths[:2]]
    model, processor = reference["st"]
    for lang in ("fr", "de"):
        forced = processor.tokenizer.lang_code_to_id[lang]
        got = transcribe([str(p) for p in paths[:2]], dirs["st"], tgt_lang=lang)
        assert got == reference_transcribe(reference["st"], waves, forced_bos_token_id=forced)


def test_published_layout_gives_the_same_text(dirs, reference, paths):
    got = transcribe([str(p) for p in paths[:2]], dirs["hub"])
    want = reference_transcribe(reference["hub"], [reference_load_audio(p) for p in paths[:2]])
    assert got == want == transcribe([str(p) for p in paths[:2]], dirs["asr"])


def test_loaded_pair_and_cache(dirs, paths):
    pair = load(dirs["asr"])
    assert load(dirs["asr"]) is pair, "an unchanged directory is loaded once"
    assert transcribe(paths[0], pair) == transcribe(paths[0], dirs["asr"])
    assert transcribe([], pair) == []


def test_progress_on_stderr(dirs, paths, capsys):
    transcribe([str(p) for p in paths], dirs["asr"], batch_size=2, progress=True)
    err = capsys.readouterr().err
    assert "2/4" in err and "4/4" in err


def test_errors(dirs, paths, tmp_path):
    with pytest.raises(GenerationError, match="multilingual"):
        transcribe(paths[0], dirs["asr"], tgt_lang="fr")
    with pytest.raises(GenerationError, match="unknown tgt_lang 'xx'.*de, es, fr"):
        transcribe(paths[0], dirs["st"], tgt_lang="xx")
    wave = load_audio(paths[0])
    with pytest.raises(SamplingRateError, match="sampling_rate"):
        transcribe(wave, dirs["asr"])
    with pytest.raises(SamplingRateError, match="8000 Hz"):
        transcribe(wave, dirs["asr"], sampling_rate=8000)
    with pytest.raises(InvalidAudioError):
        transcribe(np.stack([wave, wave]), dirs["asr"], sampling_rate=16000)
    with pytest.raises(s2t_np.AudioFileNotFoundError):
        transcribe(tmp_path / "missing.wav", dirs["asr"])
    (tmp_path / "text.wav").write_text("not audio at all")
    with pytest.raises(s2t_np.AudioDecodeError):
        transcribe([paths[0], tmp_path / "text.wav"], dirs["asr"])
    with pytest.raises(ModelNotFoundError, match="hf download"):
        transcribe(paths[0], "facebook/s2t-small-librispeech-asr")


def test_shipped_demo_model_on_the_shipped_examples(transformers, torch):
    """A trained model (the demo) on real speech, beam search with the checkpoint's defaults."""
    from s2t_np.cli import example_clips
    from s2t_np.hf.pretrained import DEMO_DIR

    clips = example_clips()
    assert (DEMO_DIR / "config.json").is_file() and clips, "s2t_np/demo or s2t_np/examples is missing"
    pair = (
        transformers.Speech2TextForConditionalGeneration.from_pretrained(str(DEMO_DIR)).eval(),
        transformers.Speech2TextProcessor.from_pretrained(str(DEMO_DIR)),
    )
    got = transcribe([str(c) for c in clips], "demo")
    assert got == reference_transcribe(pair, [reference_load_audio(c) for c in clips])
    assert all(len(text.split()) >= 2 for text in got), got


@pytest.mark.parametrize("batch_size", [1, 2, 3, 4, 11])
def test_batch_plan_is_the_documented_rule(batch_size):
    """s2t_np's batch_plan equals the rule written independently: longest first, ties in input order."""
    from s2t_np.transcriber import batch_plan

    lengths = [5, 9, 5, 1, 9, 9, 3, 5, 0.5, 7]
    assert reference_batches(lengths, 3) == [[1, 4, 5], [9, 0, 2], [7, 6, 3], [8]]  # the rule, by hand
    assert batch_plan(lengths, batch_size) == reference_batches(lengths, batch_size)
