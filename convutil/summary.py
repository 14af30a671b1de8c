"""A summary table of a small network: shapes, parameters, MACs and receptive field per layer.

In the spirit of torchinfo's ``summary``: describe a network as a list of
layer specifications (:mod:`convutil.nn`), give the shape of one input
example, and get back one row per layer with the shape of the volume it
produces, its learned parameters, its multiply-accumulates (MACs) and the
receptive field of one of its output values, plus the totals. Every number
comes from the layer itself (``output_shape``, ``param_shapes``, ``macs``,
``window``); with ``run=True`` the network is also *run* (:func:`forward`, on
seeded random weights) and every computed shape is compared with the shape
that actually came out.

Layer specifications
--------------------
:class:`Conv2d`, :class:`ConvType1`, :class:`ConvType2_1`, :class:`MaxPool2d`,
:class:`AvgPool2d`, :class:`GlobalAvgPool`, :class:`ReLU`, :class:`Flatten`
and :class:`Linear`, defined in :mod:`convutil.nn` and importable from here. A
convolution needs no ``c_in``: it is read from the volume that arrives, as a
layer in a real network would have it.

Conventions
-----------
**MACs** count weights times inputs only: a convolution's MACs are
``C_out * (C_in / groups) * kH * kW`` per output position, a linear layer's
``in * out``; pooling, ReLU and flattening count 0, and a bias is a parameter
but not a MAC. FLOPs are about 2 x MACs (a multiply and an add). torchinfo's
"Mult-Adds" column counts the bias as well: for every parameter of a layer,
weights *and* biases, it adds one operation per output position (its
``LayerInfo.calculate_macs``, github.com/TylerYep/torchinfo,
``torchinfo/layer_info.py``). So torchinfo reports ``C_out * H_out * W_out``
more per convolution and ``out`` more per linear layer than this table (per
example); without biases the two agree.

**Receptive field**: the size of the input window that one output value of
the layer depends on, per axis, from the closed form
``r_l = r_(l-1) + (k_l - 1) * d_l * j_(l-1)`` with the jump (the input-pixel
distance between neighbouring outputs) ``j_l = j_(l-1) * s_l``, starting at
``r_0 = j_0 = 1`` (``k`` kernel size, ``d`` dilation, ``s`` stride; ReLU and
Flatten keep both). It is the nominal window: near the border part of it
falls on padding. After :class:`GlobalAvgPool` or :class:`Linear` every value
depends on the whole input.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from .nn import (
    AvgPool2d,
    Conv2d,
    ConvType1,
    ConvType2_1,
    Flatten,
    GlobalAvgPool,
    Linear,
    MaxPool2d,
    ReLU,
    forward,
    init_params,
    layer_shapes,
)

__all__ = [
    "Conv2d",
    "ConvType1",
    "ConvType2_1",
    "MaxPool2d",
    "AvgPool2d",
    "GlobalAvgPool",
    "ReLU",
    "Flatten",
    "Linear",
    "Summary",
    "SummaryRow",
    "summary",
    "init_params",
    "forward",
    "receptive_fields",
]


@dataclass(frozen=True)
class SummaryRow:
    """One layer of a :class:`Summary`.

    Attributes
    ----------
    index : int
        Position in the list of layers, from 1.
    layer : a layer specification of :mod:`convutil.nn`
    input_shape, output_shape : tuple of int
        One example's shape before and after the layer, e.g. ``(6, 28, 28)``.
    params : int
        Learned weights and biases.
    macs : int
        Multiply-accumulates for one example (weights only, see the module notes).
    run_shape : tuple of int or None
        The shape that came out when the network was run (``run=True``), else None.
    receptive_field : (int, int) or None
        Height and width of the input window one output value depends on;
        None once every value depends on the whole input.
    """

    index: int
    layer: object
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    macs: int
    run_shape: tuple[int, ...] | None = None
    receptive_field: tuple[int, int] | None = None


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
        head = ["#", "layer", "output shape", "receptive field", "parameters", "MACs"]
        body = [["0", "input", _shape(self.input_shape), "1x1", "", ""]]
        for r in self.rows:
            rf = "whole input" if r.receptive_field is None else "x".join(map(str, r.receptive_field))
            body.append([str(r.index), r.layer.label, _shape(r.output_shape), rf, f"{r.params:,}", f"{r.macs:,}"])
        foot = ["", "total", "", "", f"{self.total_params:,}", f"{self.total_macs:,}"]
        return head, body, foot

    def _note(self) -> str:
        if self.ran:
            return f"Shapes confirmed by running the network on a {_shape(self.input_shape)} input."
        return "Shapes computed with conv_output_size (not run)."

    def __str__(self) -> str:
        head, body, foot = self._table()
        table = [head, *body, foot]
        widths = [max(len(row[i]) for row in table) for i in range(len(head))]

        def line(row):
            return "  ".join(c.rjust(w) if i in _RIGHT else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))

        rule = "-" * len(line(head))
        return "\n".join([line(head), rule, *map(line, body), rule, line(foot), self._note()])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, body, foot = self._table()

        def cells(row, tag):
            out = []
            for i, c in enumerate(row):
                align = "right" if i in _RIGHT else "left"
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


_RIGHT = {0, 3, 4, 5}  # right-aligned columns: index, receptive field, parameters, MACs


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(s) for s in shape))


def receptive_fields(layers) -> list[tuple[int, int] | None]:
    """Receptive field (height, width) of one output value of every layer, by the closed form.

    ``r_l = r_(l-1) + (k_l - 1) * d_l * j_(l-1)`` and ``j_l = j_(l-1) * s_l``
    per axis, from ``r_0 = j_0 = 1``; None from the first layer on whose
    outputs each depend on the whole input (global pooling, linear layers).

    Parameters
    ----------
    layers : list of layer specifications

    Returns
    -------
    list of (int, int) or None

    Examples
    --------
    >>> receptive_fields([Conv2d(8, 3), Conv2d(8, 3), MaxPool2d(2), Conv2d(8, 3, dilation=2), GlobalAvgPool()])
    [(3, 3), (5, 5), (6, 6), (14, 14), None]
    """
    r, j = [1, 1], [1, 1]
    result = []
    for layer in layers:
        win = layer.window() if r is not None else None
        if win is None:
            r = None
        else:
            for axis, (k, s, d) in enumerate(zip(*win)):
                r[axis] += (k - 1) * d * j[axis]
                j[axis] *= s
        result.append(None if r is None else tuple(r))
    return result


def summary(layers, input_shape, *, run: bool = False, seed: int = 0) -> Summary:
    """Shapes, parameters, MACs and receptive field of every layer of a network, torchinfo style.

    MACs count weights only (torchinfo's "Mult-Adds" also count biases); the
    receptive field follows the closed form of :func:`receptive_fields`. See
    the module notes for both conventions.

    Parameters
    ----------
    layers : list of layer specifications (:mod:`convutil.nn`)
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
    >>> s.rows[3].receptive_field                     # 5 + (5 - 1) * 2: C3 sees 14x14 input pixels
    (14, 14)
    >>> s.output_shape, s.total_params, s.ran
    ((10,), 61706, True)
    """
    shapes = layer_shapes(layers, input_shape)
    layers = list(layers)
    run_shapes = [None] * len(layers)
    if run:
        x = np.random.default_rng(seed).normal(size=shapes[0][0])
        run_shapes = [a.shape for a in forward(layers, x, seed=seed)]
    rows = []
    for i, (layer, (shape, out), rf, ran) in enumerate(zip(layers, shapes, receptive_fields(layers), run_shapes)):
        params = sum(np.prod(s, dtype=int) for s in layer.param_shapes(shape).values() if s is not None)
        rows.append(SummaryRow(i + 1, layer, shape, out, int(params), layer.macs(shape), ran, rf))
    return Summary(input_shape=shapes[0][0], rows=rows)
