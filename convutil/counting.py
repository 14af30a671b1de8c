"""Pure arithmetic: learned parameters and multiply-accumulates of a layer."""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_int, as_tuple

__all__ = ["conv_params", "conv_macs"]


def _kernel_tuple(kernel_size, ndim: int | None = None) -> tuple[int, ...]:
    if isinstance(kernel_size, (tuple, list, np.ndarray)) and np.ndim(kernel_size) == 1:
        if len(kernel_size) not in (1, 2, 3) or (ndim is not None and len(kernel_size) != ndim):
            wanted = f"{ndim}" if ndim is not None else "1, 2 or 3"
            raise ValueError(f"kernel_size must be an int or a tuple of {wanted} ints, got {kernel_size!r}")
        return as_tuple(kernel_size, "kernel_size", len(kernel_size), minimum=1)
    return as_tuple(kernel_size, "kernel_size", ndim or 2, minimum=1)


def _channels(c_in, c_out, groups):
    c_in = as_int(c_in, "c_in", minimum=1)
    c_out = as_int(c_out, "c_out", minimum=1)
    groups = as_int(groups, "groups", minimum=1)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide both c_in={c_in} and c_out={c_out}")
    return c_in, c_out, groups


def conv_params(c_in: int, c_out: int, kernel_size, *, groups: int = 1, bias: bool = True) -> int:
    """Learned parameters of a convolution layer: ``c_out * (c_in // groups) * prod(kernel_size)`` (+ biases).

    Parameters
    ----------
    c_in, c_out, groups : int
    kernel_size : int or tuple of int
        An int is a square 2D kernel; a tuple gives every dimension (2D or 3D).
    bias : bool, default True

    Examples
    --------
    >>> conv_params(8, 16, 5), conv_params(48 * 2, 256, 5, groups=2)   # k1*k2*5*5 + k2; AlexNet conv2
    (3216, 307456)
    """
    c_in, c_out, groups = _channels(c_in, c_out, groups)
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be True or False, got {bias!r}")
    k = _kernel_tuple(kernel_size)
    return c_out * (c_in // groups) * math.prod(k) + (c_out if bias else 0)


def conv_macs(c_in: int, c_out: int, kernel_size, output_size, *, groups: int = 1) -> int:
    """Multiply-accumulates of one convolution layer for one example (biases not counted).

    ``c_out * prod(output_size)`` dot products of ``(c_in // groups) * prod(kernel_size)`` terms.

    Parameters
    ----------
    c_in, c_out, groups, kernel_size
        As for :func:`conv_params`.
    output_size : int or tuple of int
        Spatial output size, e.g. ``(H_out, W_out)``; an int (or int kernel) is the same in every dimension.

    Examples
    --------
    GoogLeNet 3a's 5x5 branch on 192 maps of 28x28, with and without its 1x1 reduction:

    >>> conv_macs(192, 16, 1, 28) + conv_macs(16, 32, 5, 28), conv_macs(192, 32, 5, 28)
    (12443648, 120422400)
    """
    c_in, c_out, groups = _channels(c_in, c_out, groups)
    if isinstance(output_size, (tuple, list, np.ndarray)) and np.ndim(output_size) == 1:
        if len(output_size) not in (1, 2, 3):
            raise ValueError(f"output_size must be an int or a tuple of 1 to 3 ints, got {output_size!r}")
        out = as_tuple(output_size, "output_size", len(output_size), minimum=1)
        k = _kernel_tuple(kernel_size, len(out))
    else:
        k = _kernel_tuple(kernel_size)
        out = as_tuple(output_size, "output_size", len(k), minimum=1)
    return math.prod(out) * c_out * (c_in // groups) * math.prod(k)
