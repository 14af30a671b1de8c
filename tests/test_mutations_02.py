"""Exercise 2 (convolution over a stack): plausible wrong answers are rejected with useful feedback.

For every task, a right answer written independently of the checker's
reference (SciPy's ``correlate2d``, explicit loops) passes, and each mutation
-- the mistakes students make -- raises ``CheckFailed`` whose message names
the case, expected versus got, and the hint for that mistake.
"""

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate, correlate2d

import convutil
from convutil import conv_type2_2
from convutil.checks import _engine
from convutil.checks import stack as checks
from convutil.checks._engine import PASS_MARK, CheckFailed

# --------------------------------------------------------------------------- task 1: stack_layer


def right_stack_layer(x, weight, bias):
    return np.array(
        [
            sum(correlate2d(x[c], weight[j, c], mode="valid") for c in range(x.shape[0])) + bias[j]
            for j in range(weight.shape[0])
        ]
    )


def forgot_bias(x, weight, bias):
    return right_stack_layer(x, weight, np.zeros_like(bias))


def bias_per_input_map(x, weight, bias):
    return right_stack_layer(x, weight, x.shape[0] * bias)


def flipped_kernels(x, weight, bias):  # true convolution
    return np.array(
        [
            sum(convolve2d(x[c], weight[j, c], mode="valid") for c in range(x.shape[0])) + bias[j]
            for j in range(weight.shape[0])
        ]
    )


def type2_1(x, weight, bias):  # one kernel per filter, shared by all maps
    shared = np.repeat(weight[:, :1], x.shape[0], axis=1)
    return right_stack_layer(x, shared, bias)


def summed_before_filtering(x, weight, bias):
    total = x.sum(axis=0)
    return np.array([correlate2d(total, weight[j].sum(axis=0), mode="valid") + bias[j] for j in range(weight.shape[0])])


def type1_no_sum(x, weight, bias):  # one map per (filter, input map) pair
    return np.array(
        [
            [correlate2d(x[c], weight[j, c], mode="valid") + bias[j] for c in range(x.shape[0])]
            for j in range(weight.shape[0])
        ]
    )


def same_padding(x, weight, bias):
    return np.array(
        [
            sum(correlate2d(x[c], weight[j, c], mode="same") for c in range(x.shape[0])) + bias[j]
            for j in range(weight.shape[0])
        ]
    )


def off_by_one(x, weight, bias):  # stops one window early in each direction
    return right_stack_layer(x, weight, bias)[:, :-1, :-1]


def kernel_axes_swapped(x, weight, bias):  # weight[c, j] instead of weight[j, c]
    return right_stack_layer(x, weight.swapaxes(0, 1), bias)


def test_right_stack_layer_passes(capsys):
    checks.check_stack_layer(right_stack_layer)
    assert capsys.readouterr().out.startswith(PASS_MARK)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (forgot_bias, "the bias is missing"),
        (bias_per_input_map, "once per input map"),
        (flipped_kernels, "flipped"),
        (type2_1, "type 2.1"),
        (summed_before_filtering, "summed before filtering"),
        (type1_no_sum, "type 1"),
        (same_padding, "no padding"),
        (off_by_one, "(K, H - kH + 1, W - kW + 1)"),
        (kernel_axes_swapped, "weight[j, c] is filter j's kernel for input map c"),
    ],
)
def test_wrong_stack_layer_is_rejected(wrong, hint, rejects):
    rejects(checks.check_stack_layer, wrong, hint)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda x, weight, bias: None, "forget to `return`"),
        (lambda x, weight, bias: x[5], "raised an error"),
        (lambda x, weight, bias: (_ for _ in ()).throw(NotImplementedError()), "not written yet"),
    ],
)
def test_broken_stack_layer_gives_a_message_not_a_crash(wrong, says):
    with pytest.raises(CheckFailed, match="stack_layer") as info:
        checks.check_stack_layer(wrong)
    assert says in str(info.value)


def test_endless_stack_layer_is_stopped(monkeypatch):
    monkeypatch.setattr(_engine, "TIME_LIMIT", 0.2)

    def endless(x, weight, bias):
        while True:
            pass

    with pytest.raises(CheckFailed, match="took longer than 0.2 s"):
        checks.check_stack_layer(endless)


# --------------------------------------------------------------------------- task 2: reorder_filters


def right_reorder(weight, perm):
    out = np.empty_like(weight)
    for i, old in enumerate(perm):  # new input map i is old map perm[i]; it needs that map's kernels
        out[:, i] = weight[:, old]
    return out


def test_right_reorder_passes(capsys):
    checks.check_reorder_filters(right_reorder)
    assert capsys.readouterr().out.startswith(PASS_MARK)


def test_right_reorder_really_keeps_the_output():
    # The property the task asks for, checked on its own (not through the checker).
    from convutil import conv_type2_2

    rng = np.random.default_rng(5)
    x, weight, bias = rng.normal(size=(5, 8, 9)), rng.normal(size=(3, 5, 3, 2)), rng.normal(size=3)
    perm = np.array([2, 4, 0, 1, 3])
    assert np.allclose(conv_type2_2(x[perm], right_reorder(weight, perm), bias), conv_type2_2(x, weight, bias))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda weight, perm: weight.copy(), "kernels must move with their maps"),
        (lambda weight, perm: weight[:, np.argsort(perm)], "inverse permutation"),
        (
            # the filters reordered where that is possible: no one misconception explains every case
            lambda weight, perm: weight[np.asarray(perm)] if len(perm) == len(weight) else weight,
            "test it yourself",
        ),
        (lambda weight, perm: weight[:, ::-1], "reversed"),
    ],
)
def test_wrong_reorder_is_rejected(wrong, hint, rejects):
    rejects(checks.check_reorder_filters, wrong, hint)


# --------------------------------------------------------------------------- task 3: cross detector


def centre_taps(h, v, bias):
    w = np.zeros((1, 2, 5, 5))
    w[0, 0, 2, 2], w[0, 1, 2, 2] = h, v
    return w, np.array([bias])


def strokes():
    """Chapter 2's design: a horizontal stroke in map 0, a vertical stroke in map 1, bias -7.5."""
    w = np.zeros((1, 2, 5, 5))
    w[0, 0, 2, :] = 1.0
    w[0, 1, :, 2] = 1.0
    return w, np.array([-7.5])


def parallel_fooled():
    """Sums three rows of the horizontal map: three parallel lines look like a crossing to it."""
    w = np.zeros((1, 2, 5, 5))
    w[0, 0, 1:4, 2] = 1.0
    w[0, 1, 2, 2] = 1.0
    return w, np.array([-1.5])


@pytest.mark.parametrize(
    "answer",
    [
        centre_taps(1.0, 1.0, -1.5),
        centre_taps(2.0, 3.0, -4.0),
        strokes(),  # chapter 2's design
    ],
)
def test_right_cross_detectors_pass(answer, capsys):
    checks.check_cross_detector(*answer)
    assert capsys.readouterr().out.startswith(PASS_MARK)


@pytest.mark.parametrize(
    ("answer", "case", "hint"),
    [
        (centre_taps(1.0, 0.0, -0.5), "a lone horizontal bar", "ignores the vertical"),  # reads one map: type 1
        (centre_taps(0.0, 1.0, -0.5), "a lone vertical bar", "ignores the horizontal"),
        (centre_taps(1.0, 1.0, 0.0), "a lone horizontal bar", "bias >= 0"),  # forgot the bias
        (centre_taps(1.0, 1.0, -0.5), "a lone horizontal bar", "more negative"),  # threshold too low
        (centre_taps(1.0, 1.0, -2.5), "the cross of chapter 2", "no more negative"),  # threshold too high
        (
            (np.ones((1, 2, 5, 5)), np.array([-5.5])),
            "a horizontal and a vertical bar that do not touch",
            "different places",
        ),
        (parallel_fooled(), "three parallel horizontal bars", "more negative"),
        ((-centre_taps(1.0, 1.0, 0.0)[0], np.array([1.5])), "a blank image", "bias >= 0"),  # signs flipped
    ],
)
def test_wrong_cross_detector_is_rejected(answer, case, hint, rejects):
    # the answer is two values (weight, bias), and there is no student function to call
    rejects(lambda pair: checks.check_cross_detector(*pair), answer, hint, case=repr(case), call=False)


@pytest.mark.parametrize(
    ("weight", "bias", "says"),
    [
        (None, np.array([-1.5]), "cross_weight is not set yet"),
        (centre_taps(1, 1, 0)[0], None, "cross_bias is not set yet"),
        (np.zeros((2, 5, 5)), np.array([-1.5]), "must have shape (1, 2, 5, 5), got shape (2, 5, 5)"),
        (centre_taps(1, 1, 0)[0], -1.5, "must have shape (1,), got shape ()"),
        (centre_taps(1, 1, 0)[0], np.array([np.nan]), "finite"),
        ("weights", np.array([-1.5]), "array of numbers"),
    ],
)
def test_malformed_cross_detector_gives_a_message(weight, bias, says):
    with pytest.raises(CheckFailed) as info:
        checks.check_cross_detector(weight, bias)
    assert says in str(info.value)


# --------------------------------------------------------------------------- more wrong answers, and unusual right ones


def flips_in_place(x, weight, bias):
    """Turns the kernels in place to use convolve2d: the right values, but the caller's weights are changed."""
    weight[...] = weight[..., ::-1, ::-1]
    return np.array([sum(convolve2d(m, k, mode="valid") for m, k in zip(x, w)) + b for w, b in zip(weight, bias)])


def swaps_in_place(weight, perm):
    weight[:] = weight[:, perm]
    return weight


def first_filter_biased(x, weight, bias):
    out = right_stack_layer(x, weight, np.zeros_like(bias))
    out[0] += bias[0]  # only the first filter gets its bias
    return out


MORE_WRONG = [
    (checks.check_stack_layer, flips_in_place, ["changed its input", "weight["]),
    (checks.check_reorder_filters, swaps_in_place, ["changed its input", "weight["]),
    (checks.check_stack_layer, lambda x, weight, bias: conv_type2_2(x, weight, bias), ["broke a rule", "conv_type2_2"]),
    (checks.check_stack_layer, lambda x, weight, bias: convutil.conv2d(x, weight, bias), ["broke a rule", "conv2d"]),
    (checks.check_stack_layer, first_filter_biased, ["check the result's shape first"]),  # no one misconception
    (
        checks.check_stack_layer,
        lambda x, weight, bias: right_stack_layer(x, weight, bias).sum(),
        ["expected a NumPy array of shape (1, 3, 4)"],
    ),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "words"), MORE_WRONG, ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(MORE_WRONG)]
)
def test_more_wrong_answers_are_rejected(checker, wrong, words, rejects):
    rejects(checker, wrong, *words)


@pytest.mark.parametrize(
    ("weight", "bias", "words"),
    [
        (np.zeros((1, 2, 5, 5)), np.array(-1.5), ["cross_bias must have shape (1,), got shape ()"]),  # 0-d bias
        (np.zeros((2, 5, 5)), np.array([-1.5]), ["cross_weight must have shape (1, 2, 5, 5), got shape (2, 5, 5)"]),
        ("weights", np.array([-1.5]), ["cross_weight must be an array of numbers"]),
    ],
)
def test_malformed_cross_detectors_are_explained(weight, bias, words, rejects):
    rejects(checks.check_cross_detector, (weight, bias), *words, call=False, spread=True)


def test_library_convolutions_that_sum_over_the_maps_are_refused(rejects):
    """One n-d correlation per filter does the sum over the maps inside SciPy or PyTorch: the task asks to write it."""
    torch = pytest.importorskip("torch")
    for answer in (
        lambda x, weight, bias: np.array([correlate(x, w, mode="valid")[0] + b for w, b in zip(weight, bias)]),
        lambda x, weight, bias: torch.nn.functional.conv2d(*map(torch.tensor, (x[None], weight, bias)))[0].numpy(),
    ):
        rejects(checks.check_stack_layer, answer, "which this task asks you not to use", "write the sum yourself")


def test_unusual_right_answers_pass(capsys):
    checks.check_stack_layer(lambda x, weight, bias: [m.tolist() for m in right_stack_layer(x, weight, bias)])
    checks.check_reorder_filters(lambda weight, perm: np.take(weight, list(perm), axis=1))
    weight = [[[[0.0] * 5] * 5, [[0.0] * 5] * 5]]
    weight[0][0][2] = [0.0, 0.0, 1.0, 0.0, 0.0]
    weight[0][1][2] = [0.0, 0.0, 1.0, 0.0, 0.0]
    checks.check_cross_detector(weight, [-1.5])  # nested lists, not arrays
    assert capsys.readouterr().out.count(PASS_MARK) == 3
