"""Exercise 5's checkers reject plausible wrong answers, with messages that name case, expected and got."""

import numpy as np
import pytest

from convutil import conv2d, conv_macs, conv_type1, conv_type2_1
from convutil.checks import PASS_MARK, CheckFailed
from convutil.checks import grouped as checks


# --------------------------------------------------------------------------- Task 1: type1_weight
def right_type1_weight(kernels, C):
    return np.concatenate([kernels] * C)[:, None]


def test_type1_weight_right_answer_passes(capsys):
    checks.check_type1_weight(right_type1_weight)
    assert "passes" in capsys.readouterr().out


def test_type1_weight_right_answer_really_computes_type1():
    rng = np.random.default_rng(5)
    x, kernels = rng.normal(size=(3, 7, 6)), rng.normal(size=(2, 3, 3))
    np.testing.assert_allclose(conv2d(x, right_type1_weight(kernels, 3), groups=3), conv_type1(x, kernels))


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda kernels, C: np.repeat(kernels, C, axis=0)[:, None], "np.repeat"),
        (lambda kernels, C: np.tile(kernels, (C, 1, 1)), "4D weight"),
        (lambda kernels, C: kernels[:, None], "C copies"),
        (lambda kernels, C: np.tile(kernels, (C, 1, 1))[:, None] * 0.5, ""),
        (lambda kernels, C: np.tile(kernels[:, ::-1], (C, 1, 1))[:, None], ""),  # flipped kernels
    ],
)
def test_type1_weight_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_type1_weight, wrong, hint)


# --------------------------------------------------------------------------- Task 2: type21_via_sum
def test_type21_right_answer_passes(capsys):
    checks.check_type21_via_sum(lambda x, kernels, padding: conv2d(x.sum(0)[None], kernels[:, None], padding=padding))
    assert "passes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, k, p: conv2d(x.mean(axis=0, keepdims=True), k[:, None], padding=p), "not their mean"),
        (lambda x, k, p: conv2d(x[:1], k[:, None], padding=p), "only the first map"),
        (lambda x, k, p: conv_type1(x, k, padding=p), "that is type 1"),
        (lambda x, k, p: conv2d(x.sum(0)[None], k[:, None]), ""),  # padding forgotten
        (lambda x, k, p: conv2d(x.sum(0)[None], k[:, None, ::-1, ::-1], padding=p), ""),  # flipped (true convolution)
    ],
)
def test_type21_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_type21_via_sum, wrong, hint)


def test_type21_reference_is_the_sum():
    rng = np.random.default_rng(6)
    x, kernels = rng.normal(size=(5, 8, 8)), rng.normal(size=(2, 3, 3))
    by_hand = np.stack([sum(conv2d(x[c : c + 1], k[None, None])[0] for c in range(5)) for k in kernels])
    np.testing.assert_allclose(conv_type2_1(x, kernels), by_hand)


# --------------------------------------------------------------------------- Task 3: depthwise_separable
def right_separable(x, depthwise, pointwise, padding):
    per_map = conv2d(x, depthwise, padding=padding, groups=x.shape[0])
    return np.einsum("nc,chw->nhw", pointwise[:, :, 0, 0], per_map)


def test_separable_right_answer_passes(capsys):
    checks.check_depthwise_separable(right_separable)
    assert "passes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, d, p, pad: conv2d(x, d, padding=pad, groups=x.shape[0]), "pointwise (1x1) step is missing"),
        (lambda x, d, p, pad: conv2d(conv2d(x, d, groups=x.shape[0]), p), "padding belongs to the depthwise step"),
        (
            lambda x, d, p, pad: conv2d(conv2d(x, d, padding=pad, groups=x.shape[0]), p, padding=pad),
            "needs no padding",
        ),
        (lambda x, d, p, pad: conv2d(conv2d(x, p), d, padding=pad, groups=x.shape[0]), "swapped"),
        (lambda x, d, p, pad: conv2d(conv2d(x, d, padding=pad, groups=x.shape[0]), p).sum(axis=0), ""),
    ],
)
def test_separable_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_depthwise_separable, wrong, hint)


def test_separable_forgotten_groups_is_reported_not_crashed():
    with pytest.raises(
        CheckFailed, match=r"raised an error on the case .*\n  call: .*\n  error: ValueError: weight has 1"
    ):
        checks.check_depthwise_separable(lambda x, d, p, pad: conv2d(conv2d(x, d, padding=pad), p))


# --------------------------------------------------------------------------- Task 4: mobilenet_ratio
def test_ratio_closed_form_agrees_with_counting_every_case():
    for case in checks.MOBILENET_RATIO.cases():
        m, n, dk, df = case.args.values()
        counted = (conv_macs(m, m, dk, df, groups=m) + conv_macs(m, n, 1, df)) / conv_macs(m, n, dk, df)
        assert counted == pytest.approx(1 / n + 1 / dk**2, rel=1e-12), case.name


def test_ratio_counting_answer_passes(capsys):
    checks.check_mobilenet_ratio(
        lambda M, N, Dk, Df: (Dk * Dk * M * Df * Df + M * N * Df * Df) / (Dk * Dk * M * N * Df * Df)
    )
    assert "passes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda M, N, Dk, Df: 1 / Dk**2, "depthwise step's cost is missing"),
        (lambda M, N, Dk, Df: 1 / N, "pointwise (1x1) step's cost is missing"),
        (lambda M, N, Dk, Df: 1 / (1 / N + 1 / Dk**2), "upside down"),
        (lambda M, N, Dk, Df: 1 / M + 1 / Dk**2, "M cancels"),
        (lambda M, N, Dk, Df: M / N + 1 / Dk**2, "groups=M"),
        (lambda M, N, Dk, Df: round(1 / N + 1 / Dk**2, 2), ""),  # rounded too early
        (lambda M, N, Dk, Df: 1 // N + 1 // Dk**2, ""),  # integer division
    ],
)
def test_ratio_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_mobilenet_ratio, wrong, hint)


# --------------------------------------------------------------------------- robustness
@pytest.mark.parametrize(
    "checker",
    [
        checks.check_type1_weight,
        checks.check_type21_via_sum,
        checks.check_depthwise_separable,
        checks.check_mobilenet_ratio,
    ],
)
@pytest.mark.parametrize(
    ("student", "words"),
    [
        (lambda *args: None, "got None"),
        (lambda *args: "a string", "got"),
        (None, "expects your function"),
    ],
)
def test_nonsense_becomes_feedback(checker, student, words):
    with pytest.raises(CheckFailed, match=words):
        checker(student)


def test_not_implemented_becomes_feedback():
    def blank(*args):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="is not written yet"):
        checks.check_mobilenet_ratio(blank)


# --------------------------------------------------------------------------- more wrong answers, and unusual right ones


def sums_into_first_map(x, kernels, padding):
    """Sums the maps into x[0] (the caller's array) and convolves that: right values, changed input."""
    x[0] += x[1:].sum(axis=0)
    return conv2d(x[:1], kernels[:, None], padding=padding)


MORE_WRONG = [
    (checks.check_type21_via_sum, sums_into_first_map, ["changed its input", "x["]),
    (checks.check_type21_via_sum, lambda x, k, p: conv_type2_1(x, k, padding=p), ["broke a rule", "conv_type2_1"]),
    # 1/N + 1/Dk agrees with the right ratio where Dk = 1: the general hint, no wrong misconception
    (checks.check_mobilenet_ratio, lambda M, N, Dk, Df: 1 / N + 1 / Dk, ["count the multiply-accumulates"]),
    (checks.check_mobilenet_ratio, lambda M, N, Dk, Df: np.array([1 / N, 1 / Dk**2]), ["expected a number"]),
    (
        checks.check_depthwise_separable,
        lambda x, d, p, pad: conv2d(conv2d(x, d, padding=pad), p),
        ["where: in <lambda>"],
    ),
    (checks.check_type1_weight, lambda kernels, C: np.tile(kernels, (C, 1, 1))[:, None][:, :, ::-1], ["values differ"]),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "words"), MORE_WRONG, ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(MORE_WRONG)]
)
def test_more_wrong_answers_are_rejected(checker, wrong, words, rejects):
    message = rejects(checker, wrong, *words)
    assert "upside down" not in message


def test_unusual_right_answers_pass(capsys):
    checks.check_mobilenet_ratio(lambda M, N, Dk, Df: np.array(1 / N + 1 / Dk**2))  # 0-d array
    checks.check_type1_weight(lambda kernels, C: [k[None] for _ in range(C) for k in kernels])  # a list of arrays
    checks.check_type21_via_sum(lambda x, k, p: conv2d(np.add.reduce(x)[None], k[:, None], padding=p))
    assert capsys.readouterr().out.count(PASS_MARK) == 3
