"""Drawings for the course: one visual language for stacks, weights, links and windows.

Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure` (or
draws into the ``ax`` it is given and returns that axes' figure). Figures are
created with :class:`~matplotlib.figure.Figure`, not ``pyplot``, so they are
never registered with pyplot's figure manager: nothing leaks, and a returned
figure displays in a notebook as its last expression.

The visual language:

* **values** -- signed values (kernels, products, most feature maps) use
  :data:`DIVERGING` with limits symmetric about zero, so white always means 0;
  non-negative values (images, ReLU maps) use :data:`SEQUENTIAL`. Both are
  colour-blind safe; maps drawn together share one colour scale.
* **kernels** -- in connection diagrams one colour is one 2D kernel: a kernel
  shared by several links draws them all in the same colour.
* **highlight** -- the current window or pixel is outlined in :data:`HIGHLIGHT`.

In IPython and Jupyter, importing this module registers a PNG formatter for
``Figure`` (what matplotlib's inline backend does once ``pyplot`` is used), so
a returned figure shows as a picture even if ``pyplot`` was never imported.

The ``*View`` classes hold the artists of one drawing and change them in
place (``set_data``, ``set_text``, ...) when asked to show something else; the
explorers in :mod:`convutil.widgets` use them to update without rebuilding a figure.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps, patheffects
from matplotlib import colors as mcolors
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ._validate import as_float_array, as_int, as_tuple
from .core import conv2d, conv_output_size

__all__ = [
    "SEQUENTIAL",
    "DIVERGING",
    "HIGHLIGHT",
    "KINDS",
    "color_limits",
    "fill_box",
    "kernel_colors",
    "connection_table",
    "plot_stack",
    "plot_stacks",
    "plot_weights",
    "plot_connections",
    "plot_receptive_field",
    "receptive_field",
    "ReceptiveField",
    "StackView",
    "ConnectionsView",
    "ReceptiveFieldView",
]

SEQUENTIAL = "cividis"
"""Colormap for non-negative values: perceptually uniform, designed for colour-vision deficiency."""

DIVERGING = "RdBu_r"
"""Colormap for signed values (ColorBrewer RdBu, colour-blind safe), always centred at zero."""

HIGHLIGHT = "#E69F00"
"""Outline colour of the current window or pixel (Okabe-Ito orange), with a dark halo."""

_OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#000000")

KINDS = ("type1", "type2.1", "type2.2", "grouped", "depthwise", "table")
"""Connection patterns understood by :func:`plot_connections` and :func:`connection_table`."""

_KIND_TITLES = {
    "type1": "type 1\nevery kernel on every map separately",
    "type2.1": "type 2.1\none kernel per filter, shared by all maps",
    "type2.2": "type 2.2 (the standard layer)\nits own kernel per filter and input map",
    "grouped": "grouped convolution, groups={groups}\nfilters see only their group's maps",
    "depthwise": "depthwise convolution\nevery filter sees one input map",
    "table": "explicit connection table\neach output sees the maps its row lists",
}

_HALO = [patheffects.withStroke(linewidth=3.5, foreground="black")]

# The one place that sets how large the drawings' text is. The book shows figures in a column about
# 700 px wide; a figure of _DISPLAY_WIDTH inches at 100 dpi is shown at (about) its own size, so
# these sizes are the sizes the reader sees. A caller's figure that is wider is shrunk by the browser;
# _font() scales its text up by the same factor so it reads the same (see _font).
_DISPLAY_WIDTH = 7.2
"""Width in inches of the figures this module makes: the book's content column at 100 dpi."""

_FONT = {
    "large": 11.0,  # what the figure is for: the receptive-field equation, parameter and MAC counts
    "title": 10.5,  # panel and figure titles
    "base": 10.0,  # labels: "map 0", "filter 1", "input maps", dimensions
    "small": 9.0,  # map indices, colour-bar ticks, notes
    "cell": 8.0,  # a number written inside a kernel cell (the tightest place)
}
"""Font sizes (points at display size) by role; every text of the drawings takes its size from here."""


def _font(role: str, where=None) -> float:
    """Font size for ``role`` (a key of ``_FONT``) in the figure of ``where`` (an Axes or Figure).

    In a figure wider than ``_DISPLAY_WIDTH`` (a caller's wide multi-panel figure) the size grows in
    proportion, because the browser shrinks that figure to the column's width.
    """
    size = _FONT[role]
    if where is not None:
        fig = where.get_figure(root=True) if hasattr(where, "get_figure") else None
        if fig is not None:
            size *= max(1.0, fig.get_figwidth() / _DISPLAY_WIDTH)
    return round(size, 2)


# --------------------------------------------------------------------------- helpers


def color_limits(values, signed: bool | None = None) -> tuple[str, float, float]:
    """Colormap name and limits for drawing ``values`` in the course's visual language.

    Parameters
    ----------
    values : array_like
    signed : bool, optional
        Force the diverging (True) or sequential (False) map. By default the
        diverging map is used when any finite value is negative.

    Returns
    -------
    (cmap, vmin, vmax)
        ``(DIVERGING, -m, m)`` with ``m`` the largest absolute value, or
        ``(SEQUENTIAL, 0, max)`` for non-negative values.

    Examples
    --------
    >>> color_limits([-1.0, 0.5])
    ('RdBu_r', -1.0, 1.0)
    >>> color_limits([0.2, 0.8])
    ('cividis', 0.0, 0.8)
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
    """``n`` distinguishable RGBA colours, one per 2D kernel of a connection diagram.

    Up to 7 kernels get the Okabe-Ito palette (colour-blind safe); more get
    evenly spaced colours of ``viridis`` (its darkest 85 %, visible on white).

    Examples
    --------
    >>> kernel_colors(3).shape
    (3, 4)
    >>> len({tuple(c) for c in kernel_colors(20)})
    20
    """
    return _kernel_colors(as_int(n, "n", minimum=1)).copy()


@functools.lru_cache(maxsize=64)
def _kernel_colors(n: int) -> np.ndarray:
    if n <= len(_OKABE_ITO):
        return mcolors.to_rgba_array(_OKABE_ITO[:n])
    return colormaps["viridis"](np.linspace(0.0, 0.85, n))


def _new_figure(width: float, height: float, *, constrained: bool = True) -> Figure:
    """A figure at most ``_DISPLAY_WIDTH`` wide (the book shows it at its own size, text included)."""
    return Figure(figsize=(min(width, _DISPLAY_WIDTH), height), layout="constrained" if constrained else None)


def _as_stack(maps, name: str = "maps") -> np.ndarray:
    arr = as_float_array(maps, name, (2, 3))
    if arr.ndim == 2:
        arr = arr[None]
    if 0 in arr.shape:
        raise ValueError(f"{name} must not have an empty dimension, got shape {arr.shape}")
    return arr


def _check_ax(ax):
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")


def _check_title(title):
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")


def _title(ax, text="", role="title"):
    """A title as a plain text artist: unlike ``set_title`` it costs nothing to re-place at every draw."""
    return ax.text(0.5, 1.02, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=_font(role, ax))


def fill_box(ax, x0: float, x1: float, y0: float, y1: float, *, invert_y: bool = True):
    """Show at least ``[x0, x1] x [y0, y1]`` in ``ax`` with square data units, without moving the axes box.

    The shorter side of the range is widened (about its centre) to the box's
    proportions. ``y`` grows downwards (image convention) when ``invert_y``.
    """
    fig = ax.get_figure()
    box = ax.get_position()
    box_ratio = (box.width * fig.get_figwidth()) / (box.height * fig.get_figheight())
    width, height = x1 - x0, y1 - y0
    if width / height < box_ratio:
        extra = (height * box_ratio - width) / 2
        x0, x1 = x0 - extra, x1 + extra
    else:
        extra = (width / box_ratio - height) / 2
        y0, y1 = y0 - extra, y1 + extra
    ax.set_xlim(x0, x1)
    ax.set_ylim((y1, y0) if invert_y else (y0, y1))


def _wrap(text: str, ax, fontsize: float) -> str:
    """``text`` with its lines broken at spaces to fit the width of ``ax`` (neighbouring panels' titles never overlap)."""
    import textwrap

    fig = ax.get_figure(root=True)
    spec = ax.get_subplotspec()
    if spec is not None:  # the axes' share of the figure (its box may still grow under a layout engine)
        gs = spec.get_gridspec()
        share = (spec.colspan.stop - spec.colspan.start) / gs.ncols
        if gs.get_width_ratios() is not None:
            ratios = np.asarray(gs.get_width_ratios(), float)
            share = ratios[spec.colspan].sum() / ratios.sum()
        width_in = 0.95 * share * fig.get_figwidth()
    else:
        width_in = ax.get_position().width * fig.get_figwidth()
    chars = max(12, int(width_in * 72 / (0.58 * fontsize)))  # DejaVu Sans: under 0.6 em per character
    return "\n".join(textwrap.fill(line, chars) or line for line in text.split("\n"))


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _enable_notebook_display() -> bool:
    """Show ``Figure`` objects as PNG in IPython (no-op elsewhere). Returns True if registered."""
    ipython = sys.modules.get("IPython")  # only if IPython is already running: never import it here
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    from IPython.core.pylabtools import print_figure

    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))
    return True


_enable_notebook_display()


# --------------------------------------------------------------------------- stacks


class StackView:
    """The artists of one feature-map stack drawn in one axes; :meth:`set` redraws in place.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    layout : {"grid", "volume"}
        ``"grid"``: the maps side by side, row by row, each labelled with its
        index. ``"volume"``: the maps as cards one behind the other (map 0 in
        front), the channel axis drawn as depth, like the cs231n figures.
    ncols : int, optional
        Maps per row of the grid (default: up to 8).
    max_maps : int, default 64
        At most this many maps are drawn; the title says how many exist.
    colorbar : bool or {"right", "bottom"}, default False
        Add a colour bar next to ``ax`` (True means ``"right"``).
    labels : bool, default True
        Write each map's index above it.
    fixed_box : bool, default False
        Keep the axes box where it is and widen the data limits instead to
        keep pixels square (explorers, whose layout never changes); by
        default the box shrinks to fit the maps (``set_aspect("equal")``).
    """

    def __init__(
        self,
        ax,
        *,
        layout: str = "grid",
        ncols: int | None = None,
        max_maps: int = 64,
        colorbar=False,
        labels=True,
        fixed_box=False,
    ):
        if layout not in ("grid", "volume"):
            raise ValueError(f'layout must be "grid" or "volume", got {layout!r}')
        self.ax = ax
        self.layout = layout
        self.ncols = None if ncols is None else as_int(ncols, "ncols", minimum=1)
        self.max_maps = as_int(max_maps, "max_maps", minimum=1)
        self.norm = mcolors.Normalize(0.0, 1.0)
        self.images, self.frames, self.labels = [], [], []
        self.dim_texts = [
            ax.text(0, 0, "", fontsize=_font("small", ax), ha="center", va="center", zorder=1000) for _ in range(3)
        ]
        ax.set_axis_off()
        self.fixed_box = bool(fixed_box)
        ax.set_aspect("auto" if self.fixed_box else "equal")
        ax.set_autoscale_on(False)  # limits are set explicitly; no autoscaling work at every set_extent
        self.colorbar = None
        self._colorbar_wanted = colorbar
        self.title = _title(ax)
        self.maps = None
        self.show_labels = bool(labels)

    def _artist(self, i):
        while len(self.images) <= i:
            im = self.ax.imshow(
                np.zeros((1, 1)),
                norm=self.norm,
                cmap=SEQUENTIAL,
                interpolation="nearest",
                aspect="auto" if self.fixed_box else "equal",  # imshow would reset the axes' aspect
            )
            frame = Rectangle((0, 0), 1, 1, fill=False, edgecolor="0.2", linewidth=0.8)
            self.ax.add_patch(frame)
            label = self.ax.text(
                0, 0, "", fontsize=_font("small", self.ax), ha="center", va="bottom", color="0.15", zorder=1000
            )
            self.images.append(im)
            self.frames.append(frame)
            self.labels.append(label)
        return self.images[i], self.frames[i], self.labels[i]

    def _positions(self, c, h, w):
        """Top-left corner of every drawn map, and the drawing's bounding box."""
        if self.layout == "grid":
            ncols = self.ncols or min(c, 8)
            gap = 0.25 * max(h, w) + 1
            idx = np.arange(c)
            x0 = (idx % ncols) * (w + gap)
            y0 = (idx // ncols) * (h + gap)
            nrows = (c - 1) // ncols + 1
            return x0, y0, (-gap / 2, ncols * (w + gap) - gap / 2, -gap, nrows * (h + gap) - gap / 2)
        step = min(0.3 * max(h, w), 0.9 * max(h, w) / max(c - 1, 1))
        idx = np.arange(c)
        x0 = idx * step
        y0 = -idx * step * 0.6
        depth_x, depth_y = (c - 1) * step, (c - 1) * step * 0.6
        margin = 0.15 * max(h, w) + 2
        left = 0.3 * max(h, w) + 2  # room for the "H = ..." label
        return x0, y0, (-left, w + depth_x + margin, -depth_y - margin, h + margin)

    def set(self, maps, *, title=None, signed=None):
        """Draw ``maps`` (shape ``(C, H, W)`` or ``(H, W)``), reusing the artists."""
        maps = _as_stack(maps)
        self.maps = maps
        c_all, h, w = maps.shape
        c = min(c_all, self.max_maps)
        cmap, lo, hi = color_limits(maps[:c], signed)
        self.norm.vmin, self.norm.vmax = lo, hi
        x0, y0, (xa, xb, ya, yb) = self._positions(c, h, w)
        volume = self.layout == "volume"
        for i in range(c):
            im, frame, label = self._artist(i)
            im.set_data(maps[i])
            im.set_cmap(cmap)
            im.set_extent((x0[i] - 0.5, x0[i] + w - 0.5, y0[i] + h - 0.5, y0[i] - 0.5))
            im.set_zorder(2 + 2 * (c - i) if volume else 2)
            frame.set_bounds(x0[i] - 0.5, y0[i] - 0.5, w, h)
            frame.set_zorder(im.get_zorder() + 1)
            for artist in (im, frame):
                artist.set_visible(True)
            if volume:
                # the back card's index above its top edge; the front card's below its bottom edge
                # (above it, the cards behind would run through the text)
                label.set_text(str(i) if i in (0, c - 1) else "")
                front = i == 0 and c > 1
                label.set_position((x0[i] + w - 0.5, y0[i] + h - 0.5 + 0.03 * max(h, w) if front else y0[i] - 0.7))
                label.set_va("top" if front else "bottom")
                label.set_ha("right")
            else:
                label.set_text(str(i))
                label.set_position((x0[i] + (w - 1) / 2, y0[i] - 0.7))
                label.set_va("bottom")
                label.set_ha("center")
            label.set_visible(self.show_labels)
        for i in range(c, len(self.images)):
            for artist in (self.images[i], self.frames[i], self.labels[i]):
                artist.set_visible(False)
        wt, ht, ct = self.dim_texts
        if volume:
            wt.set_text(f"W = {w}")
            wt.set_position(((w - 1) / 2, h + 0.2 * max(h, w)))
            ht.set_text(f"H = {h}")
            ht.set_position((-0.12 * max(h, w) - 1, (h - 1) / 2))
            ht.set_rotation(90)
            ct.set_text(f"C = {c_all}")
            # along the depth edge that leaves the front card's top-left corner
            ct.set_position((x0[c - 1] / 2 - 0.5 - 0.04 * max(h, w), y0[c - 1] / 2 - 0.5 - 0.04 * max(h, w)))
            ct.set_ha("right")
            ct.set_va("bottom")
        for t in self.dim_texts:
            t.set_visible(volume)
        if self.fixed_box:
            fill_box(self.ax, xa, xb, ya, yb)
        else:
            self.ax.set_xlim(xa, xb)
            self.ax.set_ylim(yb, ya)
        shown = "" if c == c_all else f" (first {c} shown)"
        what = f"shape ({c_all}, {h}, {w}){shown}"
        self.title.set_text(f"{title}\n{what}" if title else what)
        if self._colorbar_wanted and self.colorbar is None:
            where = "right" if self._colorbar_wanted is True else self._colorbar_wanted
            self.colorbar = self.ax.figure.colorbar(
                self.images[0], ax=self.ax, shrink=0.6, pad=0.02, location=where, aspect=12 if where == "bottom" else 20
            )
            self.colorbar.ax.tick_params(labelsize=_font("small", self.ax))
        return self


def plot_stack(
    maps,
    *,
    layout: str = "grid",
    title: str | None = None,
    ax=None,
    ncols: int | None = None,
    signed: bool | None = None,
    colorbar: bool = True,
    max_maps: int = 64,
) -> Figure:
    """Draw a stack of feature maps ``(C, H, W)`` as a grid or as a volume.

    Parameters
    ----------
    maps : array_like, shape (C, H, W) or (H, W)
    layout : {"grid", "volume"}, default "grid"
        ``"grid"``: every map visible, labelled with its index. ``"volume"``:
        the maps as cards one behind the other with ``C``, ``H`` and ``W``
        labelled, the way the channel axis is drawn as depth in cs231n-style figures.
    title : str, optional
        Drawn above the stack's own shape description.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of in a new figure.
    ncols : int, optional
        Maps per row in the grid (default: up to 8).
    signed : bool, optional
        Force the diverging (True) or sequential (False) colormap.
    colorbar : bool, default True
    max_maps : int, default 64

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_stack(np.random.default_rng(0).normal(size=(4, 8, 8)), title="layer 1")
    >>> len([im for im in fig.axes[0].images if im.get_visible()])
    4
    >>> fig = plot_stack(np.ones((3, 8, 8)), layout="volume")
    """
    _check_ax(ax)
    _check_title(title)
    stack = _as_stack(maps)
    c, h, w = stack.shape
    if ax is None:
        n = min(c, max_maps)
        cols = ncols or min(n, 8)
        if layout == "grid":
            rows = (n - 1) // cols + 1
            width = 1.2 * cols * max(w / h, 0.5) + 1.2
            shrink = min(1.0, _DISPLAY_WIDTH / width)  # the maps get smaller, the text does not
            size = (width, 1.2 * rows * shrink + 1.0)
        else:
            size = (4.2, 3.6)
        fig = _new_figure(*size)
        ax = fig.add_subplot()
    StackView(ax, layout=layout, ncols=ncols, max_maps=max_maps, colorbar=colorbar).set(
        stack, title=title, signed=signed
    )
    return ax.figure


def plot_stacks(
    stacks, titles=None, *, layout: str = "grid", ncols: int | None = None, colorbar: bool = True, arrows=True
) -> Figure:
    """Draw several stacks side by side, e.g. the outputs of type 1, 2.1 and 2.2.

    Each stack keeps its own colour scale and shape label; arrows between
    panels read "becomes" when ``arrows`` is true.

    Parameters
    ----------
    stacks : sequence of array_like, each (C, H, W) or (H, W)
    titles : sequence of str, optional
        One title per stack.
    layout : {"grid", "volume"}, default "grid"
    ncols : int, optional
        Maps per row inside every grid (default: up to 4).
    colorbar : bool, default True
    arrows : bool, default True

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_stacks([np.ones((3, 6, 6)), np.ones((2, 4, 4))], ["input", "output"])
    >>> len(fig.axes) >= 2
    True
    """
    if isinstance(stacks, np.ndarray) or not hasattr(stacks, "__len__"):
        raise TypeError("stacks must be a list of (C, H, W) arrays, not a single array")
    if len(stacks) == 0:
        raise ValueError("stacks must hold at least one stack")
    arrays = [_as_stack(s, f"stacks[{i}]") for i, s in enumerate(stacks)]
    if titles is None:
        titles = [None] * len(arrays)
    if isinstance(titles, str) or len(titles) != len(arrays):
        raise ValueError(f"titles must be a list of {len(arrays)} strings (one per stack), got {titles!r}")
    cols = [ncols or min(a.shape[0], 4) for a in arrays]
    rows = [(min(a.shape[0], 64) - 1) // k + 1 for a, k in zip(arrays, cols)]
    widths = [k * a.shape[2] / a.shape[1] for a, k in zip(arrays, cols)]
    if layout == "grid":
        width = sum(1.2 * w + 0.8 for w in widths)
        shrink = min(1.0, _DISPLAY_WIDTH / width)  # the maps get smaller, the text does not
        height = 1.1 * max(rows) * shrink + 1.1 + 0.5 * colorbar
    else:
        width = 2.6 * len(arrays) + 0.4
        height = min(3.4, 0.9 * min(width, _DISPLAY_WIDTH) / len(arrays) + 1.2) + 0.5 * colorbar
    fig = _new_figure(width, height)
    axes = fig.subplots(1, len(arrays), width_ratios=widths if layout == "grid" else None, squeeze=False)[0]
    for ax, a, t, k in zip(axes, arrays, titles, cols):
        _check_title(t)
        StackView(ax, layout=layout, ncols=k, colorbar="bottom" if colorbar else False).set(a, title=t)
    if arrows and len(axes) > 1:
        fig.get_layout_engine().set(wspace=0.08)  # room between the panels for the arrows to show
        for left, right in zip(axes[:-1], axes[1:]):
            fig.add_artist(
                _arrow_between(left, right),
            )
    return fig


def _arrow_between(left, right):
    from matplotlib.patches import ConnectionPatch

    return ConnectionPatch(
        (1.0, 0.5),
        (0.0, 0.5),
        coordsA=left.transAxes,
        coordsB=right.transAxes,
        arrowstyle="-|>",
        color="0.4",
        linewidth=1.2,
        mutation_scale=12,
    )


# --------------------------------------------------------------------------- weights


def plot_weights(weight, *, title: str | None = None, ax=None, annotate: bool | None = None, colorbar=True) -> Figure:
    """Draw a layer's weights: a ``C_out x C_in`` grid of 2D kernels, one boxed row per filter.

    Row ``j`` is filter ``j`` -- a 3D array of ``C_in`` kernels, one per
    input map -- and the whole grid is the 4D weight tensor of the layer.
    A 3D array ``(K, kH, kW)`` (the 2D kernels of type 1 or type 2.1) is drawn
    as ``K`` rows of a single kernel each.

    Parameters
    ----------
    weight : array_like, shape (C_out, C_in, kH, kW) or (K, kH, kW)
    title : str, optional
    ax : matplotlib.axes.Axes, optional
    annotate : bool, optional
        Write every weight's value in its cell (default: for kernels of at
        most 3x3 and at most 48 of them).
    colorbar : bool, default True

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_weights(np.random.default_rng(0).normal(size=(2, 3, 3, 3)))
    >>> len(fig.axes[0].images)        # 2 filters x 3 input maps
    6
    """
    _check_ax(ax)
    _check_title(title)
    w = as_float_array(weight, "weight", (3, 4))
    if 0 in w.shape:
        raise ValueError(f"weight must not have an empty dimension, got shape {w.shape}")
    shared = w.ndim == 3
    w4 = w[:, None] if shared else w
    c_out, c_in, kh, kw = w4.shape
    rows, cols = min(c_out, 16), min(c_in, 16)
    if annotate is None:
        annotate = kh * kw <= 9 and rows * cols <= 48
    gap_x, gap_y = 0.25 * kw + 0.3, 0.45 * kh + 0.6
    box_w = cols * (kw + gap_x) - gap_x
    # the limits hug the boxes; the labels ("filter 0", "map 0", the shapes) sit outside the axes,
    # where the layout makes room for them at their font size
    xlim = (-0.15 * kw - 0.3, box_w + 0.15 * kw + 0.3)
    ylim = (rows * (kh + gap_y) - gap_y + 0.15 * kh + 0.3, -0.15 * kh - 0.3)
    if ax is None:
        span_w, span_h = xlim[1] - xlim[0], ylim[0] - ylim[1]
        labels_w = 0.9 + (0.0 if shared else 0.85) + (0.8 if colorbar else 0.0)  # inches of text and colour bar
        unit = min(0.42 if annotate else 0.2, (_DISPLAY_WIDTH - labels_w) / span_w, 8.5 / span_h)  # inches per tap
        fig = _new_figure(unit * span_w + labels_w, unit * span_h + 1.0)  # + title and map labels
        ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    cmap, lo, hi = color_limits(w4[:rows, :cols], signed=True)
    norm = mcolors.Normalize(lo, hi)
    image = None
    for j in range(rows):
        y0 = j * (kh + gap_y)
        for c in range(cols):
            x0 = c * (kw + gap_x)
            image = ax.imshow(
                w4[j, c], cmap=cmap, norm=norm, extent=(x0, x0 + kw, y0 + kh, y0), interpolation="nearest"
            )
            ax.add_patch(Rectangle((x0, y0), kw, kh, fill=False, edgecolor="0.3", linewidth=0.5))
            if annotate:
                ii, jj = np.mgrid[0:kh, 0:kw]
                for a, b, v in zip(ii.ravel(), jj.ravel(), w4[j, c].ravel()):
                    ax.text(
                        x0 + b + 0.5,
                        y0 + a + 0.5,
                        _cell(v),
                        ha="center",
                        va="center",
                        fontsize=_font("cell", ax),
                        color=_ink(v, hi),
                    )
            if j == 0 and not shared:
                ax.text(
                    x0 + kw / 2, -0.15 * kh - 0.3, f"map {c}", ha="center", va="bottom", fontsize=_font("small", ax)
                )
        ax.add_patch(
            Rectangle(
                (-0.15 * kw - 0.15, y0 - 0.15 * kh - 0.15),
                box_w + 0.3 * kw + 0.3,
                kh + 0.3 * kh + 0.3,
                fill=False,
                edgecolor="0.1",
                linewidth=1.2,
            )
        )
        name = f"kernel {j}" if shared else f"filter {j}"
        ax.text(-0.15 * kw - 0.4, y0 + kh / 2, name, ha="right", va="center", fontsize=_font("base", ax))
        if not shared:
            ax.text(
                box_w + 0.15 * kw + 0.4,
                y0 + kh / 2,
                f"({c_in}, {kh}, {kw})",
                ha="left",
                va="center",
                fontsize=_font("small", ax),
            )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if shared:
        what = f"{c_out} 2D kernel{'s' * (c_out != 1)}, shape (K, kH, kW) = {_shape_text(w.shape)}"
    else:
        what = f"weights {_shape_text(w.shape)}: {c_out} filter{'s' * (c_out != 1)}, each {c_in} x {kh} x {kw} (3D)"
    if rows < c_out or cols < c_in:
        what += f"\nfirst {rows} x {cols} shown"
    ax.set_title(
        f"{title}\n{what}" if title else what,
        fontsize=_font("title", ax),
        pad=4 + (0 if shared else _font("small", ax) * 1.6),
    )
    if colorbar and image is not None:
        cb = ax.figure.colorbar(image, ax=ax, shrink=0.6, pad=0.02)
        cb.ax.tick_params(labelsize=_font("small", ax))
    return ax.figure


# --------------------------------------------------------------------------- connections


@dataclass(frozen=True)
class Connections:
    """Which input map feeds which output map, and through which 2D kernel.

    Attributes
    ----------
    n_in, n_out : int
        Number of input and output maps.
    edges : ndarray, shape (E, 2)
        ``(output map, input map)`` for every link.
    kernel : ndarray, shape (E,)
        Index of the 2D kernel each link applies (links with equal index share a kernel).
    n_kernels : int
        Number of distinct 2D kernels.
    """

    n_in: int
    n_out: int
    edges: np.ndarray
    kernel: np.ndarray
    n_kernels: int


def connection_table(c_in: int, c_out: int, *, kind: str = "type2.2", groups: int = 1, table=None) -> Connections:
    """The links of a layer between ``c_in`` input maps and its output maps.

    Parameters
    ----------
    c_in : int
        Input maps (the question's ``k1``).
    c_out : int
        For ``"type1"`` and ``"type2.1"``: the number of 2D kernels (the
        question's ``k2``); type 1 then makes ``c_in * c_out`` output maps.
        For the other kinds: the number of output maps (PyTorch's ``out_channels``).
    kind : str, default "type2.2"
        One of :data:`KINDS`.
    groups : int, default 1
        For ``"grouped"`` (and ``"type2.2"``, where ``groups > 1`` means the
        same thing); must divide ``c_in`` and ``c_out``.
    table : array_like of bool, shape (c_out, c_in)
        For ``"table"``: ``table[j, c]`` says whether output map ``j`` sees input map ``c``.

    Returns
    -------
    Connections

    Examples
    --------
    >>> t = connection_table(3, 4, kind="type1")
    >>> t.n_out, t.n_kernels, len(t.edges)     # 12 maps, 4 shared kernels, one link each
    (12, 4, 12)
    >>> connection_table(3, 4, kind="type2.2").n_kernels
    12
    >>> connection_table(4, 6, kind="grouped", groups=2).n_kernels
    12
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    groups = as_int(groups, "groups", minimum=1)
    if kind == "table":
        if table is None:
            raise ValueError('kind="table" needs table, a boolean (c_out, c_in) array')
        t = np.asarray(table)
        if t.ndim != 2 or t.dtype.kind not in "biu" or 0 in t.shape:
            raise ValueError(f"table must be a 2D boolean (c_out, c_in) array, got shape {t.shape} dtype {t.dtype}")
        if np.any((t != 0) & (t != 1)):
            raise ValueError("table must hold only True/False (or 1/0)")
        c_out_t, c_in_t = t.shape
        if c_in is not None and as_int(c_in, "c_in", minimum=1) != c_in_t:
            raise ValueError(f"table has shape {t.shape} = (c_out, c_in) but c_in={c_in}")
        if c_out is not None and as_int(c_out, "c_out", minimum=1) != c_out_t:
            raise ValueError(f"table has shape {t.shape} = (c_out, c_in) but c_out={c_out}")
        edges = np.argwhere(t.astype(bool))
        return Connections(c_in_t, c_out_t, edges, _input_major(edges), len(edges))
    if table is not None:
        raise ValueError(f'table is only used with kind="table", not kind={kind!r}')
    c_in = as_int(c_in, "c_in", minimum=1)
    c_out = as_int(c_out, "c_out", minimum=1)
    if groups != 1 and kind not in ("grouped", "type2.2"):
        raise ValueError(f'groups={groups} only applies to kind="grouped" (or "type2.2"), not kind={kind!r}')
    if kind == "type1":
        c, k = np.meshgrid(np.arange(c_in), np.arange(c_out), indexing="ij")
        edges = np.stack([(c * c_out + k).ravel(), c.ravel()], axis=1)
        return Connections(c_in, c_in * c_out, edges, k.ravel(), c_out)
    if kind == "depthwise":
        if c_out % c_in:
            raise ValueError(
                f"depthwise needs c_out to be a multiple of c_in (a channel multiplier), got c_in={c_in}, c_out={c_out}"
            )
        j = np.arange(c_out)
        return Connections(c_in, c_out, np.stack([j, j // (c_out // c_in)], axis=1), j, c_out)
    if kind == "grouped" or groups > 1:
        if c_in % groups or c_out % groups:
            raise ValueError(f"groups={groups} must divide both c_in={c_in} and c_out={c_out}")
    j, c = np.meshgrid(np.arange(c_out), np.arange(c_in), indexing="ij")
    j, c = j.ravel(), c.ravel()
    keep = j // (c_out // groups) == c // (c_in // groups)
    edges = np.stack([j[keep], c[keep]], axis=1)
    if kind == "type2.1":
        return Connections(c_in, c_out, edges, edges[:, 0], c_out)
    return Connections(c_in, c_out, edges, _input_major(edges), len(edges))


def _input_major(edges):
    """Number the links' distinct kernels input map first, so links into one output get far-apart colours."""
    order = np.lexsort((edges[:, 0], edges[:, 1]))
    kernel = np.empty(len(edges), dtype=int)
    kernel[order] = np.arange(len(edges))
    return kernel


class ConnectionsView:
    """The artists of one connection diagram; :meth:`set` redraws it in place.

    Input maps are squares on the left, output maps on the right, one line
    per link, one colour per 2D kernel.
    """

    def __init__(self, ax):
        self.ax = ax
        ax.set_axis_off()
        ax.set_autoscale_on(False)
        ax.set_xlim(-0.32, 1.32)
        ax.set_ylim(-0.13, 1.1)
        self.lines = LineCollection([], linewidths=1.2, zorder=1)
        small = _font("small", ax)
        ax.add_collection(self.lines)
        self.in_nodes = ax.scatter([], [], marker="s", s=60, color="0.55", edgecolors="0.1", zorder=3)
        self.out_nodes = ax.scatter([], [], marker="s", s=60, color="0.25", edgecolors="0.1", zorder=3)
        self.in_labels, self.out_labels = [], []
        self.headers = (
            ax.text(0.0, 1.02, "", ha="center", va="bottom", fontsize=small),
            ax.text(1.0, 1.02, "", ha="center", va="bottom", fontsize=small),
        )
        self.note = ax.text(0.5, -0.13, "", ha="center", va="top", fontsize=small)  # below the lowest node
        self.title = _title(ax)
        # the title goes above the two-line column headers, whatever the axes' height
        from matplotlib.transforms import ScaledTranslation

        lift = ScaledTranslation(0, 2.4 * small / 72, ax.get_figure(root=True).dpi_scale_trans)
        self.title.set_transform(ax.transAxes + lift)
        self.connections = None

    @staticmethod
    def _ys(n):
        return 1.0 - (np.arange(n) + 0.5) / n

    def _labels(self, store, n, x, ha):
        # x is the nodes' column; the labels sit a fixed distance (in points) beside the nodes,
        # so they clear them however narrow the axes
        from matplotlib.transforms import ScaledTranslation

        fig = self.ax.get_figure(root=True)
        shift = ScaledTranslation((-8 if ha == "right" else 8) / 72, 0, fig.dpi_scale_trans)
        while len(store) < n:
            store.append(
                self.ax.text(
                    0,
                    0,
                    "",
                    fontsize=_font("small", self.ax),
                    va="center",
                    ha=ha,
                    zorder=4,
                    transform=self.ax.transData + shift,
                )
            )
        ys = self._ys(n)
        step = -(-n // 16)  # at most 16 labels per column: every map up to 16, then every step-th
        for i, t in enumerate(store):
            shown = i < n and i % step == 0
            t.set_visible(shown)
            if shown:
                t.set_position((x, ys[i]))
                t.set_text(str(i))

    def set(self, c_in, c_out, *, kind="type2.2", groups=1, table=None, title=None):
        """Show the links of :func:`connection_table` ``(c_in, c_out, kind, groups, table)``."""
        con = connection_table(c_in, c_out, kind=kind, groups=groups, table=table)
        self.connections = con
        y_in, y_out = self._ys(con.n_in), self._ys(con.n_out)
        size = float(np.clip(2400 / max(con.n_in, con.n_out) ** 1.5, 6, 90))
        self.in_nodes.set_offsets(np.column_stack([np.zeros(con.n_in), y_in]))
        self.out_nodes.set_offsets(np.column_stack([np.ones(con.n_out), y_out]))
        self.in_nodes.set_sizes([size])
        self.out_nodes.set_sizes([size])
        segs = (
            np.stack(
                [
                    np.column_stack([np.zeros(len(con.edges)), y_in[con.edges[:, 1]]]),
                    np.column_stack([np.ones(len(con.edges)), y_out[con.edges[:, 0]]]),
                ],
                axis=1,
            )
            if len(con.edges)
            else np.zeros((0, 2, 2))
        )
        self.lines.set_segments(segs)
        self.lines.set_color(kernel_colors(max(con.n_kernels, 1))[con.kernel] if len(con.edges) else "k")
        self.lines.set_linewidth(float(np.clip(12 / np.sqrt(max(len(con.edges), 1)), 0.4, 1.6)))
        self._labels(self.in_labels, con.n_in, 0.0, "right")
        self._labels(self.out_labels, con.n_out, 1.0, "left")
        self.headers[0].set_text(f"input maps\n({con.n_in})")
        self.headers[1].set_text(f"output maps\n({con.n_out})")
        per_out = np.bincount(con.edges[:, 0], minlength=con.n_out) if len(con.edges) else np.zeros(con.n_out, int)
        if kind == "type1":
            note = f"{con.n_kernels} kernels, each on every map:\nno output mixes maps"
        elif kind == "type2.1":
            note = f"{con.n_kernels} kernels: the links into\nan output share one kernel"
        elif per_out.min() == per_out.max():
            note = f"{con.n_kernels} distinct kernels;\neach output sums {per_out[0]} map(s)"
        else:
            note = f"{con.n_kernels} distinct kernels;\noutputs sum {per_out.min()} to {per_out.max()} maps"
        self.note.set_text(note)
        head = _KIND_TITLES["grouped" if kind == "type2.2" and groups > 1 else kind].format(groups=groups)
        self.title.set_text(_wrap(title if title is not None else head, self.ax, self.title.get_fontsize()))
        return self


def plot_connections(
    c_in: int, c_out: int, *, kind: str = "type2.2", groups: int = 1, table=None, ax=None, title: str | None = None
) -> Figure:
    """Draw which input maps feed which output maps, one colour per 2D kernel.

    In type 2.1 every link into an output map has the same colour (one kernel
    shared by all input maps); in type 2.2 every link has its own colour (one
    kernel per filter *and* input map); in type 1 the colours repeat across
    input maps and no output map has more than one link.

    Parameters
    ----------
    c_in, c_out, kind, groups, table
        As for :func:`connection_table` (for ``"type1"`` and ``"type2.1"``
        ``c_out`` counts 2D kernels; otherwise output maps). With
        ``kind="table"``, ``c_in`` and ``c_out`` may be None (read from ``table``).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Replaces the default title naming the kind.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    LeNet-5's C3 layer: 16 maps over S2's 6, each seeing 3, 4 or 6 of them.

    >>> import numpy as np
    >>> t = np.zeros((16, 6), bool)
    >>> for j in range(6):
    ...     t[j, [(j + i) % 6 for i in range(3)]] = True
    >>> for j in range(6):
    ...     t[6 + j, [(j + i) % 6 for i in range(4)]] = True
    >>> for j, s in enumerate([(0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5)]):
    ...     t[12 + j, list(s)] = True
    >>> t[15] = True
    >>> fig = plot_connections(6, 16, kind="table", table=t)
    >>> int(t.sum())                       # links, i.e. 5x5 kernels
    60
    """
    _check_ax(ax)
    _check_title(title)
    con = connection_table(c_in, c_out, kind=kind, groups=groups, table=table)
    if ax is None:
        n = max(con.n_in, con.n_out)
        fig = _new_figure(4.2, float(np.clip(0.22 * n + 1.6, 2.6, 9)))
        ax = fig.add_subplot()
    ConnectionsView(ax).set(c_in, c_out, kind=kind, groups=groups, table=table, title=title)
    return ax.figure


# --------------------------------------------------------------------------- receptive field


@dataclass(frozen=True)
class ReceptiveField:
    """The numbers behind one output value of a convolution layer.

    ``total = bias + partial_sums.sum()`` and
    ``partial_sums[c] = (window[c] * kernel[c]).sum()``.

    Attributes
    ----------
    out_channel, row, col : int
        Which output value.
    rows, cols : ndarray of int, shapes (kH,) and (kW,)
        Coordinates of the kernel taps in the *unpadded* input (negative or
        beyond the edge where a tap lands on padding).
    window : ndarray, shape (C_in, kH, kW)
        The input values under the taps (0 on padding).
    kernel : ndarray, shape (C_in, kH, kW)
        ``weight[out_channel]``: the filter, one 2D slice per input map.
    products : ndarray, shape (C_in, kH, kW)
    partial_sums : ndarray, shape (C_in,)
        One number per input map.
    bias : float
    total : float
    output_size : (int, int)
    """

    out_channel: int
    row: int
    col: int
    rows: np.ndarray
    cols: np.ndarray
    window: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    partial_sums: np.ndarray
    bias: float
    total: float
    output_size: tuple


def _rf_arrays(x, weight, bias):
    x = as_float_array(x, "x", (3,))
    weight = as_float_array(weight, "weight", (4,))
    if 0 in x.shape or 0 in weight.shape:
        raise ValueError(f"x and weight must not have empty dimensions, got shapes {x.shape} and {weight.shape}")
    if weight.shape[1] != x.shape[0]:
        raise ValueError(
            f"weight has {weight.shape[1]} input channels but x has {x.shape[0]} maps: "
            f"x shape {x.shape}, weight shape {weight.shape}"
        )
    if bias is None:
        bias = np.zeros(weight.shape[0])
    else:
        bias = as_float_array(bias, "bias")
        if bias.shape != (weight.shape[0],):
            raise ValueError(f"bias must have shape ({weight.shape[0]},) for weight {weight.shape}, got {bias.shape}")
    return x, weight, bias


def _rf_params(x, weight, stride, padding, dilation):
    stride = as_tuple(stride, "stride", 2, minimum=1)
    padding = as_tuple(padding, "padding", 2, minimum=0)
    dilation = as_tuple(dilation, "dilation", 2, minimum=1)
    out = tuple(
        conv_output_size(x.shape[1 + i], weight.shape[2 + i], stride[i], padding[i], dilation[i]) for i in range(2)
    )
    return stride, padding, dilation, out


def receptive_field(
    x, weight, bias=None, *, out_channel: int = 0, row: int = 0, col: int = 0, stride=1, padding=0, dilation=1
) -> ReceptiveField:
    """The window, kernel slices, partial sums, bias and total behind one output value.

    Computed directly from the definition (no call to :func:`convutil.conv2d`),
    so it can be checked against it:
    ``conv2d(x, weight, bias, ...)[out_channel, row, col] == total``.

    Parameters
    ----------
    x : array_like, shape (C_in, H, W)
    weight : array_like, shape (C_out, C_in, kH, kW)
    bias : array_like, shape (C_out,), optional
    out_channel, row, col : int
        The output value to explain.
    stride, padding, dilation : int or (int, int)

    Returns
    -------
    ReceptiveField

    Examples
    --------
    >>> import numpy as np
    >>> from convutil import conv2d
    >>> x = np.arange(18.0).reshape(2, 3, 3)
    >>> w = np.ones((1, 2, 2, 2))
    >>> rf = receptive_field(x, w, [0.5], row=1, col=0)
    >>> rf.partial_sums, rf.total
    (array([20., 56.]), 76.5)
    >>> float(conv2d(x, w, [0.5])[0, 1, 0])
    76.5
    """
    x, weight, bias = _rf_arrays(x, weight, bias)
    stride, padding, dilation, out = _rf_params(x, weight, stride, padding, dilation)
    out_channel = as_int(out_channel, "out_channel", minimum=0)
    if out_channel >= weight.shape[0]:
        raise ValueError(f"out_channel must be < {weight.shape[0]} (weight shape {weight.shape}), got {out_channel}")
    row = as_int(row, "row", minimum=0)
    col = as_int(col, "col", minimum=0)
    if row >= out[0] or col >= out[1]:
        raise ValueError(f"(row, col) = ({row}, {col}) is outside the {out[0]}x{out[1]} output")
    kh, kw = weight.shape[2:]
    rows = row * stride[0] - padding[0] + dilation[0] * np.arange(kh)
    cols = col * stride[1] - padding[1] + dilation[1] * np.arange(kw)
    inside_r = (rows >= 0) & (rows < x.shape[1])
    inside_c = (cols >= 0) & (cols < x.shape[2])
    window = x[:, np.clip(rows, 0, x.shape[1] - 1)][:, :, np.clip(cols, 0, x.shape[2] - 1)]
    window = window * (inside_r[:, None] & inside_c[None, :])
    kernel = weight[out_channel]
    products = window * kernel
    partial = products.sum(axis=(1, 2))
    b = float(bias[out_channel])
    return ReceptiveField(
        out_channel, row, col, rows, cols, window, kernel, products, partial, b, float(b + partial.sum()), out
    )


def _cell(v: float) -> str:
    """A number short enough for one kernel cell: integers plainly, others with two decimals."""
    v = float(v) + 0.0  # no "-0"
    if v == round(v) and abs(v) < 1000:
        return f"{v:.0f}"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}"


def _ink(v: float, bound: float) -> str:
    """Text colour readable on a diverging cell of value ``v`` (white on the dark ends)."""
    return "white" if bound and abs(v) > 0.6 * bound else "black"


def _fmt(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 1000 else f"{v:.3g}"


class ReceptiveFieldView:
    """A figure showing one output value of a conv layer as the sum it is.

    One row per input map: the (padded) map with the window's taps marked,
    the filter's kernel slice for that map, their product, and the partial
    sum. On the right, the output map with the pixel outlined; at the bottom,
    the equation ``partial sums + bias = total``. :meth:`set` changes the
    shown pixel, filter, stride, padding and dilation in place.

    Parameters
    ----------
    x : array_like, shape (C_in, H, W)
    weight : array_like, shape (C_out, C_in, kH, kW)
    bias : array_like, shape (C_out,), optional
    max_maps : int, default 4
        Rows drawn (the equation always covers every map).
    max_padding : int, default 2
        Padding the axes limits leave room for (larger padding widens them).
    annotate : bool, optional
        Write the numbers into the kernel cells (default: kernels of at most 3x3).
    annotate_products : bool, optional
        Write the numbers into the product cells too (default: as ``annotate``).
        Explorers switch this off: each number is a text to redraw at every step.
    figure : matplotlib.figure.Figure, optional
        Draw into this empty figure instead of a new one.
    """

    def __init__(
        self, x, weight, bias=None, *, max_maps=4, max_padding=2, annotate=None, annotate_products=None, figure=None
    ):
        self.x, self.weight, self.bias = _rf_arrays(x, weight, bias)
        c_in, h, w = self.x.shape
        kh, kw = self.weight.shape[2:]
        n = min(c_in, as_int(max_maps, "max_maps", minimum=1))
        self.n_rows = n
        self.max_padding = as_int(max_padding, "max_padding", minimum=0)
        self.annotate = kh * kw <= 9 if annotate is None else bool(annotate)
        self.annotate_products = self.annotate if annotate_products is None else bool(annotate_products)
        if figure is None:
            figure = Figure(figsize=(_DISPLAY_WIDTH, 1.25 * n + 2.0))
        self.figure = fig = figure
        fs = {role: _font(role, fig) for role in _FONT}
        inch = fig.get_figheight()
        gs = fig.add_gridspec(
            n + 1,
            5,
            width_ratios=[1.3, 1, 1, 0.7, 1.6],
            height_ratios=[1] * n + [0.62],
            left=0.085,
            right=0.99,
            top=1 - 1.05 / inch,  # room for the two-line title and the column titles
            bottom=0.01,
            wspace=0.25,
            hspace=0.3,
        )
        cmap_x, lo, hi = color_limits(self.x)
        self.x_norm = mcolors.Normalize(lo, hi)
        _, wlo, whi = color_limits(self.weight, signed=True)
        self.w_norm = mcolors.Normalize(wlo, whi)
        bound = float(np.abs(self.x).max() * np.abs(self.weight).max()) or 1.0
        self.p_norm = mcolors.Normalize(-bound, bound)
        self.in_images, self.windows, self.taps = [], [], []
        self.k_images, self.p_images, self.k_texts, self.p_texts, self.sums = [], [], [], [], []
        for r in range(n):
            ax_in = fig.add_subplot(gs[r, 0])
            ax_k = fig.add_subplot(gs[r, 1])
            ax_p = fig.add_subplot(gs[r, 2])
            ax_s = fig.add_subplot(gs[r, 3])
            for ax in (ax_in, ax_k, ax_p, ax_s):
                ax.set_axis_off()
            self.in_images.append(ax_in.imshow(self.x[r], cmap=cmap_x, norm=self.x_norm, interpolation="nearest"))
            ax_in.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, edgecolor="0.5", linewidth=0.6, ls="--"))
            win = Rectangle((0, 0), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=1.6, path_effects=_HALO)
            ax_in.add_patch(win)
            self.windows.append(win)
            (taps,) = ax_in.plot([], [], ls="none", marker="o", ms=2.5, mfc=HIGHLIGHT, mec="black", mew=0.4)
            self.taps.append(taps)
            ax_in.text(-0.04, 0.5, f"map {r}", transform=ax_in.transAxes, ha="right", va="center", fontsize=fs["base"])
            self.k_images.append(ax_k.imshow(np.zeros((kh, kw)), cmap=DIVERGING, norm=self.w_norm))
            self.p_images.append(ax_p.imshow(np.zeros((kh, kw)), cmap=DIVERGING, norm=self.p_norm))
            ii, jj = np.mgrid[0:kh, 0:kw]
            if self.annotate:
                self.k_texts.append(
                    [
                        ax_k.text(b, a, "", ha="center", va="center", fontsize=fs["cell"])
                        for a, b in zip(ii.ravel(), jj.ravel())
                    ]
                )
            if self.annotate_products:
                self.p_texts.append(
                    [
                        ax_p.text(b, a, "", ha="center", va="center", fontsize=fs["cell"])
                        for a, b in zip(ii.ravel(), jj.ravel())
                    ]
                )
            self.sums.append(
                ax_s.text(0.0, 0.5, "", ha="left", va="center", fontsize=fs["large"], transform=ax_s.transAxes)
            )
            if r == 0:  # two lines each: the columns are narrow at the book's width
                _title(ax_in, "input map\n(padded)", "base")
                self.k_title = _title(ax_k, "kernel", "base")
                _title(ax_p, "window\nx kernel", "base")
                _title(ax_s, "partial\nsum", "base")
        self.in_axes = [im.axes for im in self.in_images]
        ax_out = fig.add_subplot(gs[:n, 4])
        ax_out.set_axis_off()
        self.out_image = ax_out.imshow(np.zeros((1, 1)), cmap=DIVERGING, interpolation="nearest")
        self.out_mark = Rectangle((0, 0), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=1.8, path_effects=_HALO)
        ax_out.add_patch(self.out_mark)
        self.out_title = _title(ax_out, "", "base")
        ax_eq = fig.add_subplot(gs[n, :])
        ax_eq.set_axis_off()
        self.equation = ax_eq.text(
            0.0, 0.5, "", ha="left", va="center", fontsize=fs["large"], transform=ax_eq.transAxes
        )
        self.suptitle = fig.suptitle("", fontsize=fs["title"])
        self.message = fig.text(
            0.5,
            0.5,
            "",
            ha="center",
            va="center",
            fontsize=fs["large"],
            color="0.1",
            bbox={"facecolor": "white", "edgecolor": HIGHLIGHT},
            visible=False,
        )
        self.dynamic = [
            *self.windows,
            *self.taps,
            *self.p_images,
            *(t for row in self.p_texts for t in row),
            *self.sums,
            self.out_mark,
            self.out_title,
            self.equation,
            self.message,
        ]
        """Artists that change when only the pixel (row, col) changes: the rest can be blitted."""
        self._cache_key = None
        self._padding = None
        self.out = None
        self.rf = None

    def _output(self, out_channel, stride, padding, dilation):
        key = (out_channel, stride, padding, dilation)
        if key != self._cache_key:
            j = slice(out_channel, out_channel + 1)
            self.out = conv2d(self.x, self.weight[j], self.bias[j], stride=stride, padding=padding, dilation=dilation)[
                0
            ]
            self._cache_key = key
        return self.out

    def show_message(self, text: str):
        """Show ``text`` over the figure (e.g. why there is no output); the next :meth:`set` hides it."""
        self.message.set_text(text)
        self.message.set_visible(True)
        return self

    def set(self, *, out_channel=0, row=0, col=0, stride=1, padding=0, dilation=1):
        """Show output value ``[out_channel, row, col]`` for these conv arguments.

        Returns the :class:`ReceptiveField` shown. Raises ``ValueError`` (from
        :func:`receptive_field`) when the arguments do not describe an output value.
        """
        rf = receptive_field(
            self.x,
            self.weight,
            self.bias,
            out_channel=out_channel,
            row=row,
            col=col,
            stride=stride,
            padding=padding,
            dilation=dilation,
        )
        self.rf = rf
        self.message.set_visible(False)
        stride, padding, dilation, out_size = _rf_params(self.x, self.weight, stride, padding, dilation)
        c_in, h, w = self.x.shape
        kh, kw = self.weight.shape[2:]
        if padding != self._padding:
            ph, pw = padding
            mp_h, mp_w = max(self.max_padding, ph), max(self.max_padding, pw)
            for r, im in enumerate(self.in_images):
                im.set_data(np.pad(self.x[r], ((ph, ph), (pw, pw))))
                im.set_extent((-pw - 0.5, w + pw - 0.5, h + ph - 0.5, -ph - 0.5))
                im.axes.set_xlim(-mp_w - 0.5, w + mp_w - 0.5)
                im.axes.set_ylim(h + mp_h - 0.5, -mp_h - 0.5)
            self._padding = padding
        tap_x, tap_y = np.meshgrid(rf.cols, rf.rows)
        for r in range(self.n_rows):
            self.windows[r].set_bounds(
                rf.cols[0] - 0.5, rf.rows[0] - 0.5, rf.cols[-1] - rf.cols[0] + 1, rf.rows[-1] - rf.rows[0] + 1
            )
            self.taps[r].set_data(tap_x.ravel(), tap_y.ravel())
            self.k_images[r].set_data(rf.kernel[r])
            self.p_images[r].set_data(rf.products[r])
            if self.annotate:
                for t, v in zip(self.k_texts[r], rf.kernel[r].ravel()):
                    t.set_text(_cell(v))
                    t.set_color(_ink(v, self.w_norm.vmax))
            if self.annotate_products:
                for t, v in zip(self.p_texts[r], rf.products[r].ravel()):
                    t.set_text(_cell(v))
                    t.set_color(_ink(v, self.p_norm.vmax))
            self.sums[r].set_text(f"{'' if r == 0 else '+ '}{_fmt(rf.partial_sums[r])}")
        self.k_title.set_text(f"kernel\nw[{rf.out_channel}, map]")
        out = self._output(rf.out_channel, stride, padding, dilation)
        _, lo, hi = color_limits(out, signed=True)
        self.out_image.set_data(out)
        self.out_image.set_clim(lo, hi)
        self.out_image.set_extent((-0.5, out_size[1] - 0.5, out_size[0] - 0.5, -0.5))
        self.out_image.axes.set_xlim(-0.5, out_size[1] - 0.5)
        self.out_image.axes.set_ylim(out_size[0] - 0.5, -0.5)
        self.out_mark.set_xy((rf.col - 0.5, rf.row - 0.5))
        self.out_title.set_text(
            f"output map {rf.out_channel}: {out_size[0]}x{out_size[1]}\npixel ({rf.row}, {rf.col}) = {_fmt(out[rf.row, rf.col])}"
        )
        if c_in <= 6:
            terms = " + ".join(_fmt(v) if v >= 0 else f"({_fmt(v)})" for v in rf.partial_sums)
        else:
            terms = f"[sum of {c_in} partial sums: {_fmt(rf.partial_sums.sum())}]"
        more = "" if self.n_rows == c_in else f"(maps {self.n_rows}..{c_in - 1} not drawn)"
        lhs = f"out[{rf.out_channel}, {rf.row}, {rf.col}] = "
        rest = f"+ bias {_fmt(rf.bias)} = {_fmt(rf.total)}"
        if len(lhs) + len(terms) + len(rest) + len(more) > 70:  # two lines rather than text beyond the edge
            equation = f"{lhs}{terms}\n{' ' * len(lhs)}{rest}   {more}".rstrip()
        else:
            equation = f"{lhs}{terms} {rest}   {more}".rstrip()
        self.equation.set_text(equation)
        self.suptitle.set_text(
            f"one output value = sum over all {c_in} input maps of (window x kernel slice) + bias\n"
            f"[stride {stride[0]}, padding {padding[0]}, dilation {dilation[0]}]"
        )
        return rf


def plot_receptive_field(
    x,
    weight,
    bias=None,
    *,
    out_channel: int = 0,
    row: int = 0,
    col: int = 0,
    stride=1,
    padding=0,
    dilation=1,
    max_maps: int = 4,
) -> Figure:
    """Draw how one output value is computed: windows, kernel slices, partial sums, bias, total.

    The equation of a convolution layer made visible: for output map
    ``out_channel`` at pixel ``(row, col)``, every input map contributes the
    sum of its window times its own kernel slice; these partial sums plus the
    bias give the output value, which equals :func:`convutil.conv2d`'s.

    Parameters
    ----------
    x : array_like, shape (C_in, H, W)
    weight : array_like, shape (C_out, C_in, kH, kW)
    bias : array_like, shape (C_out,), optional
    out_channel, row, col : int
    stride, padding, dilation : int or (int, int)
        As for :func:`convutil.conv2d` (no groups).
    max_maps : int, default 4
        Input maps drawn as rows; the equation always covers all of them.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_receptive_field(rng.normal(size=(3, 6, 6)), rng.normal(size=(2, 3, 3, 3)), row=2, col=1)
    >>> fig.texts[0].get_text().startswith("one output value")
    True
    """
    view = ReceptiveFieldView(x, weight, bias, max_maps=max_maps, max_padding=0)
    view.set(out_channel=out_channel, row=row, col=col, stride=stride, padding=padding, dilation=dilation)
    return view.figure
