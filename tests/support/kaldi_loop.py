"""A loop-level transcription of Kaldi's fbank (one frame, one sample at a time): the definition
the vectorized s2t_np.fbank and the oracle's front-end trace are checked against
(tests/test_fbank_oracle.py, tests/test_oracle_frontend.py)."""

import math

import numpy as np

EPS = 1.1920928955078125e-07  # std::numeric_limits<float>::epsilon()


def oracle_window(window_type, n, size, blackman_coeff):
    a = 2.0 * math.pi / (size - 1)
    if window_type == "hanning":
        return 0.5 - 0.5 * math.cos(a * n)
    if window_type == "hamming":
        return 0.54 - 0.46 * math.cos(a * n)
    if window_type == "povey":
        return (0.5 - 0.5 * math.cos(a * n)) ** 0.85
    if window_type == "rectangular":
        return 1.0
    if window_type == "blackman":
        return blackman_coeff - 0.5 * math.cos(a * n) + (0.5 - blackman_coeff) * math.cos(2 * a * n)
    raise ValueError(window_type)


def oracle_fbank(
    x,
    sample_frequency,
    frame_length,
    frame_shift,
    snip_edges,
    num_mel_bins,
    window_type="povey",
    blackman_coeff=0.42,
    preemphasis_coefficient=0.97,
    remove_dc_offset=True,
    round_to_power_of_two=True,
    low_freq=20.0,
    high_freq=0.0,
    use_energy=False,
    raw_energy=True,
    energy_floor=1.0,
    htk_compat=False,
    use_log_fbank=True,
    use_power=True,
    first_sample="kaldi",
):
    """Kaldi fbank of x, one frame and one sample at a time. `first_sample` is the pre-emphasis rule
    at a frame's first sample: "kaldi" (y[0] = x[0] - c * x[0]); "unchanged" (y[0] = x[0]) only
    exists to show that a test can tell the two apart."""
    x = [float(v) for v in x]
    num_samples = len(x)
    shift = int(sample_frequency * frame_shift * 0.001)
    size = int(sample_frequency * frame_length * 0.001)
    padded = 1
    while padded < size:
        padded *= 2
    if not round_to_power_of_two:
        padded = size
    if snip_edges:
        num_frames = 0 if num_samples < size else 1 + (num_samples - size) // shift
    else:
        num_frames = (num_samples + shift // 2) // shift

    # MelBanks
    nyquist = 0.5 * sample_frequency
    high = high_freq if high_freq > 0 else nyquist + high_freq
    mel = lambda f: 1127.0 * math.log(1.0 + f / 700.0)  # noqa: E731
    mel_low, mel_high = mel(low_freq), mel(high)
    delta = (mel_high - mel_low) / (num_mel_bins + 1)
    bins = []
    for b in range(num_mel_bins):
        left, center, right = mel_low + b * delta, mel_low + (b + 1) * delta, mel_low + (b + 2) * delta
        weights = []
        for k in range(padded // 2):
            m = mel(sample_frequency / padded * k)
            w = 0.0
            if left < m < right:
                w = (m - left) / (center - left) if m <= center else (right - m) / (right - center)
            weights.append(w)
        bins.append(weights)

    rows = []
    for t in range(num_frames):
        first = t * shift if snip_edges else t * shift + shift // 2 - size // 2
        frame = []
        for j in range(size):  # ExtractWindow, with Kaldi's reflection loop
            s = first + j
            while s < 0 or s >= num_samples:
                s = -s - 1 if s < 0 else 2 * num_samples - 1 - s
            frame.append(x[s])
        if remove_dc_offset:
            mean = sum(frame) / size
            frame = [v - mean for v in frame]
        if raw_energy:
            energy = sum(v * v for v in frame)
        if preemphasis_coefficient != 0.0:
            for j in range(size - 1, 0, -1):
                frame[j] -= preemphasis_coefficient * frame[j - 1]
            if first_sample == "kaldi":
                frame[0] -= preemphasis_coefficient * frame[0]
        frame = [v * oracle_window(window_type, j, size, blackman_coeff) for j, v in enumerate(frame)]
        frame += [0.0] * (padded - size)
        if not raw_energy:
            energy = sum(v * v for v in frame)
        log_energy = math.log(max(energy, EPS))
        if energy_floor > 0.0:
            log_energy = max(log_energy, math.log(energy_floor))
        spectrum = np.fft.rfft(np.array(frame))
        power = [abs(c) ** 2 if use_power else abs(c) for c in spectrum]
        row = []
        for b in range(num_mel_bins):
            e = sum(bins[b][k] * power[k] for k in range(padded // 2))
            row.append(math.log(max(e, EPS)) if use_log_fbank else e)
        if use_energy:
            row = row + [log_energy] if htk_compat else [log_energy] + row
        rows.append(row)
    return np.array(rows, dtype=np.float64)
