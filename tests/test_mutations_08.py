"""Exercise 8's checkers reject plausible wrong answers, with feedback a student can act on.

The right answers are written independently of the checkers, from the formulas
in the course text; the reordering task's claim is proven by running the two
layers with :func:`convutil.conv2d`.
"""

from __future__ import annotations

import numpy as np
import pytest

from convutil import conv2d
from convutil.checks import PASS_MARK, CheckFailed
from convutil.checks import network as checks
from convutil.summary import Conv2d, Flatten, Linear, MaxPool2d

# --------------------------------------------------------------------------- right answers


def _size(n, k, s, p, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def right_walk(layers, input_shape, *, mistake=None):
    """The walk written out from the formulas; ``mistake`` plants one typical error."""
    c, h, w = input_shape
    shape = (c, h, w)
    rows = []
    for layer in layers:
        params = macs = 0
        if isinstance(layer, Conv2d):
            (kh, kw), (sh, sw), (ph, pw), (dh, dw) = layer.kernel_size, layer.stride, layer.padding, layer.dilation
            if mistake == "pad once":
                out = ((shape[1] + ph - dh * (kh - 1) - 1) // sh + 1, (shape[2] + pw - dw * (kw - 1) - 1) // sw + 1)
            else:
                out = (_size(shape[1], kh, sh, ph, dh), _size(shape[2], kw, sw, pw, dw))
            per_filter = kh * kw if mistake == "no c_in" else shape[0] // layer.groups * kh * kw
            params = layer.c_out * per_filter + (layer.c_out if layer.bias and mistake != "no bias" else 0)
            macs = out[0] * out[1] * layer.c_out * per_filter
            if mistake == "bias is a MAC" and layer.bias:
                macs += out[0] * out[1] * layer.c_out
            shape = (layer.c_out, *out)
        elif isinstance(layer, MaxPool2d):
            stride = layer.stride or ((1, 1) if mistake == "pool stride 1" else layer.kernel_size)
            shape = (
                shape[0],
                _size(shape[1], layer.kernel_size[0], stride[0], layer.padding[0]),
                _size(shape[2], layer.kernel_size[1], stride[1], layer.padding[1]),
            )
        elif isinstance(layer, Flatten):
            shape = (int(np.prod(shape)),)
        elif isinstance(layer, Linear):
            params = shape[0] * layer.out_features + (layer.out_features if layer.bias and mistake != "no bias" else 0)
            macs = shape[0] * layer.out_features
            shape = (layer.out_features,)
        rows.append((shape if mistake != "channels last" or len(shape) != 3 else (*shape[1:], shape[0]), params, macs))
    return rows


def right_reorder_maps(w1, b1, w2, perm):
    return np.take(w1, perm, axis=0), np.take(b1, perm), np.take(w2, perm, axis=1)


def test_right_walk_passes(capsys):
    checks.check_walk(right_walk)
    assert capsys.readouterr().out.startswith(PASS_MARK)


def test_right_reorder_passes(capsys):
    checks.check_reorder_maps(right_reorder_maps)
    assert capsys.readouterr().out.startswith(PASS_MARK)


def test_walk_of_the_seed_example_by_hand():
    # 9x9x10 volume, 4 kernels of 3x3x10: 7x7x4, 4*10*9 + 4 weights and biases, 49*4*90 MACs
    assert right_walk([Conv2d(4, 3)], (10, 9, 9)) == [((4, 7, 7), 364, 17640)]


def test_reordering_keeps_the_network():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 10, 10))
    w1, b1, w2 = rng.normal(size=(5, 3, 3, 3)), rng.normal(size=5), rng.normal(size=(2, 5, 3, 3))
    perm = rng.permutation(5)
    n1, nb1, n2 = right_reorder_maps(w1, b1, w2, perm)
    maps = np.maximum(conv2d(x, w1, b1), 0)
    new_maps = np.maximum(conv2d(x, n1, nb1), 0)
    np.testing.assert_allclose(new_maps, maps[perm])
    np.testing.assert_allclose(conv2d(new_maps, n2), conv2d(maps, w2), atol=1e-12)


# --------------------------------------------------------------------------- wrong answers

WALK_MUTANTS = [
    ("pool stride 1", "stride = kernel_size"),
    ("pad once", "EACH side"),
    ("no c_in", "one kernel for every map of its input volume"),
    ("no bias", "one bias per output"),
    ("bias is a MAC", "not a multiply-accumulate"),
    ("channels last", "channels first"),
]


@pytest.mark.parametrize(("mistake", "hint"), WALK_MUTANTS, ids=[m for m, _ in WALK_MUTANTS])
def test_walk_mutant_is_rejected(mistake, hint, rejects):
    rejects(checks.check_walk, lambda layers, shape: right_walk(layers, shape, mistake=mistake), hint)


def test_walk_other_mistakes_get_the_general_hint():
    def macs_per_filter(layers, shape):  # forgets to multiply MACs by the number of output positions
        rows = right_walk(layers, shape)
        return [(s, p, m // (s[1] * s[2]) if len(s) == 3 and m else m) for s, p, m in rows]

    with pytest.raises(CheckFailed, match="weight x input products does it compute"):
        checks.check_walk(macs_per_filter)
    with pytest.raises(CheckFailed, match="expected 1 items"):  # one row too many
        checks.check_walk(lambda layers, shape: right_walk(layers, shape) + [((1,), 0, 0)])


REORDER_MUTANTS = [
    (lambda w1, b1, w2, perm: (w1[perm], b1[perm], w2[perm]), "permute axis 1"),
    (lambda w1, b1, w2, perm: (w1[perm], b1, w2[:, perm]), "biases move with them"),
    (lambda w1, b1, w2, perm: (w1[perm], b1[perm], w2), "still expects the old order"),
    (lambda w1, b1, w2, perm: (w1[:, perm], b1[perm], w2[:, perm]), "axis 0, w1[perm]"),
    (lambda w1, b1, w2, perm: (w1, b1, w2), "which axis of each weight"),
]


@pytest.mark.parametrize(("mutant", "hint"), REORDER_MUTANTS)
def test_reorder_mutant_is_rejected(mutant, hint, rejects):
    rejects(checks.check_reorder_maps, mutant, hint)


def test_blank_and_broken_answers_become_messages():
    def blank(*args):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not written yet"):
        checks.check_walk(blank)
    with pytest.raises(CheckFailed, match="got None"):
        checks.check_reorder_maps(lambda w1, b1, w2, perm: None)
    with pytest.raises(CheckFailed, match="raised an error"):
        checks.check_walk(lambda layers, shape: [(layer.c_out, layer.out_features) for layer in layers])


# --------------------------------------------------------------------------- more wrong answers, and unusual right ones


def consumes_the_layers(layers, input_shape):
    """Pops the layers off the caller's list as it walks: right rows, but the network is gone afterwards."""
    rows = right_walk(list(layers), input_shape)
    while layers:
        layers.pop(0)
    return rows


def renumbers_in_place(w1, b1, w2, perm):
    w1[:], b1[:], w2[:] = w1[perm], b1[perm], w2[:, perm]
    return w1, b1, w2


MORE_WRONG = [
    (checks.check_walk, consumes_the_layers, ["changed its input", "layers was changed in place"]),
    (checks.check_reorder_maps, renumbers_in_place, ["changed its input", "w1["]),
    (
        checks.check_walk,
        lambda layers, shape: [(list(s), p, m) for s, p, m in right_walk(layers, shape)][:-1],
        ["items"],
    ),
    (checks.check_walk, lambda layers, shape: np.array([m for _, _, m in right_walk(layers, shape)]), ["tuple"]),
    (checks.check_reorder_maps, lambda w1, b1, w2, perm: np.array(0.0), ["a single number (a 0-d NumPy array)"]),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "words"), MORE_WRONG, ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(MORE_WRONG)]
)
def test_more_wrong_answers_are_rejected(checker, wrong, words, rejects):
    rejects(checker, wrong, *words)


def test_unusual_right_answers_pass(capsys):
    checks.check_walk(lambda layers, shape: [[list(s), np.int64(p), float(m)] for s, p, m in right_walk(layers, shape)])
    checks.check_reorder_maps(lambda w1, b1, w2, perm: [w1[perm], list(b1[perm]), np.take(w2, perm, axis=1)])
    assert capsys.readouterr().out.count(PASS_MARK) == 2
