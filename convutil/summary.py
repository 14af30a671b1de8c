"""A summary table of a small network: output shape, parameters and MACs per layer.

In the spirit of torchinfo's ``summary``: describe a network as a list of
layer specifications, give the shape of one input example, and get back one row
per layer with the shape of the volume it produces, its learned parameters and
its multiply-accumulates (MACs), plus the totals.

Shapes come from :func:`convutil.conv_output_size`, parameters from
:func:`convutil.conv_params` and MACs from :func:`convutil.conv_macs`; with
``run=True`` the network is also *run* (with :func:`forward`, i.e. with
:func:`convutil.conv2d` and the pooling functions, on seeded random weights)
and every computed shape is compared with the shape that actually came out.

Layer specifications
--------------------
:class:`Conv2d`, :class:`MaxPool2d`, :class:`AvgPool2d`, :class:`ReLU`,
:class:`Flatten` and :class:`Linear`, named after the PyTorch modules they
mirror. A convolution needs no ``c_in``: it is read from the volume that
arrives, as a layer in a real network would have it.

MACs count the multiply-accumulates of convolution and linear layers (weights
times inputs), as torchinfo's "Mult-Adds" do; pooling and ReLU compare or add
and count 0. Biases are parameters but not MACs.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, fields

import numpy as np

from ._validate import as_float_array, as_int, as_tuple
from .core import avg_pool2d, conv2d, conv_output_size, max_pool2d
from .counting import conv_macs, conv_params

__all__ = [
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "ReLU",
    "Flatten",
    "Linear",
    "Summary",
    "SummaryRow",
    "summary",
    "init_params",
    "forward",
]


class _Spec:
    """Common behaviour of the layer specifications: a short readable repr."""

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple) and len(set(value)) == 1:
                value = value[0]
            if f.name == "name" or value == f.default:
                continue
            shown.append(f"{value!r}" if f.name in ("c_out", "out_features") else f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @property
    def label(self) -> str:
        """The layer's repr, after its name if it has one (``"C1: Conv2d(6, kernel_size=5)"``)."""
        return f"{self.name}: {self!r}" if self.name else repr(self)


@dataclass(frozen=True, repr=False)
class Conv2d(_Spec):
    """A convolution layer (type 2.2): ``c_out`` filters, each as deep as the input volume.

    Parameters
    ----------
    c_out : int
        Number of filters = number of output feature maps.
    kernel_size : int or (int, int)
    stride, dilation : int or (int, int), default 1
    padding : int or (int, int), default 0
        Zeros on each side (``"same"`` is not accepted here: give the number).
    groups : int, default 1
    bias : bool, default True
    name : str, optional
        A label for the table, e.g. ``"C1"``.

    Examples
    --------
    >>> Conv2d(6, 5, padding=2)
    Conv2d(6, kernel_size=5, padding=2)
    """

    c_out: int
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    groups: int = 1
    bias: bool = True
    name: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "c_out", as_int(self.c_out, "Conv2d c_out", minimum=1))
        object.__setattr__(self, "groups", as_int(self.groups, "Conv2d groups", minimum=1))
        for arg, minimum in (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 1)):
            object.__setattr__(self, arg, as_tuple(getattr(self, arg), f"Conv2d {arg}", 2, minimum=minimum))
        if not isinstance(self.bias, bool):
            raise TypeError(f"Conv2d bias must be True or False, got {self.bias!r}")
        if self.c_out % self.groups:
            raise ValueError(f"Conv2d groups={self.groups} does not divide c_out={self.c_out}")


@dataclass(frozen=True, repr=False)
class _Pool(_Spec):
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] | None = None
    padding: int | tuple[int, int] = 0
    name: str | None = None

    def __post_init__(self):
        kind = type(self).__name__
        k = as_tuple(self.kernel_size, f"{kind} kernel_size", 2, minimum=1)
        object.__setattr__(self, "kernel_size", k)
        if self.stride is not None:
            object.__setattr__(self, "stride", as_tuple(self.stride, f"{kind} stride", 2, minimum=1))
        p = as_tuple(self.padding, f"{kind} padding", 2, minimum=0)
        object.__setattr__(self, "padding", p)
        if any(2 * pi > ki for pi, ki in zip(p, k)):
            raise ValueError(f"{kind} padding={p} must be at most half of kernel_size={k} (as in PyTorch)")


class MaxPool2d(_Pool):
    """Max pooling, each map on its own (stride defaults to ``kernel_size``).

    Examples
    --------
    >>> MaxPool2d(2)
    MaxPool2d(kernel_size=2)
    """


class AvgPool2d(_Pool):
    """Average pooling, each map on its own; zero padding counts in the mean.

    Examples
    --------
    >>> AvgPool2d(3, stride=2, padding=1)
    AvgPool2d(kernel_size=3, stride=2, padding=1)
    """


@dataclass(frozen=True, repr=False)
class ReLU(_Spec):
    """``max(0, x)`` elementwise: shape unchanged, no parameters."""

    name: str | None = None


@dataclass(frozen=True, repr=False)
class Flatten(_Spec):
    """Turn a ``(C, H, W)`` volume into a vector of ``C*H*W`` numbers (C first, as PyTorch)."""

    name: str | None = None


@dataclass(frozen=True, repr=False)
class Linear(_Spec):
    """A fully connected layer on a flat vector.

    Parameters
    ----------
    out_features : int
    bias : bool, default True
    name : str, optional
    """

    out_features: int
    bias: bool = True
    name: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "out_features", as_int(self.out_features, "Linear out_features", minimum=1))
        if not isinstance(self.bias, bool):
            raise TypeError(f"Linear bias must be True or False, got {self.bias!r}")


_SPECS = (Conv2d, MaxPool2d, AvgPool2d, ReLU, Flatten, Linear)


@dataclass(frozen=True)
class SummaryRow:
    """One layer of a :class:`Summary`.

    Attributes
    ----------
    index : int
        Position in the list of layers, from 1.
    layer : Conv2d, MaxPool2d, AvgPool2d, ReLU, Flatten or Linear
    input_shape, output_shape : tuple of int
        One example's shape before and after the layer, e.g. ``(6, 28, 28)``.
    params : int
        Learned weights and biases.
    macs : int
        Multiply-accumulates for one example.
    run_shape : tuple of int or None
        The shape that came out when the network was run (``run=True``), else None.
    """

    index: int
    layer: object
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    macs: int
    run_shape: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Summary:
    """The result of :func:`summary`: rows and totals, shown as a table.

    ``str(s)`` (and ``repr``) gives a text table, ``s._repr_html_()`` an HTML
    table for notebooks.
    """

    input_shape: tuple[int, ...]
    rows: list[SummaryRow] = field(default_factory=list)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of the last layer's output."""
        return self.rows[-1].output_shape if self.rows else self.input_shape

    @property
    def total_params(self) -> int:
        """Sum of the parameters of all layers."""
        return sum(r.params for r in self.rows)

    @property
    def total_macs(self) -> int:
        """Sum of the MACs of all layers (one example)."""
        return sum(r.macs for r in self.rows)

    @property
    def ran(self) -> bool:
        """True when the network was run and every computed shape was confirmed."""
        return bool(self.rows) and all(r.run_shape == r.output_shape for r in self.rows)

    def _table(self) -> tuple[list[str], list[list[str]], list[str]]:
        head = ["#", "layer", "output shape", "parameters", "MACs"]
        body = [["0", "input", _shape(self.input_shape), "", ""]]
        for r in self.rows:
            body.append([str(r.index), r.layer.label, _shape(r.output_shape), f"{r.params:,}", f"{r.macs:,}"])
        foot = ["", "total", "", f"{self.total_params:,}", f"{self.total_macs:,}"]
        return head, body, foot

    def _note(self) -> str:
        if self.ran:
            return f"Shapes confirmed by running the network on a {_shape(self.input_shape)} input."
        return "Shapes computed with conv_output_size (not run)."

    def __str__(self) -> str:
        head, body, foot = self._table()
        table = [head, *body, foot]
        widths = [max(len(row[i]) for row in table) for i in range(len(head))]
        right = {0, 3, 4}

        def line(row):
            return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))

        rule = "-" * len(line(head))
        return "\n".join([line(head), rule, *map(line, body), rule, line(foot), self._note()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, body, foot = self._table()

        def cells(row, tag):
            out = []
            for i, c in enumerate(row):
                align = "right" if i in (0, 3, 4) else "left"
                wrap = "" if i == 1 else "white-space:nowrap;"
                style = f"text-align:{align};{wrap}padding:0.15em 0.6em"
                out.append(f'<{tag} style="{style}">{html.escape(c)}</{tag}>')
            return "<tr>" + "".join(out) + "</tr>"

        rows = "".join(cells(r, "td") for r in body)
        return (
            '<table class="convutil-summary">'
            f"<thead>{cells(head, 'th')}</thead><tbody>{rows}</tbody>"
            f"<tfoot>{cells(foot, 'th')}</tfoot>"
            f"<caption style='caption-side:bottom'>{html.escape(self._note())}</caption></table>"
        )


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(s) for s in shape))


def _check_layers(layers) -> list:
    if isinstance(layers, _SPECS):
        raise TypeError("layers must be a list of layer specifications, got a single layer; wrap it in [ ]")
    try:
        layers = list(layers)
    except TypeError:
        raise TypeError(f"layers must be a list of layer specifications, got {type(layers).__name__}") from None
    if not layers:
        raise ValueError("layers must not be empty")
    for i, layer in enumerate(layers, start=1):
        if not isinstance(layer, _SPECS):
            names = ", ".join(s.__name__ for s in _SPECS)
            raise TypeError(f"layer {i} must be one of {names}; got {layer!r} ({type(layer).__name__})")
    return layers


def _check_input_shape(input_shape) -> tuple[int, ...]:
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (C, H, W) for one example, got {input_shape!r}")
    return as_tuple(input_shape, "input_shape", 3, minimum=1)


def _step(layer, shape: tuple[int, ...], index: int) -> tuple[tuple[int, ...], int, int]:
    """Output shape, parameters and MACs of ``layer`` applied to one example of ``shape``."""
    where = f"layer {index} ({layer.label})"
    if isinstance(layer, (Conv2d, MaxPool2d, AvgPool2d)) and len(shape) != 3:
        raise ValueError(f"{where} needs a (C, H, W) volume but receives shape {shape}; put it before Flatten()")
    if isinstance(layer, Conv2d):
        c_in, spatial = shape[0], shape[1:]
        if c_in % layer.groups:
            raise ValueError(f"{where}: groups={layer.groups} does not divide the {c_in} input maps (shape {shape})")
        try:
            out = tuple(
                conv_output_size(n, k, s, p, d)
                for n, k, s, p, d in zip(spatial, layer.kernel_size, layer.stride, layer.padding, layer.dilation)
            )
        except ValueError as exc:
            raise ValueError(f"{where} does not fit its input of shape {shape}: {exc}") from None
        params = conv_params(c_in, layer.c_out, layer.kernel_size, groups=layer.groups, bias=layer.bias)
        macs = conv_macs(c_in, layer.c_out, layer.kernel_size, out, groups=layer.groups)
        return (layer.c_out, *out), params, macs
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        stride = layer.kernel_size if layer.stride is None else layer.stride
        try:
            out = tuple(
                conv_output_size(n, k, s, p) for n, k, s, p in zip(shape[1:], layer.kernel_size, stride, layer.padding)
            )
        except ValueError as exc:
            raise ValueError(f"{where} does not fit its input of shape {shape}: {exc}") from None
        return (shape[0], *out), 0, 0
    if isinstance(layer, ReLU):
        return shape, 0, 0
    if isinstance(layer, Flatten):
        return (math.prod(shape),), 0, 0
    # Linear
    if len(shape) != 1:
        raise ValueError(f"{where} needs a flat vector but receives shape {shape}; put Flatten() before it")
    params = shape[0] * layer.out_features + (layer.out_features if layer.bias else 0)
    return (layer.out_features,), params, shape[0] * layer.out_features


def summary(layers, input_shape, *, run: bool = False, seed: int = 0) -> Summary:
    """Shapes, parameters and MACs of every layer of a network, torchinfo style.

    Parameters
    ----------
    layers : list of Conv2d, MaxPool2d, AvgPool2d, ReLU, Flatten, Linear
        The network, in order.
    input_shape : (int, int, int)
        ``(C, H, W)`` of one input example.
    run : bool, default False
        Also run the network (:func:`forward`) on a seeded random input with
        seeded random weights and record the shape each layer really produced
        (``SummaryRow.run_shape``); :attr:`Summary.ran` is then True.
    seed : int, default 0
        Seed of that input and those weights.

    Returns
    -------
    Summary
        ``rows`` (one :class:`SummaryRow` per layer), ``total_params``,
        ``total_macs``, ``output_shape``; prints as a table.

    Raises
    ------
    TypeError, ValueError
        For a malformed specification or a layer that does not fit the volume
        it receives; the message names the layer and the shape.

    Examples
    --------
    >>> net = [Conv2d(6, 5, padding=2, name="C1"), ReLU(), MaxPool2d(2, name="S2"),
    ...        Conv2d(16, 5, name="C3"), ReLU(), MaxPool2d(2, name="S4"),
    ...        Flatten(), Linear(120), ReLU(), Linear(84), ReLU(), Linear(10)]
    >>> s = summary(net, (1, 28, 28), run=True)
    >>> s.rows[3].output_shape, s.rows[3].params     # C3: 16 filters of 6x5x5 (+16 biases)
    ((16, 10, 10), 2416)
    >>> s.output_shape, s.total_params, s.ran
    ((10,), 61706, True)
    """
    layers = _check_layers(layers)
    shape = _check_input_shape(input_shape)
    steps = []
    for i, layer in enumerate(layers, start=1):
        out, params, macs = _step(layer, shape, i)
        steps.append((i, layer, shape, out, params, macs))
        shape = out
    run_shapes = [None] * len(layers)
    if run:
        x = np.random.default_rng(seed).normal(size=_check_input_shape(input_shape))
        run_shapes = [a.shape for a in forward(layers, x, seed=seed)]
    rows = [SummaryRow(*step, run_shape=rs) for step, rs in zip(steps, run_shapes)]
    return Summary(input_shape=_check_input_shape(input_shape), rows=rows)


def init_params(layers, input_shape, *, seed: int = 0) -> list[dict | None]:
    """Seeded random weights for every layer that has any (He initialisation).

    Weights are normal with standard deviation ``sqrt(2 / fan_in)`` (fan_in =
    inputs of one output value), biases are zero, so that a real image keeps a
    sensible range as it passes through ReLU layers.

    Parameters
    ----------
    layers : list of layer specifications
    input_shape : (int, int, int)
    seed : int, default 0

    Returns
    -------
    list of dict or None
        For each layer: ``{"weight": ..., "bias": ...}`` (``bias`` may be None)
        with PyTorch's shapes (``(c_out, c_in // groups, kH, kW)`` for a
        convolution, ``(out_features, in_features)`` for a linear layer), or
        None for layers without parameters.

    Examples
    --------
    >>> p = init_params([Conv2d(4, 3), ReLU(), Flatten(), Linear(2)], (2, 5, 5))
    >>> p[0]["weight"].shape, p[1], p[3]["weight"].shape
    ((4, 2, 3, 3), None, (2, 36))
    """
    s = summary(layers, input_shape)
    rng = np.random.default_rng(seed)
    params = []
    for row in s.rows:
        layer, shape = row.layer, row.input_shape
        if isinstance(layer, Conv2d):
            wshape = (layer.c_out, shape[0] // layer.groups, *layer.kernel_size)
            fan_in = math.prod(wshape[1:])
            bias = np.zeros(layer.c_out) if layer.bias else None
        elif isinstance(layer, Linear):
            wshape = (layer.out_features, shape[0])
            fan_in = shape[0]
            bias = np.zeros(layer.out_features) if layer.bias else None
        else:
            params.append(None)
            continue
        params.append({"weight": rng.normal(scale=math.sqrt(2 / fan_in), size=wshape), "bias": bias})
    return params


def forward(layers, x, params=None, *, seed: int = 0) -> list[np.ndarray]:
    """Run a network with convutil's functions and return every layer's output.

    Parameters
    ----------
    layers : list of layer specifications
    x : array_like, shape (C, H, W) or (N, C, H, W)
        One example or a batch.
    params : list, optional
        Weights as returned by :func:`init_params` (one entry per layer); by
        default ``init_params(layers, x.shape[-3:], seed=seed)``.
    seed : int, default 0

    Returns
    -------
    list of ndarray
        The output of each layer in turn (the volumes of the network); the
        last one is the network's output.

    Examples
    --------
    >>> import numpy as np
    >>> outs = forward([Conv2d(3, 3, padding=1), ReLU(), MaxPool2d(2)], np.ones((1, 4, 4)))
    >>> [o.shape for o in outs]
    [(3, 4, 4), (3, 4, 4), (3, 2, 2)]
    """
    layers = _check_layers(layers)
    x = as_float_array(x, "x", (3, 4))
    batched = x.ndim == 4
    if params is None:
        params = init_params(layers, x.shape[-3:], seed=seed)
    else:
        summary(layers, x.shape[-3:])  # validates that the layers fit x
        if len(params) != len(layers):
            raise ValueError(f"params must have one entry per layer ({len(layers)}), got {len(params)}")
    outputs = []
    for layer, p in zip(layers, params):
        if isinstance(layer, Conv2d):
            x = conv2d(
                x,
                p["weight"],
                p["bias"],
                stride=layer.stride,
                padding=layer.padding,
                dilation=layer.dilation,
                groups=layer.groups,
            )
        elif isinstance(layer, MaxPool2d):
            x = max_pool2d(x, layer.kernel_size, layer.stride, layer.padding)
        elif isinstance(layer, AvgPool2d):
            x = avg_pool2d(x, layer.kernel_size, layer.stride, layer.padding)
        elif isinstance(layer, ReLU):
            x = np.maximum(x, 0)
        elif isinstance(layer, Flatten):
            x = x.reshape(x.shape[0], -1) if batched else x.reshape(-1)
        else:
            x = x @ np.asarray(p["weight"]).T
            if p["bias"] is not None:
                x = x + p["bias"]
        outputs.append(x)
    return outputs
