"""What `transcribe(..., return_segments=True)` returns, and its output formats.

A `Transcript` is the text of one audio input as the `Segment`s it was transcribed in: each
segment is a stretch of speech found by the detector (s2t_np/vad.py), with its start and end in
seconds from the beginning of the audio and the model's text for it. Segments are in time order,
do not overlap and lie within [0, duration]; segments for which the model produced no text are
left out, so every segment has text. ``Transcript.text`` joins the segments' texts with spaces.

Formats (`format_transcript`; the CLI's ``--format``):

* ``txt``: the text, one line;
* ``tsv``: a header ``start<TAB>end<TAB>text``, then one line per segment, times in seconds with
  3 decimals;
* ``json``: one line, ``{"path", "text", "duration", "segments": [{"start", "end", "text"}]}``;
* ``srt``: SubRip: cues numbered from 1, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, the text, a blank line;
* ``vtt``: WebVTT: ``WEBVTT``, a blank line, then cues ``HH:MM:SS.mmm --> HH:MM:SS.mmm``, the text,
  a blank line.

Times are rounded to the millisecond. Tabs and line breaks inside a text become spaces.
"""

import json
from dataclasses import dataclass

from .errors import InvalidInputError

FORMATS = ("txt", "tsv", "json", "srt", "vtt")


@dataclass(frozen=True)
class Segment:
    """One transcribed stretch of speech."""

    start: float  # seconds from the beginning of the audio
    end: float  # seconds, > start
    text: str

    def to_dict(self):
        return {"start": round(self.start, 3), "end": round(self.end, 3), "text": self.text}


@dataclass(frozen=True)
class Transcript:
    """The transcription of one audio input (see the module docstring)."""

    segments: tuple  # Segment, in time order
    duration: float  # seconds of audio
    path: str | None = None  # the file, None for an array

    @property
    def text(self):
        return " ".join(segment.text for segment in self.segments)

    def to_dict(self):
        return {
            "path": self.path,
            "text": self.text,
            "duration": round(self.duration, 3),
            "segments": [segment.to_dict() for segment in self.segments],
        }

    def __str__(self):
        return self.text


def timestamp(seconds, decimal_marker="."):
    """Seconds -> ``HH:MM:SS.mmm`` (``,`` as `decimal_marker` for SRT)."""
    ms = int(round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{decimal_marker}{ms % 1000:03d}"


def _one_line(text):
    return " ".join(text.split())


def tsv_rows(transcript):
    """``start<TAB>end<TAB>text`` lines of the segments (no header)."""
    return [f"{s.start:.3f}\t{s.end:.3f}\t{_one_line(s.text)}" for s in transcript.segments]


def format_transcript(transcript, fmt):
    """A `Transcript` in one of `FORMATS`, as a string ending in a newline."""
    if fmt == "txt":
        return _one_line(transcript.text) + "\n"
    if fmt == "tsv":
        return "\n".join(["start\tend\ttext", *tsv_rows(transcript)]) + "\n"
    if fmt == "json":
        return json.dumps(transcript.to_dict(), ensure_ascii=False) + "\n"
    if fmt == "srt":
        cues = [
            f"{i}\n{timestamp(s.start, ',')} --> {timestamp(s.end, ',')}\n{_one_line(s.text)}\n"
            for i, s in enumerate(transcript.segments, 1)
        ]
        return "\n".join(cues)
    if fmt == "vtt":
        cues = [f"{timestamp(s.start)} --> {timestamp(s.end)}\n{_one_line(s.text)}\n" for s in transcript.segments]
        return "\n".join(["WEBVTT\n", *cues])
    raise InvalidInputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
