"""Port of transformers' tests/models/speech_to_text/test_processing_speech_to_text.py.

Same calls and assertions; only the class source (`lib`) changes. The SentencePiece fixture
(tests/fixtures/test_sentencepiece.model) is the local stand-in of tokenizer_support.py.
"""

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.upstream.feature_support import floats_list
from tests.upstream.tokenizer_support import train_sample_vocab


@pytest.fixture(scope="module")
def sample_sp(tmp_path_factory):
    return train_sample_vocab(tmp_path_factory.mktemp("sample_sp"))


@pytest.fixture
def s(lib, tmp_path, sample_sp):
    """setUpClass: the directory, get_tokenizer and get_feature_extractor."""
    tmpdirname = tmp_path / "processor"
    tmpdirname.mkdir()
    vocab = ["<s>", "<pad>", "</s>", "<unk>", "▁This", "▁is", "▁a", "▁t", "est"]
    vocab_tokens = dict(zip(vocab, range(len(vocab))))
    save_dir = Path(tmpdirname)
    (save_dir / "vocab.json").write_text(json.dumps(vocab_tokens, indent=2, ensure_ascii=False), encoding="utf-8")
    if not (save_dir / "sentencepiece.bpe.model").exists():
        shutil.copyfile(sample_sp, save_dir / "sentencepiece.bpe.model")
    tokenizer = lib.Tokenizer.from_pretrained(str(tmpdirname))
    tokenizer.save_pretrained(str(tmpdirname))
    feature_extractor_map = {
        "feature_size": 24,
        "num_mel_bins": 24,
        "padding_value": 0.0,
        "sampling_rate": 16000,
        "return_attention_mask": False,
        "do_normalize": True,
    }
    feature_extractor = lib.FeatureExtractor(**feature_extractor_map)
    tokenizer = lib.Tokenizer.from_pretrained(str(tmpdirname))
    processor = lib.Processor(tokenizer=tokenizer, feature_extractor=feature_extractor)
    processor.save_pretrained(str(tmpdirname))

    class Setup:
        def get_tokenizer(self, **kwargs):
            return lib.Tokenizer.from_pretrained(str(tmpdirname), **kwargs)

        def get_feature_extractor(self, **kwargs):
            return lib.FeatureExtractor.from_pretrained(str(tmpdirname), **kwargs)

    setup = Setup()
    setup.tmpdirname = str(tmpdirname)
    return setup


def test_save_load_pretrained_default(lib, s):
    tokenizer = s.get_tokenizer()
    feature_extractor = s.get_feature_extractor()
    processor = lib.Processor(tokenizer=tokenizer, feature_extractor=feature_extractor)
    processor.save_pretrained(s.tmpdirname)
    processor = lib.Processor.from_pretrained(s.tmpdirname)
    assert processor.tokenizer.get_vocab() == tokenizer.get_vocab()
    assert isinstance(processor.tokenizer, lib.Tokenizer)
    assert processor.feature_extractor.to_json_string() == feature_extractor.to_json_string()
    assert isinstance(processor.feature_extractor, lib.FeatureExtractor)


def test_save_load_pretrained_additional_features(lib, s):
    with tempfile.TemporaryDirectory() as tmpdir:
        processor = lib.Processor(tokenizer=s.get_tokenizer(), feature_extractor=s.get_feature_extractor())
        processor.save_pretrained(tmpdir)
        tokenizer_add_kwargs = lib.Tokenizer.from_pretrained(tmpdir, bos_token="(BOS)", eos_token="(EOS)")
        feature_extractor_add_kwargs = lib.FeatureExtractor.from_pretrained(
            tmpdir, do_normalize=False, padding_value=1.0
        )
        processor = lib.Processor.from_pretrained(
            tmpdir, bos_token="(BOS)", eos_token="(EOS)", do_normalize=False, padding_value=1.0
        )
    assert processor.tokenizer.get_vocab() == tokenizer_add_kwargs.get_vocab()
    assert isinstance(processor.tokenizer, lib.Tokenizer)
    assert processor.feature_extractor.to_json_string() == feature_extractor_add_kwargs.to_json_string()
    assert isinstance(processor.feature_extractor, lib.FeatureExtractor)


def test_feature_extractor(lib, s):
    feature_extractor = s.get_feature_extractor()
    tokenizer = s.get_tokenizer()
    processor = lib.Processor(tokenizer=tokenizer, feature_extractor=feature_extractor)
    raw_speech = floats_list((3, 1000))
    input_feat_extract = feature_extractor(raw_speech, return_tensors="np")
    input_processor = processor(raw_speech, return_tensors="np")
    for key in input_feat_extract:
        assert input_feat_extract[key].sum() == pytest.approx(input_processor[key].sum(), abs=1e-2)


def test_tokenizer(lib, s):
    feature_extractor = s.get_feature_extractor()
    tokenizer = s.get_tokenizer()
    processor = lib.Processor(tokenizer=tokenizer, feature_extractor=feature_extractor)
    input_str = "This is a test string"
    encoded_processor = processor(text=input_str)
    encoded_tok = tokenizer(input_str)
    for key in encoded_tok:
        assert encoded_tok[key] == encoded_processor[key]


def test_tokenizer_decode(lib, s):
    feature_extractor = s.get_feature_extractor()
    tokenizer = s.get_tokenizer()
    processor = lib.Processor(tokenizer=tokenizer, feature_extractor=feature_extractor)
    predicted_ids = [[1, 4, 5, 8, 1, 0, 8], [3, 4, 3, 1, 1, 8, 9]]
    decoded_processor = processor.batch_decode(predicted_ids)
    decoded_tok = tokenizer.batch_decode(predicted_ids)
    assert decoded_tok == decoded_processor
