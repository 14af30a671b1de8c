"""Exercise 6 (chapter 6): pooling per map, maxout across maps, ReLU and pooling."""

from functools import partial

import numpy as np

from ..core import avg_pool2d, max_pool2d
from ..crossmap import maxout
from ._engine import Task, ints, publish

T = partial(Task, exercise="06-pooling", chapter="06-pooling")


def _named(name: str, doc: str, func):
    """A test function with a readable name in the feedback (``commutes(f=subtract_mean, ...)``)."""
    func.__name__, func.__doc__ = name, doc
    return func


def _maxout_row(rng):
    groups, pieces, h, w = ints(rng, (1, 1, 1, 1), (5, 5, 7, 7))
    return rng.normal(size=(groups * pieces, h, w)), pieces


def _partials_row(rng):
    n, c, h, w = ints(rng, (1, 1, 1, 1), (5, 6, 6, 6))
    return rng.normal(size=(n, c, h, w)), rng.normal(size=n)


# fmt: off
relu = _named("relu", "ReLU: non-decreasing, so it commutes with max pooling.", lambda a: np.maximum(a, 0.0))
subtract_mean = _named("subtract_mean", "Not element-wise: minus the mean of the whole stack.", lambda a: a - a.mean())
reverse_maps = _named("reverse_maps", "Not element-wise: the maps in reverse order.", lambda a: a[::-1])
flip_odd_maps = _named("flip_odd_maps", "Not element-wise: negates every second map.", lambda a: a * np.where(np.arange(len(a)) % 2, -1.0, 1.0)[:, None, None])
add_max = _named("add_max", "Not element-wise: plus the largest value of the whole stack.", lambda a: a + a.max())
_rng = np.random.default_rng(60)
_mixed, _positive = _rng.normal(size=(2, 6, 6)), _rng.random(size=(2, 6, 6)) + 0.1

MAX_POOL = T("max_pool", ("x", "k"), lambda x, k: max_pool2d(x, k), fixed=(
        ("one 4x4 map, 2x2 windows", (np.arange(16.0).reshape(1, 4, 4), 2)),
        ("1x1 windows change nothing", (_rng.normal(size=(2, 3, 3)), 1)),
        ("all values negative", (-1.0 - _rng.random(size=(2, 4, 4)), 2)),
        ("5x7 maps: rows and columns that do not fill a window are dropped", (_rng.normal(size=(3, 5, 7)), 2)),
        ("non-square 6x9 maps, 3x3 windows", (_rng.normal(size=(2, 6, 9)), 3)),
        ("window as large as the map", (_rng.normal(size=(3, 4, 4)), 4)),
        ("several maps with very different values", (_rng.normal(size=(4, 6, 6)) * [[[1.0]], [[10.0]], [[-5.0]], [[100.0]]], 2)),
        ("three 48x48 maps, 2x2 windows", (_rng.normal(size=(3, 48, 48)), 2)),
    ), random=lambda rng: (rng.normal(size=ints(rng, (1, 4, 4), (6, 13, 13))), int(rng.integers(1, 4))), n_random=4, misconceptions=(
        ("average pooling", lambda x, k: avg_pool2d(x, k), "that is average pooling: max pooling keeps the LARGEST value of every window."),
        ("maximum starts at 0", lambda x, k: relu(max_pool2d(x, k)), "negative windows come out as 0: start the maximum from the window's own values (or -inf), not from 0."),
        ("overlapping windows", lambda x, k: max_pool2d(x, k, stride=1), "the windows here do not overlap: they move k pixels at a time (stride = k)."),
        ("pooled across maps", lambda x, k: max_pool2d(x.max(axis=0, keepdims=True), k), "pooling works on each map (channel) alone: the number of maps must stay the same."),
        ("pooled the maps axis", lambda x, k: x[:x.shape[0] // k * k, :x.shape[1] // k * k].reshape(x.shape[0] // k, k, x.shape[1] // k, k, x.shape[2]).max(axis=(1, 3)), "you pooled over the maps (channel) axis and the height: pool over height and width, each map alone."),
    ), hint="pooling works on each map (channel) alone and keeps their number; within a map, which pixels form one window, and what happens to rows and columns left over?",
    forbid=("max_pool2d", "avg_pool2d", "_pool", "torch.max_pool2d", "torch.nn.functional.max_pool2d", "torch.nn.functional.max_pool2d_with_indices"),
    max_lines=300,
    rule="this task asks you to write max pooling yourself with whole-array NumPy operations (crop, reshape, max), without max_pool2d and without a Python loop over the pixels.")

MAXOUT = T("maxout", ("x", "pieces"), maxout, fixed=(
        ("two maps, one group", (np.stack([np.zeros((2, 2)), np.eye(2)]), 2)),
        ("groups of one change nothing", (_rng.normal(size=(3, 3, 3)), 1)),
        ("four maps in two groups", (_rng.normal(size=(4, 3, 3)), 2)),
        ("six maps in two groups of three", (_rng.normal(size=(6, 2, 4)), 3)),
        ("all maps in one group", (_rng.normal(size=(5, 3, 3)), 5)),
        ("all values negative", (-1.0 - _rng.random(size=(4, 3, 3)), 2)),
    ), random=_maxout_row, n_random=4, misconceptions=(
        ("strided groups", lambda x, p: x.reshape(p, x.shape[0] // p, *x.shape[1:]).max(axis=0), "the groups are NEIGHBOURING maps: maps 0 to pieces-1 form the first group."),
        ("one group for all maps", lambda x, p: x.max(axis=0, keepdims=True), "one output map per group of `pieces` maps, not one for all maps."),
        ("spatial max pooling", lambda x, p: max_pool2d(x, p), "that is max pooling inside each map; maxout compares DIFFERENT maps at the same position."),
    ), hint="group the maps in runs of `pieces` neighbours; at every position keep the largest value of each group.",
    forbid=("maxout",),
    rule="this task asks you to write maxout yourself with NumPy, without convutil's maxout.")

COMMUTES = T("commutes", ("f", "z", "k"), lambda f, z, k: bool(np.allclose(f(max_pool2d(z, k)), max_pool2d(f(z), k))), fixed=(
        ("ReLU, 2x2 windows", (relu, _mixed, 2)),
        ("ReLU, 3x3 windows", (relu, _mixed, 3)),
        ("tanh (non-decreasing)", (np.tanh, _mixed, 2)),
        ("floor (non-decreasing, with steps)", (np.floor, _mixed * 3, 2)),
        ("negation (decreasing)", (np.negative, _mixed, 2)),
        ("absolute value on mixed signs", (np.abs, _mixed, 2)),
        ("square on mixed signs", (np.square, _mixed, 3)),
        ("square on positive values only (increasing there)", (np.square, _positive, 2)),
        ("sine on a wide range", (np.sin, _mixed * 5, 2)),
        ("exp (increasing)", (np.exp, _mixed, 3)),
        ("subtract the stack's mean (not element-wise)", (subtract_mean, _mixed, 2)),
        ("reverse the order of the maps (not element-wise)", (reverse_maps, _mixed, 2)),
        ("add the stack's maximum (not element-wise)", (add_max, _mixed, 2)),
        ("negate every second map (treats the maps differently)", (flip_odd_maps, _mixed, 2)),
    ), misconceptions=(
        ("always True", lambda f, z, k: True, "not every function commutes with max pooling: a decreasing function such as negation turns each window's maximum into its minimum."),
        ("always False", lambda f, z, k: False, "some functions do commute with max pooling: every non-decreasing element-wise one, for instance."),
    ), hint="do not reason about f's shape: compute both orders on z and compare them (up to round-off); some f here are not element-wise.")

RELU_SAVED = T("relu_saved", ("C", "H", "W", "k"), lambda C, H, W, k: C * H * W - C * (H // k) * (W // k), fixed=(
        ("the chapter's stack: 4 maps of 64x64, 2x2 pooling", (4, 64, 64, 2)),
        ("one map", (1, 8, 8, 2)),
        ("1x1 windows save nothing", (3, 5, 5, 1)),
        ("3x3 windows", (2, 9, 9, 3)),
        ("sizes the window does not divide", (3, 7, 5, 2)),
        ("non-square maps", (16, 28, 14, 2)),
        ("AlexNet's first pooling input, 96 maps of 55x55, 2x2 windows", (96, 55, 55, 2)),
    ), random=((1, 4, 4, 1), (257, 129, 129, 5)), n_random=5, misconceptions=(
        ("ReLUs left", lambda C, H, W, k: C * (H // k) * (W // k), "that is how many ReLUs are LEFT after pooling first; the task asks how many are saved."),
        ("one map only", lambda C, H, W, k: H * W - H // k * (W // k), "every one of the C maps needs its own ReLUs: multiply by C."),
        ("divides by k*k", lambda C, H, W, k: C * H * W - C * H * W // (k * k), "a window must fit: a pooled map has H // k rows and W // k columns, which is not H * W // k**2 when k does not divide the sizes."),
    ), hint="how many values does the ReLU see when it comes first, and how many after pooling? Return the difference.")

CONV_THEN_RELU = T("conv_then_relu", ("partials", "bias"),
    lambda partials, bias: relu(bias[:, None, None] + partials.sum(axis=1)),
    fixed=(
        ("the chapter's example: contributions 3 and -2, bias -0.5", (np.array([3.0, -2.0]).reshape(1, 2, 1, 1), np.array([-0.5]))),
        ("one input map", (_rng.normal(size=(2, 1, 3, 3)), np.array([0.5, -0.5]))),
        ("all contributions negative, positive bias", (-_rng.random(size=(1, 3, 2, 2)), np.array([0.2]))),
        ("a large negative bias", (_rng.normal(size=(2, 3, 3, 3)), np.array([-5.0, 1.0]))),
    ), random=_partials_row, n_random=4, misconceptions=(
        ("bias after the ReLU", lambda p, b: relu(p.sum(axis=1)) + b[:, None, None], "the bias is part of the layer's sum: relu(bias + sum), not relu(sum) + bias."),
        ("one ReLU per input map", lambda p, b: b[:, None, None] + relu(p).sum(axis=1), "that is a sum of ReLUs, one per input map: a convolution layer adds ALL contributions and the bias first, and applies the ReLU once, to the total."),
        ("bias missing", lambda p, b: relu(p.sum(axis=1)), "the bias is missing: every output map adds its bias."),
        ("no sum over maps", lambda p, b: relu(p + b[:, None, None, None]), "the contributions of the input maps are not summed: one output map per filter."),
    ), hint="a convolution layer sums the contributions of every input map, adds the filter's bias, and only then applies the ReLU; the result has one map per filter.")

TASKS = publish(globals(), MAX_POOL, MAXOUT, COMMUTES, RELU_SAVED, CONV_THEN_RELU)
