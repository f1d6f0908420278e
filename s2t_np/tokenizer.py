"""The Speech2Text text rule: SentencePiece pieces mapped through a fairseq vocabulary.

Matches transformers 5.23 `Speech2TextTokenizer` (src/transformers/models/speech_to_text/
tokenization_speech_to_text.py) on top of the `sentencepiece` package; docs/numerics.md section 4.

Encoding a text (with no added tokens in it):
  1. SentencePiece-encode it to pieces (with SentencePiece's dummy "▁" prefix);
  2. pieces -> ids through ``vocab.json`` (a piece missing from it -> the id of ``<unk>``);
  3. model input = ``prefix_tokens + ids + [eos]``, where ``prefix_tokens = [lang_code_to_id[tgt_lang]]``
     for a multilingual (``lang_codes="mustc"``) tokenizer with a target language and ``[]`` otherwise.
``lang_code_to_id`` uses the SentencePiece model's own piece ids (``PieceToId``), not vocab.json,
exactly as the reference does.

Decoding tokens: runs of ordinary pieces are SentencePiece-decoded, special tokens are inserted
verbatim followed by a space; ``do_upper_case`` upper-cases the decoded runs; the result is stripped.

Deviation from what the name ``do_lower_case`` promises, following the installed reference
(docs/numerics.md section 4): transformers 5.23 stores ``do_lower_case`` but does not apply it when
encoding (only to non-special tokens added later), so neither do we; "Hello" encodes with its
capital letters in both.

The transformers-compatible class around this rule (added tokens, padding, truncation, save and
load) is `s2t_np.hf.tokenization.Speech2TextTokenizer`.
"""

import os

import sentencepiece

from .errors import TokenizerError

MUSTC_LANGS = ["pt", "fr", "ru", "nl", "ro", "it", "es", "de"]
LANGUAGES = {"mustc": MUSTC_LANGS}


def lang_tag(lang):
    """The target-language token of a language code: ``"fr"`` -> ``"<lang:fr>"``."""
    return f"<lang:{lang}>"


def load_sentencepiece(spm_file, sp_model_kwargs=None):
    """A loaded `sentencepiece.SentencePieceProcessor`; TokenizerError if the file is missing or not a model."""
    if not os.path.isfile(spm_file):
        raise TokenizerError(f"SentencePiece model not found: {spm_file}")
    sp_model = sentencepiece.SentencePieceProcessor(**(sp_model_kwargs or {}))
    try:
        sp_model.Load(str(spm_file))
    except (RuntimeError, OSError) as exc:
        raise TokenizerError(f"{spm_file} is not a SentencePiece model: {exc}") from None
    return sp_model


def lang_code_to_id(sp_model, langs):
    """Language code -> id of its ``<lang:xx>`` piece in the SentencePiece model (not in vocab.json)."""
    return {lang: sp_model.PieceToId(lang_tag(lang)) for lang in langs}


def piece_to_id(piece, vocab, unk_id):
    """The vocab.json id of one SentencePiece piece; ``unk_id`` if vocab.json lacks it."""
    return vocab.get(piece, unk_id)


def text_to_pieces(sp_model, text):
    """SentencePiece pieces of a text chunk (gets its own "▁" prefix)."""
    return sp_model.encode(text, out_type=str)


def build_inputs(prefix_tokens, ids, eos_id):
    """The model input ids: ``prefix_tokens + ids + [eos]``."""
    return list(prefix_tokens) + list(ids) + [eos_id]


def encode(sp_model, vocab, text, prefix_tokens, eos_id, unk_id):
    """Text (with no added tokens in it) -> model input ids, steps 1-3 of the module docstring."""
    ids = [piece_to_id(piece, vocab, unk_id) for piece in text_to_pieces(sp_model, text)]
    return build_inputs(prefix_tokens, ids, eos_id)


def tokens_to_text(sp_model, tokens, special_tokens, do_upper_case=False):
    """Tokens -> text: SentencePiece-decode each run of ordinary pieces, special tokens verbatim + " ", strip."""
    special_tokens = set(special_tokens)
    run, out = [], ""
    for token in tokens:
        if token in special_tokens:
            decoded = sp_model.decode(run)
            out += (decoded.upper() if do_upper_case else decoded) + token + " "
            run = []
        else:
            run.append(token)
    decoded = sp_model.decode(run)
    out += decoded.upper() if do_upper_case else decoded
    return out.strip()
