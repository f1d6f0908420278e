"""The two argument checks every layer shares: reading a JSON object file, and telling an integer.

Kept in one place so that a bad file or a non-integer count gives the same kind of message
wherever it is found.
"""

import json
import numbers

import numpy as np

from .errors import ConfigError


def read_json(path, what="JSON file", error=ConfigError):
    """The JSON object in ``path``; ``error(message naming the file)`` if it is missing, not JSON or not an object."""
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise error(f"{what} {path} must hold a JSON object")
    return value


def is_int(value, *, whole_floats=False):
    """True for Python and NumPy integers (not bools).

    With ``whole_floats=True`` a real number with no fractional part (``16000.0``) counts too, for
    arguments that are counts rather than typed options (sampling rates, frame counts, batch sizes).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]  # a 0-d array counts as its scalar
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False  # numbers.Real covers int, float and the NumPy scalars; np.bool_ is not a Real
    if isinstance(value, numbers.Integral):
        return True
    return whole_floats and float(value).is_integer()
