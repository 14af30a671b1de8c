"""Drawings for the course: one visual language for stacks, weights, links and windows.

Every ``plot_*`` function returns a :class:`~matplotlib.figure.Figure` (made without
``pyplot``: nothing leaks) or draws into the given ``ax``. Signed values use
:data:`DIVERGING` centred at zero, others :data:`SEQUENTIAL`; one colour is one 2D
kernel; the current window is outlined in :data:`HIGHLIGHT` (:mod:`convutil.style`).
The ``*View`` classes change their artists in place (:meth:`set`, ``dynamic`` lists
what moves); each explorer of :mod:`convutil.widgets` drives one. Importing this
module in IPython registers a PNG formatter for ``Figure``.
"""

from __future__ import annotations

import sys

import numpy as np
from matplotlib import colors as mcolors
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import ScaledTranslation

from . import style
from ._validate import as_float_array, as_int
from .core import conv2d
from .kinds import KINDS as _REGISTRY
from .kinds import Connections, connection_table, get_kind
from .receptive_field import ReceptiveField, conv_arguments, conv_arrays, receptive_field
from .style import DIVERGING, HIGHLIGHT, SEQUENTIAL, color_limits, kernel_colors

__all__ = [
    "SEQUENTIAL", "DIVERGING", "HIGHLIGHT", "KINDS", "color_limits", "kernel_colors", "connection_table",
    "Connections", "plot_stack", "plot_stacks", "plot_weights", "plot_connections", "plot_receptive_field",
    "receptive_field", "ReceptiveField", "StackView", "ConnectionsView", "ReceptiveFieldView", "ComparisonView",
    "WindowsView", "PoolingView"
]  # fmt: skip

KINDS = tuple(_REGISTRY)
"""Connection patterns understood by :func:`plot_connections` (the keys of :data:`convutil.kinds.KINDS`)."""


def _as_stack(maps, name: str = "maps") -> np.ndarray:
    arr = as_float_array(maps, name, (2, 3))
    if arr.ndim == 2:
        arr = arr[None]
    if 0 in arr.shape:
        raise ValueError(f"{name} must not have an empty dimension, got shape {arr.shape}")
    return arr


def _check(ax=None, title=None):
    """TypeError unless ``ax`` is an Axes or None and ``title`` a string or None."""
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")


def _show_region(ax, x0: float, x1: float, y0: float, y1: float):
    """Show at least ``[x0, x1] x [y0, y1]`` in ``ax`` (see :func:`_region_axes`), the shorter side widened."""
    ax.dataLim.set_points(np.array([[x0, y0], [x1, y1]], float))
    ax.autoscale_view(tight=True)


def _region_axes(ax, adjustable="datalim"):
    """Square units, no frame, no margins, y growing downwards (image convention): for :func:`_show_region`."""
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable=adjustable)
    ax.margins(0)
    ax.invert_yaxis()


def _outline(ax, width=1.8):
    """The highlight rectangle (current window or pixel) added to ``ax``."""
    return ax.add_patch(
        Rectangle((0, 0), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=width, path_effects=style.HALO)
    )


def _notice(fig, x=0.5, y=0.5):
    """A boxed message over the figure (why there is no picture), hidden until needed."""
    box = {"facecolor": "white", "edgecolor": HIGHLIGHT}
    return fig.text(x, y, "", ha="center", va="center", fontsize=style.font("large", fig), bbox=box, visible=False)


def _enable_notebook_display() -> bool:
    """Show ``Figure`` objects as PNG in a running IPython (:func:`convutil.style.png`); True if registered."""
    ipython = sys.modules.get("IPython")  # only if IPython is already running: never import it here
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(Figure, style.png)
    return shell is not None


_enable_notebook_display()


class StackView:
    """The artists of one feature-map stack drawn in one axes; :meth:`set` redraws in place.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    layout : {"grid", "volume"}
        The maps side by side, or as cards one behind the other (map 0 in front), depth the channel axis.
    ncols, max_maps : int
        Maps per grid row (default: up to 8); most maps drawn (64; the title says how many exist).
    colorbar : bool or {"right", "bottom"}, default False
    labels, fixed_box : bool, default True, False
        Write each map's index; keep the axes box and widen the data limits instead (explorers).
    """

    def __init__(self, ax, *, layout="grid", ncols=None, max_maps=64, colorbar=False, labels=True, fixed_box=False):
        if layout not in ("grid", "volume"):
            raise ValueError(f'layout must be "grid" or "volume", got {layout!r}')
        self.ax, self.layout = ax, layout
        self.ncols = None if ncols is None else as_int(ncols, "ncols", minimum=1)
        self.max_maps = as_int(max_maps, "max_maps", minimum=1)
        self.norm = mcolors.Normalize(0.0, 1.0)
        self.images, self.frames, self.labels = [], [], []
        small = style.font("small", ax)
        self.dim_texts = [ax.text(0, 0, "", fontsize=small, ha="center", va="center", zorder=1000) for _ in range(3)]
        self.fixed_box = bool(fixed_box)
        _region_axes(ax, "datalim" if self.fixed_box else "box")
        self.colorbar, self._colorbar_wanted = None, colorbar
        self.title = style.title(ax)
        self.maps = None
        self.show_labels = bool(labels)

    def _artist(self, i):
        while len(self.images) <= i:
            # aspect=None keeps the axes' aspect (imshow would otherwise reset it)
            self.images.append(self.ax.imshow(np.zeros((1, 1)), norm=self.norm, cmap=SEQUENTIAL, aspect=None))
            self.frames.append(self.ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor="0.2", linewidth=0.8)))
            small = style.font("small", self.ax)
            self.labels.append(self.ax.text(0, 0, "", fontsize=small, ha="center", color="0.15", zorder=1000))
        return self.images[i], self.frames[i], self.labels[i]

    def _positions(self, c, h, w):
        """Top-left corner of every drawn map, and the drawing's bounding box."""
        idx = np.arange(c)
        if self.layout == "grid":
            ncols = self.ncols or min(c, 8)
            gap = 0.25 * max(h, w) + 1
            nrows = (c - 1) // ncols + 1
            box = (-gap / 2, ncols * (w + gap) - gap / 2, -gap, nrows * (h + gap) - gap / 2)
            return (idx % ncols) * (w + gap), (idx // ncols) * (h + gap), box
        step = min(0.3 * max(h, w), 0.9 * max(h, w) / max(c - 1, 1))
        depth_x, depth_y = (c - 1) * step, (c - 1) * step * 0.6
        margin = 0.15 * max(h, w) + 2
        left = 0.3 * max(h, w) + 2  # room for the "H = ..." label
        return idx * step, -idx * step * 0.6, (-left, w + depth_x + margin, -depth_y - margin, h + margin)

    def _place_label(self, label, i, c, x0, y0, h, w):
        if self.layout == "grid":
            label.set(text=str(i), position=(x0 + (w - 1) / 2, y0 - 0.7), va="bottom", ha="center")
        else:  # the back card's index above its top edge; the front card's below its bottom edge
            front = i == 0 and c > 1  # (above it, the cards behind would run through the text)
            y = y0 + h - 0.5 + 0.03 * max(h, w) if front else y0 - 0.7
            text = str(i) if i in (0, c - 1) else ""
            label.set(text=text, position=(x0 + w - 0.5, y), va="top" if front else "bottom", ha="right")
        label.set_visible(self.show_labels)

    def _place_dimensions(self, c_all, h, w, back_x, back_y):
        wt, ht, ct = self.dim_texts
        wt.set(text=f"W = {w}", position=((w - 1) / 2, h + 0.2 * max(h, w)))
        ht.set(text=f"H = {h}", position=(-0.12 * max(h, w) - 1, (h - 1) / 2), rotation=90)
        corner = 0.5 + 0.04 * max(h, w)  # along the depth edge that leaves the front card's top-left corner
        ct.set(text=f"C = {c_all}", position=(back_x / 2 - corner, back_y / 2 - corner), ha="right", va="bottom")

    def set(self, maps, *, title=None, signed=None):
        """Draw ``maps`` (shape ``(C, H, W)`` or ``(H, W)``), reusing the artists."""
        maps = self.maps = _as_stack(maps)
        c_all, h, w = maps.shape
        c = min(c_all, self.max_maps)
        cmap, self.norm.vmin, self.norm.vmax = color_limits(maps[:c], signed)
        x0, y0, (xa, xb, ya, yb) = self._positions(c, h, w)
        volume = self.layout == "volume"
        for i in range(c):
            im, frame, label = self._artist(i)
            im.set(data=maps[i], cmap=cmap, visible=True, zorder=2 + 2 * (c - i) if volume else 2)
            im.set_extent((x0[i] - 0.5, x0[i] + w - 0.5, y0[i] + h - 0.5, y0[i] - 0.5))
            frame.set(bounds=(x0[i] - 0.5, y0[i] - 0.5, w, h), zorder=im.get_zorder() + 1, visible=True)
            self._place_label(label, i, c, x0[i], y0[i], h, w)
        for artist in (*self.images[c:], *self.frames[c:], *self.labels[c:]):
            artist.set_visible(False)
        if volume:
            self._place_dimensions(c_all, h, w, x0[c - 1], y0[c - 1])
        for t in self.dim_texts:
            t.set_visible(volume)
        _show_region(self.ax, xa, xb, ya, yb)
        what = f"shape ({c_all}, {h}, {w})" + ("" if c == c_all else f" (first {c} shown)")
        self.title.set_text(f"{title}\n{what}" if title else what)
        if self._colorbar_wanted and self.colorbar is None:
            where = "right" if self._colorbar_wanted is True else self._colorbar_wanted
            aspect = 12 if where == "bottom" else 20
            self.colorbar = self.ax.figure.colorbar(
                self.images[0], ax=self.ax, shrink=0.6, pad=0.02, location=where, aspect=aspect
            )
        return self


def plot_stack(
    maps, *, layout="grid", title=None, ax=None, ncols=None, signed=None, colorbar=True, max_maps=64
) -> Figure:
    """Draw a stack of feature maps ``(C, H, W)`` or ``(H, W)`` as a grid or as a volume (see :class:`StackView`).

    Parameters
    ----------
    maps : array_like
    layout, ncols, max_maps, colorbar
        As for :class:`StackView`.
    title, ax : optional
    signed : bool, optional
        Force the diverging (True) or sequential (False) colormap.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_stack(np.random.default_rng(0).normal(size=(4, 8, 8)), title="layer 1")
    >>> len([im for im in fig.axes[0].images if im.get_visible()])
    4
    """
    _check(ax, title)
    stack = _as_stack(maps)
    c, h, w = stack.shape
    with style.context(ax):
        if ax is None:
            n = min(c, max_maps)
            cols = ncols or min(n, 8)
            width = 1.2 * cols * max(w / h, 0.5) + 1.2
            shrink = min(1.0, style.DISPLAY_WIDTH / width)  # the maps get smaller, the text does not
            size = (width, 1.2 * ((n - 1) // cols + 1) * shrink + 1.0) if layout == "grid" else (4.2, 3.6)
            ax = style.new_figure(*size).add_subplot()
        view = StackView(ax, layout=layout, ncols=ncols, max_maps=max_maps, colorbar=colorbar)
        view.set(stack, title=title, signed=signed)
    return ax.figure


def plot_stacks(stacks, titles=None, *, layout="grid", ncols=None, colorbar=True, arrows=True) -> Figure:
    """Draw several stacks side by side (e.g. the outputs of type 1, 2.1, 2.2), each with its own scale.

    ``stacks`` is a list of (C, H, W) arrays, ``titles`` one string each; ``ncols``
    defaults to up to 4; ``arrows`` draws "becomes" arrows between the panels.

    Examples
    --------
    >>> import numpy as np
    >>> len(plot_stacks([np.ones((3, 6, 6)), np.ones((2, 4, 4))], ["input", "output"]).axes) >= 2
    True
    """
    if isinstance(stacks, np.ndarray) or not hasattr(stacks, "__len__"):
        raise TypeError("stacks must be a list of (C, H, W) arrays, not a single array")
    if len(stacks) == 0:
        raise ValueError("stacks must hold at least one stack")
    arrays = [_as_stack(s, f"stacks[{i}]") for i, s in enumerate(stacks)]
    titles = [None] * len(arrays) if titles is None else titles
    if isinstance(titles, str) or len(titles) != len(arrays):
        raise ValueError(f"titles must be a list of {len(arrays)} strings (one per stack), got {titles!r}")
    for t in titles:
        _check(title=t)
    cols = [ncols or min(a.shape[0], 4) for a in arrays]
    rows = [(min(a.shape[0], 64) - 1) // k + 1 for a, k in zip(arrays, cols)]
    widths = [k * a.shape[2] / a.shape[1] for a, k in zip(arrays, cols)]
    if layout == "grid":
        width = sum(1.2 * w + 0.8 for w in widths)
        height = 1.1 * max(rows) * min(1.0, style.DISPLAY_WIDTH / width) + 1.1 + 0.5 * colorbar
    else:
        width = 2.6 * len(arrays) + 0.4
        height = min(3.4, 0.9 * min(width, style.DISPLAY_WIDTH) / len(arrays) + 1.2) + 0.5 * colorbar
    with style.context():
        fig = style.new_figure(width, height)
        axes = fig.subplots(1, len(arrays), width_ratios=widths if layout == "grid" else None, squeeze=False)[0]
        for ax, a, t, k in zip(axes, arrays, titles, cols):
            StackView(ax, layout=layout, ncols=k, colorbar="bottom" if colorbar else False).set(a, title=t)
    if arrows and len(axes) > 1:
        fig.get_layout_engine().set(wspace=0.08)  # room between the panels for the arrows to show
        for left, right in zip(axes[:-1], axes[1:]):
            arrow = {"arrowstyle": "-|>", "color": "0.4", "linewidth": 1.2, "mutation_scale": 12}
            fig.add_artist(ConnectionPatch((1, 0.5), (0, 0.5), left.transAxes, right.transAxes, **arrow))
    return fig


def _cell(v: float) -> str:
    """A number short enough for one kernel cell."""
    v = float(v) + 0.0  # no "-0"
    if v == round(v) and abs(v) < 1000:
        return f"{v:.0f}"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}"


def _ink(v: float, bound: float) -> str:
    """Text colour readable on a diverging cell of value ``v``."""
    return "white" if bound and abs(v) > 0.6 * bound else "black"


def _fmt(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 1000 else f"{v:.3g}"


def _annotate(ax, values, x0=0.0, y0=0.0, bound=None):
    """Write every value of ``values`` into its cell (cell (i, j) centred at x0 + j, y0 + i)."""
    bound = np.abs(values).max() if bound is None else bound
    size = style.font("cell", ax)
    for (i, j), v in np.ndenumerate(values):
        ax.text(x0 + j, y0 + i, _cell(v), ha="center", va="center", fontsize=size, color=_ink(v, bound))


def _draw_filter_row(ax, w4, j, cols, norm, annotate, gaps):
    """Filter ``j``: its kernels side by side in a box, named on the left, its shape on the right."""
    c_out, c_in, kh, kw = w4.shape
    gap_x, gap_y, shared = gaps
    y0, box_w = j * (kh + gap_y), cols * (kw + gap_x) - gap_x
    small = style.font("small", ax)
    for c in range(cols):
        x0 = c * (kw + gap_x)
        ax.imshow(w4[j, c], cmap=DIVERGING, norm=norm, extent=(x0, x0 + kw, y0 + kh, y0))
        ax.add_patch(Rectangle((x0, y0), kw, kh, fill=False, edgecolor="0.3", linewidth=0.5))
        if annotate:
            _annotate(ax, w4[j, c], x0 + 0.5, y0 + 0.5, norm.vmax)
        if j == 0 and not shared:
            ax.text(x0 + kw / 2, -0.15 * kh - 0.3, f"map {c}", ha="center", va="bottom", fontsize=small)
    pad = (0.15 * kw + 0.15, 0.15 * kh + 0.15)
    box = Rectangle((-pad[0], y0 - pad[1]), box_w + 2 * pad[0], kh + 2 * pad[1], fill=False, lw=1.2, ec="0.1")
    ax.add_patch(box)
    ax.text(-pad[0] - 0.25, y0 + kh / 2, f"{'kernel' if shared else 'filter'} {j}", ha="right", va="center")
    if not shared:
        ax.text(box_w + pad[0] + 0.25, y0 + kh / 2, f"({c_in}, {kh}, {kw})", va="center", fontsize=small)


def plot_weights(weight, *, title=None, ax=None, annotate=None, colorbar=True) -> Figure:
    """Draw a layer's weights: a ``C_out x C_in`` grid of 2D kernels, one boxed row per filter.

    Parameters
    ----------
    weight : array_like, shape (C_out, C_in, kH, kW) or (K, kH, kW)
        A 3D array (the 2D kernels of type 1 or 2.1) is drawn as ``K`` rows of one kernel.
    title, ax, colorbar : optional
    annotate : bool, optional
        Write every weight in its cell (default: kernels of at most 3x3, at most 48 of them).

    Examples
    --------
    >>> import numpy as np
    >>> len(plot_weights(np.random.default_rng(0).normal(size=(2, 3, 3, 3))).axes[0].images)   # 2 x 3 kernels
    6
    """
    _check(ax, title)
    w = as_float_array(weight, "weight", (3, 4))
    if 0 in w.shape:
        raise ValueError(f"weight must not have an empty dimension, got shape {w.shape}")
    shared = w.ndim == 3
    w4 = w[:, None] if shared else w
    c_out, c_in, kh, kw = w4.shape
    rows, cols = min(c_out, 16), min(c_in, 16)
    annotate = kh * kw <= 9 and rows * cols <= 48 if annotate is None else annotate
    gaps = (0.25 * kw + 0.3, 0.45 * kh + 0.6, shared)
    # the limits hug the boxes; the labels sit outside the axes, where the layout makes room for them
    xlim = (-0.15 * kw - 0.3, cols * (kw + gaps[0]) - gaps[0] + 0.15 * kw + 0.3)
    ylim = (rows * (kh + gaps[1]) - gaps[1] + 0.15 * kh + 0.3, -0.15 * kh - 0.3)
    with style.context(ax):
        if ax is None:
            span_w, span_h = xlim[1] - xlim[0], ylim[0] - ylim[1]
            labels_w = 0.9 + (0.0 if shared else 0.85) + (0.8 if colorbar else 0.0)  # inches of text and colour bar
            unit = min(0.42 if annotate else 0.2, (style.DISPLAY_WIDTH - labels_w) / span_w, 8.5 / span_h)
            ax = style.new_figure(unit * span_w + labels_w, unit * span_h + 1.0).add_subplot()
        ax.set_axis_off()
        ax.set_aspect("equal")
        _, lo, hi = color_limits(w4[:rows, :cols], signed=True)
        norm = mcolors.Normalize(lo, hi)
        for j in range(rows):
            _draw_filter_row(ax, w4, j, cols, norm, annotate, gaps)
        ax.set(xlim=xlim, ylim=ylim)
        if shared:
            what = f"{c_out} 2D kernel{'s' * (c_out != 1)}, shape (K, kH, kW) = {style.shape_text(w.shape)}"
        else:
            what = f"weights {style.shape_text(w.shape)}: {c_out} filter{'s' * (c_out != 1)}, each {c_in} x {kh} x {kw} (3D)"
        what += f"\nfirst {rows} x {cols} shown" if rows < c_out or cols < c_in else ""
        ax.set_title(f"{title}\n{what}" if title else what, pad=4 + (0 if shared else style.font("small", ax) * 1.6))
        if colorbar:
            ax.figure.colorbar(ax.images[-1], ax=ax, shrink=0.6, pad=0.02)
    return ax.figure


class _FittedText(Text):
    """A text whose lines break to the width of its axes whenever it is set."""

    def set_text(self, s):
        super().set_text(style.wrap(str(s), self.axes, self.get_fontsize()) if self.axes and s else s)


class ConnectionsView:
    """One connection diagram (inputs left, outputs right, one colour per kernel); :meth:`set` redraws it."""

    def __init__(self, ax):
        self.ax = ax
        ax.set_axis_off()
        ax.set_autoscale_on(False)
        ax.set(xlim=(-0.32, 1.32), ylim=(-0.05, 1.0))
        small = style.font("small", ax)
        self.lines = ax.add_collection(LineCollection([], linewidths=1.2, zorder=1))
        self.in_nodes = ax.scatter([], [], marker="s", s=60, color="0.55", edgecolors="0.1", zorder=3)
        self.out_nodes = ax.scatter([], [], marker="s", s=60, color="0.25", edgecolors="0.1", zorder=3)
        self.in_labels, self.out_labels = [], []
        self.headers = tuple(ax.text(x, 1.0, "", ha="center", va="bottom", fontsize=small) for x in (0.0, 1.0))
        self.note = ax.add_artist(_FittedText(0.5, -0.05, "", ha="center", va="top", fontsize=small))
        self.note.set(transform=ax.transData, clip_on=False)  # add_artist clips to the axes; the note sits below
        self.title = style.title(ax)
        # the title goes above the two-line column headers, whatever the axes' height
        lift = ScaledTranslation(0, 2.6 * small / 72, ax.get_figure(root=True).dpi_scale_trans)
        self.title.set_transform(ax.transAxes + lift)
        self.connections = None

    @staticmethod
    def _ys(n):
        return 1.0 - (np.arange(n) + 0.5) / n

    def _labels(self, store, n, x, ha):
        # the labels sit a fixed distance (in points) beside the nodes, so they clear them however narrow the axes
        shift = ScaledTranslation((-8 if ha == "right" else 8) / 72, 0, self.ax.get_figure(root=True).dpi_scale_trans)
        small = style.font("small", self.ax)
        while len(store) < n:
            store.append(
                self.ax.text(0, 0, "", fontsize=small, va="center", ha=ha, transform=self.ax.transData + shift)
            )
        ys, step = self._ys(n), -(-n // 16)  # at most 16 labels per column: every map up to 16, then every step-th
        for i, t in enumerate(store):
            t.set_visible(i < n and i % step == 0)
            if i < n:
                t.set(position=(x, ys[i]), text=str(i))

    def set(self, c_in, c_out, *, kind="type2.2", groups=1, table=None, title=None, note=None):
        """Show the links of :func:`connection_table`; ``note`` replaces the text under the diagram."""
        con = self.connections = connection_table(c_in, c_out, kind=kind, groups=groups, table=table)
        y_in, y_out = self._ys(con.n_in), self._ys(con.n_out)
        size = float(np.clip(2400 / max(con.n_in, con.n_out) ** 1.5, 6, 90))
        self.in_nodes.set(offsets=np.column_stack([np.zeros(con.n_in), y_in]), sizes=[size])
        self.out_nodes.set(offsets=np.column_stack([np.ones(con.n_out), y_out]), sizes=[size])
        ends = [
            np.column_stack([np.full(len(con.edges), x), y])
            for x, y in ((0, y_in[con.edges[:, 1]]), (1, y_out[con.edges[:, 0]]))
        ]
        self.lines.set_segments(np.stack(ends, axis=1))
        self.lines.set_color(kernel_colors(max(con.n_kernels, 1))[con.kernel] if len(con.edges) else "k")
        self.lines.set_linewidth(float(np.clip(12 / np.sqrt(max(len(con.edges), 1)), 0.4, 1.6)))
        self._labels(self.in_labels, con.n_in, 0.0, "right")
        self._labels(self.out_labels, con.n_out, 1.0, "left")
        self.headers[0].set_text(f"input maps\n({con.n_in})")
        self.headers[1].set_text(f"output maps\n({con.n_out})")
        spec = get_kind("grouped" if kind == "type2.2" and groups > 1 else kind)
        self.note.set_text(con.note(spec) if note is None else note)
        self.title.set_text(
            style.wrap(spec.title(groups) if title is None else title, self.ax, self.title.get_fontsize())
        )
        return self


def plot_connections(c_in, c_out, *, kind="type2.2", groups=1, table=None, ax=None, title=None, note=None) -> Figure:
    """Draw which input maps feed which output maps, one colour per 2D kernel.

    Parameters
    ----------
    c_in, c_out, kind, groups, table
        As for :func:`convutil.kinds.connection_table` (``c_in``, ``c_out`` may be None with a table).
    ax, title, note : optional
        ``note`` replaces the text under the diagram.

    Examples
    --------
    >>> from convutil.architectures import lenet5_c3_table
    >>> fig = plot_connections(6, 16, kind="table", table=lenet5_c3_table())   # LeNet-5's C3
    """
    _check(ax, title)
    con = connection_table(c_in, c_out, kind=kind, groups=groups, table=table)
    with style.context(ax):
        if ax is None:
            height = float(np.clip(0.22 * max(con.n_in, con.n_out) + 1.8, 2.8, 9))
            ax = style.new_figure(4.2, height).add_subplot()
        ConnectionsView(ax).set(c_in, c_out, kind=kind, groups=groups, table=table, title=title, note=note)
    return ax.figure


class ReceptiveFieldView:
    """One output value of a conv layer drawn as the sum it is; :meth:`set` changes pixel, filter and geometry in place.

    Parameters
    ----------
    x, weight, bias
        As for :func:`convutil.receptive_field.receptive_field`.
    max_maps, max_padding : int, default 4, 2
        Rows drawn (the equation covers every map); padding the axes leave room for.
    annotate, annotate_products : bool, optional
        Write the numbers into the kernel (default: at most 3x3) and product cells (default: as ``annotate``).
    figure : matplotlib.figure.Figure, optional
        An empty figure to draw into.
    """

    def __init__(
        self, x, weight, bias=None, *, max_maps=4, max_padding=2, annotate=None, annotate_products=None, figure=None
    ):
        self.x, self.weight, self.bias = conv_arrays(x, weight, bias)
        kh, kw = self.weight.shape[2:]
        self.n_rows = min(self.x.shape[0], as_int(max_maps, "max_maps", minimum=1))
        self.max_padding = as_int(max_padding, "max_padding", minimum=0)
        self.annotate = kh * kw <= 9 if annotate is None else bool(annotate)
        self.annotate_products = self.annotate if annotate_products is None else bool(annotate_products)
        self.figure = figure if figure is not None else Figure(figsize=(style.DISPLAY_WIDTH, 1.25 * self.n_rows + 2.0))
        self.x_norm = mcolors.Normalize(*color_limits(self.x)[1:])
        self.w_norm = mcolors.Normalize(*color_limits(self.weight, signed=True)[1:])
        self.p_norm = mcolors.Normalize(-1.0, 1.0)
        self.in_images, self.windows, self.taps, self.k_images, self.p_images = [], [], [], [], []
        self.k_texts, self.p_texts, self.sums = [], [], []
        with style.context(self.figure):
            gs = self._grid()
            for r in range(self.n_rows):
                self._add_row(r, [self.figure.add_subplot(gs[r, i]) for i in range(4)])
            self._add_output(self.figure.add_subplot(gs[: self.n_rows, 4]), self.figure.add_subplot(gs[self.n_rows, :]))
            self.suptitle = self.figure.suptitle("")
            self.message = _notice(self.figure)
        self.in_axes = [im.axes for im in self.in_images]
        self.dynamic = [*self.windows, *self.taps, *self.p_images, *(t for row in self.p_texts for t in row), *self.sums,
                        self.out_mark, self.out_title, self.p_title, self.equation, self.message]  # fmt: skip
        """Artists that change when only the pixel (row, col) changes: the rest can be blitted."""
        self._out_key, self._padding, self.out, self.rf = None, None, None, None

    def _grid(self):
        if self.figure.get_layout_engine() is None:
            self.figure.set_layout_engine("constrained")  # explorers freeze it after the first draw
        ratios = {"width_ratios": [1.3, 1, 1, 0.7, 1.6], "height_ratios": [1] * self.n_rows + [0.62]}
        return self.figure.add_gridspec(self.n_rows + 1, 5, **ratios)

    def _add_row(self, r, axes):
        ax_in, ax_k, ax_p, ax_s = axes
        for ax in axes:
            ax.set_axis_off()
        h, w = self.x.shape[1:]
        kh, kw = self.weight.shape[2:]
        self.in_images.append(ax_in.imshow(self.x[r], cmap=color_limits(self.x)[0], norm=self.x_norm))
        ax_in.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, edgecolor="0.5", linewidth=0.6, ls="--"))
        self.windows.append(_outline(ax_in, 1.6))
        self.taps.append(ax_in.plot([], [], ls="none", marker="o", ms=2.5, mfc=HIGHLIGHT, mec="black", mew=0.4)[0])
        ax_in.text(-0.04, 0.5, f"map {r}", transform=ax_in.transAxes, ha="right", va="center")
        self.k_images.append(ax_k.imshow(np.zeros((kh, kw)), cmap=DIVERGING, norm=self.w_norm))
        self.p_images.append(ax_p.imshow(np.zeros((kh, kw)), cmap=DIVERGING, norm=self.p_norm))
        cells = [(a, b) for a in range(kh) for b in range(kw)]
        size = style.font("cell", ax_k)
        if self.annotate:
            self.k_texts.append([ax_k.text(b, a, "", ha="center", va="center", fontsize=size) for a, b in cells])
        if self.annotate_products:
            self.p_texts.append([ax_p.text(b, a, "", ha="center", va="center", fontsize=size) for a, b in cells])
        large = style.font("large", ax_s)
        self.sums.append(ax_s.text(0.0, 0.5, "", ha="left", va="center", fontsize=large, transform=ax_s.transAxes))
        if r == 0:  # two lines each: the columns are narrow at the book's width
            style.title(ax_in, "input map\n(padded)", "base")
            self.k_title = style.title(ax_k, "kernel", "base")
            self.p_title = style.title(ax_p, "window\nx kernel", "base")
            style.title(ax_s, "partial\nsum", "base")

    def _add_output(self, ax_out, ax_eq):
        ax_out.set_axis_off()
        ax_eq.set_axis_off()
        self.out_image = ax_out.imshow(np.zeros((1, 1)), cmap=DIVERGING)
        self.out_mark = _outline(ax_out)
        self.out_title = style.title(ax_out, "", "base")
        large = style.font("large", ax_eq)
        self.equation = ax_eq.text(0.0, 0.5, "", ha="left", va="center", fontsize=large, transform=ax_eq.transAxes)

    def _output(self, out_channel, stride, padding, dilation):
        if (key := (out_channel, stride, padding, dilation)) != self._out_key:
            j = slice(out_channel, out_channel + 1)
            out = conv2d(self.x, self.weight[j], self.bias[j], stride=stride, padding=padding, dilation=dilation)
            self.out, self._out_key = out[0], key
        return self.out

    def show_message(self, text: str):
        """Show ``text`` over the figure; the next :meth:`set` hides it."""
        self.message.set_text(text)
        self.message.set_visible(True)
        return self

    def _set_padding(self, padding):
        if padding == self._padding:
            return
        (ph, pw), (h, w) = padding, self.x.shape[1:]
        mp_h, mp_w = max(self.max_padding, ph), max(self.max_padding, pw)
        for r, im in enumerate(self.in_images):
            im.set_data(np.pad(self.x[r], ((ph, ph), (pw, pw))))
            im.set_extent((-pw - 0.5, w + pw - 0.5, h + ph - 0.5, -ph - 0.5))
            im.axes.set(xlim=(-mp_w - 0.5, w + mp_w - 0.5), ylim=(h + mp_h - 0.5, -mp_h - 0.5))
        self._padding = padding

    def _set_rows(self, rf):
        tap_x, tap_y = np.meshgrid(rf.cols, rf.rows)
        self.p_norm.vmax = float(np.abs(rf.products[: self.n_rows]).max()) or 1.0
        self.p_norm.vmin = -self.p_norm.vmax
        for r in range(self.n_rows):
            self.windows[r].set_bounds(
                rf.cols[0] - 0.5, rf.rows[0] - 0.5, rf.cols[-1] - rf.cols[0] + 1, rf.rows[-1] - rf.rows[0] + 1
            )
            self.taps[r].set_data(tap_x.ravel(), tap_y.ravel())
            self.k_images[r].set_data(rf.kernel[r])
            self.p_images[r].set_data(rf.products[r])
            for texts, values, bound in (
                (self.k_texts, rf.kernel, self.w_norm.vmax),
                (self.p_texts, rf.products, self.p_norm.vmax),
            ):
                for t, v in zip(texts[r] if texts else (), values[r].ravel()):
                    t.set(text=_cell(v), color=_ink(v, bound))
            self.sums[r].set_text(f"{'' if r == 0 else '+ '}{_fmt(rf.partial_sums[r])}")
        self.k_title.set_text(f"kernel\nw[{rf.out_channel}, map]")
        self.p_title.set_text(f"window x kernel\n(colours: +-{_fmt(self.p_norm.vmax)})")

    def _set_output(self, rf, conv_args):
        out = self._output(rf.out_channel, *conv_args)
        oh, ow = rf.output_size
        self.out_image.set(data=out, clim=color_limits(out, signed=True)[1:], extent=(-0.5, ow - 0.5, oh - 0.5, -0.5))
        self.out_image.axes.set(xlim=(-0.5, ow - 0.5), ylim=(oh - 0.5, -0.5))
        self.out_mark.set_xy((rf.col - 0.5, rf.row - 0.5))
        self.out_title.set_text(
            f"output map {rf.out_channel}: {oh}x{ow}\npixel ({rf.row}, {rf.col}) = {_fmt(out[rf.row, rf.col])}"
        )

    def _equation(self, rf) -> str:
        c_in = len(rf.partial_sums)
        if c_in <= 6:
            terms = " + ".join(_fmt(v) if v >= 0 else f"({_fmt(v)})" for v in rf.partial_sums)
        else:
            terms = f"[sum of {c_in} partial sums: {_fmt(rf.partial_sums.sum())}]"
        more = "" if self.n_rows == c_in else f"(maps {self.n_rows}..{c_in - 1} not drawn)"
        lhs, rest = f"out[{rf.out_channel}, {rf.row}, {rf.col}] = ", f"+ bias {_fmt(rf.bias)} = {_fmt(rf.total)}"
        if len(lhs) + len(terms) + len(rest) + len(more) > 70:  # two lines rather than text beyond the edge
            return f"{lhs}{terms}\n{' ' * len(lhs)}{rest}   {more}".rstrip()
        return f"{lhs}{terms} {rest}   {more}".rstrip()

    def set(self, *, out_channel=0, row=0, col=0, stride=1, padding=0, dilation=1):
        """Show output value ``[out_channel, row, col]`` and return its :class:`ReceptiveField`."""
        args = {"stride": stride, "padding": padding, "dilation": dilation}
        rf = self.rf = receptive_field(
            self.x, self.weight, self.bias, out_channel=out_channel, row=row, col=col, **args
        )
        self.message.set_visible(False)
        stride, padding, dilation, _ = conv_arguments(self.x, self.weight, stride, padding, dilation)
        self._set_padding(padding)
        self._set_rows(rf)
        self._set_output(rf, (stride, padding, dilation))
        self.equation.set_text(self._equation(rf))
        self.suptitle.set_text(
            f"one output value = sum over all {self.x.shape[0]} input maps of (window x kernel slice) + bias\n"
            f"[stride {stride[0]}, padding {padding[0]}, dilation {dilation[0]}]"
        )
        return rf


def plot_receptive_field(
    x, weight, bias=None, *, out_channel=0, row=0, col=0, stride=1, padding=0, dilation=1, max_maps=4
) -> Figure:
    """Draw how one output value is computed: windows, kernel slices, partial sums, bias, total.

    Arguments as :func:`convutil.receptive_field.receptive_field` (no groups);
    ``max_maps`` (default 4) input maps are drawn as rows.

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


class ComparisonView:
    """Input maps, connections of a layer kind, output maps and counts (:func:`convutil.widgets.type_comparer`)."""

    def __init__(self):
        self.figure = fig = Figure(figsize=(style.DISPLAY_WIDTH, 4.6), layout="constrained")
        with style.context(fig):
            ax_in, ax_links, ax_out = fig.subplots(1, 3, width_ratios=[0.2, 0.3, 0.5])
            # map indices are written once, next to the connection diagram's nodes
            self.in_view = StackView(ax_in, ncols=2, labels=False, fixed_box=True)
            self.links = ConnectionsView(ax_links)
            self.links.title.set_visible(False)  # the figure's title says what the kind does
            self.out_view = StackView(ax_out, labels=False, fixed_box=True)  # the box never moves
            self.title = fig.suptitle("\n")
            # the numbers this view is about: as large as any label
            self.info = fig.supxlabel("\n", x=0.01, ha="left", family="monospace", fontsize=style.font("large", fig))
            self.notice = _notice(fig, 0.74, 0.5)

    @property
    def dynamic(self):
        """What changes with k2, kernel_size and groups; k1 and kind changes redraw everything."""
        out, links = self.out_view, self.links
        return [*out.images, *out.frames, out.title, links.lines, links.in_nodes, links.out_nodes, *links.out_labels,
                links.headers[1], links.note, self.title, self.info, self.notice]  # fmt: skip

    def set(self, x, y, *, kind, k2, kernel_size, groups, params, macs, c_out):
        """Show layer ``kind`` turning ``x`` into ``y`` (``c_out`` as :func:`connection_table` takes it)."""
        spec = get_kind(kind)
        k1, ks = len(x), kernel_size
        self.notice.set_visible(False)
        for im in self.out_view.images:
            im.set_alpha(None)
        self.show_inputs(x)
        self.links.set(k1, c_out, kind=kind, groups=groups if kind == "grouped" else 1)
        # type 1 and depthwise: one row per input map, so each row shows what became of that map;
        # the others: a near-square grid, so the maps are as large as the panel allows
        self.out_view.ncols = k2 if spec.maps_per_input else int(np.ceil(np.sqrt(y.shape[0])))
        self.out_view.set(y, title="output maps")
        self.info.set_text(f"parameters {params:,} = {spec.params_formula}\nMACs {macs:,} = {spec.macs_formula}")
        # every control shows in the picture, so no control of the kernel-free view ever looks dead
        unused = "" if kind == "grouped" else f"  (groups={groups}: only 'grouped' uses it)"
        rule = spec.title(groups).split("\n")[-1]
        self.title.set_text(f"{spec.name_with(groups)}: k1={k1}, k2={k2}, {ks}x{ks} kernels\n{rule}{unused}")

    def show_inputs(self, x):
        """Draw the input maps ``x`` (only when their number changed)."""
        if self.in_view.maps is None or len(self.in_view.maps) != len(x):
            self.in_view.set(x, title="input maps")

    def show_message(self, message, title):
        """Grey out the outputs and say why there are none."""
        self.notice.set(text=message, visible=True)
        self.info.set_text("\n")
        self.title.set_text(title)
        for im in self.out_view.images:
            im.set_alpha(0.15)


def _squares(x, y, size=0.9):
    """Vertices of squares of side ``size`` centred on (x, y)."""
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * size / 2
    return np.stack([np.asarray(x, float), np.asarray(y, float)], axis=-1)[:, None, :] + corners


class WindowsView:
    """A padded row of input pixels and every window along it (:func:`convutil.widgets.output_size_explorer`)."""

    FORMULA = "n_out = floor((n + 2p - d(k-1) - 1) / s) + 1"
    LEGEND = (
        "grey: padding   blue: input pixels some window uses\n"
        "red edge: input pixels no window uses   orange: the kernel's taps, one row per output position"
    )

    def __init__(self):
        self.figure = fig = Figure(figsize=(style.DISPLAY_WIDTH, 4.2), layout="constrained")
        with style.context(fig):
            self.ax = ax = fig.add_subplot()
            _region_axes(ax)
            self.formula = ax.set_title("\n\n\n", loc="left", family="monospace", fontsize=style.font("large", fig))
            fig.supxlabel(self.LEGEND, x=0.01, ha="left", fontsize=style.font("small", fig), color="0.25")
            self.input_label = ax.text(0, 0, "input", ha="right", va="center", fontsize=style.font("small", fig))
            self.cells = ax.add_collection(PolyCollection([], edgecolors="0.3", linewidths=0.8))
            self.spans = ax.add_collection(LineCollection([], colors="0.35", linewidths=1.0))
            self.taps = ax.add_collection(PolyCollection([], facecolors=HIGHLIGHT, edgecolors="black", linewidths=0.6))
        self.labels = []

    @property
    def dynamic(self):
        return [self.cells, self.spans, self.taps, *self.labels, self.input_label, self.formula]

    def _label(self, i):
        while len(self.labels) <= i:
            small = style.font("small", self.figure)
            self.labels.append(self.ax.text(0, 0, "", ha="right", va="center", fontsize=small))
        return self.labels[i]

    def set(self, n, p, taps, covered, formula):
        """Draw ``n`` pixels padded by ``p``, the windows ``taps`` (out, k) and ``formula``."""
        out, k = taps.shape
        xs = np.arange(n + 2 * p) - p
        pad = (xs < 0) | (xs >= n)
        self.cells.set_verts(_squares(xs, np.zeros(len(xs))))
        self.cells.set_facecolors(list(np.where(pad, "0.88", np.where(covered, "#56B4E9", "white"))))
        self.cells.set_edgecolors(list(np.where(~pad & ~covered, "#D55E00", "0.3")))
        self.taps.set_verts(_squares(taps.ravel(), np.repeat(np.arange(1, out + 1), k), size=0.7))
        self.spans.set_segments([[(t[0], r), (t[-1], r)] for r, t in enumerate(taps, start=1)])
        for i in range(max(out, len(self.labels))):
            self._label(i).set(visible=i < out, text=f"out {i}", position=(-p - 0.8, i + 1))
        self.input_label.set_position((-p - 0.8, 0))
        self.formula.set_text(f"{self.FORMULA}\n{formula}")
        _show_region(self.ax, -p - 3.0, max(n + p, 8) + 0.5, -0.8, max(out, 4) + 0.8)


class PoolingView:
    """The input maps, a pooling window outlined, the pooled maps below (:func:`convutil.widgets.pooling_explorer`)."""

    def __init__(self, x, max_padding):
        c, h, w = x.shape
        n = self.n_show = min(c, 4)
        self.figure = fig = Figure(figsize=(min(2.3 * n + 0.6, style.DISPLAY_WIDTH), 5.4), layout="constrained")
        cmap, lo, hi = color_limits(x)
        self.in_images, self.out_images, self.windows, self.marks, self.values = [], [], [], [], []
        with style.context(fig):
            for i, (ax_in, ax_out) in enumerate(fig.subplots(2, n, squeeze=False).T):
                for ax in (ax_in, ax_out):
                    ax.set_axis_off()
                self.in_images.append(ax_in.imshow(x[i], cmap=cmap, vmin=lo, vmax=hi))
                ax_in.set(
                    xlim=(-max_padding - 0.5, w + max_padding - 0.5), ylim=(h + max_padding - 0.5, -max_padding - 0.5)
                )
                ax_in.add_patch(
                    Rectangle((-0.5, -0.5), w, h, fill=False, edgecolor="0.5", linestyle="--", linewidth=0.6)
                )
                style.title(ax_in, f"input map {i}", "base")
                self.out_images.append(ax_out.imshow(np.zeros((1, 1)), cmap=cmap, vmin=lo, vmax=hi))
                self.windows.append(_outline(ax_in))
                self.marks.append(_outline(ax_out))
                self.values.append(style.title(ax_out, "\n", "base"))
            self.title = fig.suptitle("\n")
            self.notice = _notice(fig, 0.5, 0.3)
        self.dynamic = [*self.windows, *self.marks, *self.values]

    def set(self, y, *, mode, row, col, window, title):
        """Show the pooled maps ``y``, the window ``(top, left, size)`` and output pixel ``(row, col)``."""
        self.notice.set_visible(False)
        oh, ow = y.shape[1:]
        top, left, k = window
        for i in range(self.n_show):
            self.out_images[i].set(data=y[i], extent=(-0.5, ow - 0.5, oh - 0.5, -0.5), visible=True)
            self.out_images[i].axes.set(xlim=(-0.5, ow - 0.5), ylim=(oh - 0.5, -0.5))
            self.windows[i].set(bounds=(left - 0.5, top - 0.5, k, k), visible=True)
            self.marks[i].set(xy=(col - 0.5, row - 0.5), visible=True)
            self.values[i].set(text=f"{mode} of window\n= {y[i, row, col]:.2f}", visible=True)
        self.title.set_text(title)

    def show_message(self, message, title):
        """Hide the outputs and say why there are none."""
        self.notice.set(text=message, visible=True)
        for artist in (*self.out_images, *self.marks, *self.windows, *self.values):
            artist.set_visible(False)
        self.title.set_text(title)
