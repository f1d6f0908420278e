"""kaldi-native-fbank (C++ Kaldi fbank, float32) called with every option spelled out.

The front-end tests compare s2t_np.fbank with it; `knf` is the imported kaldi_native_fbank module
(the conftest fixture of the same name). Option names are s2t_np.fbank's; each is set explicitly
because knf's defaults differ in places (its dither default is 3e-5).
"""

import numpy as np


def knf_fbank(knf, waveform, sample_frequency=16000.0, **o):
    """kaldi-native-fbank features [n_frames, n_mels (+1 with use_energy)] for `waveform` [N]."""
    opts = knf.FbankOptions()
    fo = opts.frame_opts
    fo.samp_freq = sample_frequency
    fo.dither = 0.0
    fo.frame_length_ms = o.get("frame_length", 25.0)
    fo.frame_shift_ms = o.get("frame_shift", 10.0)
    fo.snip_edges = o.get("snip_edges", True)
    fo.window_type = o.get("window_type", "povey")
    fo.blackman_coeff = o.get("blackman_coeff", 0.42)
    fo.preemph_coeff = o.get("preemphasis_coefficient", 0.97)
    fo.remove_dc_offset = o.get("remove_dc_offset", True)
    fo.round_to_power_of_two = o.get("round_to_power_of_two", True)
    opts.mel_opts.num_bins = o.get("num_mel_bins", 80)
    opts.mel_opts.low_freq = o.get("low_freq", 20.0)
    opts.mel_opts.high_freq = o.get("high_freq", 0.0)
    opts.use_energy = o.get("use_energy", False)
    opts.energy_floor = o.get("energy_floor", 1.0)
    opts.raw_energy = o.get("raw_energy", True)
    opts.htk_compat = o.get("htk_compat", False)
    opts.use_log_fbank = o.get("use_log_fbank", True)
    opts.use_power = o.get("use_power", True)
    online = knf.OnlineFbank(opts)
    online.accept_waveform(sample_frequency, waveform.astype(np.float32).tolist())
    online.input_finished()
    return np.array([online.get_frame(i) for i in range(online.num_frames_ready)])
