"""The ``s2t-np`` command line (also ``python -m s2t_np``).

    s2t-np transcribe FILE [FILE ...] [--model DIR] [--beams N] [--max-length N] [--tgt-lang xx]
                                      [--batch-size N] [--json] [--quiet] [--debug]
    s2t-np FILE [FILE ...] ...   # the same (a first argument that is not a command is a FILE)
    s2t-np                 # no arguments: transcribe the example clips shipped in s2t_np/examples
                           # with the demo model shipped in s2t_np/demo
    s2t-np trace MODEL AUDIO [AUDIO ...] -o TRACE.safetensors [--dtype float32|float64]
                                      [--decoder-input-ids "2 45 17"] [--max-new-tokens N]
    s2t-np compare A B [--tolerance ATOL,RTOL]

Output: the text for a single file; ``FILE<TAB>text`` per line for several; with ``--json``
one JSON object per line, ``{"path": FILE, "text": text}``, in the order given. Progress
("transcribed k/n") goes to stderr when there are several files (``--quiet`` turns it off).
``trace`` writes a parity-oracle trace file (s2t_np/oracle/files.py) and prints one summary
line; ``compare`` prints the comparison report of two trace files and exits with status 0 when
every name of A that B has agrees and B has every name of A, 1 otherwise.
Errors print one line, ``s2t-np: error: ...``, on stderr and exit with status 1 (2 for a bad
command line); ``--debug`` shows the traceback instead.
"""

import argparse
import json
import sys
from pathlib import Path

from . import __version__

PROG = "s2t-np"
COMMANDS = ("transcribe", "trace", "compare")
DEFAULT_MAX_NEW_TOKENS = 20  # length of the greedy hypothesis `trace` teacher-forces by default
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"  # the clips of the default job (MAKE.sh made them)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of argparse's usage + message
        raise _UsageError(f"{message} (see {PROG} --help)")


class _UsageError(Exception):
    pass


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _token_ids(text):
    try:
        ids = [int(t) for t in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected token ids such as "2 45 17", got {text!r}') from None
    if not ids or min(ids) < 0:
        raise argparse.ArgumentTypeError(f"expected one or more non-negative token ids, got {text!r}")
    return ids


def _tolerance(text):
    parts = text.split(",")
    try:
        atol, rtol = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ATOL,RTOL such as 1e-5,1e-4, got {text!r}") from None
    if not (0 <= atol < float("inf") and 0 <= rtol < float("inf")):
        raise argparse.ArgumentTypeError(f"ATOL and RTOL must be finite and >= 0, got {text!r}")
    return atol, rtol


def build_parser():
    parser = _Parser(
        prog=PROG,
        description="Speech2Text speech recognition and translation in pure NumPy. "
        "Without arguments, transcribes the shipped example clips with the demo model.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    run = commands.add_parser(
        "transcribe",
        help="transcribe (or translate) audio files",
        description="Transcribe audio files (WAV, FLAC, OGG; any rate, resampled to 16 kHz).",
    )
    run.add_argument("files", nargs="+", metavar="FILE", help="audio files")
    run.add_argument(
        "--model",
        default=None,
        metavar="DIR",
        help="a transformers-format Speech2Text directory, or 'demo' (default: the shipped demo model)",
    )
    run.add_argument(
        "--beams",
        type=_positive_int,
        default=None,
        metavar="N",
        help="beam width (default: the checkpoint's num_beams)",
    )
    run.add_argument(
        "--max-length",
        type=_positive_int,
        default=None,
        metavar="N",
        help="maximum output length in tokens, start token included (default: the checkpoint's)",
    )
    run.add_argument(
        "--tgt-lang",
        default=None,
        metavar="xx",
        help="target language of a multilingual translation checkpoint (e.g. fr, de)",
    )
    run.add_argument(
        "--batch-size", type=_positive_int, default=8, metavar="N", help="utterances decoded together (default: 8)"
    )
    run.add_argument("--json", action="store_true", help='print one JSON object per file: {"path", "text"}')
    run.add_argument("--quiet", action="store_true", help="no progress on stderr")
    run.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    _add_oracle_commands(commands)
    return parser


def _add_oracle_commands(commands):
    tracer = commands.add_parser(
        "trace",
        help="record every module output of a teacher-forced forward pass into a trace file",
        description="Run the model on the audio files (one padded batch, features from the checkpoint's processor) "
        "and save every module output under transformers' module path, with the inputs, into one safetensors "
        "file (the parity oracle's format; compare it with 's2t-np compare').",
    )
    tracer.add_argument("model", metavar="MODEL", help="a transformers-format Speech2Text directory, or 'demo'")
    tracer.add_argument("audio", nargs="+", metavar="AUDIO", help="audio files, batched together in this order")
    tracer.add_argument("-o", "--output", required=True, metavar="FILE", help="the trace file to write (.safetensors)")
    tracer.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32", help="compute dtype (default: float32)"
    )
    tracer.add_argument(
        "--decoder-input-ids",
        type=_token_ids,
        default=None,
        metavar='"ID ..."',
        help="the decoder tokens to teacher-force, start token included, the same for every file "
        "(default: the model's own greedy hypothesis for each file, num_beams=1 and at most "
        "--max-new-tokens new tokens, padded after eos as generate returns it, so the trace covers "
        "the tokens the model really predicts)",
    )
    tracer.add_argument(
        "--max-new-tokens",
        type=_positive_int,
        default=DEFAULT_MAX_NEW_TOKENS,
        metavar="N",
        help=f"length limit of the default greedy hypothesis (default: {DEFAULT_MAX_NEW_TOKENS})",
    )
    tracer.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    comparer = commands.add_parser(
        "compare",
        help="compare two trace files name by name",
        description="Compare trace B with reference trace A name by name (max abs / rel difference, NMSE, cosine) "
        "and report the first name outside tolerance. Exit status 0 when every name of A that B has agrees "
        "and B has every name of A, else 1.",
    )
    comparer.add_argument("reference", metavar="A", help="the reference trace file")
    comparer.add_argument("candidate", metavar="B", help="the trace file checked against A")
    comparer.add_argument(
        "--tolerance",
        type=_tolerance,
        default=None,
        metavar="ATOL,RTOL",
        help="one tolerance for every name: |b - a| <= ATOL + RTOL * max|a| "
        "(default: the oracle's per-stage table, s2t_np/oracle/comparison.py)",
    )
    comparer.add_argument("--debug", action="store_true", help="show the full traceback on errors")


def example_clips():
    """The example audio clips shipped in s2t_np/examples/, sorted by name (empty if none)."""
    if not EXAMPLES_DIR.is_dir():
        return []
    return sorted(p for p in EXAMPLES_DIR.iterdir() if p.suffix.lower() in {".wav", ".flac", ".ogg"})


def _print_results(files, texts, as_json):
    for path, text in zip(files, texts):
        if as_json:
            print(json.dumps({"path": str(path), "text": text}, ensure_ascii=False))
        elif len(files) == 1:
            print(text)
        else:
            print(f"{path}\t{text}")


def _run(args):
    if args.command == "trace":
        return _run_trace(args)
    if args.command == "compare":
        return _run_compare(args)
    from .transcriber import transcribe

    if args.command is None:  # the default job: the shipped examples with the shipped demo model
        from .hf.pretrained import resolve_model_dir

        resolve_model_dir("demo")  # a clear error if the demo model is not installed
        files = example_clips()
        if not files:
            from .errors import ModelNotFoundError

            raise ModelNotFoundError(f"no example clips in {EXAMPLES_DIR}; run '{PROG} transcribe FILE' instead")
        texts = transcribe([str(f) for f in files], "demo", progress=False)
        for path, text in zip(files, texts):
            print(f"{path.name}\t{text}")
        return 0
    texts = transcribe(
        list(args.files),
        args.model,
        num_beams=args.beams,
        max_length=args.max_length,
        tgt_lang=args.tgt_lang,
        batch_size=args.batch_size,
        progress=len(args.files) > 1 and not args.quiet,
    )
    _print_results(args.files, texts, args.json)
    return 0


def _run_trace(args):
    import numpy as np

    from .audio import load_audio
    from .hf.modeling import Speech2TextForConditionalGeneration
    from .hf.processor import Speech2TextProcessor
    from .oracle import save_trace, trace

    model = Speech2TextForConditionalGeneration.from_pretrained(args.model, dtype=np.dtype(args.dtype))
    processor = Speech2TextProcessor.from_pretrained(args.model)
    rate = processor.feature_extractor.sampling_rate
    waves = [load_audio(path, sampling_rate=rate) for path in args.audio]
    inputs = processor(waves, sampling_rate=rate, padding=True, return_tensors="np")
    features, mask = inputs["input_features"], inputs["attention_mask"]  # [B, T, n_mels], [B, T]
    if args.decoder_input_ids is None:
        generated = model.generate(features, attention_mask=mask, num_beams=1, max_new_tokens=args.max_new_tokens)
        ids = np.asarray(getattr(generated, "sequences", generated))  # [B, L]
        how = f"greedy hypothesis, max_new_tokens={args.max_new_tokens}"
    else:
        ids = np.tile(np.asarray(args.decoder_input_ids, dtype=np.int64), (len(waves), 1))  # [B, L]
        how = "given"
    result = trace(model, features, mask, ids)
    result.metadata["source"] = {
        "model": str(args.model),
        "audio": [str(path) for path in args.audio],
        "decoder_input_ids": how,
    }
    path = save_trace(result, args.output)
    print(
        f"{path}: {len(result)} entries, {len(waves)} utterance(s), {features.shape[1]} frames, "
        f"{ids.shape[1]} decoder tokens ({how}), {args.dtype}"
    )
    return 0


def _run_compare(args):
    from .oracle import compare, load_trace

    reference, candidate = load_trace(args.reference), load_trace(args.candidate)
    report = compare(reference, candidate, tolerances=args.tolerance)
    print(report)
    return 0 if report.passed and not report.missing_in_candidate else 1


def main(argv=None):
    """Entry point of ``s2t-np`` and ``python -m s2t_np``; returns the exit status."""
    from .errors import S2TError

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        argv.insert(0, "transcribe")  # `s2t-np FILE ...` is short for `s2t-np transcribe FILE ...`
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return _run(args)
    except _UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            raise
        message = " ".join(str(exc).split())  # one line, even for multi-line messages
        if not isinstance(exc, (S2TError, OSError)):
            message = f"internal error: {type(exc).__name__}: {message} (run with --debug for the traceback)"
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 1
