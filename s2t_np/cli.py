"""The ``s2t-np`` command line (also ``python -m s2t_np``).

    s2t-np transcribe FILE [FILE ...] [--model DIR] [--beams N] [--max-length N] [--tgt-lang xx]
                                      [--batch-size N] [--json] [--quiet] [--debug]
    s2t-np FILE [FILE ...] ...   # the same ("transcribe" is the only command)
    s2t-np                 # no arguments: transcribe the example clips shipped in s2t_np/examples
                           # with the demo model shipped in s2t_np/demo

Output: the text for a single file; ``FILE<TAB>text`` per line for several; with ``--json``
one JSON object per line, ``{"path": FILE, "text": text}``, in the order given. Progress
("transcribed k/n") goes to stderr when there are several files (``--quiet`` turns it off).
Errors print one line, ``s2t-np: error: ...``, on stderr and exit with status 1 (2 for a bad
command line); ``--debug`` shows the traceback instead.
"""

import argparse
import json
import sys
from pathlib import Path

from . import __version__

PROG = "s2t-np"
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
    return parser


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


def main(argv=None):
    """Entry point of ``s2t-np`` and ``python -m s2t_np``; returns the exit status."""
    from .errors import S2TError

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and not argv[0].startswith("-") and argv[0] != "transcribe":
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
