"""Interactive explorers: controls wired to one view of :mod:`convutil.viz` each.

Drive an :class:`Explorer` with ``update(name=value)`` as its live panel does;
``state`` holds the values, clamped in one place (:meth:`Explorer.limits`). Updates
change existing artists and render one PNG, blitting what moves. When the book is
built (:data:`STATIC_ENV`), explorers display instead a kernel-free page of
precomputed frames (:meth:`Explorer.default_frames` or ``fallback={control: values}``)
driven by ``explorer.js``. ipywidgets is imported only for a live panel.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import itertools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from . import style, viz
from ._validate import as_float_array, as_int
from .core import avg_pool2d, conv_output_size, max_pool2d
from .data import pattern, sample_image
from .kinds import KINDS, LAYER_KINDS, layer_outputs
from .receptive_field import window_taps
from .style import STATIC_ENV, static_mode

__all__ = [
    "Control", "Explorer", "ConvExplorer", "TypeComparer", "OutputSizeExplorer", "PoolingExplorer", "conv_explorer",
    "type_comparer", "output_size_explorer", "pooling_explorer", "layer_outputs", "static_mode", "STATIC_ENV",
    "MAX_FRAMES", "DEFAULT_PATTERNS"
]  # fmt: skip

MAX_FRAMES = 40
"""Most frames a kernel-free page may hold (a page stays light)."""

COLOURS = 128
"""Palette size of the kernel-free frames: colormaps keep their gradations (fewer colours grey the pale values)."""


@dataclass(frozen=True)
class Control:
    """One control of an explorer: a name, the values it may take, a label.

    Consecutive integers become a slider, other values toggle buttons.

    Examples
    --------
    >>> Control("kind", ("max", "avg")).check("mean")
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of ('max', 'avg'), got 'mean'
    """

    name: str
    values: tuple
    description: str = ""

    @property
    def is_int(self) -> bool:
        return all(isinstance(v, int) and not isinstance(v, bool) for v in self.values)

    @property
    def is_range(self) -> bool:
        return self.is_int and tuple(self.values) == tuple(range(self.values[0], self.values[-1] + 1))

    @property
    def label(self) -> str:
        return self.description or self.name

    def describe(self) -> str:
        return f"{self.values[0]}..{self.values[-1]}" if self.is_range and len(self.values) > 2 else repr(self.values)

    def check(self, value):
        """``value`` if this control accepts it, else TypeError/ValueError naming the control."""
        if self.is_int:
            value = as_int(value, self.name)
        elif not isinstance(value, str):
            raise TypeError(f"{self.name} must be one of {self.values}, got {value!r} ({type(value).__name__})")
        if value not in self.values:
            raise ValueError(f"{self.name} must be one of {self.describe()}, got {value!r}")
        return value

    def make_widget(self, value):
        import ipywidgets as w

        style_ = {"description_width": "initial"}  # show the whole label
        if self.is_range:
            lo, hi = self.values[0], self.values[-1]
            return w.IntSlider(value=value, min=lo, max=hi, description=self.label, style=style_)
        if self.is_int:
            return w.SelectionSlider(options=list(self.values), value=value, description=self.label, style=style_)
        style_["button_width"] = "auto"
        return w.ToggleButtons(options=list(self.values), value=value, description=self.label, style=style_)


def _encode(canvas, *, frame: bool = False) -> bytes:
    """The Agg canvas as PNG bytes, or (``frame``) as a lossless WebP of :data:`COLOURS` colours."""
    from PIL import Image

    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    buf = io.BytesIO()
    if frame:
        image = image.quantize(COLOURS, method=Image.Quantize.FASTOCTREE).convert("RGB")
        image.save(buf, format="webp", lossless=True, quality=100, method=4)
    else:  # live updates: speed first; zlib's run-length strategy (3) suits a figure's flat colours
        image.save(buf, format="png", compress_level=1, compress_type=3)
    return buf.getvalue()


def _spread(values, n: int, keep) -> list:
    """About ``n`` of ``values``, evenly spread, ends and ``keep`` included."""
    values = list(values)
    if len(values) > n:
        picked = {values[round(i * (len(values) - 1) / (n - 1))] for i in range(n)}
        if keep not in picked:  # the current value replaces the nearest of the middle ones
            middle = sorted(picked - {values[0], values[-1]}, key=lambda v: abs(v - keep))
            picked = (picked - set(middle[:1])) | {keep}
        values = [v for v in values if v in picked]
    return values


class Explorer:
    """Controls wired to one view: state, clamping, rendering, live panel and kernel-free page.

    A subclass names its controls and its ``view`` (with a ``figure`` and a
    ``dynamic`` list of artists) and implements :meth:`draw`; it may override
    :meth:`limits`, :meth:`static_key`, :meth:`describe` and :meth:`default_frames`.
    """

    alt = "interactive figure"
    """What the picture shows, in words (the start of every frame's alt text)."""

    def __init__(self, view, controls, state: dict, fallback=None):
        self.view = view
        self.figure = view.figure
        FigureCanvasAgg(self.figure)
        self.figure.set_dpi(style.DPI)
        self._specs = {c.name: c for c in controls}
        self._state = {name: spec.check(state[name]) for name, spec in self._specs.items()}
        self._fallback = self._check_frames(fallback)
        self._widgets = self._image = self._panel = None
        self._syncing = False
        self._background = self._background_key = None
        self._cache = {}
        self._clamp()
        self.draw()
        if self.figure.get_layout_engine() is not None:
            style.freeze_layout(self.figure)  # the layout engine places the axes once; updates never move them

    # ---- what subclasses define
    def draw(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def limits(self) -> dict:
        """Control name -> largest value it may take in the current state."""
        return {}

    def static_key(self):
        """Everything the blitted background depends on (default: the whole state, no blitting)."""
        return tuple(self._state.items())

    def describe(self) -> str:
        """The current picture in words (the frames' alt text)."""
        return self.alt

    def default_frames(self) -> dict:
        """Control name -> values the kernel-free page precomputes (their product is the frame set)."""
        return {}

    @property
    def message(self) -> str:
        """A note shown instead of an impossible picture ("" when it is possible)."""
        return ""

    def cached(self, name, compute, *key):
        """``compute()``, recomputed only when ``key`` changes (derived values never go stale)."""
        if name not in self._cache or self._cache[name][0] != key:
            self._cache[name] = (key, compute())
        return self._cache[name][1]

    # ---- state
    @property
    def state(self) -> dict:
        """The current value of every control (after clamping)."""
        return dict(self._state)

    @property
    def specs(self) -> dict:
        """Control name -> :class:`Control`."""
        return dict(self._specs)

    def _clamp(self):
        for name, top in self.limits().items():
            self._state[name] = min(self._state[name], top)

    def _check_frames(self, fallback):
        if fallback is None:
            return None
        if not isinstance(fallback, dict) or not fallback:
            raise TypeError(f"fallback must be a non-empty dict of control name -> list of values, got {fallback!r}")
        checked = {}
        for name, values in fallback.items():
            if name not in self._specs:
                raise ValueError(f"fallback names unknown control {name!r}; controls are {list(self._specs)}")
            if isinstance(values, str) or not hasattr(values, "__iter__") or not list(values):
                raise TypeError(f"fallback[{name!r}] must be a non-empty list of values, got {values!r}")
            checked[name] = [self._specs[name].check(v) for v in values]
        n = int(np.prod([len(v) for v in checked.values()]))
        if n > MAX_FRAMES:
            raise ValueError(f"fallback asks for {n} frames; at most {MAX_FRAMES} keep the page small")
        return checked

    def update(self, **controls):
        """Set controls by name, redraw in place and refresh the live image; returns ``self``.

        Unknown names and bad values raise TypeError/ValueError; values valid alone but not
        together are clamped or explained in ``message``.
        """
        unknown = sorted(set(controls) - set(self._specs))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.update() got unknown control(s) {unknown}; controls are {list(self._specs)}"
            )
        self._state.update({name: self._specs[name].check(value) for name, value in controls.items()})
        self._clamp()
        self.draw()
        self._sync_widgets()
        if self._image is not None:
            self._image.value = self.to_png()
        return self

    # ---- rendering
    def to_png(self, dpi: float | None = None) -> bytes:
        """The current figure as PNG bytes (blitting what changes when possible)."""
        self._render(dpi)
        return _encode(self.figure.canvas)

    def frame(self) -> bytes:
        """The current picture as one lossless WebP frame of the kernel-free page."""
        self._render(style.DPI)
        return _encode(self.figure.canvas, frame=True)

    def _render(self, dpi):
        fig, dpi = self.figure, dpi or style.DPI
        if fig.dpi != dpi:
            fig.set_dpi(dpi)
        dynamic = sorted((a for a in self.view.dynamic if a.get_visible()), key=lambda a: a.get_zorder())
        # Axes with a fixed aspect place their box (or limits) at draw time; blitting skips that draw,
        # so place them now, and redraw everything if any box moved (the cached background would be stale).
        for ax in fig.axes:
            ax.apply_aspect()
        boxes = tuple(tuple(np.round(ax.get_position().bounds, 6)) for ax in fig.axes)
        key = (self.static_key(), dpi, boxes)
        for a in dynamic:
            a.set_animated(True)
        try:
            if self._background is None or key != self._background_key:
                fig.canvas.draw()
                self._background, self._background_key = fig.canvas.copy_from_bbox(fig.bbox), key
            else:
                fig.canvas.restore_region(self._background)
            renderer = fig.canvas.get_renderer()
            for a in dynamic:
                a.draw(renderer)
        finally:
            for a in dynamic:
                a.set_animated(False)

    # ---- live panel
    @property
    def controls(self) -> dict:
        """Control name -> ipywidgets widget (built on first use)."""
        self._build_panel()
        return dict(self._widgets)

    @property
    def widget(self):
        """The live panel: the controls above the figure's PNG (an ``ipywidgets.VBox``)."""
        self._build_panel()
        return self._panel

    def _build_panel(self):
        if self._panel is not None:
            return
        import ipywidgets as w

        self._widgets = {name: spec.make_widget(self._state[name]) for name, spec in self._specs.items()}
        for name, widget in self._widgets.items():
            widget.observe(functools.partial(self._on_change, name), names="value")
        self._sync_widgets()
        self._image = w.Image(value=self.to_png(), format="png", layout=w.Layout(max_width="100%"))
        self._panel = w.VBox([w.Box(list(self._widgets.values()), layout=w.Layout(flex_flow="row wrap")), self._image])

    def _on_change(self, name, change):
        if not self._syncing:
            self.update(**{name: change["new"]})

    def _sync_widgets(self):
        if self._widgets is None:
            return
        self._syncing = True
        try:
            limits = self.limits()
            for name, widget in self._widgets.items():
                if name in limits and hasattr(widget, "max"):
                    widget.max = limits[name]
                if widget.value != self._state[name]:
                    widget.value = self._state[name]
        finally:
            self._syncing = False

    # ---- display
    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self._state.items())
        return f"<{type(self).__name__} {values}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The live widget in a kernel; the kernel-free HTML when the book is built."""
        if not static_mode():
            try:
                return {**self.widget._repr_mimebundle_(include=include, exclude=exclude), "text/plain": repr(self)}
            except ImportError:  # no ipywidgets: the kernel-free page still works
                pass
        return {"text/plain": repr(self), "text/html": self.to_html()}

    def to_html(self, frames: dict | None = None) -> str:
        """The kernel-free page: the frames of ``frames`` (default: ``fallback``, else :meth:`default_frames`).

        The controls not named keep their values; the state is restored afterwards.
        """
        axes = self._check_frames(frames) or self._fallback or self.default_frames()
        names = list(axes)
        values = [sorted({*axes[n], self._state[n]}, key=list(self._specs[n].values).index) for n in names]
        saved = dict(self._state)
        frames_, alts, index, seen = [], [], {}, {}
        try:
            for combo in itertools.product(*values):
                self._state.update(zip(names, combo))
                self._clamp()
                self.draw()
                picture = self.frame()
                digest = hashlib.sha1(picture).hexdigest()
                if digest not in seen:
                    seen[digest] = len(frames_)
                    frames_.append(base64.b64encode(picture).decode("ascii"))
                    alts.append(f"{self.alt} Shown: {self.describe()}")
                index["|".join(map(str, combo))] = seen[digest]
                self._state = dict(saved)
        finally:
            self._state = saved
            self.draw()
        start = "|".join(str(saved[n]) for n in names)
        return _frames_html([self._specs[n] for n in names], values, frames_, alts, index, start)


def _frames_html(specs, values, frames, alts, index, start) -> str:
    """The page: controls, the start frame as an image, the other frames as data, the script."""
    start_parts, first = start.split("|"), index[start]
    rows = []
    for spec, vals, current in zip(specs, values, start_parts):
        label, at = html.escape(spec.label), [str(v) for v in vals].index(current)
        if spec.is_int:
            control = (f'<input type="range" data-control min="0" max="{len(vals) - 1}" step="1" value="{at}" '
                       f'aria-label="{label}" style="vertical-align:middle">')  # fmt: skip
        else:
            options = "".join(
                f'<option value="{j}"{" selected" if j == at else ""}>{html.escape(str(v))}</option>'
                for j, v in enumerate(vals)
            )
            control = f'<select data-control aria-label="{label}">{options}</select>'
        readout = f'<output data-out aria-live="polite" style="display:inline-block;min-width:3.5em">{html.escape(current)}</output>'
        rows.append(f'<label style="margin-right:1.2em;white-space:nowrap">{label} {control} {readout}</label>')
    button = (
        '<button type="button" style="margin-right:1em">\u25b6 play</button>' if values and len(values[0]) > 1 else ""
    )
    stored = ["" if i == first else f for i, f in enumerate(frames)]  # the start frame is the <img> itself
    payload = {"values": [[str(v) for v in vals] for vals in values], "frames": stored, "index": index, "alts": alts}
    data = json.dumps(payload).replace("</", "<\\/")  # no "</script>" inside the data
    script = resources.files("convutil").joinpath("explorer.js").read_text(encoding="utf-8")
    return (
        '<div class="convutil-explorer" style="font-family:sans-serif;font-size:0.9em">'
        f'<div style="margin-bottom:0.4em">{button}{"".join(rows)}</div>'
        f'<img alt="{html.escape(alts[first])}" src="data:image/webp;base64,{frames[first]}" style="max-width:100%">'
        '<div style="font-size:0.85em;font-style:italic">Precomputed frames: move the controls (no kernel needed). '
        "Run the notebook for every control.</div>"
        f'<script type="application/json">{data}</script>'
        f"<script>{script}</script></div>"
    )


class ConvExplorer(Explorer):
    """Explore how one output pixel of a convolution layer is computed (:class:`convutil.viz.ReceptiveFieldView`).

    Parameters
    ----------
    x, weight, bias : array_like, optional
        As for :func:`convutil.viz.plot_receptive_field`; default three 8x8 patterns
        and two seeded 3x3x3 filters of small integers.
    out_channel, row, col, stride, padding, dilation : int
        Initial values; ``row`` and ``col`` are clamped to the output.
    max_stride, max_padding, max_dilation : int
        Upper ends of the sliders.
    fallback : dict, optional
        Control name -> values of the kernel-free page (default: 3 x 3 output pixels).

    Examples
    --------
    >>> ex = conv_explorer()
    >>> ex.update(row=3, col=2, padding=1).state["row"], ex.update(stride=3).state["row"]   # clamped to 3x3
    (3, 2)
    """

    alt = (
        "Receptive-field view of a convolution: for one output pixel, the window on every input map, "
        "the kernel slice for each map, their products, the partial sums, the bias and the total, "
        "next to the output map with the pixel outlined."
    )

    def __init__(self, x=None, weight=None, bias=None, *, out_channel=0, row=0, col=0, stride=1, padding=0,
                 dilation=1, max_stride=3, max_padding=2, max_dilation=3, fallback=None):  # fmt: skip
        if x is None and weight is None:
            x, weight, default_bias = _default_conv_inputs()
            bias = default_bias if bias is None else bias
        elif x is None or weight is None:
            raise TypeError("conv_explorer needs both x and weight, or neither (for the default example)")
        max_stride, max_dilation = (
            as_int(max_stride, "max_stride", minimum=1),
            as_int(max_dilation, "max_dilation", minimum=1),
        )
        max_padding = as_int(max_padding, "max_padding", minimum=0)
        view = viz.ReceptiveFieldView(x, weight, bias, max_padding=max_padding, annotate_products=False)
        (h, w), (kh, kw) = view.x.shape[1:], view.weight.shape[2:]
        controls = [
            Control("out_channel", tuple(range(view.weight.shape[0])), "output map"),
            Control("row", tuple(range(max(h + 2 * max_padding - kh + 1, 1)))),
            Control("col", tuple(range(max(w + 2 * max_padding - kw + 1, 1)))),
            Control("stride", tuple(range(1, max_stride + 1))),
            Control("padding", tuple(range(0, max_padding + 1))),
            Control("dilation", tuple(range(1, max_dilation + 1))),
        ]
        values = (out_channel, row, col, stride, padding, dilation)
        super().__init__(view, controls, dict(zip([c.name for c in controls], values)), fallback)

    @property
    def x(self):
        return self.view.x

    @property
    def weight(self):
        return self.view.weight

    def _geometry(self):
        s = self._state
        return s["stride"], s["padding"], s["dilation"]

    @property
    def output_size(self) -> tuple[int, int]:
        """``(H_out, W_out)`` for the current geometry; ``(0, 0)`` when nothing fits."""
        sizes = zip(self.x.shape[1:], self.weight.shape[2:])
        try:
            return tuple(conv_output_size(n, k, *self._geometry()) for n, k in sizes)
        except ValueError:
            return (0, 0)

    @property
    def message(self) -> str:
        if self.output_size != (0, 0):
            return ""
        s, (stride, padding, dilation) = self._state, self._geometry()
        # the first dimension in which the dilated kernel does not fit the padded input
        dim, n, k = next(
            (name, n, k)
            for name, n, k in zip(("rows", "columns"), self.x.shape[1:], self.weight.shape[2:])
            if n + 2 * padding < dilation * (k - 1) + 1
        )
        return (
            f"out[{s['out_channel']}, {s['row']}, {s['col']}] with stride {stride}, padding {padding}, "
            f"dilation {dilation}: no output.\n"
            f"The dilated kernel spans {dilation * (k - 1) + 1} {dim}, more than the padded input\n"
            f"({n} + 2*{padding} = {n + 2 * padding}). Lower the dilation or add padding."
        )

    def limits(self):
        oh, ow = self.output_size
        return {"row": oh - 1, "col": ow - 1} if oh else {}

    def draw(self):
        if self.message:
            self.view.show_message(self.message)
        else:
            self.view.set(**self._state)

    def static_key(self):
        return (self._state["out_channel"], *self._geometry(), self.message)

    def describe(self):
        if self.message:
            return self.message.replace("\n", " ")
        rf, (kh, kw) = self.view.rf, self.weight.shape[2:]
        return (
            f"output value out[{rf.out_channel}, {rf.row}, {rf.col}] = {rf.total:.2f}, from the {kh}x{kw} window at "
            f"rows {rf.rows[0]} to {rf.rows[-1]} and columns {rf.cols[0]} to {rf.cols[-1]} of each of the "
            f"{self.x.shape[0]} input maps (stride {self._state['stride']}, padding "
            f"{self._state['padding']}, dilation {self._state['dilation']}); partial sums "
            + ", ".join(f"{v:.2f}" for v in rf.partial_sums)
            + f", bias {rf.bias:.2f}."
        )

    def default_frames(self):
        oh, ow = self.output_size
        if not oh:
            return {"padding": list(self._specs["padding"].values)}
        return {"row": _spread(range(oh), 3, self._state["row"]), "col": _spread(range(ow), 3, self._state["col"])}


def _default_conv_inputs():
    x = np.stack([pattern("cross", 8, width=2), pattern("diagonal", 8), pattern("ring", 8)])
    weight = np.random.default_rng(0).integers(-2, 3, size=(2, 3, 3, 3)).astype(float)
    return x, weight, np.array([0.5, -1.0])


conv_explorer = ConvExplorer
"""The explorer's factory (the class itself): ``conv_explorer(...)`` builds a :class:`ConvExplorer`."""


DEFAULT_PATTERNS = ("cross", "ring", "diagonal", "corner", "bars", "letter")
"""The input maps of :func:`type_comparer` by default: shapes that stay recognisable after filtering."""


class TypeComparer(Explorer):
    """Compare the candidate layers (:data:`convutil.kinds.LAYER_KINDS`) on the same ``k1`` feature maps.

    Shows the input maps, the connection diagram, the output stack and the parameter
    and MAC counts; ``k2`` counts filters (per input map for type 1 and depthwise).

    Parameters
    ----------
    x : array_like, shape (K, H, W), optional
        Input maps (``k1`` up to ``K``); default the :data:`DEFAULT_PATTERNS` at ``size`` (16).
    k1, k2, kernel_size, kind, groups, fallback
        Initial values (``kernel_size`` in 1, 3, 5); kernel-free frames (default: every kind x two k2).
    max_k : int, default 6
        Largest ``k1``, ``k2`` and ``groups``.

    Examples
    --------
    >>> tc = type_comparer(k1=3, k2=4)
    >>> tc.update(kind="type1").output.shape, tc.update(kind="grouped", groups=2).message != ""   # 2 does not divide 3
    ((12, 16, 16), True)
    """

    alt = (
        "Type comparer: on the left the k1 input feature maps, in the middle the connection diagram of the "
        "chosen layer kind (one colour per 2D kernel), on the right the output maps, with the output shape, "
        "parameter count and multiply-accumulate count written below."
    )

    def __init__(self, x=None, *, k1=4, k2=4, kernel_size=3, kind="type2.2", groups=2, max_k=6, size=16, fallback=None):
        if x is None:
            n = as_int(size, "size", minimum=3)
            x = np.stack([pattern(name, n, char="T") for name in DEFAULT_PATTERNS])
        self.x = as_float_array(x, "x", (3,))
        if 0 in self.x.shape:
            raise ValueError(f"x must be a non-empty (K, H, W) stack, got shape {self.x.shape}")
        self.max_k = max_k = as_int(max_k, "max_k", minimum=1)
        controls = [
            Control("k1", tuple(range(1, min(max_k, self.x.shape[0]) + 1)), "k1 (maps in)"),
            Control("k2", tuple(range(1, max_k + 1)), "k2 (filters)"),
            Control("kernel_size", (1, 3, 5), "kernel"),
            Control("kind", LAYER_KINDS, "type"),
            Control("groups", tuple(range(1, max_k + 1)), "groups"),
        ]
        state = {"k1": k1, "k2": k2, "kernel_size": kernel_size, "kind": kind, "groups": groups}
        super().__init__(viz.ComparisonView(), controls, state, fallback)

    def _layer(self):
        s = self._state
        groups = s["groups"] if s["kind"] == "grouped" else 1
        try:
            return layer_outputs(self.x[: s["k1"]], s["k2"], s["kernel_size"], s["kind"], groups), ""
        except ValueError as err:
            return None, f"{err}:\nchoose groups that divide both."

    @property
    def layer(self):
        """``(y, params, macs, c_out)`` of :func:`convutil.kinds.layer_outputs`, or None (see :attr:`message`)."""
        return self.cached("layer", self._layer, *self._state.values())[0]

    @property
    def message(self) -> str:
        return self.cached("layer", self._layer, *self._state.values())[1]

    @property
    def output(self):
        """The output stack (None when there is none)."""
        return None if self.layer is None else self.layer[0]

    @property
    def params(self):
        return None if self.layer is None else self.layer[1]

    @property
    def macs(self):
        return None if self.layer is None else self.layer[2]

    def draw(self):
        s = self._state
        x = self.x[: s["k1"]]
        if self.layer is None:
            self.view.show_inputs(x)
            title = f"grouped, {s['kernel_size']}x{s['kernel_size']} kernels: groups must divide k1 and k2\n"
            self.view.show_message(self.message, title + f"(k1={s['k1']}, k2={s['k2']}, groups={s['groups']})")
            return
        y, params, macs, c_out = self.layer
        self.view.set(x, y, kind=s["kind"], k2=s["k2"], kernel_size=s["kernel_size"], groups=s["groups"],
                      params=params, macs=macs, c_out=c_out)  # fmt: skip

    def static_key(self):
        return (self._state["k1"], self._state["kind"], self.message)

    def describe(self):
        s = self._state
        if self.layer is None:
            return self.message.replace("\n", " ")
        kind = KINDS[s["kind"]]
        return (
            f"{kind.name_with(s['groups'])} layer, {kind.title(s['groups']).splitlines()[-1]}: {s['k1']} input maps, "
            f"k2 = {s['k2']}, {s['kernel_size']}x{s['kernel_size']} kernels; output shape "
            f"{style.shape_text(self.output.shape)}, {self.params:,} parameters, {self.macs:,} multiply-accumulates."
        )

    def default_frames(self):
        k2 = self._state["k2"]  # and another k2, to show how the output count follows it
        other = 2 * k2 if 2 * k2 <= self.max_k else max(k2 // 2, 1)
        return {"kind": list(LAYER_KINDS), "k2": sorted({k2, other})}


type_comparer = TypeComparer
"""The explorer's factory (the class itself): ``type_comparer(...)`` builds a :class:`TypeComparer`."""


class OutputSizeExplorer(Explorer):
    """Explore ``floor((n + 2p - d(k-1) - 1) / s) + 1`` with a picture of the windows.

    Controls ``n`` (input), ``k`` (kernel), ``s`` (stride), ``p`` (padding), ``d``
    (dilation); input pixels no window reads are marked.

    Examples
    --------
    >>> ex = output_size_explorer(n=7, k=3, s=2, p=1)
    >>> ex.output_size, ex.update(n=1, k=7, p=0).output_size
    (4, 0)
    """

    alt = (
        "Output-size explorer: one row of input pixels with the padding at both ends, and below it every "
        "window the kernel takes (its taps marked), with the formula for the output length filled in."
    )

    def __init__(self, *, n=7, k=3, s=1, p=0, d=1, max_n=12, fallback=None):
        max_n = as_int(max_n, "max_n", minimum=1)
        controls = [
            Control("n", tuple(range(1, max_n + 1)), "n (input)"),
            Control("k", tuple(range(1, 8)), "k (kernel)"),
            Control("s", tuple(range(1, 5)), "s (stride)"),
            Control("p", tuple(range(0, 4)), "p (padding)"),
            Control("d", tuple(range(1, 4)), "d (dilation)"),
        ]
        super().__init__(viz.WindowsView(), controls, {"n": n, "k": k, "s": s, "p": p, "d": d}, fallback)

    @property
    def windows(self):
        """``(taps, covered)`` of :func:`convutil.receptive_field.window_taps`."""
        return window_taps(*(self._state[c] for c in "nkspd"))

    @property
    def output_size(self) -> int:
        return len(self.windows[0])

    @property
    def unused(self) -> int:
        """Input pixels (not padding) that no window reads."""
        n, p = self._state["n"], self._state["p"]
        return int((~self.windows[1][p : p + n]).sum())

    @property
    def message(self) -> str:
        n, k, p, d = (self._state[c] for c in "nkpd")
        if self.output_size:
            return ""
        return f"no output: the kernel spans d(k-1)+1 = {d * (k - 1) + 1} pixels but the padded input has only n+2p = {n + 2 * p}"

    def draw(self):
        n, k, s, p, d = (self._state[c] for c in "nkspd")
        numerator = n + 2 * p - d * (k - 1) - 1
        line = f"      = floor(({n} + 2*{p} - {d}*({k}-1) - 1) / {s}) + 1 = floor({numerator}/{s}) + 1"
        line += f" = {self.output_size if self.output_size else numerator // s + 1}"
        unused = self.unused if self.output_size else 0
        note = self.message or (f"{unused} input pixel(s) never used by any window (red edge)" if unused else "")
        taps, covered = self.windows
        self.view.set(n, p, taps, covered, f"{line}\n{note}")

    def static_key(self):
        return ()  # only the legend is static; everything else is redrawn over it

    def describe(self):
        n, k, s, p, d = (self._state[c] for c in "nkspd")
        what = f"{self.output_size} output positions" if self.output_size else self.message
        unused = f", {self.unused} input pixel(s) never read" if self.output_size and self.unused else ""
        return f"n = {n}, k = {k}, s = {s}, p = {p}, d = {d}: {what}{unused}."

    def default_frames(self):
        return {"k": [3, 5], "s": [1, 2], "p": [0, 1], "d": [1, 2]}


output_size_explorer = OutputSizeExplorer
"""The explorer's factory (the class itself): ``output_size_explorer(...)`` builds a :class:`OutputSizeExplorer`."""


class PoolingExplorer(Explorer):
    """Explore max and average pooling: every map pooled alone, the channel count unchanged.

    Controls ``mode``, ``kernel_size``, ``stride``, ``padding`` and the output pixel
    ``row``, ``col`` whose window is outlined; settings PyTorch rejects show a message.
    ``x`` (C, H, W) defaults to the 16x16 colour portrait of :func:`convutil.data.sample_image`.

    Examples
    --------
    >>> pooling_explorer().output.shape                      # 3 maps in, 3 maps out
    (3, 8, 8)
    """

    alt = (
        "Pooling explorer: the input maps on top with the same pooling window outlined on each, the pooled "
        "maps below with the resulting pixel outlined; the number of maps does not change."
    )

    def __init__(
        self, x=None, *, mode="max", kernel_size=2, stride=2, padding=0, row=0, col=0, max_padding=2, fallback=None
    ):
        x = sample_image(16, color=True) if x is None else x
        self.x = x = as_float_array(x, "x", (3,))
        if 0 in x.shape:
            raise ValueError(f"x must not have an empty dimension, got shape {x.shape}")
        self.max_padding = max_padding = as_int(max_padding, "max_padding", minimum=0)
        h, w = x.shape[1:]
        controls = [
            Control("mode", ("max", "avg"), "pooling"),
            Control("kernel_size", (1, 2, 3, 4), "kernel"),
            Control("stride", (1, 2, 3, 4), "stride"),
            Control("padding", tuple(range(max_padding + 1)), "padding"),
            Control("row", tuple(range(h + 2 * max_padding))),
            Control("col", tuple(range(w + 2 * max_padding))),
        ]
        state = {"mode": mode, "kernel_size": kernel_size, "stride": stride, "padding": padding, "row": row, "col": col}
        super().__init__(viz.PoolingView(x, max_padding), controls, state, fallback)

    def _pool_args(self):
        s = self._state
        return s["mode"], s["kernel_size"], s["stride"], s["padding"]

    @property
    def message(self) -> str:
        _, k, _, p = self._pool_args()
        h, w = self.x.shape[1:]
        if 2 * p > k:
            return f"padding {p} is more than half the kernel ({k}): pooling allows at most {k // 2}"
        if min(h, w) + 2 * p < k:
            return f"the {k}x{k} window does not fit in the padded {h + 2 * p}x{w + 2 * p} maps"
        return ""

    @property
    def output(self):
        """The pooled maps (None when the setting has no output)."""
        mode, k, st, p = self._pool_args()
        pool = max_pool2d if mode == "max" else avg_pool2d
        return (
            None
            if self.message
            else self.cached("output", lambda: pool(self.x, k, stride=st, padding=p), mode, k, st, p)
        )

    def limits(self):
        y = self.output
        return {} if y is None else {"row": y.shape[1] - 1, "col": y.shape[2] - 1}

    def draw(self):
        s, (mode, k, st, p) = self._state, self._pool_args()
        head = f"{mode} pooling, kernel {k}, stride {st}, padding {p}"
        if self.message:
            self.view.show_message(self.message, f"{head}: no output (pixel {s['row']}, {s['col']})")
            return
        y, c = self.output, self.x.shape[0]
        more = "" if self.view.n_show == c else f" (first {self.view.n_show} drawn)"
        title = (f"{mode}_pool2d(kernel {k}, stride {st}, padding {p}): {style.shape_text(self.x.shape)} -> "
                 f"{style.shape_text(y.shape)}{more}\nevery map pooled on its own: {c} maps in, {y.shape[0]} maps out")  # fmt: skip
        window = (s["row"] * st - p, s["col"] * st - p, k)
        self.view.set(y, mode=mode, row=s["row"], col=s["col"], window=window, title=title)

    def static_key(self):
        return (*self._pool_args(), self.message)

    def describe(self):
        s, (mode, k, st, p) = self._state, self._pool_args()
        if self.message:
            return self.message + "."
        y = self.output
        return (
            f"{mode} pooling with a {k}x{k} window, stride {st}, padding {p}: {style.shape_text(self.x.shape)} "
            f"becomes {style.shape_text(y.shape)}; output pixel ({s['row']}, {s['col']}) of map 0 is "
            f"{y[0, s['row'], s['col']]:.2f}."
        )

    def default_frames(self):
        return {"mode": ["max", "avg"], "kernel_size": [2, 3], "stride": [1, 2]}


pooling_explorer = PoolingExplorer
"""The explorer's factory (the class itself): ``pooling_explorer(...)`` builds a :class:`PoolingExplorer`."""
