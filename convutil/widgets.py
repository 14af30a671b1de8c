"""Interactive explorers: live in Jupyter, still responsive in the published book.

Each explorer is an :class:`Explorer` object:

* ``explorer.update(name=value, ...)`` changes controls from code (tests and
  ``benchmarks/explorers.py`` do this); a live control panel does the same.
* ``explorer.controls`` maps each control's name to its ipywidgets widget,
  ``explorer.figure`` is the matplotlib figure, ``explorer.state`` the values.
* Displayed in a notebook, it offers two views (``_repr_mimebundle_``): the
  live ipywidgets panel, which Jupyter shows, and a kernel-free ``text/html``
  fallback of precomputed frames that the reader drives with plain controls,
  which the published book shows (``nb_mime_priority_overrides`` in ``_config.yml``).

Updates are instant because nothing is rebuilt: an update changes the
existing artists (``set_data``, ``set_text``, patch positions) and renders one
PNG with Agg. Artists that change with every step (a window moving over a
map) are blitted onto a cached background, the technique of matplotlib's
"faster rendering by using blitting" tutorial.

ipywidgets is imported only when a control panel is built, so ``import
convutil.widgets`` works without it (explorers can still be driven, rendered
to PNG and exported to HTML).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import itertools
import json
import numbers
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from . import viz
from ._validate import as_float_array, as_int
from .core import avg_pool2d, conv2d, conv_output_size, max_pool2d
from .counting import conv_macs, conv_params
from .data import pattern, sample_image
from .types import conv_type1, conv_type2_1

__all__ = [
    "Control",
    "Explorer",
    "ConvExplorer",
    "TypeComparer",
    "OutputSizeExplorer",
    "PoolingExplorer",
    "conv_explorer",
    "type_comparer",
    "output_size_explorer",
    "pooling_explorer",
    "layer_outputs",
    "KINDS",
    "DEFAULT_PATTERNS",
]

MAX_FRAMES = 120
"""Most frames a kernel-free fallback may hold (keeps a page well under 5 MB)."""


@dataclass(frozen=True)
class Control:
    """One control of an explorer: a name, the values it may take, a label.

    Integer controls whose values are consecutive become sliders; other
    controls become toggle buttons.

    Examples
    --------
    >>> Control("stride", (1, 2, 3)).check(2)
    2
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

    def describe(self) -> str:
        return f"{self.values[0]}..{self.values[-1]}" if self.is_range and len(self.values) > 2 else repr(self.values)

    def check(self, value):
        """Return ``value`` if this control accepts it, else raise TypeError/ValueError naming the control."""
        if self.is_int:
            value = as_int(value, self.name)
        elif not isinstance(value, str):
            raise TypeError(f"{self.name} must be one of {self.values}, got {value!r} ({type(value).__name__})")
        if value not in self.values:
            raise ValueError(f"{self.name} must be one of {self.describe()}, got {value!r}")
        return value

    def make_widget(self, value):
        import ipywidgets as w

        label = self.description or self.name
        style = {"description_width": "initial"}  # show the whole label
        if self.is_range:
            return w.IntSlider(
                value=value,
                min=self.values[0],
                max=self.values[-1],
                description=label,
                continuous_update=True,
                style=style,
            )
        if self.is_int:
            return w.SelectionSlider(options=list(self.values), value=value, description=label, style=style)
        return w.ToggleButtons(
            options=list(self.values), value=value, description=label, style={**style, "button_width": "auto"}
        )


def _encode_png(canvas, *, small: bool = False) -> bytes:
    """The Agg canvas as PNG bytes (RGB, no alpha)."""
    from PIL import Image

    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    buf = io.BytesIO()
    if small:  # fallback frames: a 128-colour palette cuts the page size about 4x
        image.quantize(128, method=Image.Quantize.FASTOCTREE).save(buf, format="png", optimize=True)
    else:  # live updates: speed first; zlib's run-length strategy (3) suits a figure's flat colours
        image.save(buf, format="png", compress_level=1, compress_type=3)
    return buf.getvalue()


class Explorer:
    """Base class of the explorers: controls, state, rendering, live panel and fallback.

    Subclasses build ``self.figure`` and implement :meth:`_apply` (change the
    artists to show ``self._state``, clamping it where needed and setting
    ``self.message``). They may override :meth:`_static_key` and
    :meth:`_dynamic_artists` to enable blitting, :meth:`_slider_limits` for
    sliders whose range depends on other controls, and :meth:`_fallback_axes`
    to choose which controls the kernel-free fallback precomputes.
    """

    dpi = 100
    """Resolution of the live PNG: with figures ``viz._DISPLAY_WIDTH`` wide, about the book's column width,
    so the text shows at the size :data:`convutil.viz._FONT` gives it."""
    fallback_dpi = 100
    """Resolution of the fallback frames (shown at their own size: not shrunk, not enlarged)."""
    alt = "interactive figure"
    """Text alternative of the fallback image."""

    def __init__(self, figure: Figure, controls, state: dict, fallback=None):
        self.figure = figure
        FigureCanvasAgg(figure)
        figure.set_dpi(self.dpi)
        self._specs = {c.name: c for c in controls}
        self._state = {}
        for name, spec in self._specs.items():
            self._state[name] = spec.check(state[name])
        self._fallback_override = self._check_fallback(fallback)
        self.message = ""
        self._widgets = None
        self._image = None
        self._panel = None
        self._syncing = False
        self._background = None
        self._background_key = None
        self._html_cache = None
        self._apply()

    # ---- subclass hooks
    def _apply(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _static_key(self):
        """Everything the background depends on; by default the whole state (no blitting)."""
        return tuple(self._state.items())

    def _dynamic_artists(self):
        return []

    def _slider_limits(self) -> dict:
        return {}

    def _fallback_axes(self) -> dict:
        return {}

    def rebuild(self):
        """A new explorer with the same inputs and state, built from scratch.

        What an ``interact``-style callback does at every change; the
        benchmark compares it with :meth:`update`.
        """
        raise NotImplementedError

    # ---- state
    @property
    def state(self) -> dict:
        """The current value of every control (after clamping)."""
        return dict(self._state)

    def _check_fallback(self, fallback):
        if fallback is None:
            return None
        if not isinstance(fallback, dict) or not fallback:
            raise TypeError(f"fallback must be a non-empty dict of control name -> list of values, got {fallback!r}")
        checked = {}
        for name, values in fallback.items():
            if name not in self._specs:
                raise ValueError(f"fallback names unknown control {name!r}; controls are {list(self._specs)}")
            if isinstance(values, str) or not hasattr(values, "__iter__"):
                raise TypeError(f"fallback[{name!r}] must be a list of values, got {values!r}")
            checked[name] = [self._specs[name].check(v) for v in values]
            if not checked[name]:
                raise ValueError(f"fallback[{name!r}] must list at least one value")
        n = int(np.prod([len(v) for v in checked.values()]))
        if n > MAX_FRAMES:
            raise ValueError(f"fallback asks for {n} frames; at most {MAX_FRAMES} keep the page small")
        return checked

    def update(self, **controls):
        """Set controls by name, redraw in place and refresh the live image. Returns ``self``.

        Raises TypeError for an unknown control name or a value of the wrong
        type, ValueError for a value outside the control's range. Values that
        are valid alone but not together (an empty output, a pixel beyond the
        output) are clamped or explained in ``self.message``, never an error.
        """
        unknown = sorted(set(controls) - set(self._specs))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.update() got unknown control(s) {unknown}; controls are {list(self._specs)}"
            )
        checked = {name: self._specs[name].check(value) for name, value in controls.items()}
        self._state.update(checked)
        self._apply()
        self._sync_widgets()
        if self._image is not None:
            self._image.value = self.to_png()
        return self

    # ---- rendering
    def to_png(self, dpi: float | None = None, *, small: bool = False) -> bytes:
        """Render the current figure to PNG bytes with Agg (blitting what changes when possible)."""
        fig = self.figure
        dpi = self.dpi if dpi is None else dpi
        if fig.dpi != dpi:
            fig.set_dpi(dpi)
        canvas = fig.canvas
        dynamic = [a for a in self._dynamic_artists() if a.get_visible()]
        # Axes with a fixed aspect place their box at draw time; blitting skips that draw, so place
        # them now, and redraw everything if any box moved (the cached background would be stale).
        for ax in fig.axes:
            ax.apply_aspect()
        boxes = tuple(tuple(np.round(ax.get_position().bounds, 6)) for ax in fig.axes)
        key = (self._static_key(), dpi, boxes)
        for a in dynamic:
            a.set_animated(True)
        try:
            if self._background is None or key != self._background_key:
                canvas.draw()
                self._background = canvas.copy_from_bbox(fig.bbox)
                self._background_key = key
            else:
                canvas.restore_region(self._background)
            renderer = canvas.get_renderer()
            for a in dynamic:
                a.draw(renderer)
        finally:
            for a in dynamic:
                a.set_animated(False)
        return _encode_png(canvas, small=small)

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
        box = w.Box(list(self._widgets.values()), layout=w.Layout(flex_flow="row wrap"))
        self._panel = w.VBox([box, self._image])

    def _on_change(self, name, change):
        if not self._syncing:
            self.update(**{name: change["new"]})

    def _sync_widgets(self):
        if self._widgets is None:
            return
        self._syncing = True
        try:
            limits = self._slider_limits()
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
        """Both views: the live widget (Jupyter shows it) and the kernel-free HTML (the book shows it)."""
        bundle = {"text/plain": repr(self), "text/html": self.to_html()}
        try:
            live = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        except ImportError:  # no ipywidgets: the HTML fallback still works
            live = None
        if live:
            bundle.update({k: v for k, v in live.items() if k != "text/plain"})
        return bundle

    def to_html(self) -> str:
        """The kernel-free fallback: precomputed frames the reader drives in the browser.

        The controls named by :meth:`_fallback_axes` (or the ``fallback``
        argument) get HTML controls; the others keep their current values.
        The state is restored afterwards.
        """
        axes = self._fallback_override or self._fallback_axes()
        cache_key = (tuple(self._state.items()), tuple((k, tuple(v)) for k, v in axes.items()))
        if self._html_cache is not None and self._html_cache[0] == cache_key:
            return self._html_cache[1]
        names = list(axes)
        # the page opens on the explorer's current state, so make sure it is among the frames
        values = [_including(list(axes[n]), self._state.get(n)) for n in names]
        saved = dict(self._state)
        frames, index, order = [], {}, []
        seen = {}
        try:
            for combo in itertools.product(*values):
                self._state = {**saved, **dict(zip(names, combo))}
                self._apply()
                png = self.to_png(self.fallback_dpi, small=True)
                digest = hashlib.sha1(png).hexdigest()
                if digest not in seen:
                    seen[digest] = len(frames)
                    frames.append(base64.b64encode(png).decode("ascii"))
                key = "|".join(str(v) for v in combo)
                index[key] = seen[digest]
                order.append(key)
        finally:
            self._state = saved
            self._apply()
        start = "|".join(str(saved[n]) for n in names)
        if start not in index:
            start = order[0]
        page = _frames_html(
            names, values, frames, index, order, start, self.alt, play=len(order) > 1, labels=self._fallback_labels()
        )
        self._html_cache = (cache_key, page)
        return page

    def _fallback_labels(self) -> dict:
        return {name: spec.description or name for name, spec in self._specs.items()}


def _including(values: list, current) -> list:
    """``values`` with ``current`` added (in order, for numbers) if it is missing."""
    if current is None or current in values:
        return values
    if all(isinstance(v, numbers.Real) for v in [*values, current]):
        return sorted([*values, current])
    return [*values, current]


# The fallback is a small self-contained HTML/JS frame selector rather than
# matplotlib's ``FuncAnimation.to_jshtml()``: several controls must work
# together (e.g. kernel size AND stride AND padding), while ``to_jshtml`` has
# a single frame axis; and frames are palette-quantised PNGs so a page stays
# small. The script finds its own container through ``document.currentScript``
# (no ids, so an explorer may be shown twice on a page) and needs no library,
# no kernel and no network.
_FALLBACK_JS = """
(function () {
  var root = document.currentScript.parentElement;
  var data = JSON.parse(root.querySelector("script[type='application/json']").textContent);
  var img = root.querySelector("img");
  var inputs = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
  var outs = Array.prototype.slice.call(root.querySelectorAll("[data-out]"));
  function key() {
    return inputs.map(function (el, i) { return data.values[i][+el.value]; }).join("|");
  }
  function show() {
    var k = key();
    img.src = "data:image/png;base64," + data.frames[data.index[k]];
    img.setAttribute("data-key", k);
    outs.forEach(function (el, i) { el.textContent = data.values[i][+inputs[i].value]; });
  }
  function set(k) {
    var parts = k.split("|");
    inputs.forEach(function (el, i) { el.value = data.values[i].map(String).indexOf(parts[i]); });
    show();
  }
  inputs.forEach(function (el) {
    el.addEventListener("input", show);
    el.addEventListener("change", show);
  });
  var button = root.querySelector("button");
  var timer = null;
  if (button) {
    button.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; button.textContent = "\\u25B6 play"; return; }
      var pos = data.order.indexOf(key());
      button.textContent = "\\u275A\\u275A pause";
      timer = setInterval(function () { pos = (pos + 1) % data.order.length; set(data.order[pos]); }, 450);
    });
  }
  set(data.start);
})();
"""


def _frames_html(names, values, frames, index, order, start, alt, *, play, labels) -> str:
    """HTML of the kernel-free fallback (see the comment above ``_FALLBACK_JS``)."""
    start_parts = start.split("|")
    rows = []
    for i, (name, vals) in enumerate(zip(names, values)):
        label = html.escape(labels.get(name, name))
        current = [str(v) for v in vals].index(start_parts[i])
        if all(isinstance(v, int) for v in vals):
            control = (
                f'<input type="range" data-control min="0" max="{len(vals) - 1}" step="1" value="{current}" '
                f'aria-label="{label}" style="vertical-align:middle">'
            )
        else:
            options = "".join(
                f'<option value="{j}"{" selected" if j == current else ""}>{html.escape(str(v))}</option>'
                for j, v in enumerate(vals)
            )
            control = f'<select data-control aria-label="{label}">{options}</select>'
        rows.append(
            f'<label style="margin-right:1.2em;white-space:nowrap">{label} {control} '
            f'<output data-out style="display:inline-block;min-width:3.5em">{html.escape(start_parts[i])}</output></label>'
        )
    button = '<button type="button" style="margin-right:1em">\u25b6 play</button>' if play else ""
    payload = json.dumps(
        {
            "values": [[str(v) for v in vals] for vals in values],
            "frames": frames,
            "index": index,
            "order": order,
            "start": start,
        }
    ).replace("</", "<\\/")
    first = frames[index[start]]
    return (
        '<div class="convutil-explorer" style="font-family:sans-serif;font-size:0.9em">'
        f'<div style="margin-bottom:0.4em">{button}{"".join(rows)}</div>'
        f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{first}" style="max-width:100%">'
        '<div style="font-size:0.85em;font-style:italic">Precomputed frames: move the controls (no kernel needed). '
        "Run the notebook for every control.</div>"
        f'<script type="application/json">{payload}</script>'
        f"<script>{_FALLBACK_JS}</script>"
        "</div>"
    )


# --------------------------------------------------------------------------- conv explorer


def _default_conv_inputs():
    x = np.stack([pattern("cross", 8, width=2), pattern("diagonal", 8), pattern("ring", 8)])
    rng = np.random.default_rng(0)
    weight = rng.integers(-2, 3, size=(2, 3, 3, 3)).astype(float)
    return x, weight, np.array([0.5, -1.0])


class ConvExplorer(Explorer):
    """Pick an output map, a pixel, stride, padding and dilation; see the sum that makes the pixel.

    Built by :func:`conv_explorer`; the figure is a :class:`convutil.viz.ReceptiveFieldView`.
    """

    alt = (
        "Receptive-field view of a convolution: for one output pixel, the window on every input map, "
        "the kernel slice for each map, their products, the partial sums, the bias and the total, "
        "next to the output map with the pixel outlined."
    )

    def __init__(self, x, weight, bias, *, state, max_stride, max_padding, max_dilation, fallback):
        self.view = viz.ReceptiveFieldView(x, weight, bias, max_padding=max_padding, annotate_products=False)
        self.x, self.weight = self.view.x, self.view.weight
        h, w = self.x.shape[1:]
        kh, kw = self.weight.shape[2:]
        max_out = (max(h + 2 * max_padding - kh + 1, 1), max(w + 2 * max_padding - kw + 1, 1))
        controls = [
            Control("out_channel", tuple(range(self.weight.shape[0])), "output map"),
            Control("row", tuple(range(max_out[0]))),
            Control("col", tuple(range(max_out[1]))),
            Control("stride", tuple(range(1, max_stride + 1))),
            Control("padding", tuple(range(0, max_padding + 1))),
            Control("dilation", tuple(range(1, max_dilation + 1))),
        ]
        self.output_size = None
        super().__init__(self.view.figure, controls, state, fallback)

    def _conv_kwargs(self):
        s = self._state
        return {"stride": s["stride"], "padding": s["padding"], "dilation": s["dilation"]}

    def _apply(self):
        s = self._state
        h, w = self.x.shape[1:]
        kh, kw = self.weight.shape[2:]
        try:
            out = (
                conv_output_size(h, kh, s["stride"], s["padding"], s["dilation"]),
                conv_output_size(w, kw, s["stride"], s["padding"], s["dilation"]),
            )
        except ValueError:
            # the first dimension in which the dilated kernel does not fit the padded input
            dim, n, k = next(
                (name, n, k)
                for name, n, k in (("rows", h, kh), ("columns", w, kw))
                if n + 2 * s["padding"] < s["dilation"] * (k - 1) + 1
            )
            self.output_size = (0, 0)
            self.message = (
                f"out[{s['out_channel']}, {s['row']}, {s['col']}] with stride {s['stride']}, padding {s['padding']}, "
                f"dilation {s['dilation']}: no output.\n"
                f"The dilated kernel spans {s['dilation'] * (k - 1) + 1} {dim}, more than the padded input\n"
                f"({n} + 2*{s['padding']} = {n + 2 * s['padding']}). Lower the dilation or add padding."
            )
            self.view.show_message(self.message)
            return
        self.output_size = out
        s["row"] = min(s["row"], out[0] - 1)
        s["col"] = min(s["col"], out[1] - 1)
        self.message = ""
        self.view.set(out_channel=s["out_channel"], row=s["row"], col=s["col"], **self._conv_kwargs())

    def _static_key(self):
        s = self._state
        return (s["out_channel"], s["stride"], s["padding"], s["dilation"], self.message)

    def _dynamic_artists(self):
        return self.view.dynamic

    def _slider_limits(self):
        if not self.output_size or self.output_size[0] == 0:
            return {}
        return {"row": self.output_size[0] - 1, "col": self.output_size[1] - 1}

    def _fallback_axes(self):
        if not self.output_size or self.output_size[0] == 0:
            return {"padding": list(self._specs["padding"].values)}
        rows, cols = range(self.output_size[0]), range(self.output_size[1])
        # every pixel if that is few enough frames, else a coarser grid
        step = 1
        while len(rows[::step]) * len(cols[::step]) > MAX_FRAMES // 2:
            step += 1
        return {"row": list(rows[::step]), "col": list(cols[::step])}

    def rebuild(self):
        return conv_explorer(self.x, self.weight, self.view.bias, **self._state)


def conv_explorer(
    x=None,
    weight=None,
    bias=None,
    *,
    out_channel: int = 0,
    row: int = 0,
    col: int = 0,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    max_stride: int = 3,
    max_padding: int = 2,
    max_dilation: int = 3,
    fallback: dict | None = None,
) -> ConvExplorer:
    """Explore how one output pixel of a convolution layer is computed.

    Controls: ``out_channel``, ``row``, ``col``, ``stride``, ``padding``,
    ``dilation``. The figure is :func:`convutil.viz.plot_receptive_field`'s:
    the window on every input map, each kernel slice, each partial sum, the
    bias, the total, and the output map with the pixel outlined. ``row`` and
    ``col`` are clamped to the output; a setting with no output shows why.

    Parameters
    ----------
    x : array_like, shape (C_in, H, W), optional
        Default: three 8x8 patterns (a cross, a diagonal, a ring).
    weight : array_like, shape (C_out, C_in, kH, kW), optional
        Default: two 3x3x3 filters of small integers (seeded).
    bias : array_like, shape (C_out,), optional
    out_channel, row, col, stride, padding, dilation : int
        Initial control values.
    max_stride, max_padding, max_dilation : int
        Upper ends of the sliders.
    fallback : dict, optional
        Control name -> values precomputed for the kernel-free HTML view
        (default: every output pixel, a "play" button sweeps them).

    Returns
    -------
    ConvExplorer

    Examples
    --------
    >>> ex = conv_explorer()
    >>> ex.update(row=3, col=2, padding=1).state["row"]
    3
    >>> ex.update(stride=3).state["row"]        # clamped to the 3x3 output
    2
    >>> round(ex.view.rf.total, 6) == round(float(ex.view.out[2, 2]), 6)
    True
    """
    if x is None and weight is None:
        x, weight, default_bias = _default_conv_inputs()
        bias = default_bias if bias is None else bias
    elif x is None or weight is None:
        raise TypeError("conv_explorer needs both x and weight, or neither (for the default example)")
    state = {
        "out_channel": out_channel,
        "row": row,
        "col": col,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }
    return ConvExplorer(
        x,
        weight,
        bias,
        state=state,
        max_stride=as_int(max_stride, "max_stride", minimum=1),
        max_padding=as_int(max_padding, "max_padding", minimum=0),
        max_dilation=as_int(max_dilation, "max_dilation", minimum=1),
        fallback=fallback,
    )


# --------------------------------------------------------------------------- type comparer

KINDS = ("type1", "type2.1", "type2.2", "depthwise", "grouped")
"""The layer kinds :func:`type_comparer` compares."""


DEFAULT_PATTERNS = ("cross", "ring", "diagonal", "corner", "bars", "letter")
"""The input maps of :func:`type_comparer` by default: shapes that stay recognisable after filtering."""


def layer_outputs(x, k2: int, kernel_size: int, kind: str, groups: int = 1, *, seed: int = 0):
    """The output stack, parameter count and MAC count of one second layer of the given kind.

    The kernels are drawn from ``np.random.default_rng(seed)`` at the largest
    size (6 filters x 6 input maps) and sliced, so changing ``k2`` keeps the
    kernels already shown. Padding ``kernel_size // 2`` keeps the map size.

    Returns
    -------
    (y, params, macs, c_out_arg)
        ``y`` the output stack; ``c_out_arg`` what :func:`convutil.viz.connection_table`
        takes as ``c_out`` for this kind.

    Raises
    ------
    ValueError
        For ``"grouped"`` when ``groups`` does not divide ``k1`` and ``k2``.
    """
    x = as_float_array(x, "x", (3,))
    k1, h, w = x.shape
    ks = kernel_size
    rng = np.random.default_rng([seed, ks])
    full = rng.normal(size=(max(k2, 6), max(k1, 6), ks, ks)) / ks
    pad = ks // 2
    hw = (h, w)
    if kind == "type1":
        y = conv_type1(x, full[:k2, 0], padding=pad)
        return y, conv_params(1, k2, ks), conv_macs(k1, k1 * k2, ks, hw, groups=k1), k2
    if kind == "type2.1":
        y = conv_type2_1(x, full[:k2, 0], padding=pad)
        return y, conv_params(1, k2, ks), conv_macs(k1, k2, ks, hw), k2
    if kind == "type2.2":
        y = conv2d(x, full[:k2, :k1], padding=pad)
        return y, conv_params(k1, k2, ks), conv_macs(k1, k2, ks, hw), k2
    if kind == "depthwise":
        weight = full[:k2, :k1].transpose(1, 0, 2, 3).reshape(k1 * k2, 1, ks, ks)  # map c*k2 + m
        y = conv2d(x, weight, padding=pad, groups=k1)
        return y, conv_params(k1, k1 * k2, ks, groups=k1), conv_macs(k1, k1 * k2, ks, hw, groups=k1), k1 * k2
    if kind == "grouped":
        if k1 % groups or k2 % groups:
            raise ValueError(f"groups={groups} must divide both k1={k1} and k2={k2}")
        y = conv2d(x, full[:k2, : k1 // groups], padding=pad, groups=groups)
        return y, conv_params(k1, k2, ks, groups=groups), conv_macs(k1, k2, ks, hw, groups=groups), k2
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


_FORMULAS = {
    "type1": ("k2*k*k + k2", "k1*k2*H*W*k*k"),
    "type2.1": ("k2*k*k + k2", "k2*H*W*k1*k*k (map by map)"),
    "type2.2": ("k2*k1*k*k + k2", "k2*H*W*k1*k*k"),
    "depthwise": ("k1*k2*k*k + k1*k2", "k1*k2*H*W*k*k"),
    "grouped": ("k2*(k1/g)*k*k + k2", "k2*H*W*(k1/g)*k*k"),
}
"""Parameter and multiply-accumulate formulas shown by :func:`type_comparer` (H, W: output size)."""


class TypeComparer(Explorer):
    """Compare what type 1 / 2.1 / 2.2 / depthwise / grouped layers make of the same ``k1`` maps.

    Built by :func:`type_comparer`.
    """

    alt = (
        "Type comparer: on the left the k1 input feature maps, in the middle the connection diagram of the "
        "chosen layer kind (one colour per 2D kernel), on the right the output maps, with the output shape, "
        "parameter count and multiply-accumulate count written below."
    )

    def __init__(self, x, *, state, max_k, fallback):
        self.x = x
        self.max_k = max_k
        fig = Figure(figsize=(viz._DISPLAY_WIDTH, 5.4))
        self.ax_in = fig.add_axes((0.01, 0.19, 0.19, 0.6))
        self.ax_links = fig.add_axes((0.27, 0.19, 0.26, 0.6))
        self.ax_out = fig.add_axes((0.58, 0.19, 0.41, 0.6))
        # map indices are written once, next to the connection diagram's nodes
        self.in_view = viz.StackView(self.ax_in, ncols=2, labels=False, fixed_box=True)
        fig.text(0.785, 0.885, "output maps", ha="center", va="bottom", fontsize=viz._font("title", fig))
        self.links = viz.ConnectionsView(self.ax_links)
        self.links.title.set_visible(False)  # the figure's title says what the kind does
        self.out_view = viz.StackView(self.ax_out, labels=False, fixed_box=True)  # the box never moves
        self.title = fig.text(0.5, 0.985, "", ha="center", va="top", fontsize=viz._font("title", fig))
        # the numbers this explorer is about: as large as any label
        self.info = fig.text(
            0.01, 0.015, "", ha="left", va="bottom", fontsize=viz._font("large", fig), family="monospace"
        )
        self.notice = fig.text(
            0.74,
            0.5,
            "",
            ha="center",
            va="center",
            fontsize=viz._font("large", fig),
            bbox={"facecolor": "white", "edgecolor": viz.HIGHLIGHT},
        )
        self.output = None
        controls = [
            Control("k1", tuple(range(1, min(max_k, x.shape[0]) + 1)), "k1 (maps in)"),
            Control("k2", tuple(range(1, max_k + 1)), "k2 (filters)"),
            Control("kernel_size", (1, 3, 5), "kernel"),
            Control("kind", KINDS, "type"),
            Control("groups", tuple(range(1, max_k + 1)), "groups"),
        ]
        super().__init__(fig, controls, state, fallback)

    def _apply(self):
        s = self._state
        k1, k2, ks, kind, g = s["k1"], s["k2"], s["kernel_size"], s["kind"], s["groups"]
        x = self.x[:k1]
        h, w = x.shape[1:]
        if self.in_view.maps is None or len(self.in_view.maps) != k1:  # the input only changes with k1
            self.in_view.set(x, title="input maps")
        try:
            y, params, macs, c_out = layer_outputs(x, k2, ks, kind, g)
        except ValueError as err:
            self.message = f"{err}:\nchoose groups that divide both."
            self.output = None
            self.notice.set_text(self.message)
            self.notice.set_visible(True)
            self.info.set_text("")
            self.title.set_text(
                f"grouped, {ks}x{ks} kernels: groups must divide k1 and k2\n(k1={k1}, k2={k2}, groups={g})"
            )
            for im in self.out_view.images:
                im.set_alpha(0.15)
            return
        self.message = ""
        self.notice.set_visible(False)
        for im in self.out_view.images:
            im.set_alpha(None)
        self.output = y
        self.params, self.macs = params, macs
        self.links.set(k1, c_out, kind=kind, groups=g if kind == "grouped" else 1)
        # type 1 and depthwise: one row per input map, so each row shows what became of that map
        # the others: a near-square grid, so the maps are as large as the panel allows
        self.out_view.ncols = k2 if kind in ("type1", "depthwise") else int(np.ceil(np.sqrt(y.shape[0])))
        self.out_view.set(y)  # one line, "shape (C, H, W)"; the panel's name is static text
        p_formula, m_formula = _FORMULAS[kind]
        self.info.set_text(f"parameters {params:,} = {p_formula}\nMACs {macs:,} = {m_formula}")
        names = {
            "type1": "type 1",
            "type2.1": "type 2.1",
            "type2.2": "type 2.2",
            "depthwise": "depthwise",
            "grouped": f"grouped, groups={g}",
        }
        # every control shows in the picture, so no control of the kernel-free view ever looks dead
        unused = "" if kind == "grouped" else f"  (groups={g}: only 'grouped' uses it)"
        what = viz._KIND_TITLES[kind].split("\n")[-1]
        self.title.set_text(f"{names[kind]}: k1={k1}, k2={k2}, {ks}x{ks} kernels\n{what}{unused}")

    def _fallback_axes(self):
        k2 = [v for v in (2, 4, 6) if v <= self.max_k] or [self._state["k2"]]
        return {"kind": list(KINDS), "k2": k2}

    def rebuild(self):
        return type_comparer(self.x, max_k=self.max_k, **self._state)

    def _static_key(self):
        return (self._state["k1"], self._state["kind"], self.message)

    def _dynamic_artists(self):
        # what changes with k2, kernel_size and groups; k1 and kind changes redraw everything
        view, links = self.out_view, self.links
        return [
            *view.images,
            *view.frames,
            view.title,
            links.lines,
            links.in_nodes,  # their size depends on the number of output maps too
            links.out_nodes,
            *links.out_labels,
            links.headers[1],
            links.note,
            self.title,
            self.info,
            self.notice,
        ]


def type_comparer(
    x=None,
    *,
    k1: int = 4,
    k2: int = 4,
    kernel_size: int = 3,
    kind: str = "type2.2",
    groups: int = 2,
    max_k: int = 6,
    size: int = 16,
    fallback: dict | None = None,
) -> TypeComparer:
    """Compare the candidate layers on the same ``k1`` feature maps.

    The first ``k1`` maps of ``x`` go into a second layer of kind
    ``"type1"``, ``"type2.1"``, ``"type2.2"``, ``"depthwise"`` (channel
    multiplier ``k2``) or ``"grouped"`` (``groups``). The figure shows the
    input maps, the connection diagram (one colour per 2D kernel) and the
    output stack; the text gives its shape, the parameter count
    (:func:`convutil.conv_params`) and the multiply-accumulates
    (:func:`convutil.conv_macs`). The kernels come from :func:`layer_outputs`.

    Parameters
    ----------
    x : array_like, shape (K, H, W), optional
        The available input maps (``k1`` goes up to ``K``). Default: the
        patterns :data:`DEFAULT_PATTERNS` of :func:`convutil.data.pattern` at ``size``,
        so that one can see which input shapes end up in which output map.
    k1, k2, kernel_size, kind, groups
        Initial control values (``kernel_size`` in 1, 3, 5).
    max_k : int, default 6
        Largest ``k1``, ``k2`` and ``groups``.
    size : int, default 16
        Size of the default patterns.
    fallback : dict, optional
        Controls precomputed for the kernel-free view (default: every kind x k2 in 2, 4, 6).

    Returns
    -------
    TypeComparer

    Examples
    --------
    >>> tc = type_comparer(k1=3, k2=4)
    >>> tc.update(kind="type1").output.shape
    (12, 16, 16)
    >>> tc.update(kind="grouped", groups=2).message != ""     # 2 does not divide k1 = 3
    True
    """
    if x is None:
        n = as_int(size, "size", minimum=3)
        x = np.stack([pattern(name, n, char="T") for name in DEFAULT_PATTERNS])
    x = as_float_array(x, "x", (3,))
    if 0 in x.shape or min(x.shape[1:]) < 1:
        raise ValueError(f"x must be a non-empty (K, H, W) stack, got shape {x.shape}")
    state = {"k1": k1, "k2": k2, "kernel_size": kernel_size, "kind": kind, "groups": groups}
    return TypeComparer(x, state=state, max_k=as_int(max_k, "max_k", minimum=1), fallback=fallback)


# --------------------------------------------------------------------------- output size


class OutputSizeExplorer(Explorer):
    """The output-size formula with numbers and the windows along one dimension.

    Built by :func:`output_size_explorer`.
    """

    alt = (
        "Output-size explorer: one row of input pixels with the padding at both ends, and below it every "
        "window the kernel takes (its taps marked), with the formula for the output length filled in."
    )

    def __init__(self, *, state, max_n, fallback):
        self.max_n = max_n
        fig = Figure(figsize=(viz._DISPLAY_WIDTH, 4.6))
        self.ax = ax = fig.add_axes((0.02, 0.02, 0.96, 0.7))
        ax.set_axis_off()
        ax.set_autoscale_on(False)  # limits come from viz.fill_box: square cells, the box never moves
        self.label_size = viz._font("small", fig)
        self.input_label = ax.text(0, 0, "input", ha="right", va="center", fontsize=self.label_size)
        self.cells = PolyCollection([], edgecolors="0.3", linewidths=0.8)
        self.taps = PolyCollection([], facecolors=viz.HIGHLIGHT, edgecolors="black", linewidths=0.6)
        self.spans = LineCollection([], colors="0.35", linewidths=1.0)
        for artist in (self.cells, self.spans, self.taps):
            ax.add_collection(artist)
        self.labels = []
        fig.text(
            0.02,
            0.97,
            "n_out = floor((n + 2p - d(k-1) - 1) / s) + 1",
            ha="left",
            va="top",
            fontsize=viz._font("large", fig),
            family="monospace",
        )
        self.formula = fig.text(
            0.02, 0.915, "", ha="left", va="top", fontsize=viz._font("large", fig), family="monospace"
        )
        fig.text(
            0.02,
            0.735,
            "grey: padding   blue: input pixels some window uses\n"
            "red edge: input pixels no window uses   orange: the kernel's taps, one row per output position",
            ha="left",
            va="bottom",
            fontsize=viz._font("small", fig),
            color="0.25",
        )
        self.output_size = None
        controls = [
            Control("n", tuple(range(1, max_n + 1)), "n (input)"),
            Control("k", tuple(range(1, 8)), "k (kernel)"),
            Control("s", tuple(range(1, 5)), "s (stride)"),
            Control("p", tuple(range(0, 4)), "p (padding)"),
            Control("d", tuple(range(1, 4)), "d (dilation)"),
        ]
        super().__init__(fig, controls, state, fallback)

    def _label(self, i):
        while len(self.labels) <= i:
            self.labels.append(self.ax.text(0, 0, "", ha="right", va="center", fontsize=self.label_size))
        return self.labels[i]

    def _apply(self):
        n, k, s, p, d = (self._state[c] for c in ("n", "k", "s", "p", "d"))
        span = d * (k - 1) + 1
        numerator = n + 2 * p - d * (k - 1) - 1
        try:
            out = conv_output_size(n, k, s, p, d)
        except ValueError:
            out = 0
        self.output_size = out
        line2 = f"      = floor(({n} + 2*{p} - {d}*({k}-1) - 1) / {s}) + 1 = floor({numerator}/{s}) + 1"
        if out:
            self.message = ""
            line2 += f" = {out}"
        else:
            self.message = (
                f"no output: the kernel spans d(k-1)+1 = {span} pixels but the padded input has only n+2p = {n + 2 * p}"
            )
            line2 += f" = {numerator // s + 1}"
        total = n + 2 * p
        xs = np.arange(total) - p
        taps = np.arange(out)[:, None] * s + d * np.arange(k)[None, :]  # (out, k) positions in the padded row
        covered = np.zeros(total, bool)
        covered[taps.ravel()] = True
        taps = taps - p
        rows = np.repeat(np.arange(1, out + 1), k)
        self.cells.set_verts(_squares(xs, np.zeros(total)))
        pad = (xs < 0) | (xs >= n)
        colors = np.where(pad, "0.88", np.where(covered, "#56B4E9", "white"))
        self.cells.set_facecolors(list(colors))
        edge = np.where(~pad & ~covered, "#D55E00", "0.3")
        self.cells.set_edgecolors(list(edge))
        self.taps.set_verts(_squares(taps.ravel(), rows * 1.0, size=0.7))
        self.spans.set_segments([[(t[0], r), (t[-1], r)] for t, r in zip(taps, range(1, out + 1))])
        for i in range(max(out, len(self.labels))):
            label = self._label(i)
            label.set_visible(i < out)
            if i < out:
                label.set_text(f"out {i}")
                label.set_position((-p - 0.8, i + 1))
        self.unused = int((~pad & ~covered).sum())
        note = f"{self.unused} input pixel(s) never used by any window (red edge)" if out and self.unused else ""
        self.formula.set_text(f"{line2}\n{self.message or note}")
        self.input_label.set_position((-p - 0.8, 0))
        viz.fill_box(self.ax, -p - 3.0, max(n + p, 8) + 0.5, -0.8, max(out, 4) + 0.8)

    def _static_key(self):
        return ()  # only the legend is static; everything else is redrawn over it

    def _dynamic_artists(self):
        return [self.cells, self.spans, self.taps, *self.labels, self.input_label, self.formula]

    def _fallback_axes(self):
        return {"k": [1, 2, 3, 4, 5], "s": [1, 2, 3], "p": [0, 1, 2], "d": [1, 2]}

    def rebuild(self):
        return output_size_explorer(max_n=self.max_n, **self._state)


def _squares(x, y, size=0.9):
    """Vertices of squares of side ``size`` centred on (x, y), for a PolyCollection."""
    x = np.asarray(x, float)[:, None]
    y = np.asarray(y, float)[:, None]
    h = size / 2
    dx = np.array([-h, h, h, -h])
    dy = np.array([-h, -h, h, h])
    return np.stack([x + dx, y + dy], axis=-1)


def output_size_explorer(
    *, n: int = 7, k: int = 3, s: int = 1, p: int = 0, d: int = 1, max_n: int = 12, fallback: dict | None = None
) -> OutputSizeExplorer:
    """Explore ``floor((n + 2p - d(k-1) - 1) / s) + 1`` with a picture of the windows.

    Controls: ``n`` (input length), ``k`` (kernel), ``s`` (stride),
    ``p`` (padding), ``d`` (dilation). The figure draws the padded input row,
    every window's taps, and marks input pixels that no window uses. Settings
    with no output say so.

    Returns
    -------
    OutputSizeExplorer

    Examples
    --------
    >>> ex = output_size_explorer(n=7, k=3, s=2, p=1)
    >>> ex.output_size
    4
    >>> ex.update(n=1, k=7, p=0).output_size, ex.message != ""
    (0, True)
    """
    state = {"n": n, "k": k, "s": s, "p": p, "d": d}
    return OutputSizeExplorer(state=state, max_n=as_int(max_n, "max_n", minimum=1), fallback=fallback)


# --------------------------------------------------------------------------- pooling


class PoolingExplorer(Explorer):
    """Pooling works on every map alone: the same window on each map, one value out per map.

    Built by :func:`pooling_explorer`.
    """

    alt = (
        "Pooling explorer: the input maps on top with the same pooling window outlined on each, the pooled "
        "maps below with the resulting pixel outlined; the number of maps does not change."
    )

    def __init__(self, x, *, state, max_padding, fallback):
        self.x = x
        c, h, w = x.shape
        self.n_show = min(c, 4)
        fig = Figure(figsize=(min(2.3 * self.n_show + 0.6, viz._DISPLAY_WIDTH), 5.4))
        gs = fig.add_gridspec(2, self.n_show, left=0.03, right=0.97, top=0.8, bottom=0.03, hspace=0.3, wspace=0.12)
        cmap, lo, hi = viz.color_limits(x)
        self.in_images, self.out_images, self.windows, self.marks, self.values = [], [], [], [], []
        for i in range(self.n_show):
            ax_in = fig.add_subplot(gs[0, i])
            ax_out = fig.add_subplot(gs[1, i])
            for ax in (ax_in, ax_out):
                ax.set_axis_off()
            self.in_images.append(ax_in.imshow(x[i], cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest"))
            ax_in.set_xlim(-max_padding - 0.5, w + max_padding - 0.5)
            ax_in.set_ylim(h + max_padding - 0.5, -max_padding - 0.5)
            ax_in.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, edgecolor="0.5", linestyle="--", linewidth=0.6))
            viz._title(ax_in, f"input map {i}", "base")
            self.out_images.append(
                ax_out.imshow(np.zeros((1, 1)), cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
            )
            win = Rectangle((0, 0), 1, 1, fill=False, edgecolor=viz.HIGHLIGHT, linewidth=1.8, path_effects=viz._HALO)
            mark = Rectangle((0, 0), 1, 1, fill=False, edgecolor=viz.HIGHLIGHT, linewidth=1.8, path_effects=viz._HALO)
            ax_in.add_patch(win)
            ax_out.add_patch(mark)
            self.windows.append(win)
            self.marks.append(mark)
            self.values.append(viz._title(ax_out, "", "base"))
        self.title = fig.text(0.5, 0.98, "", ha="center", va="top", fontsize=viz._font("title", fig))
        self.notice = fig.text(
            0.5,
            0.3,
            "",
            ha="center",
            va="center",
            fontsize=viz._font("large", fig),
            bbox={"facecolor": "white", "edgecolor": viz.HIGHLIGHT},
        )
        self.output = None
        max_out = (h + 2 * max_padding, w + 2 * max_padding)
        controls = [
            Control("mode", ("max", "avg"), "pooling"),
            Control("kernel_size", (1, 2, 3, 4), "kernel"),
            Control("stride", (1, 2, 3, 4), "stride"),
            Control("padding", tuple(range(max_padding + 1)), "padding"),
            Control("row", tuple(range(max_out[0]))),
            Control("col", tuple(range(max_out[1]))),
        ]
        self.max_padding = max_padding
        super().__init__(fig, controls, state, fallback)

    def _apply(self):
        s = self._state
        c, h, w = self.x.shape
        k, st, p = s["kernel_size"], s["stride"], s["padding"]
        pool = max_pool2d if s["mode"] == "max" else avg_pool2d
        if 2 * p > k:
            self.message = f"padding {p} is more than half the kernel ({k}): pooling allows at most {k // 2}"
        elif min(h, w) + 2 * p < k:
            self.message = f"the {k}x{k} window does not fit in the padded {h + 2 * p}x{w + 2 * p} maps"
        else:
            self.message = ""
        if self.message:
            self.output = None
            self.notice.set_text(self.message)
            self.notice.set_visible(True)
            for artist in (*self.out_images, *self.marks, *self.windows, *self.values):
                artist.set_visible(False)
            self.title.set_text(
                f"{s['mode']} pooling, kernel {k}, stride {st}, padding {p}: no output (pixel {s['row']}, {s['col']})"
            )
            return
        self.notice.set_visible(False)
        y = pool(self.x, k, stride=st, padding=p)
        self.output = y
        oh, ow = y.shape[1:]
        s["row"] = min(s["row"], oh - 1)
        s["col"] = min(s["col"], ow - 1)
        r0, c0 = s["row"] * st - p, s["col"] * st - p
        for i in range(self.n_show):
            self.out_images[i].set_data(y[i])
            self.out_images[i].set_extent((-0.5, ow - 0.5, oh - 0.5, -0.5))
            ax = self.out_images[i].axes
            ax.set_xlim(-0.5, ow - 0.5)
            ax.set_ylim(oh - 0.5, -0.5)
            self.windows[i].set_bounds(c0 - 0.5, r0 - 0.5, k, k)
            self.marks[i].set_xy((s["col"] - 0.5, s["row"] - 0.5))
            self.values[i].set_text(f"{s['mode']} of window\n= {y[i, s['row'], s['col']]:.2f}")
            for artist in (self.out_images[i], self.marks[i], self.windows[i], self.values[i]):
                artist.set_visible(True)
        more = "" if self.n_show == c else f" (first {self.n_show} drawn)"
        self.title.set_text(
            f"{s['mode']}_pool2d(kernel {k}, stride {st}, padding {p}): {viz._shape_text(self.x.shape)} -> "
            f"{viz._shape_text(y.shape)}{more}\nevery map pooled on its own: {c} maps in, {y.shape[0]} maps out"
        )

    def _static_key(self):
        s = self._state
        return (s["mode"], s["kernel_size"], s["stride"], s["padding"], self.message)

    def _dynamic_artists(self):
        return [*self.windows, *self.marks, *self.values]

    def _slider_limits(self):
        if self.output is None:
            return {}
        return {"row": self.output.shape[1] - 1, "col": self.output.shape[2] - 1}

    def _fallback_axes(self):
        return {"mode": ["max", "avg"], "kernel_size": [1, 2, 3, 4], "stride": [1, 2, 3]}

    def rebuild(self):
        return pooling_explorer(self.x, max_padding=self.max_padding, **self._state)


def pooling_explorer(
    x=None,
    *,
    mode: str = "max",
    kernel_size: int = 2,
    stride: int = 2,
    padding: int = 0,
    row: int = 0,
    col: int = 0,
    max_padding: int = 2,
    fallback: dict | None = None,
) -> PoolingExplorer:
    """Explore max and average pooling: every map pooled alone, the channel count unchanged.

    Controls: ``mode`` ("max" or "avg"), ``kernel_size``, ``stride``,
    ``padding``, and the output pixel ``row``, ``col`` whose window is
    outlined on every input map. Settings PyTorch rejects (padding more than
    half the kernel, a window larger than the padded map) show a message.

    Parameters
    ----------
    x : array_like, shape (C, H, W), optional
        Default: the colour portrait of :func:`convutil.data.sample_image`, 3 maps of 16x16.

    Returns
    -------
    PoolingExplorer

    Examples
    --------
    >>> ex = pooling_explorer()
    >>> ex.output.shape                      # 3 maps in, 3 maps out
    (3, 8, 8)
    >>> ex.update(kernel_size=1, padding=1).message != ""
    True
    """
    if x is None:
        x = sample_image(16, color=True)
    x = as_float_array(x, "x", (3,))
    if 0 in x.shape:
        raise ValueError(f"x must not have an empty dimension, got shape {x.shape}")
    state = {"mode": mode, "kernel_size": kernel_size, "stride": stride, "padding": padding, "row": row, "col": col}
    return PoolingExplorer(x, state=state, max_padding=as_int(max_padding, "max_padding", minimum=0), fallback=fallback)
