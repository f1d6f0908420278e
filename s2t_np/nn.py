"""Elementary layers: linear, LayerNorm, activations, softmax (torch.nn / transformers ACT2FN).

Every function works on the last axis of an array of any leading shape and keeps the input dtype
(float32 or float64); weights follow torch's layouts (Linear weight is [out, in]).

    linear(x)      = x @ W.T + b                                   (torch.nn.Linear)
    layer_norm(x)  = (x - mean) / sqrt(var + eps) * w + b,  var biased, eps 1e-5 (torch.nn.LayerNorm)
    relu(x)        = max(x, 0)
    gelu(x)        = x / 2 * (1 + erf(x / sqrt 2))                 (exact, transformers "gelu")
    gelu_new(x)    = x / 2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))   (transformers "gelu_new")
    silu(x)        = x * sigmoid(x)                                (transformers "silu")
    softmax(x)     = exp(x - max) / sum exp(x - max)
    log_softmax(x) = (x - max) - log(sum exp(x - max))
"""

import math

import numpy as np
from scipy.special import erf, expit


def linear(x, weight, bias=None):
    """torch.nn.Linear: [..., in] -> [..., out]. The matmul runs on a 2D view (one BLAS call)."""
    lead = x.shape[:-1]
    y = x.reshape(-1, x.shape[-1]) @ weight.T  # [N, in] @ [in, out] -> [N, out]
    if bias is not None:
        y += bias
    return y.reshape(*lead, weight.shape[0])  # [..., out]


def layer_norm(x, weight, bias, eps=1e-5):
    """torch.nn.LayerNorm over the last axis (biased variance, eps inside the square root)."""
    mean = x.mean(axis=-1, keepdims=True)
    centered = x - mean
    var = np.mean(centered * centered, axis=-1, keepdims=True)
    return centered / np.sqrt(var + eps) * weight + bias


def relu(x, out=None):
    """max(x, 0); `out=x` works in place (the FFN passes its fresh fc1 output)."""
    return np.maximum(x, 0, out=out)


def _store(value, out):
    if out is None:
        return value
    out[...] = value
    return out


def gelu(x, out=None):
    """Exact GELU with erf (transformers "gelu" = torch.nn.functional.gelu)."""
    return _store(0.5 * x * (1.0 + erf(x / x.dtype.type(math.sqrt(2.0)))), out)


def gelu_new(x, out=None):
    """tanh approximation of GELU (transformers "gelu_new", NewGELUActivation)."""
    c = x.dtype.type(math.sqrt(2.0 / math.pi))
    return _store(0.5 * x * (1.0 + np.tanh(c * (x + 0.044715 * (x * x * x)))), out)


def silu(x, out=None):
    """x * sigmoid(x) (transformers "silu" = torch.nn.functional.silu)."""
    return _store(x * expit(x), out)


ACTIVATIONS = {"relu": relu, "gelu": gelu, "gelu_new": gelu_new, "silu": silu}


def softmax(x, axis=-1, out=None):
    """Softmax along `axis`. `out=x` computes in place (three passes over memory, no temporaries)."""
    out = np.subtract(x, x.max(axis=axis, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    return out


def log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def cross_entropy(logits, labels, ignore_index=-100):
    """Mean token cross entropy (torch.nn.CrossEntropyLoss): logits [N, V], labels [N]; labels equal to
    ignore_index are left out of both the sum and the count."""
    keep = labels != ignore_index  # [N]
    logp = log_softmax(logits[keep])  # [N_kept, V]
    return -np.mean(logp[np.arange(logp.shape[0]), labels[keep]])
