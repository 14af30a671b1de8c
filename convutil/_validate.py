"""Argument checks: bad input becomes a TypeError or ValueError naming the argument and its value or shape."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

#: Largest array (in elements) that one call may allocate. A call that would
#: need more (typically an absurd padding) is refused with a ValueError instead
#: of exhausting the memory of a student's laptop.
MAX_ELEMENTS = 2**30


def as_float_array(value, name: str, ndims: Sequence[int] | None = None) -> np.ndarray:
    """``value`` as a float array (bool/int -> float64, float16 -> float32), its ``ndim`` one of ``ndims``."""
    if value is None:
        raise TypeError(f"{name} must be an array, got None")
    if isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists, unconvertible objects
        raise TypeError(f"{name} must be a rectangular numeric array (ragged input?): {exc}") from None
    if arr.dtype == object:
        raise TypeError(f"{name} must be a rectangular numeric array, got an object array (ragged or mixed input?)")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if ndims is not None and arr.ndim not in ndims:
        wanted = " or ".join(str(d) for d in ndims)
        raise ValueError(f"{name} must have {wanted} dimensions, got shape {arr.shape} ({arr.ndim} dimensions)")
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    # native float32 and float64 pass through untouched (no copy)
    return arr.astype(np.float32 if arr.dtype.itemsize <= 4 else np.float64, copy=False)


def as_int(value, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int (no bools, no floats), checking ``minimum``."""
    if type(value) is not int and (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_tuple(value, name: str, n: int, *, minimum: int) -> tuple[int, ...]:
    """Expand an int or a length-``n`` sequence of ints into an ``n``-tuple."""
    if type(value) is int and (minimum is None or value >= minimum):  # the common case, fast
        return (value,) * n
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (tuple, list, np.ndarray)):
        items = list(value)
        if len(items) != n:
            raise ValueError(f"{name} must be an int or a sequence of {n} ints, got {value!r}")
        return tuple(as_int(v, f"{name}[{i}]", minimum=minimum) for i, v in enumerate(items))
    return (as_int(value, name, minimum=minimum),) * n


def check_size(shape: Sequence[int], what: str, culprits: str) -> None:
    """Refuse a call whose array ``shape`` would exceed :data:`MAX_ELEMENTS` elements."""
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise ValueError(
            f"the {what} would have shape {tuple(shape)} ({count:,} elements, more than the limit of "
            f"{MAX_ELEMENTS:,}); check {culprits}"
        )
