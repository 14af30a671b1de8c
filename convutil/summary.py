"""A torchinfo-like table of a small network: shapes, parameters, MACs and receptive field per layer.

A network is a list of layer specifications of :mod:`convutil.nn` (importable from
here); each layer gives its own output shape, parameters, MACs and window.

**MACs** count weights times inputs only (pooling, ReLU and biases count 0).
torchinfo's "Mult-Adds" also add one per bias and output position
(``LayerInfo.calculate_macs`` in ``torchinfo/layer_info.py``): ``C_out * H_out * W_out``
more per convolution, ``out`` more per linear layer; without biases they agree.

**Receptive field**: per axis ``r_l = r_(l-1) + (k_l - 1) * d_l * j_(l-1)``, jump
``j_l = j_(l-1) * s_l``, from ``r_0 = j_0 = 1`` (nominal: near the border part is
padding); after global pooling or a linear layer it is the whole input.
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
    "Conv2d", "ConvType1", "ConvType2_1", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "ReLU", "Flatten", "Linear",
    "Summary", "SummaryRow", "summary", "init_params", "forward", "receptive_fields"
]  # fmt: skip


@dataclass(frozen=True)
class SummaryRow:
    """One layer of a :class:`Summary`.

    Shapes are one example's before and after the layer; ``run_shape`` is the shape that
    came out with ``run=True`` (else None); ``receptive_field`` is (height, width), None
    once it is the whole input.
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
    """The result of :func:`summary`: rows and totals; prints as a text table, displays as HTML."""

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
                wrap = "" if i == 1 or tag == "th" else "white-space:nowrap;"  # headers and layers may wrap
                style = f"text-align:{align};{wrap}padding:0.15em 0.4em"
                out.append(f'<{tag} style="{style}">{html.escape(c)}</{tag}>')
            return "<tr>" + "".join(out) + "</tr>"

        rows = "".join(cells(r, "td") for r in body)
        return (
            '<table class="convutil-summary" style="font-size:0.85em">'
            f"<thead>{cells(head, 'th')}</thead><tbody>{rows}</tbody>"
            f"<tfoot>{cells(foot, 'th')}</tfoot>"
            f"<caption style='caption-side:bottom'>{html.escape(self._note())}</caption></table>"
        )


_RIGHT = {0, 3, 4, 5}  # right-aligned columns: index, receptive field, parameters, MACs


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(int(s) for s in shape))


def receptive_fields(layers) -> list[tuple[int, int] | None]:
    """Receptive field (height, width) of one output value of every layer (None once it is the whole input).

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

    Parameters
    ----------
    layers : list of layer specifications (:mod:`convutil.nn`)
    input_shape : (int, int, int)
        ``(C, H, W)`` of one input example.
    run : bool, default False
        Also run the network (:func:`forward`, seeded input and weights) and check
        each computed shape; :attr:`Summary.ran` is then True.
    seed : int, default 0

    Returns
    -------
    Summary

    Examples
    --------
    >>> net = [Conv2d(6, 5, padding=2, name="C1"), ReLU(), MaxPool2d(2, name="S2"),
    ...        Conv2d(16, 5, name="C3"), ReLU(), MaxPool2d(2, name="S4"),
    ...        Flatten(), Linear(120), ReLU(), Linear(84), ReLU(), Linear(10)]
    >>> s = summary(net, (1, 28, 28), run=True)
    >>> s.rows[3].output_shape, s.rows[3].params, s.rows[3].receptive_field, s.total_params, s.ran
    ((16, 10, 10), 2416, (14, 14), 61706, True)
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
