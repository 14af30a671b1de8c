"""The course's look in one place: colours, font sizes, figure width, and the matplotlib style.

The book shows figures in a column about 700 px wide: a figure :data:`DISPLAY_WIDTH`
inches wide at :data:`DPI` is shown at its own size, so :data:`FONT` sizes are what
the reader sees; :func:`font` scales the text of a wider figure up by as much as the
browser shrinks it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import textwrap

import matplotlib as mpl
import numpy as np
from matplotlib import colormaps, patheffects
from matplotlib import colors as mcolors
from matplotlib.figure import Figure

from ._validate import as_int

SEQUENTIAL = "cividis"
"""Colormap for non-negative values: perceptually uniform, designed for colour-vision deficiency."""

DIVERGING = "RdBu_r"
"""Colormap for signed values (ColorBrewer RdBu, colour-blind safe), always centred at zero."""

HIGHLIGHT = "#E69F00"
"""Outline colour of the current window or pixel (Okabe-Ito orange), drawn with :data:`HALO`."""

HALO = (patheffects.withStroke(linewidth=3.5, foreground="black"),)
"""Dark outline around :data:`HIGHLIGHT` lines, so they show on light and dark pixels alike."""

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#000000")
"""Colour-blind safe palette (Okabe & Ito) for up to seven kernels."""

DISPLAY_WIDTH = 7.2
"""Width in inches of the figures the course makes: the book's content column at :data:`DPI`."""

DPI = 100
"""Resolution of the explorers' pictures (shown at their own size: not shrunk, not enlarged)."""

FONT = {
    "large": 11.0,  # what the figure is for: the receptive-field equation, parameter and MAC counts
    "title": 10.5,  # panel and figure titles
    "base": 10.0,  # labels: "map 0", "filter 1", "input maps", dimensions
    "small": 9.0,  # map indices, colour-bar ticks, notes
    "cell": 8.0,  # a number written inside a kernel cell (the tightest place)
}
"""Font sizes (points at display size) by role; every text of the drawings takes its size from here."""

RC = {
    "font.size": FONT["base"],
    "axes.titlesize": FONT["title"],
    "figure.titlesize": FONT["title"],
    "xtick.labelsize": FONT["small"],
    "ytick.labelsize": FONT["small"],
    "image.interpolation": "nearest",
    "image.origin": "upper",
    "figure.dpi": DPI,
    "svg.fonttype": "none",
}
"""The matplotlib style of the drawings, applied with :func:`context` while they are built."""


STATIC_ENV = "CONVUTIL_STATIC_EXPLORERS"
"""Environment variable the book build sets to ``1`` for the kernels it starts (``book/_ext/static_explorers.py``)."""


def static_mode() -> bool:
    """Whether this kernel executes a page of the published book (:data:`STATIC_ENV` is ``1``)."""
    return os.environ.get(STATIC_ENV, "") == "1"


def png(fig, *, palette: bool | None = None) -> bytes:
    """``fig`` as PNG, trimmed; with ``palette`` (default: :func:`static_mode`) 256 colours, a third of the bytes."""
    from IPython.core.pylabtools import print_figure
    from PIL import Image

    data = print_figure(fig, "png", bbox_inches="tight")
    if not (static_mode() if palette is None else palette):
        return data
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(
        buf, format="png", optimize=True
    )
    return buf.getvalue()


def scale(where=None) -> float:
    """How much larger than :data:`FONT` the text of ``where`` (an Axes or Figure) must be."""
    if where is None:
        return 1.0
    fig = where.get_figure(root=True) if hasattr(where, "get_figure") else where
    return max(1.0, fig.get_figwidth() / DISPLAY_WIDTH) if fig is not None else 1.0


def font(role: str, where=None) -> float:
    """Font size for ``role`` (a key of :data:`FONT`) in the figure of ``where``.

    Examples
    --------
    >>> font("small"), font("base", Figure(figsize=(2 * DISPLAY_WIDTH, 3)))
    (9.0, 20.0)
    """
    return float(round(FONT[role] * scale(where), 2))


@contextlib.contextmanager
def context(where=None):
    """Apply :data:`RC` (text sized for the figure of ``where``) while a drawing is built.

    >>> with context():
    ...     Figure().text(0, 0, "a").get_fontsize()
    10.0
    """
    s = scale(where)
    sized = {k: v * s if k.endswith("size") else v for k, v in RC.items()}
    with mpl.rc_context(sized):
        yield


def new_figure(width: float, height: float, *, constrained: bool = True) -> Figure:
    """A figure at most :data:`DISPLAY_WIDTH` wide (the book shows it at its own size, text included)."""
    return Figure(figsize=(min(width, DISPLAY_WIDTH), height), layout="constrained" if constrained else None)


def freeze_layout(fig: Figure) -> Figure:
    """Let the layout engine place the axes once, then keep them there (explorers redraw in place)."""
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")
    return fig


def title(ax, text: str = "", role: str = "title"):
    """A title as a plain text artist: unlike ``set_title`` it costs nothing to re-place at every draw."""
    return ax.text(0.5, 1.02, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=font(role, ax))


def shape_text(shape) -> str:
    """``(2, 3, 4)`` as text, also for one-element shapes."""
    return "(" + ", ".join(str(s) for s in shape) + ")"


def wrap(text: str, ax, fontsize: float) -> str:
    """``text`` broken at spaces to fit the width of ``ax`` (neighbouring panels' titles never overlap)."""
    fig = ax.get_figure(root=True)
    spec = ax.get_subplotspec()
    if spec is not None:  # the axes' share of the figure (its box may still grow under a layout engine)
        gs = spec.get_gridspec()
        ratios = np.asarray(gs.get_width_ratios() or [1] * gs.ncols, float)
        width_in = 0.95 * ratios[spec.colspan].sum() / ratios.sum() * fig.get_figwidth()
    else:
        width_in = ax.get_position().width * fig.get_figwidth()
    chars = max(12, int(width_in * 72 / (0.58 * fontsize)))  # DejaVu Sans: under 0.6 em per character
    return "\n".join(textwrap.fill(line, chars) or line for line in text.split("\n"))


def color_limits(values, signed: bool | None = None) -> tuple[str, float, float]:
    """``(cmap, vmin, vmax)`` for drawing ``values``: ``(DIVERGING, -m, m)`` if signed, else ``(SEQUENTIAL, 0, max)``.

    ``signed`` forces the choice; by default values are signed when any finite one is negative.

    Examples
    --------
    >>> color_limits([-1.0, 0.5]), color_limits([0.2, 0.8])
    (('RdBu_r', -1.0, 1.0), ('cividis', 0.0, 0.8))
    """
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if signed is None:
        signed = lo < 0
    if signed:
        m = max(abs(lo), abs(hi)) or 1.0
        return DIVERGING, -m, m
    lo = min(lo, 0.0)
    return SEQUENTIAL, lo, (hi if hi > lo else lo + 1.0)


def kernel_colors(n: int) -> np.ndarray:
    """``n`` distinct RGBA colours, one per 2D kernel: :data:`OKABE_ITO` up to 7, else the darkest 85 % of viridis.

    Examples
    --------
    >>> kernel_colors(3).shape
    (3, 4)
    """
    return _kernel_colors(as_int(n, "n", minimum=1)).copy()


@functools.lru_cache(maxsize=64)
def _kernel_colors(n: int) -> np.ndarray:
    if n <= len(OKABE_ITO):
        return mcolors.to_rgba_array(OKABE_ITO[:n])
    return colormaps["viridis"](np.linspace(0.0, 0.85, n))
