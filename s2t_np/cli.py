"""The ``s2t-np`` command line (also ``python -m s2t_np``).

    s2t-np transcribe FILE [FILE ...] [--model DIR] [--beams N] [--max-length N] [--tgt-lang xx]
                                      [--batch-size N] [--max-segment SECONDS]
                                      [--format txt|tsv|json|srt|vtt] [--json] [--output-dir DIR]
                                      [--quiet] [--debug]
    s2t-np FILE [FILE ...] ...   # the same (a first argument that is not a command is a FILE)
    s2t-np                 # no arguments: transcribe the example clips shipped in s2t_np/examples
                           # with the demo model shipped in s2t_np/demo
    s2t-np trace MODEL AUDIO [AUDIO ...] -o TRACE.safetensors [--dtype float32|float64]
                                      [--decoder-input-ids "2 45 17"] [--max-new-tokens N]
    s2t-np compare A B [--tolerance ATOL,RTOL]

Output (``--format``, s2t_np/transcript.py): ``txt`` (default) the text for a single file and
``FILE<TAB>text`` per line for several; ``tsv`` one line per segment, ``start<TAB>end<TAB>text``
(with a ``file`` column first for several files); ``json`` (or ``--json``) one JSON object per
file and line, ``{"path", "text", "duration", "segments"}``; ``srt`` / ``vtt`` subtitles, for one
file on stdout, for several with ``--output-dir``. ``--output-dir DIR`` writes ``DIR/<name>.<format>``
per file instead. Progress ("transcribed k/n files, s/total s of speech") goes to stderr after each
batch (``--quiet`` turns it off); s2t_np's warnings (a truncated file) print one line each,
``s2t-np: warning: ...``. A file that fails (missing, not audio, ...) prints one error line naming
it and the others go on; the exit status is then 1.
``trace`` writes a parity-oracle trace file (s2t_np/oracle/files.py) and prints one summary
line; ``compare`` prints the comparison report of two trace files and exits with status 0 when
every name of A that B has agrees and B has every name of A, 1 otherwise.
Errors print one line, ``s2t-np: error: ...``, on stderr and exit with status 1 (2 for a bad
command line); ``--debug`` shows the traceback instead.
"""

import argparse
import json
import sys
import traceback
import warnings
from pathlib import Path

from . import __version__
from .transcript import FORMATS

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


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 1 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 1, got {text!r}")
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
        help="a transformers-format Speech2Text directory, a hub id (org/name; the HF cache first) "
        "or 'demo' (default: the shipped demo model)",
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
        help="maximum output length of a segment in tokens, start token included (default: the checkpoint's)",
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
    run.add_argument(
        "--max-segment",
        type=_seconds,
        default=20.0,
        metavar="SECONDS",
        help="longer audio is cut at pauses into segments of at most this length (default: 20)",
    )
    run.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="txt (default): the text; tsv: start, end, text per segment; json: one object per file; "
        "srt / vtt: subtitles",
    )
    run.add_argument("--json", action="store_true", help="the same as --format json")
    run.add_argument(
        "--output-dir",
        default=None,
        metavar="DIR",
        help="write DIR/<name>.<format> for each file instead of printing (needed for srt / vtt of several files)",
    )
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
    tracer.add_argument(
        "model", metavar="MODEL", help="a transformers-format Speech2Text directory, a hub id (org/name) or 'demo'"
    )
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


def _output_format(args):
    """The --format to use, after the checks that need no file to be read (a _UsageError otherwise)."""
    fmt = args.format or ("json" if args.json else "txt")
    if args.json and fmt != "json":
        raise _UsageError(f"--json and --format {fmt} disagree; give one of them (see {PROG} --help)")
    if fmt in ("srt", "vtt") and len(args.files) > 1 and args.output_dir is None:
        raise _UsageError(f"--format {fmt} with several files needs --output-dir DIR (one subtitle file per input)")
    if args.output_dir is not None:
        names = [Path(f).stem + "." + fmt for f in args.files]
        clash = sorted({n for n in names if names.count(n) > 1})
        if clash:
            raise _UsageError(f"several inputs would be written to {Path(args.output_dir) / clash[0]}")
    return fmt


def _error_line(path, exc):
    message = " ".join(str(exc).split())
    return message if str(path) in message else f"{path}: {message}"


def _print_results(files, results, fmt, output_dir, debug=False):
    """Print (or write) each file's result, and one error line (with --debug, the traceback) for each
    failed file; -> how many failed."""
    from .transcript import format_transcript, tsv_rows

    failed = 0
    if fmt == "tsv" and len(files) > 1 and output_dir is None:
        print("file\tstart\tend\ttext")
    for path, result in zip(files, results):
        if isinstance(result, Exception):
            failed += 1
            if debug:
                traceback.print_exception(type(result), result, result.__traceback__)
            print(f"{PROG}: error: {_error_line(path, result)}", file=sys.stderr, flush=True)
        elif output_dir is not None:
            target = Path(output_dir) / (Path(path).stem + "." + fmt)
            target.write_text(format_transcript(result, fmt), encoding="utf-8")
        elif fmt == "txt" and len(files) > 1:
            print(f"{path}\t{' '.join(result.text.split())}")
        elif fmt == "tsv" and len(files) > 1:
            for row in tsv_rows(result):
                print(f"{path}\t{row}")
        elif fmt == "json":
            print(json.dumps({**result.to_dict(), "path": str(path)}, ensure_ascii=False))
        else:
            sys.stdout.write(format_transcript(result, fmt))
    return failed


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
    fmt = _output_format(args)
    if args.output_dir is not None:
        Path(args.output_dir).mkdir(parents=True, exist_ok=True)
    results = transcribe(
        list(args.files),
        args.model,
        num_beams=args.beams,
        max_length=args.max_length,
        tgt_lang=args.tgt_lang,
        batch_size=args.batch_size,
        max_segment_s=args.max_segment,
        return_segments=True,
        return_exceptions=True,
        progress=not args.quiet,
    )
    return 1 if _print_results(args.files, results, fmt, args.output_dir, args.debug) else 0


def _run_trace(args):
    import numpy as np

    from .audio import load_audio
    from .hf.feature_extraction import Speech2TextFeatureExtractor
    from .hf.modeling import Speech2TextForConditionalGeneration
    from .oracle import save_trace, trace

    model = Speech2TextForConditionalGeneration.from_pretrained(args.model, dtype=np.dtype(args.dtype))
    extractor = Speech2TextFeatureExtractor.from_pretrained(args.model)  # no tokenizer files needed
    rate = extractor.sampling_rate
    waves = [load_audio(path, sampling_rate=rate) for path in args.audio]
    inputs = extractor(waves, sampling_rate=rate, padding=True, return_tensors="np")
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
    return 0 if report.passed else 1


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """s2t_np's warnings as one line ``s2t-np: warning: ...``; others as Python prints them."""
    from .errors import S2TWarning

    if issubclass(category, S2TWarning):
        print(f"{PROG}: warning: {' '.join(str(message).split())}", file=sys.stderr, flush=True)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def main(argv=None):
    """Entry point of ``s2t-np`` and ``python -m s2t_np``; returns the exit status."""
    from .errors import S2TError, S2TWarning

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        argv.insert(0, "transcribe")  # `s2t-np FILE ...` is short for `s2t-np transcribe FILE ...`
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        with warnings.catch_warnings():
            warnings.simplefilter("always", S2TWarning)  # about the user's data: shown whatever PYTHONWARNINGS says
            warnings.showwarning = _show_warning
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
