"""The question's three candidate layers, built on :func:`convutil.conv2d`.

Type 1: every 2D kernel on every map separately (``k1 * k2`` maps); type 2.1: one
kernel shared by all maps, summed (``k2``); type 2.2: its own kernel per filter and
input map, summed (``k2``), every framework's layer. ``x`` is ``(C, H, W)`` or
``(N, C, H, W)``; ``stride``, ``padding``, ``dilation`` as for :func:`convutil.conv2d`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_float_array
from .core import conv2d

__all__ = ["conv_type1", "conv_type2_1", "conv_type2_2"]

_CONV_KWARGS = ("stride", "padding", "dilation")


def _check_kwargs(conv_kwargs, fname):
    unknown = sorted(set(conv_kwargs) - set(_CONV_KWARGS))
    if unknown:
        raise TypeError(f"{fname} got unexpected keyword argument(s) {unknown}; allowed: stride, padding, dilation")


def _prepare(x, kernels, bias, fname):
    x = as_float_array(x, "x", (3, 4))
    kernels = as_float_array(kernels, "kernels", (3,))
    if 0 in kernels.shape:
        raise ValueError(f"{fname}: kernels must not have an empty dimension, got shape {kernels.shape}")
    if bias is not None:
        bias = as_float_array(bias, "bias")
        if bias.shape != (kernels.shape[0],):
            raise ValueError(
                f"{fname}: bias must have shape ({kernels.shape[0]},), one value per kernel of kernels "
                f"{kernels.shape}; got shape {bias.shape}"
            )
    return x, kernels, bias


def conv_type1(x: ArrayLike, kernels: ArrayLike, bias: ArrayLike | None = None, **conv_kwargs) -> np.ndarray:
    """The "type 1" layer: every kernel applied to every input map separately.

    Output map ``c*K + k`` is kernel ``k`` on input map ``c`` (plus ``bias[k]``): no
    output mixes two maps.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    kernels : array_like, shape (K, kH, kW)
    bias : array_like, shape (K,), optional

    Returns
    -------
    ndarray, shape (C*K, H_out, W_out) or (N, C*K, H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> conv_type1(np.zeros((4, 10, 10)), np.ones((6, 5, 5)), padding=2).shape   # k1 * k2 maps
    (24, 10, 10)
    """
    _check_kwargs(conv_kwargs, "conv_type1")
    x, kernels, bias = _prepare(x, kernels, bias, "conv_type1")
    c = x.shape[-3]
    weight = np.tile(kernels, (c, 1, 1))[:, None]  # (C*K, 1, kH, kW), map c*K+k -> kernel k
    tiled_bias = None if bias is None else np.tile(bias, c)
    return conv2d(x, weight, tiled_bias, groups=c, **conv_kwargs)


def conv_type2_1(x: ArrayLike, kernels: ArrayLike, bias: ArrayLike | None = None, **conv_kwargs) -> np.ndarray:
    """The "type 2.1" layer: one 2D kernel per filter, shared by all input maps, summed (``K`` maps).

    By linearity that is kernel ``k`` on the *sum* of the input maps: the layer cannot
    tell its input maps apart.

    Examples
    --------
    >>> import numpy as np
    >>> x, kernels = np.random.default_rng(0).normal(size=(4, 10, 10)), np.ones((6, 5, 5))
    >>> np.allclose(conv_type2_1(x, kernels), conv_type2_1(x.sum(axis=0, keepdims=True), kernels))
    True
    """
    _check_kwargs(conv_kwargs, "conv_type2_1")
    x, kernels, bias = _prepare(x, kernels, bias, "conv_type2_1")
    c = x.shape[-3]
    weight = np.broadcast_to(kernels[:, None], (kernels.shape[0], c, *kernels.shape[1:]))
    return conv2d(x, weight, bias, **conv_kwargs)


def conv_type2_2(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, **conv_kwargs) -> np.ndarray:
    """The "type 2.2" layer: ``conv2d`` with ``groups=1``, ``weight`` ``(K, C, kH, kW)``.

    Examples
    --------
    >>> import numpy as np
    >>> conv_type2_2(np.zeros((4, 10, 10)), np.ones((6, 4, 5, 5)), padding=2).shape
    (6, 10, 10)
    """
    _check_kwargs(conv_kwargs, "conv_type2_2")
    return conv2d(x, weight, bias, groups=1, **conv_kwargs)
