"""Tiny SRT and WebVTT parsers for the tests: a document must be nothing but well-formed cues."""

import re

SRT_TIME = r"(\d\d):(\d\d):(\d\d),(\d\d\d)"
VTT_TIME = r"(\d\d):(\d\d):(\d\d)\.(\d\d\d)"
SRT_CUE = re.compile(rf"(\d+)\n{SRT_TIME} --> {SRT_TIME}\n([^\n]+)\n")
VTT_CUE = re.compile(rf"{VTT_TIME} --> {VTT_TIME}\n([^\n]+)\n")


def _seconds(h, m, s, ms):
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _cues(body, pattern, what):
    """Cues separated by one blank line, the last one ending in a newline -> their regex matches."""
    matches = []
    for cue in body.split("\n\n"):
        m = pattern.fullmatch(cue if cue.endswith("\n") else cue + "\n")
        assert m, f"not a{what} cue: {cue!r}"
        matches.append(m.groups())
    assert body.endswith("\n") and not body.endswith("\n\n"), f"{what} document ends badly: {body[-20:]!r}"
    return matches


def parse_srt(text):
    """[(index, start s, end s, text)] of a SubRip document."""
    return [(int(g[0]), _seconds(*g[1:5]), _seconds(*g[5:9]), g[9]) for g in _cues(text, SRT_CUE, "n SRT")]


def parse_vtt(text):
    """[(start s, end s, text)] of a WebVTT document."""
    assert text.startswith("WEBVTT\n\n"), text[:20]
    return [(_seconds(*g[0:4]), _seconds(*g[4:8]), g[8]) for g in _cues(text[8:], VTT_CUE, " WebVTT")]
