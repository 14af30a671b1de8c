"""Sample inputs for the course, floats in ``[0, 1]``, channels first; nothing is downloaded.

:func:`sample_image` (Grace Hopper's portrait, shipped with matplotlib),
:func:`pattern` (generated test images), :func:`line_kernels` (hand-built line
detectors), :func:`line_maps` (a fixed line-detecting first layer) and
:func:`bar_pairs` (labelled two-map inputs for training).
An image ``size`` is an int (square) or a pair (height, width).
"""

from __future__ import annotations

import functools

import numpy as np

from ._validate import as_float_array, as_int
from .core import conv2d

__all__ = [
    "sample_image", "pattern", "PATTERNS", "line_kernels", "LINE_ORIENTATIONS", "line_maps", "resize", "bar_pairs",
    "BAR_RULES",
]  # fmt: skip

PATTERNS = ("bars", "hbars", "cross", "corner", "diagonal", "checker", "ring", "letter")
"""Names accepted by :func:`pattern`."""

LINE_ORIENTATIONS = ("vertical", "horizontal", "diagonal", "antidiagonal")
"""Orientations accepted by :func:`line_kernels`."""

BAR_RULES = ("cross", "left")
"""Labelling rules accepted by :func:`bar_pairs`."""


def _size_pair(size, name="size"):
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width), got {size!r}")
        return as_int(size[0], f"{name}[0]", minimum=1), as_int(size[1], f"{name}[1]", minimum=1)
    n = as_int(size, name, minimum=1)
    return n, n


def resize(image, size) -> np.ndarray:
    """Resize a 2D image or a ``(C, H, W)`` stack by averaging boxes of pixels (repeating pixels to enlarge).

    Examples
    --------
    >>> import numpy as np
    >>> resize(np.arange(16.0).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim not in (2, 3) or 0 in img.shape:
        raise ValueError(f"image must be a non-empty (H, W) or (C, H, W) array, got shape {img.shape}")
    h, w = _size_pair(size)
    out = img
    for axis, n in ((-2, h), (-1, w)):
        length = img.shape[axis]
        # output pixel i takes input pixels [starts[i], starts[i+1]) (at least one)
        starts = np.arange(n + 1) * length // n
        counts = np.maximum(np.diff(starts), 1)
        out = np.add.reduceat(out, starts[:-1], axis=axis)
        # reduceat returns the single element where a box is empty (enlarging)
        out = out / counts.reshape((-1, 1) if axis == -2 else (1, -1))
    return out


@functools.lru_cache(maxsize=1)
def _grace_hopper() -> np.ndarray:
    import matplotlib.image
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = matplotlib.image.imread(f, format="jpg")  # (600, 512, 3) uint8
    rgb = rgb.astype(np.float64) / 255.0
    rgb.setflags(write=False)
    return rgb


def sample_image(size=64, *, color: bool = False, crop: bool = True) -> np.ndarray:
    """Grace Hopper's portrait (shipped with matplotlib), as floats in ``[0, 1]``.

    Parameters
    ----------
    size : int or (int, int), default 64
    color : bool, default False
        False: one greyscale map ``(h, w)`` (BT.601 luma); True: the three colour maps ``(3, h, w)``.
    crop : bool, default True
        Crop the 600x512 portrait to the square around the face first.

    Examples
    --------
    >>> sample_image(32).shape, sample_image((24, 20), color=True).shape
    ((32, 32), (3, 24, 20))
    """
    if not isinstance(color, bool):
        raise TypeError(f"color must be True or False, got {color!r}")
    if not isinstance(crop, bool):
        raise TypeError(f"crop must be True or False, got {crop!r}")
    h, w = _size_pair(size)
    rgb = _grace_hopper()
    if crop:
        rgb = rgb[40:552]  # 512x512, the face centred
    stack = np.moveaxis(rgb, -1, 0)  # (3, H, W)
    if color:
        return np.clip(resize(stack, (h, w)), 0.0, 1.0)
    grey = np.tensordot([0.299, 0.587, 0.114], stack, axes=1)
    return np.clip(resize(grey, (h, w)), 0.0, 1.0)


def _letter(char: str, h: int, w: int) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1), dpi=64)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.5, 0.5, char, ha="center", va="center", fontsize=44, family="DejaVu Sans", weight="bold")
    canvas.draw()
    ink = 1.0 - np.asarray(canvas.buffer_rgba())[..., 0] / 255.0  # black text on white
    return np.clip(resize(ink, (h, w)), 0.0, 1.0)


def pattern(name: str, size=16, *, char: str = "A", width: int | None = None) -> np.ndarray:
    """A generated test image ``(h, w)`` with values in ``[0, 1]`` (1 = bright).

    Parameters
    ----------
    name : str
        One of :data:`PATTERNS`: vertical ``"bars"``, horizontal ``"hbars"``, a
        ``"cross"``, an L-shaped ``"corner"``, a ``"diagonal"`` line, a
        ``"checker"``board, a ``"ring"``, or ``char`` as a ``"letter"``.
    size : int or (int, int), default 16
    char : str, default "A"
    width : int, optional
        Line width (or checker square) in pixels; default about ``size / 8``.

    Examples
    --------
    >>> pattern("cross", 3, width=1)
    array([[0., 1., 0.],
           [1., 1., 1.],
           [0., 1., 0.]])
    """
    if not isinstance(name, str) or name not in PATTERNS:
        raise ValueError(f"name must be one of {PATTERNS}, got {name!r}")
    h, w = _size_pair(size)
    lw = max(1, round(min(h, w) / 8)) if width is None else as_int(width, "width", minimum=1)
    if name == "letter":
        if not isinstance(char, str) or len(char) != 1:
            raise ValueError(f"char must be a single character, got {char!r}")
        return _letter(char, h, w)
    r, c = np.arange(h)[:, None], np.arange(w)[None, :]
    r0, c0, top, left = (h - lw) // 2, (w - lw) // 2, h // 4, w // 4
    bright = {
        "bars": lambda: (c // lw) % 2 == 1,
        "hbars": lambda: (r // lw) % 2 == 1,
        "cross": lambda: ((r >= r0) & (r < r0 + lw)) | ((c >= c0) & (c < c0 + lw)),
        "corner": lambda: ((r >= top) & (r < top + lw) & (c >= left)) | ((c >= left) & (c < left + lw) & (r >= top)),
        "diagonal": lambda: np.abs(r / max(h - 1, 1) - c / max(w - 1, 1)) * max(h, w) < lw / 2 + 0.5,
        "checker": lambda: ((r // lw) + (c // lw)) % 2 == 1,
        "ring": lambda: np.abs(np.hypot(r - (h - 1) / 2, c - (w - 1) / 2) - 0.35 * min(h, w)) < lw / 2 + 0.25,
    }
    return np.broadcast_to(bright[name](), (h, w)).astype(np.float64)


def line_kernels(size: int = 3, orientations=LINE_ORIENTATIONS) -> np.ndarray:
    """Hand-built zero-sum line detectors ``(len(orientations), size, size)``, ``size`` odd >= 3.

    The taps on the line share ``+1``, the others ``-1``: a kernel answers ``+1`` to
    a bright one-pixel line of its orientation and 0 to a flat region.

    Examples
    --------
    >>> line_kernels(3, ["vertical"])[0] * 6
    array([[-1.,  2., -1.],
           [-1.,  2., -1.],
           [-1.,  2., -1.]])
    """
    size = as_int(size, "size", minimum=3)
    if size % 2 == 0:
        raise ValueError(f"size must be odd so that the line has a centre, got {size}")
    if isinstance(orientations, str):
        orientations = [orientations]
    i = np.arange(size)[:, None]
    j = np.arange(size)[None, :]
    mid = size // 2
    masks = {
        "vertical": np.broadcast_to(j == mid, (size, size)),
        "horizontal": np.broadcast_to(i == mid, (size, size)),
        "diagonal": i == j,
        "antidiagonal": i + j == size - 1,
    }
    unknown = [o for o in orientations if o not in masks]
    if unknown or not orientations:
        raise ValueError(f"orientations must name one or more of {LINE_ORIENTATIONS}, got {list(orientations)!r}")
    on = np.stack([masks[o] for o in orientations])
    return on / on.sum(axis=(1, 2), keepdims=True) - ~on / (~on).sum(axis=(1, 2), keepdims=True)


def line_maps(images) -> np.ndarray:
    """Horizontal and vertical line maps ``(2, H, W)`` (or ``(N, 2, H, W)``) of one-pixel line drawings.

    A fixed first layer: 3x3 kernels of ones along the middle row (map 0) and
    the middle column (map 1), bias -2, padding 1, then ReLU. On a drawing of 0s
    and 1s, map 0 is 1 on horizontal lines and map 1 on vertical lines (a line's
    two end pixels excluded), 0 elsewhere.

    Examples
    --------
    >>> line_maps(pattern("cross", 5, width=1))[:, 2]
    array([[0., 1., 1., 1., 0.],
           [0., 0., 0., 0., 0.]])
    """
    x = as_float_array(images, "images", ndims=(2, 3))
    weight = np.zeros((2, 1, 3, 3))
    weight[0, 0, 1, :] = weight[1, 0, :, 1] = 1.0
    return np.maximum(conv2d(x[..., None, :, :], weight, np.array([-2.0, -2.0]), padding=1), 0.0)


def _draw_bars(size, rows, cols, length, vertical):
    """Images with one bar of ``length`` pixels from (rows[i], cols[i])."""
    n = len(rows)
    img = np.zeros((n, size, size))
    step = np.arange(length)
    r = rows[:, None] + (step if vertical else 0 * step)
    c = cols[:, None] + (0 * step if vertical else step)
    img[np.arange(n)[:, None], r, c] = 1.0
    return img


def bar_pairs(n: int, rule: str = "cross", *, size: int = 12, length: int = 5, margin: int = 1, seed: int = 0):
    """Labelled two-map inputs ``(x, y)``: one bar in map 0, one in map 1, the label set by how they relate.

    Bars are ``length`` pixels long, one wide, ``margin`` from the border; half the
    labels are 1. ``"cross"``: a horizontal bar in map 0, a vertical one in map 1,
    label 1 when they share a pixel. ``"left"``: vertical bars on the same rows, one or
    two columns apart, label 1 when map 0's is the left one; examples come in pairs
    with the maps swapped, so the *sum* of the maps says nothing about the label.

    Parameters
    ----------
    n : int
        Number of examples, even.
    rule : {"cross", "left"}
    size, length, margin, seed : int

    Returns
    -------
    x : ndarray, shape (n, 2, size, size)
    y : ndarray of int, shape (n,)

    Examples
    --------
    >>> x, y = bar_pairs(2, "left")
    >>> x.shape, bool((x[0] == x[1, ::-1]).all()), sorted(y.tolist())
    ((2, 2, 12, 12), True, [0, 1])
    """
    n = as_int(n, "n", minimum=2)
    if n % 2:
        raise ValueError(f"n must be even (half the examples per label), got {n}")
    if rule not in BAR_RULES:
        raise ValueError(f"rule must be one of {BAR_RULES}, got {rule!r}")
    size, length = as_int(size, "size", minimum=3), as_int(length, "length", minimum=1)
    margin = as_int(margin, "margin", minimum=0)
    free = size - 2 * margin - length + 1  # starting positions along a bar
    if free < 3:
        raise ValueError(f"size={size} leaves no room for bars of length={length} with margin={margin}")
    rng = np.random.default_rng(seed)
    if rule == "left":
        half = n // 2
        rows = margin + rng.integers(0, free, half)
        gap = rng.integers(1, 3, half)
        left = margin + rng.integers(0, size - 2 * margin - gap)
        first = _draw_bars(size, rows, left, length, vertical=True)
        second = _draw_bars(size, rows, left + gap, length, vertical=True)
        x = np.stack([np.stack([first, second], 1), np.stack([second, first], 1)], 1).reshape(n, 2, size, size)
        return x, np.tile([1, 0], half)
    cand = 40 * n
    hr, hc = margin + rng.integers(0, size - 2 * margin, cand), margin + rng.integers(0, free, cand)
    vr, vc = margin + rng.integers(0, free, cand), margin + rng.integers(0, size - 2 * margin, cand)
    crossing = (hc <= vc) & (vc < hc + length) & (vr <= hr) & (hr < vr + length)
    pick = np.concatenate([np.flatnonzero(crossing)[: n // 2], np.flatnonzero(~crossing)[: n // 2]])
    if len(pick) < n:  # only for tiny images: positions must leave room for both kinds of pair
        raise ValueError(f"size={size} and length={length} leave too few crossing or non-crossing pairs for n={n}")
    pick = rng.permutation(pick)
    x = np.stack(
        [_draw_bars(size, hr[pick], hc[pick], length, False), _draw_bars(size, vr[pick], vc[pick], length, True)], 1
    )
    return x, crossing[pick].astype(int)
