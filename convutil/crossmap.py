"""Operations that work ACROSS feature maps, and global average pooling.

Pooling (:func:`convutil.max_pool2d`) treats every map on its own; these layers
combine maps at the same position (a 1x1 convolution is the fourth one):
:func:`maxout` (Goodfellow et al., 2013), :func:`local_response_norm` (AlexNet,
Krizhevsky et al., 2012, with :func:`torch_lrn_arguments`), and
:func:`global_avg_pool2d`, still per map but often mistaken for a cross-map
operation. :func:`map_dependence` measures any layer's connection table.
Every ``x`` is ``(C, H, W)`` or ``(N, C, H, W)``.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import as_float_array, as_int

__all__ = ["maxout", "local_response_norm", "torch_lrn_arguments", "global_avg_pool2d", "map_dependence"]

#: AlexNet's constants for local response normalisation (Krizhevsky et al., 2012, section 3.3).
ALEXNET_LRN = {"size": 5, "k": 2.0, "alpha": 1e-4, "beta": 0.75}


def _lrn_constants(size, k, alpha, beta) -> tuple[int, float, float, float]:
    """The constants of local response normalisation checked: ``size >= 1``, ``k > 0``, ``alpha >= 0``, all finite."""
    size = as_int(size, "size", minimum=1)
    checked = []
    for name, value, low in (("k", k, "> 0"), ("alpha", alpha, ">= 0"), ("beta", beta, None)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
        if not np.isfinite(value := float(value)):
            raise ValueError(f"{name} must be finite, got {value}")
        if (low == "> 0" and value <= 0) or (low == ">= 0" and value < 0):
            raise ValueError(f"{name} must be {low}, got {value}")
        checked.append(value)
    return (size, *checked)


def _maps(x, fname: str) -> np.ndarray:
    x = as_float_array(x, "x", (3, 4))
    if x.shape[-3] == 0:
        raise ValueError(f"{fname}: x must have at least one map, got shape {x.shape}")
    return x


def maxout(x, pieces: int) -> np.ndarray:
    """Maxout: output map ``i`` is the element-wise maximum of input maps ``i*pieces`` to ``i*pieces + pieces - 1``.

    Unlike max pooling (a window *inside* one map), maxout compares *different* maps
    at the same position (Goodfellow et al., 2013).

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    pieces : int
        Maps per group; must divide ``C``.

    Returns
    -------
    ndarray, shape (C // pieces, H, W) or (N, C // pieces, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> maxout(np.array([1.0, 5.0, -2.0, -3.0]).reshape(4, 1, 1), 2)[:, 0, 0]
    array([ 5., -2.])
    """
    x = _maps(x, "maxout")
    pieces = as_int(pieces, "pieces", minimum=1)
    c = x.shape[-3]
    if c % pieces:
        raise ValueError(f"maxout: pieces={pieces} does not divide the {c} maps of x (shape {x.shape})")
    grouped = x.reshape(*x.shape[:-3], c // pieces, pieces, *x.shape[-2:])
    return grouped.max(axis=-3)


def local_response_norm(x, size: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75) -> np.ndarray:
    r"""Local response normalisation across maps, as defined for AlexNet.

    .. math::

        b_c = a_c \Big/ \Big(k + \alpha \sum_{c'} a_{c'}^2\Big)^{\beta},

    ``c'`` over the existing maps ``c - size//2`` to ``c + (size-1)//2`` (Krizhevsky
    et al., 2012, section 3.3); the defaults are the paper's constants. **PyTorch
    differs**: its ``LocalResponseNorm`` divides ``alpha`` by ``size`` and defaults
    ``k`` to 1; :func:`torch_lrn_arguments` converts.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    size : int, default 5
        Neighbouring maps in the window (``n`` in the paper).
    k, alpha, beta : float, default 2.0, 1e-4, 0.75
        ``k > 0``; ``alpha >= 0`` is NOT divided by ``size``.

    Returns
    -------
    ndarray, the shape of ``x``

    Examples
    --------
    Five maps holding 10: the middle window covers all five (``2 + 1e-4*5*100 = 2.05``):

    >>> import numpy as np
    >>> bool(np.isclose(local_response_norm(np.full((5, 1, 1), 10.0))[2, 0, 0], 10 / 2.05**0.75))
    True
    """
    x = _maps(x, "local_response_norm")
    size, k, alpha, beta = _lrn_constants(size, k, alpha, beta)
    c_axis = x.ndim - 3
    pad = [(0, 0)] * x.ndim
    pad[c_axis] = (size // 2, (size - 1) // 2)
    squares = np.pad(x * x, pad)
    window_sums = sliding_window_view(squares, size, axis=c_axis).sum(axis=-1)
    return x / (k + alpha * window_sums) ** beta


def torch_lrn_arguments(size: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75) -> dict:
    """Keyword arguments of PyTorch's ``LocalResponseNorm`` that reproduce :func:`local_response_norm`.

    Examples
    --------
    >>> torch_lrn_arguments()
    {'size': 5, 'alpha': 0.0005, 'beta': 0.75, 'k': 2.0}
    """
    size, k, alpha, beta = _lrn_constants(size, k, alpha, beta)
    return {"size": size, "alpha": alpha * size, "beta": beta, "k": k}


def global_avg_pool2d(x) -> np.ndarray:
    """Global average pooling: the mean of every map, shape (C,) or (N, C); still per map.

    Examples
    --------
    >>> import numpy as np
    >>> global_avg_pool2d(np.stack([np.ones((4, 4)), np.arange(16.0).reshape(4, 4)]))
    array([1. , 7.5])
    """
    x = _maps(x, "global_avg_pool2d")
    if x.shape[-2] == 0 or x.shape[-1] == 0:
        raise ValueError(f"global_avg_pool2d: x must have non-empty maps, got shape {x.shape}")
    return x.mean(axis=(-2, -1))


def map_dependence(layer, x, *, seed: int = 0) -> np.ndarray:
    """Which output maps of ``layer`` change when one input map changes: its connection table, measured.

    Each input map ``c`` in turn gets a random perturbation larger than any value of
    ``x`` (so it also moves maxima); ``table[j, c]`` is true when output map ``j``
    changes. An experiment, not a proof: a dependence this input hides is missed.

    Parameters
    ----------
    layer : callable
        Maps a stack ``(C, H, W)`` to an array ``(C_out, ...)``.
    x : array_like, shape (C, H, W)
    seed : int, default 0

    Returns
    -------
    ndarray of bool, shape (C_out, C)

    Examples
    --------
    >>> import numpy as np
    >>> from convutil import conv2d
    >>> layer = lambda s: conv2d(s, np.ones((2, 2, 3, 3)), groups=2)
    >>> map_dependence(layer, np.random.default_rng(0).normal(size=(4, 6, 6))).astype(int).tolist()
    [[1, 1, 0, 0], [0, 0, 1, 1]]
    """
    if not callable(layer):
        raise TypeError(f"layer must be a callable that maps a stack to a stack, got {type(layer).__name__}")
    x = as_float_array(x, "x", (3,))
    if x.shape[0] == 0:
        raise ValueError(f"map_dependence: x must have at least one map, got shape {x.shape}")
    seed = as_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    base = _layer_output(layer, x, None)
    scale = 1.0 + 10.0 * float(np.max(np.abs(x), initial=0.0))
    table = np.zeros((base.shape[0], x.shape[0]), dtype=bool)
    for c in range(x.shape[0]):  # one call of the black-box layer per input map
        changed = x.copy()
        changed[c] += scale * (1.0 + rng.random(x.shape[1:]))
        out = _layer_output(layer, changed, base.shape)
        differs = ~np.isclose(out, base, rtol=1e-9, atol=1e-12)
        table[:, c] = differs.reshape(base.shape[0], -1).any(axis=1)
    return table


def _layer_output(layer, x, shape):
    out = layer(x)
    if not isinstance(out, np.ndarray) or out.ndim < 1:
        raise TypeError(f"layer must return an array with one entry per output map, got {type(out).__name__}")
    if shape is not None and out.shape != shape:
        raise ValueError(f"layer returned shape {out.shape} for a perturbed input but {shape} for x")
    return out
