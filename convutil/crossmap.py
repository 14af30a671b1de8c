"""Operations that work ACROSS feature maps, and global average pooling.

Max and average pooling (:func:`convutil.max_pool2d`, :func:`convutil.avg_pool2d`)
treat every feature map on its own. A few well-known layers do combine maps
at the same position, and this module implements them, so the course can show
exactly where the exceptions are:

* :func:`maxout` -- the maximum over groups of neighbouring maps
  (Goodfellow et al., 2013);
* :func:`local_response_norm` -- AlexNet's local response normalisation, which
  divides every value by a power of the sum of squares over ``size``
  neighbouring maps at the same position (Krizhevsky et al., 2012), with
  :func:`torch_lrn_arguments` converting its constants to PyTorch's;
* :func:`global_avg_pool2d` -- the mean of every map: one number per map, still
  per map, listed here because it is often mistaken for a cross-map operation;
* :func:`map_dependence` -- measures, for any layer, which output maps change
  when one input map changes: the layer's connection table, found by experiment.

A 1x1 convolution (Network in Network's "cross channel parametric pooling") is
the fourth cross-map operation; it is :func:`convutil.conv2d` with a 1x1 kernel.

Arrays are channels-first, as everywhere in :mod:`convutil`: ``(C, H, W)`` or
``(N, C, H, W)``. Everything is vectorized; no loop runs over pixels or maps.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import as_float_array, as_int

__all__ = ["maxout", "local_response_norm", "torch_lrn_arguments", "global_avg_pool2d", "map_dependence"]

#: AlexNet's constants for local response normalisation (Krizhevsky et al., 2012, section 3.3).
ALEXNET_LRN = {"size": 5, "k": 2.0, "alpha": 1e-4, "beta": 0.75}


def _as_real(value, name: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Return ``value`` as a finite Python float, or raise a clear error."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _maps(x, fname: str) -> np.ndarray:
    x = as_float_array(x, "x", (3, 4))
    if x.shape[-3] == 0:
        raise ValueError(f"{fname}: x must have at least one map, got shape {x.shape}")
    return x


def maxout(x, pieces: int) -> np.ndarray:
    """Maxout across maps: the maximum over each group of ``pieces`` neighbouring maps.

    Output map ``i`` is the element-wise maximum of input maps
    ``i*pieces, ..., i*pieces + pieces - 1`` at every position: ``C // pieces``
    maps come out. Unlike max pooling, which takes a maximum over a window
    *inside* one map, maxout compares *different* maps at the same position.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
        Feature maps; ``C`` must be a multiple of ``pieces``.
    pieces : int
        Maps per group (the ``k`` of Goodfellow et al., 2013), >= 1.

    Returns
    -------
    ndarray, shape (C // pieces, H, W) or (N, C // pieces, H, W)

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a stack of maps or ``pieces`` does not divide its channel count.

    See Also
    --------
    convutil.max_pool2d : the maximum over a window inside each map.

    Examples
    --------
    Four maps with one pixel each, in two groups of two:

    >>> import numpy as np
    >>> x = np.array([1.0, 5.0, -2.0, -3.0]).reshape(4, 1, 1)
    >>> maxout(x, 2)[:, 0, 0]
    array([ 5., -2.])
    >>> maxout(np.zeros((2, 96, 8, 8)), 3).shape
    (2, 32, 8, 8)
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

    Every value is divided by a power of the sum of squares of the values at
    the same position in ``size`` neighbouring maps:

    .. math::

        b_c = a_c \Big/ \Big(k + \alpha \sum_{c'} a_{c'}^2\Big)^{\beta},

    where ``c'`` runs over maps ``c - size//2`` to ``c + (size-1)//2`` that
    exist (for odd ``size`` that is ``size // 2`` maps on either side, the
    window of Krizhevsky et al., 2012, section 3.3). The defaults are the
    paper's constants ``k=2, size=5, alpha=1e-4, beta=0.75``.

    **PyTorch's constants differ.** ``torch.nn.LocalResponseNorm`` and
    ``torch.nn.functional.local_response_norm`` compute
    ``a_c / (k + alpha / size * sum)**beta``: they divide ``alpha`` by the
    window size, and their ``k`` defaults to 1, not 2. To get AlexNet's layer
    in PyTorch, pass ``alpha * size`` and ``k=2``;
    :func:`torch_lrn_arguments` does the conversion.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)
    size : int, default 5
        Number of neighbouring maps in the window (``n`` in the paper), >= 1.
    k : float, default 2.0
        Additive constant, > 0 (so the denominator is never zero).
    alpha : float, default 1e-4
        Scale of the sum of squares (NOT divided by ``size``), >= 0.
    beta : float, default 0.75
        Exponent.

    Returns
    -------
    ndarray, same shape as ``x``

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a stack of maps or a constant is out of range.

    See Also
    --------
    torch_lrn_arguments

    Examples
    --------
    Five maps that all hold 10 at one pixel: the middle map's window covers
    all five, ``2 + 1e-4 * 5 * 100 = 2.05``, so it becomes ``10 / 2.05**0.75``;
    the first map's window covers only three maps (``2.03``):

    >>> import numpy as np
    >>> x = np.full((5, 1, 1), 10.0)
    >>> y = local_response_norm(x)
    >>> bool(np.isclose(y[2, 0, 0], 10 / 2.05**0.75)), bool(np.isclose(y[0, 0, 0], 10 / 2.03**0.75))
    (True, True)
    >>> y[:, 0, 0].round(4)
    array([5.88  , 5.8584, 5.8369, 5.8584, 5.88  ])
    """
    x = _maps(x, "local_response_norm")
    size = as_int(size, "size", minimum=1)
    k = _as_real(k, "k", positive=True)
    alpha = _as_real(alpha, "alpha", nonnegative=True)
    beta = _as_real(beta, "beta")
    c_axis = x.ndim - 3
    pad = [(0, 0)] * x.ndim
    pad[c_axis] = (size // 2, (size - 1) // 2)
    squares = np.pad(x * x, pad)
    window_sums = sliding_window_view(squares, size, axis=c_axis).sum(axis=-1)
    return x / (k + alpha * window_sums) ** beta


def torch_lrn_arguments(size: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75) -> dict:
    """PyTorch ``LocalResponseNorm`` arguments that reproduce :func:`local_response_norm`.

    PyTorch divides ``alpha`` by ``size`` inside the layer, so the paper's
    ``alpha`` must be multiplied by ``size``; PyTorch's ``k`` defaults to 1, so
    it must be given explicitly.

    Parameters
    ----------
    size, k, alpha, beta
        The constants as in the paper (and in :func:`local_response_norm`).

    Returns
    -------
    dict
        Keyword arguments ``size``, ``alpha``, ``beta``, ``k`` for
        ``torch.nn.LocalResponseNorm`` or ``torch.nn.functional.local_response_norm``.

    Examples
    --------
    AlexNet's layer in PyTorch:

    >>> torch_lrn_arguments()
    {'size': 5, 'alpha': 0.0005, 'beta': 0.75, 'k': 2.0}
    """
    size = as_int(size, "size", minimum=1)
    k = _as_real(k, "k", positive=True)
    alpha = _as_real(alpha, "alpha", nonnegative=True)
    beta = _as_real(beta, "beta")
    return {"size": size, "alpha": alpha * size, "beta": beta, "k": k}


def global_avg_pool2d(x) -> np.ndarray:
    """Global average pooling: the mean of every map, one number per map.

    Still a per-map operation: map ``c`` gives number ``c`` and no two maps
    are combined. It equals :func:`convutil.avg_pool2d` with a window as large
    as the map (PyTorch's ``adaptive_avg_pool2d(x, 1)``), without the two
    trailing size-1 axes.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (N, C, H, W)

    Returns
    -------
    ndarray, shape (C,) or (N, C)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.stack([np.ones((4, 4)), np.arange(16.0).reshape(4, 4)])
    >>> global_avg_pool2d(x)
    array([1. , 7.5])
    >>> global_avg_pool2d(np.zeros((8, 1024, 7, 7))).shape
    (8, 1024)
    """
    x = _maps(x, "global_avg_pool2d")
    if x.shape[-2] == 0 or x.shape[-1] == 0:
        raise ValueError(f"global_avg_pool2d: x must have non-empty maps, got shape {x.shape}")
    return x.mean(axis=(-2, -1))


def map_dependence(layer, x, *, seed: int = 0) -> np.ndarray:
    """Which output maps of ``layer`` change when one input map changes.

    For every input map ``c`` in turn, a copy of ``x`` gets a large positive
    random perturbation on map ``c`` only (larger than any value in ``x``, so
    it also moves maxima); ``table[j, c]`` is true when output map ``j``
    changes. The result is the layer's connection table, measured rather than
    read off its definition: a per-map operation gives a diagonal table
    (identity-like), a standard convolution a full one. It is an experiment,
    not a proof: a dependence that this input and perturbation do not reveal
    is missed.

    Parameters
    ----------
    layer : callable
        Takes a stack ``(C, H, W)`` and returns a stack of maps
        ``(C_out, ...)`` (any trailing shape, including none: one number per map).
    x : array_like, shape (C, H, W)
        The input at which the dependence is measured.
    seed : int, default 0
        Seed of the perturbations.

    Returns
    -------
    ndarray of bool, shape (C_out, C)

    Raises
    ------
    TypeError
        If ``layer`` is not callable or does not return an array.
    ValueError
        If ``x`` is not a single stack of maps, or ``layer`` returns arrays of
        different shapes for inputs of the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> from convutil import conv2d, max_pool2d
    >>> x = np.random.default_rng(0).normal(size=(4, 6, 6))
    >>> map_dependence(lambda s: max_pool2d(s, 2), x).astype(int)   # per map
    array([[1, 0, 0, 0],
           [0, 1, 0, 0],
           [0, 0, 1, 0],
           [0, 0, 0, 1]])
    >>> w = np.ones((2, 2, 3, 3))                                    # two groups of two maps
    >>> map_dependence(lambda s: conv2d(s, w, groups=2), x).astype(int)
    array([[1, 1, 0, 0],
           [0, 0, 1, 1]])
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
