"""Voice activity detection: where a waveform holds speech, from frame energy alone.

No reference to match (transformers has no VAD); the detector is the classic energy detector with
hysteresis, written so that every step is one formula over arrays. With x the waveform at rate r,
frames of L = r * 10 ms samples (not overlapping; the last one may be shorter):

1. frame power      p_t = (1 / L) * sum_n x[t L + n]^2                          (`frame_powers`)
2. level            e_t = 10 log10(max(mean(p_{t-k} .. p_{t+k}), 1e-10))  dB   (`level_db`, k = 1: 30 ms)
   (0 dB is a full-scale square wave; digital silence is -100 dB)
3. thresholds       floor = the 10th percentile of e over the whole audio (the noise between words)
                    on  = max(floor + rise_db, min_level_db),   off = on - hysteresis_db
4. hysteresis       speech = the runs of frames with e_t > off that hold at least one frame with
                    e_t > on (a sound must reach `on` to count; it then lasts, both before and
                    after, for as long as it stays above `off`)
5. a gap shorter than min_silence_s between two runs is filled; a run shorter than
   min_speech_s (after filling) is dropped (clicks, breaths);
6. each run is padded by pad_before_s before and pad_after_s after (clipped to the audio and to
   the middle of the gap between neighbours), so decaying endings below `off` are kept;
7. a padded run longer than max_frames is cut at its quietest point: the cut is the frame with the
   lowest 100 ms mean power among the frames that leave both pieces at least a quarter of
   max_frames long and the first at most max_frames long; repeated on the rest.

Steps 1-2 can run block by block (any block length that is a multiple of L gives the same p_t),
so a long file never has to be in memory at once: 100 powers per second are all that is kept.
The defaults (`VadOptions`) and the limits (a global noise floor; noise that is louder than the
floor by rise_db, such as music or babble, counts as speech) are discussed in docs/usage.md.
"""

from dataclasses import dataclass, fields

import numpy as np

from .errors import ConfigError

FRAME_S = 0.01  # frame length and hop of the detector, seconds
SILENCE_DB = -100.0  # the level of digital silence (power floor 1e-10)
QUIET_WINDOW_S = 0.1  # the window of mean power in which a long segment is cut (step 7)


@dataclass(frozen=True)
class VadOptions:
    """Settings of the speech detector (the module docstring says where each one enters)."""

    rise_db: float = 12.0  # speech starts where the level rises this far above the noise floor
    hysteresis_db: float = 6.0  # ... and lasts until it falls this far below the start threshold
    min_level_db: float = -60.0  # a level below this is never speech (dB re full scale), whatever the floor
    floor_percentile: float = 10.0  # the noise floor: this percentile of the frame levels
    min_silence_s: float = 0.3  # shorter pauses do not end a stretch of speech
    min_speech_s: float = 0.2  # shorter stretches of speech are dropped
    pad_before_s: float = 0.0  # audio kept before each stretch (its onset is found at `off` already)
    pad_after_s: float = 0.3  # audio kept after each stretch (decaying endings, and the silence models expect)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise ConfigError(f"VadOptions.{f.name} must be a finite number, got {value!r}")
        for name in ("rise_db", "hysteresis_db", "min_silence_s", "min_speech_s", "pad_before_s", "pad_after_s"):
            if getattr(self, name) < 0:
                raise ConfigError(f"VadOptions.{name} must be >= 0, got {getattr(self, name)!r}")
        if not 0 <= self.floor_percentile <= 100:
            raise ConfigError(f"VadOptions.floor_percentile must be in [0, 100], got {self.floor_percentile!r}")


def frame_length(sampling_rate):
    """Samples per detector frame (10 ms)."""
    return max(1, int(round(sampling_rate * FRAME_S)))


def frame_powers(x, length):
    """Mean square of consecutive frames of `length` samples: [N] -> [ceil(N / length)] float64."""
    x = np.asarray(x, dtype=np.float64)
    n_full = x.shape[0] // length
    powers = np.square(x[: n_full * length]).reshape(n_full, length).mean(axis=1)  # [T]
    if x.shape[0] > n_full * length:
        powers = np.append(powers, np.square(x[n_full * length :]).mean())
    return powers


def _moving_mean(v, k):
    """mean(v[t-k] .. v[t+k]) over the frames that exist (shorter windows at the ends)."""
    c = np.concatenate([[0.0], np.cumsum(v)])
    t = np.arange(v.shape[0])
    lo, hi = np.maximum(t - k, 0), np.minimum(t + k + 1, v.shape[0])
    return (c[hi] - c[lo]) / (hi - lo)


def level_db(powers):
    """Step 2: frame powers [T] -> level in dB [T], the power averaged over 3 frames (30 ms)."""
    return 10.0 * np.log10(np.maximum(_moving_mean(np.asarray(powers, dtype=np.float64), 1), 1e-10))


def thresholds(level, options):
    """Step 3: (on, off) in dB for one audio's levels [T]."""
    floor = float(np.percentile(level, options.floor_percentile)) if level.size else SILENCE_DB
    on = max(floor + options.rise_db, options.min_level_db)
    return on, on - options.hysteresis_db


def hysteresis(level, on, off):
    """Step 4: the speech mask [T] bool: the runs of frames above `off` that reach above `on` somewhere."""
    regions = runs(level > off)  # [K, 2]
    mask = np.zeros(level.shape[0], dtype=bool)
    if len(regions):
        peaks = np.maximum.reduceat(level, regions[:, 0])  # [K] the highest level from each run's start on ...
        for start, end in regions[peaks > on].tolist():  # ... up to the next run (the frames between are <= off)
            mask[start:end] = True
    return mask


def runs(mask):
    """[(start, end)] frame ranges of the True runs of a bool mask, as an int array [K, 2]."""
    d = np.diff(np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]]))
    return np.stack([np.flatnonzero(d == 1), np.flatnonzero(d == -1)], axis=1)


def fill_gaps(regions, min_gap):
    """Step 5a: merge neighbouring regions [K, 2] separated by fewer than `min_gap` frames."""
    if len(regions) < 2:
        return regions
    split = regions[1:, 0] - regions[:-1, 1] >= min_gap  # [K-1] gaps long enough to keep
    return np.stack([regions[np.r_[True, split], 0], regions[np.r_[split, True], 1]], axis=1)


def pad(regions, before, after, n_frames):
    """Step 6: widen each region by `before` / `after` frames, within [0, n_frames] and the middle of each gap."""
    if len(regions) == 0:
        return regions
    mid = (regions[1:, 0] + regions[:-1, 1]) // 2  # [K-1] middle of each gap
    starts = np.maximum(regions[:, 0] - before, np.r_[0, mid])
    ends = np.minimum(regions[:, 1] + after, np.r_[mid, n_frames])
    return np.stack([starts, ends], axis=1)


def split_long(regions, powers, max_frames):
    """Step 7: cut every region longer than `max_frames` at its quietest 100 ms (see the module docstring)."""
    quiet = _moving_mean(np.asarray(powers, dtype=np.float64), int(round(QUIET_WINDOW_S / FRAME_S / 2)))  # [T]
    out = []
    for start, end in regions.tolist():
        while end - start > max_frames:
            lo, hi = start + max_frames // 4, min(start + max_frames, end - max_frames // 4)
            cut = lo + int(np.argmin(quiet[lo : hi + 1]))  # the first of equally quiet frames
            out.append((start, cut))
            start = cut
        out.append((start, end))
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def speech_regions(powers, options=None, max_frames=None):
    """Steps 2-7: frame powers [T] -> speech segments as frame ranges [K, 2] (int64, in order, disjoint).

    `options`: a VadOptions (None: the defaults); `max_frames`: the longest segment (None: no
    limit). Frame t covers samples [t L, (t + 1) L).
    """
    options = VadOptions() if options is None else options
    powers = np.asarray(powers, dtype=np.float64)
    level = level_db(powers)  # [T]
    on, off = thresholds(level, options)
    regions = runs(hysteresis(level, on, off))  # [K, 2]
    regions = fill_gaps(regions, int(round(options.min_silence_s / FRAME_S)))
    regions = regions[regions[:, 1] - regions[:, 0] >= int(round(options.min_speech_s / FRAME_S))]
    before, after = (int(round(t / FRAME_S)) for t in (options.pad_before_s, options.pad_after_s))
    regions = pad(regions, before, after, powers.shape[0])
    if max_frames is not None:
        regions = split_long(regions, powers, max(int(max_frames), 4))
    return regions
