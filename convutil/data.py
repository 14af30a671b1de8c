"""Sample inputs for the course: nothing is ever downloaded.

* :func:`sample_image` -- Grace Hopper's portrait, which ships with matplotlib
  (``matplotlib.cbook.get_sample_data``), as greyscale or as an RGB stack;
* :func:`pattern` -- generated test patterns (bars, a cross, a corner, a
  letter, ...), the kind of input whose feature maps are easy to predict;
* :func:`line_kernels` -- hand-built line detectors, the textbook example of
  what first-layer filters learn;
* :func:`bar_pairs` -- labelled two-map inputs (one bar per map) for training
  experiments whose label lives in how the two maps relate.

Every image is a float array in ``[0, 1]``, channels first for stacks.
"""

from __future__ import annotations

import functools

import numpy as np

from ._validate import as_int

__all__ = [
    "sample_image",
    "pattern",
    "PATTERNS",
    "line_kernels",
    "LINE_ORIENTATIONS",
    "resize",
    "bar_pairs",
    "BAR_RULES",
]

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
    """Resize a 2D image (or a ``(C, H, W)`` stack) by averaging boxes of pixels.

    Each output pixel is the mean of the input pixels whose centres fall in its
    box (area averaging, the usual way to shrink a photo without aliasing);
    when enlarging, pixels are repeated (nearest neighbour).

    Parameters
    ----------
    image : array_like, shape (H, W) or (C, H, W)
    size : int or (int, int)
        Output height and width; an int gives a square.

    Returns
    -------
    ndarray, shape (h, w) or (C, h, w), float64

    Examples
    --------
    >>> import numpy as np
    >>> resize(np.arange(16.0).reshape(4, 4), 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> resize(np.eye(2), 4).shape
    (4, 4)
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
        Output height and width (an int gives a square).
    color : bool, default False
        False: one greyscale map ``(h, w)`` (ITU-R BT.601 luma weights).
        True: the three colour channels as a stack ``(3, h, w)`` -- the three
        input maps a first convolution layer sees.
    crop : bool, default True
        Crop the 600x512 portrait to the square around the face before resizing.

    Returns
    -------
    ndarray, shape (h, w) or (3, h, w)

    Examples
    --------
    >>> img = sample_image(32)
    >>> img.shape, bool(img.min() >= 0.0), bool(img.max() <= 1.0)
    ((32, 32), True, True)
    >>> sample_image((24, 20), color=True).shape
    (3, 24, 20)
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
    """A generated test image with values in ``[0, 1]`` (1 = bright).

    Parameters
    ----------
    name : str
        One of :data:`PATTERNS`:

        ``"bars"``      vertical bright bars;
        ``"hbars"``     horizontal bright bars;
        ``"cross"``     a bright plus sign through the centre;
        ``"corner"``    a bright L-shaped corner (top and left edges of a square);
        ``"diagonal"``  one bright diagonal line (top left to bottom right);
        ``"checker"``   a checkerboard;
        ``"ring"``      a bright circle outline;
        ``"letter"``    the character ``char`` rendered with matplotlib's bundled font.
    size : int or (int, int), default 16
    char : str, default "A"
        The character drawn by ``"letter"``.
    width : int, optional
        Line width (or square size for ``"checker"``) in pixels; default
        about ``size / 8``, at least 1.

    Returns
    -------
    ndarray, shape (h, w), float64

    Examples
    --------
    >>> pattern("cross", 5, width=1)
    array([[0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.],
           [1., 1., 1., 1., 1.],
           [0., 0., 1., 0., 0.],
           [0., 0., 1., 0., 0.]])
    >>> pattern("letter", 16, char="T").shape
    (16, 16)
    """
    if not isinstance(name, str) or name not in PATTERNS:
        raise ValueError(f"name must be one of {PATTERNS}, got {name!r}")
    h, w = _size_pair(size)
    lw = max(1, round(min(h, w) / 8)) if width is None else as_int(width, "width", minimum=1)
    r = np.arange(h)[:, None]
    c = np.arange(w)[None, :]
    if name == "bars":
        img = (c // lw) % 2 == 1
    elif name == "hbars":
        img = (r // lw) % 2 == 1
    elif name == "cross":
        r0, c0 = (h - lw) // 2, (w - lw) // 2
        img = ((r >= r0) & (r < r0 + lw)) | ((c >= c0) & (c < c0 + lw))
    elif name == "corner":
        top, left = h // 4, w // 4
        img = ((r >= top) & (r < top + lw) & (c >= left)) | ((c >= left) & (c < left + lw) & (r >= top))
    elif name == "diagonal":
        img = np.abs(r / max(h - 1, 1) - c / max(w - 1, 1)) * max(h, w) < lw / 2 + 0.5
    elif name == "checker":
        img = ((r // lw) + (c // lw)) % 2 == 1
    elif name == "ring":
        radius = np.hypot(r - (h - 1) / 2, c - (w - 1) / 2)
        img = np.abs(radius - 0.35 * min(h, w)) < lw / 2 + 0.25
    else:  # letter
        if not isinstance(char, str) or len(char) != 1:
            raise ValueError(f"char must be a single character, got {char!r}")
        return _letter(char, h, w)
    return np.broadcast_to(img, (h, w)).astype(np.float64)


def line_kernels(size: int = 3, orientations=LINE_ORIENTATIONS) -> np.ndarray:
    """Hand-built line detectors: one zero-sum ``size x size`` kernel per orientation.

    The taps on the line share ``+1`` and the other taps share ``-1`` (each
    group normalised to sum to 1 in absolute value), so a kernel responds with
    ``+1`` to a bright one-pixel line of its orientation on a dark background
    and with 0 to a flat region.

    Parameters
    ----------
    size : int, default 3
        Odd kernel size, >= 3.
    orientations : sequence of str, default LINE_ORIENTATIONS
        Any of ``"vertical"``, ``"horizontal"``, ``"diagonal"``, ``"antidiagonal"``.

    Returns
    -------
    ndarray, shape (len(orientations), size, size)

    Examples
    --------
    >>> k = line_kernels(3, ["vertical"])
    >>> k[0] * 6
    array([[-1.,  2., -1.],
           [-1.,  2., -1.],
           [-1.,  2., -1.]])
    >>> float(abs(line_kernels(5).sum(axis=(1, 2))).max()) < 1e-12   # zero sum: flat input gives 0
    True
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
    kernels = []
    for o in orientations:
        if o not in masks:
            raise ValueError(f"orientations must contain only {LINE_ORIENTATIONS}, got {o!r}")
        on = masks[o]
        kernels.append(on / on.sum() - ~on / (~on).sum())
    if not kernels:
        raise ValueError("orientations must name at least one orientation")
    return np.stack(kernels)


def _draw_bars(size, rows, cols, length, vertical):
    """A stack of images, each with one bar of ``length`` pixels starting at (rows[i], cols[i])."""
    n = len(rows)
    img = np.zeros((n, size, size))
    step = np.arange(length)
    r = rows[:, None] + (step if vertical else 0 * step)
    c = cols[:, None] + (0 * step if vertical else step)
    img[np.arange(n)[:, None], r, c] = 1.0
    return img


def bar_pairs(n: int, rule: str = "cross", *, size: int = 12, length: int = 5, margin: int = 1, seed: int = 0):
    """Labelled two-map inputs: one bar in map 0, one in map 1, the label set by how they relate.

    Every bar is ``length`` pixels long, one pixel wide, and at least
    ``margin`` pixels from every border. Half the examples have label 1.

    ``rule="cross"``
        Map 0 holds a horizontal bar, map 1 a vertical one; the label is 1 when
        the two bars share a pixel (they cross or touch), 0 when they do not.
        Positions are drawn uniformly and kept until both classes are full.
    ``rule="left"``
        Both maps hold a vertical bar, on the same rows, one or two columns
        apart; the label is 1 when map 0's bar is the left one. Examples come
        in pairs that differ only by swapping the two maps (and the label), so
        the *sum* of the two maps says nothing about the label.

    Parameters
    ----------
    n : int
        Number of examples, even.
    rule : {"cross", "left"}
    size, length, margin : int
        Image side, bar length and the empty border, in pixels.
    seed : int

    Returns
    -------
    x : ndarray, shape (n, 2, size, size)
        Values 0 and 1.
    y : ndarray of int, shape (n,)

    Examples
    --------
    >>> x, y = bar_pairs(4, "cross", size=8, length=3, seed=1)
    >>> x.shape, y.tolist().count(1), x.sum(axis=(2, 3)).tolist()[0]
    ((4, 2, 8, 8), 2, [3.0, 3.0])
    >>> x, y = bar_pairs(2, "left")
    >>> bool((x[0] == x[1, ::-1]).all()), sorted(y.tolist())     # the same picture, maps swapped
    (True, [0, 1])
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
