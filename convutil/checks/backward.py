"""Exercise 9 (chapter 9): the backward pass of a convolution layer, for one example."""

from functools import partial

import numpy as np

from ..core import conv2d, conv2d_backward
from ._engine import Task, normal, publish

T = partial(Task, exercise="09-backward-pass", chapter="09-let-learning-decide")


def _layer(rng, c, k, h, w, kh, kw, *stride):
    """grad_out, x and weight of a layer of these sizes (and its stride, when the row gives one)."""
    s = stride[0] if stride else 1
    grad_out = rng.normal(size=(k, (h - kh) // s + 1, (w - kw) // s + 1))
    return (grad_out, *normal(rng, (c, h, w), (k, c, kh, kw)), *stride)


def _last_position(g, x, w, s=1):
    p, q = g.shape[1] - 1, g.shape[2] - 1
    window = x[:, p * s : p * s + w.shape[2], q * s : q * s + w.shape[3]]
    return g[:, p, q][:, None, None, None] * window[None]


def _backward(g, x, w, s=1):
    return conv2d_backward(g, x, w, stride=s)


# fmt: off
_SHORTCUTS = ("conv2d_backward", "_input_grad", "_weight_grad", "torch.autograd.grad", "torch.autograd.backward", "torch.func.grad", "torch.func.vjp", "torch.nn.grad.conv2d_input", "torch.nn.grad.conv2d_weight")
_COMMON = (
    ("kernel direction in grad_x", lambda g, x, w, *s: _backward(g, x, w[..., ::-1, ::-1], *s)[0], "grad_x: the kernel's direction is off. Output pixel (r, s) sends grad_out[j, r, s] * weight[j, c, u, v] back to input pixel (c, r + u, s + v): as a correlation of the padded grad_out that needs the kernel turned by 180 degrees; as a scatter, as it is.", 0),
    ("no sum over output maps", lambda g, x, w, s=1: np.stack([_backward(g[j : j + 1], x, w[j : j + 1], s)[0] for j in range(len(w))]), "grad_x: an input map feeds EVERY output map, so its gradient is the sum of what each output map sends back.", 0),
    ("only the last output map", lambda g, x, w, *s: _backward(g[-1:], x, w[-1:], *s)[0], "grad_x: only the last output map's contribution survived (`=` where `+=` was needed?): add up the contributions of all output maps.", 0),
    ("grad_weight from the last position only", lambda *a: _last_position(*a), "grad_weight: a weight is used at EVERY output position, so its gradient sums over all of them (`=` where `+=` was needed?).", 1),
    ("grad_weight averaged over positions", lambda g, *a: _backward(g, *a)[1] / (g.shape[1] * g.shape[2]), "grad_weight: the loss depends on the weight through every output position: sum the contributions, do not average them.", 1),
    ("grad_weight flipped", lambda *a: _backward(*a)[1][..., ::-1, ::-1], "grad_weight is flipped: weight[j, c, u, v] multiplied x[c, r + u, s + v] at output pixel (r, s).", 1),
    ("bias gradient not summed", lambda g, *a: g, "grad_bias: one number per output map; the bias was added at every position of its map, so its gradient sums over them.", 2),
    ("bias gradient averaged", lambda g, *a: g.mean(axis=(1, 2)), "grad_bias: the bias was added at every position: sum the output gradient over positions, do not average it.", 2),
    ("bias gradient summed over maps", lambda g, *a: g.sum(axis=0), "grad_bias: sum over the positions of each output map, not over the maps: one number per output map.", 2))

BACKWARD_LOOPS = T("conv_backward_loops", ("grad_out", "x", "weight"), _backward,
    build=_layer, fixed=(  # C maps in, K out, (H, W), (kH, kW)
        ("one map, one filter, 1x1 kernel", (1, 1, 3, 3, 1, 1)),
        ("one map, one filter, 2x2 kernel", (1, 1, 4, 4, 2, 2)),
        ("two output maps from one input map", (1, 2, 5, 5, 3, 3)),
        ("three input maps, one output map", (3, 1, 5, 5, 3, 3)),
        ("non-square maps and kernels", (2, 3, 6, 8, 2, 3)),
        ("kernel as large as the input", (2, 2, 3, 4, 3, 4)),
    ), random=((1, 1, 1, 1, 1, 1), (5, 5, 13, 13, 5, 5)), n_random=6, misconceptions=_COMMON,
    hint="go back through the forward loops: out[j, r, s] = bias[j] + sum over c, u, v of weight[j, c, u, v] * x[c, r + u, s + v]. Every product sends grad_out[j, r, s] times its other factor to each of its two factors.",
    forbid=_SHORTCUTS,
    rule="this task asks you to write the gradients yourself, without convutil's conv2d_backward or automatic differentiation (torch.autograd).")

BACKWARD = T("conv_backward", ("grad_out", "x", "weight", "stride"), _backward,
    build=_layer, fixed=(  # C maps in, K out, (H, W), (kH, kW), stride
        ("one map, one filter, stride 1", (1, 1, 5, 5, 3, 3, 1)),
        ("three maps in, two out, stride 1", (3, 2, 6, 7, 3, 2, 1)),
        ("stride 2", (2, 3, 7, 7, 3, 3, 2)),
        ("stride 2 that leaves the last row and column unread", (1, 2, 8, 8, 3, 3, 2)),
        ("stride 2 that reads every row and column of even-sized maps", (1, 2, 8, 8, 2, 2, 2)),
        ("stride 3, non-square kernel", (2, 2, 10, 9, 2, 3, 3)),
        ("a larger layer: 30x30 maps", (2, 3, 30, 30, 3, 3, 1)),
    ), random=((1, 1, 6, 6, 1, 1, 1), (4, 4, 14, 14, 4, 4, 4)), n_random=6, misconceptions=_COMMON + (
        ("stride ignored in grad_x", lambda g, x, w, s: _backward(g, x[:, : g.shape[1] + w.shape[2] - 1, : g.shape[2] + w.shape[3] - 1], w)[0], "grad_x: with stride s the output pixels sit s input pixels apart; spread grad_out out (s - 1 zeros between its pixels) before sending it back.", 0),
        ("stride ignored in grad_weight", lambda g, x, w, s: conv2d(x[:, None], g[:, None]).transpose(1, 0, 2, 3), "grad_weight: with stride s the windows start s pixels apart: correlate x with grad_out at dilation s.", 1),
    ), hint="write each gradient as one convolution: grad_bias sums grad_out; grad_weight[j, c] correlates x[c] with grad_out[j]; grad_x correlates the zero-padded grad_out with the flipped kernels (one conv2d call each, or np.einsum over sliding windows).",
    forbid=_SHORTCUTS,
    max_lines=150,
    rule="this task asks for a vectorized backward pass built from whole-array operations (conv2d, np.einsum, np.pad), without conv2d_backward or automatic differentiation (torch.autograd), and without a Python loop over positions.")

TASKS = publish(globals(), BACKWARD_LOOPS, BACKWARD)
