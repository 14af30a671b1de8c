"""Exercise 9 (chapter 9): the backward pass of a convolution layer, for one example."""

from __future__ import annotations

from functools import partial

import numpy as np

from ..core import conv2d, conv2d_backward
from ._engine import Task, ints, publish

T = partial(Task, exercise="09-backward-pass", chapter="09-let-learning-decide")


def _row(rng, c=None, k=None, h=None, w=None, kh=None, kw=None, stride=None):
    if c is None:
        c, k, kh, kw = ints(rng, (1, 1, 1, 1), (5, 5, 5, 5))
        h, w = ints(rng, (kh, kw), (kh + 9, kw + 9))
    x, weight = rng.normal(size=(c, h, w)), rng.normal(size=(k, c, kh, kw))
    s = 1 if stride is None else stride
    grad_out = rng.normal(size=(k, (h - kh) // s + 1, (w - kw) // s + 1))
    return (grad_out, x, weight) if stride is None else (grad_out, x, weight, stride)


def _strided_row(rng):
    return _row(rng, *ints(rng, (1, 1, 6, 6, 1, 1, 1), (4, 4, 14, 14, 4, 4, 4)))


def _unflipped(g, x, w, s=1):
    spread = np.zeros((g.shape[0], (g.shape[1] - 1) * s + 1, (g.shape[2] - 1) * s + 1))
    spread[:, ::s, ::s] = g
    kh, kw = w.shape[2:]
    extra = (x.shape[1] - spread.shape[1] - kh + 1, x.shape[2] - spread.shape[2] - kw + 1)
    padded = np.pad(spread, ((0, 0), (kh - 1, kh - 1 + extra[0]), (kw - 1, kw - 1 + extra[1])))
    return conv2d(padded, w.transpose(1, 0, 2, 3))


def _per_output_map(g, x, w, s=1):
    return np.stack([conv2d_backward(g[j : j + 1], x, w[j : j + 1], stride=s)[0] for j in range(w.shape[0])])


def _last_position(g, x, w, s=1):
    p, q = g.shape[1] - 1, g.shape[2] - 1
    window = x[:, p * s : p * s + w.shape[2], q * s : q * s + w.shape[3]]
    return g[:, p, q][:, None, None, None] * window[None]


def _stride_ignored_x(g, x, w, s):
    kh, kw = w.shape[2:]
    return conv2d(np.pad(g, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1))), w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))


def _backward(g, x, w, s=1):
    return conv2d_backward(g, x, w, stride=s)


# fmt: off
_COMMON = (
    ("kernel direction in grad_x", lambda *a: _unflipped(*a), "grad_x: the kernel's direction is off. Output pixel (r, s) sends grad_out[j, r, s] * weight[j, c, u, v] back to input pixel (c, r + u, s + v): as a correlation of the padded grad_out that needs the kernel turned by 180 degrees; as a scatter, as it is.", 0),
    ("no sum over output maps", lambda *a: _per_output_map(*a), "grad_x: an input map feeds EVERY output map, so its gradient is the sum of what each output map sends back.", 0),
    ("only the last output map", lambda g, x, w, *s: _backward(g[-1:], x, w[-1:], *s)[0], "grad_x: only the last output map's contribution survived (`=` where `+=` was needed?): add up the contributions of all output maps.", 0),
    ("grad_weight from the last position only", lambda *a: _last_position(*a), "grad_weight: a weight is used at EVERY output position, so its gradient sums over all of them (`=` where `+=` was needed?).", 1),
    ("grad_weight averaged over positions", lambda g, *a: _backward(g, *a)[1] / (g.shape[1] * g.shape[2]), "grad_weight: the loss depends on the weight through every output position: sum the contributions, do not average them.", 1),
    ("grad_weight flipped", lambda *a: _backward(*a)[1][..., ::-1, ::-1], "grad_weight is flipped: weight[j, c, u, v] multiplied x[c, r + u, s + v] at output pixel (r, s).", 1),
    ("bias gradient not summed", lambda g, *a: g, "grad_bias: one number per output map; the bias was added at every position of its map, so its gradient sums over them.", 2),
    ("bias gradient averaged", lambda g, *a: g.mean(axis=(1, 2)), "grad_bias: the bias was added at every position: sum the output gradient over positions, do not average it.", 2),
    ("bias gradient summed over maps", lambda g, *a: g.sum(axis=0), "grad_bias: sum over the positions of each output map, not over the maps: one number per output map.", 2))

BACKWARD_LOOPS = T("conv_backward_loops", ("grad_out", "x", "weight"), _backward,
    fixed=tuple((name, _row(np.random.default_rng(90 + i), *row)) for i, (name, *row) in enumerate((
        ("one map, one filter, 1x1 kernel", 1, 1, 3, 3, 1, 1),
        ("one map, one filter, 2x2 kernel", 1, 1, 4, 4, 2, 2),
        ("two output maps from one input map", 1, 2, 5, 5, 3, 3),
        ("three input maps, one output map", 3, 1, 5, 5, 3, 3),
        ("non-square maps and kernels", 2, 3, 6, 8, 2, 3),
        ("kernel as large as the input", 2, 2, 3, 4, 3, 4),
    ))), random=_row, n_random=6, misconceptions=_COMMON,
    hint="go back through the forward loops: out[j, r, s] = bias[j] + sum over c, u, v of weight[j, c, u, v] * x[c, r + u, s + v]. Every product sends grad_out[j, r, s] times its other factor to each of its two factors.",
    forbid=("conv2d_backward",),
    rule="this task asks you to write the gradients yourself, without convutil's conv2d_backward.")

BACKWARD = T("conv_backward", ("grad_out", "x", "weight", "stride"), _backward,
    fixed=tuple((name, _row(np.random.default_rng(95 + i), *row)) for i, (name, *row) in enumerate((
        ("one map, one filter, stride 1", 1, 1, 5, 5, 3, 3, 1),
        ("three maps in, two out, stride 1", 3, 2, 6, 7, 3, 2, 1),
        ("stride 2", 2, 3, 7, 7, 3, 3, 2),
        ("stride 2 that leaves the last row and column unread", 1, 2, 8, 8, 3, 3, 2),
        ("stride 3, non-square kernel", 2, 2, 10, 9, 2, 3, 3),
        ("a larger layer: 30x30 maps", 2, 3, 30, 30, 3, 3, 1),
    ))), random=_strided_row, n_random=6, misconceptions=_COMMON + (
        ("stride ignored in grad_x", _stride_ignored_x, "grad_x: with stride s the output pixels sit s input pixels apart; spread grad_out out (s - 1 zeros between its pixels) before sending it back.", 0),
        ("stride ignored in grad_weight", lambda g, x, w, s: conv2d(x[:, None], g[:, None]).transpose(1, 0, 2, 3), "grad_weight: with stride s the windows start s pixels apart: correlate x with grad_out at dilation s.", 1),
    ), hint="write each gradient as one convolution: grad_bias sums grad_out; grad_weight[j, c] correlates x[c] with grad_out[j]; grad_x correlates the zero-padded grad_out with the flipped kernels (one conv2d call each, or np.einsum over sliding windows).",
    forbid=("conv2d_backward",),
    max_lines=150,
    rule="this task asks for a vectorized backward pass built from whole-array operations (conv2d, np.einsum, np.pad), without conv2d_backward and without a Python loop over positions.")
# fmt: on

TASKS = publish(globals(), BACKWARD_LOOPS, BACKWARD)
