"""Exercise 3's checkers reject plausible wrong answers, with feedback a student can act on.

The right answers are written here from the formulas in chapter 3 (a 1x1
convolution is ``weight @ column`` at every pixel; a layer costs
``h_out*w_out*c_in*c_out*k*k`` MACs), independently of the checkers.
"""

from __future__ import annotations

import numpy as np
import pytest

import convutil
from convutil.checks import PASS_MARK, CheckFailed
from convutil.checks import cost as checks

# --------------------------------------------------------------------------- right answers


def right_conv1x1(x, weight):
    c, h, w = x.shape
    return (weight @ x.reshape(c, h * w)).reshape(weight.shape[0], h, w)


def right_layer_macs(h_out, w_out, c_in, c_out, k):
    return h_out * w_out * c_in * c_out * k * k


def right_branch_macs(c_in, reduce_to, c_out, size):
    direct = size * size * c_in * c_out * 25
    reduced = size * size * c_in * reduce_to + size * size * reduce_to * c_out * 25
    return (direct, reduced)


RIGHT = [
    (checks.check_conv1x1, right_conv1x1),
    (checks.check_conv1x1, lambda x, weight: np.tensordot(weight, x, axes=1)),
    (checks.check_layer_macs, right_layer_macs),
    (checks.check_branch_macs, right_branch_macs),
]


@pytest.mark.parametrize(("checker", "answer"), RIGHT, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(RIGHT)])
def test_right_answers_pass(checker, answer, capsys):
    checker(answer)
    assert capsys.readouterr().out.startswith(PASS_MARK)


@pytest.mark.parametrize("factors", [(4, 2), (4.0, 2.0), [4, 2]])
def test_right_cost_factors_pass(factors, capsys):
    checks.check_cost_factors(factors)
    assert capsys.readouterr().out.startswith(PASS_MARK)


def test_branch_macs_of_module_3a_matches_the_chapter():
    # chapter 3: 120,422,400 MACs directly, 12,443,648 with the reduction
    assert right_branch_macs(192, 16, 32, 28) == (120_422_400, 12_443_648)


# --------------------------------------------------------------------------- wrong answers

MUTANTS = [
    # (checker, wrong answer, text the message must contain)
    (checks.check_conv1x1, lambda x, weight: np.einsum("co,chw->ohw", weight, x), "transpose"),
    (
        checks.check_conv1x1,
        lambda x, weight: (weight @ x.reshape(-1, x.shape[0]).T).reshape(weight.shape[0], *x.shape[1:]),
        "scrambles",
    ),
    (checks.check_conv1x1, lambda x, weight: weight.sum(axis=1)[:, None, None] * x.sum(axis=0), "type 2.1"),
    (checks.check_conv1x1, lambda x, weight: x * weight[0, 0], "values differ"),  # type 1: a constant per map
    (checks.check_conv1x1, lambda x, weight: np.einsum("oc,chw->ochw", weight, x), "expected shape"),  # no sum
    (checks.check_layer_macs, lambda h, w, ci, co, k: h * w * co * k * k, "input maps are missing"),
    (checks.check_layer_macs, lambda h, w, ci, co, k: h * w * ci * co * k, "k*k taps"),
    (checks.check_layer_macs, lambda h, w, ci, co, k: ci * co * k * k, "number of weights"),
    (checks.check_layer_macs, lambda h, w, ci, co, k: ci * co * k * k + co, "number of parameters"),
    (checks.check_layer_macs, lambda h, w, ci, co, k: h * w * co * (ci * k * k + 1), "bias"),
    (checks.check_layer_macs, lambda h, w, ci, co, k: h * w * ci * co, "kernel size is missing"),
    (
        checks.check_branch_macs,
        lambda ci, r, co, s: (right_branch_macs(ci, r, co, s)[0], s * s * r * co * 25),
        "reduction is not free",
    ),
    (
        checks.check_branch_macs,
        lambda ci, r, co, s: (right_branch_macs(ci, r, co, s)[0], s * s * (ci * r + ci * co * 25)),
        "reduce_to maps",
    ),
    (checks.check_branch_macs, lambda ci, r, co, s: right_branch_macs(ci, r, co, s)[::-1], "expected"),
    (checks.check_branch_macs, lambda ci, r, co, s: (s * s * ci * co * 5, right_branch_macs(ci, r, co, s)[1]), "25"),
]


@pytest.mark.parametrize(
    ("checker", "mutant", "hint"), MUTANTS, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(MUTANTS)]
)
def test_mutant_is_rejected_with_useful_feedback(checker, mutant, hint, rejects):
    rejects(checker, mutant, hint)


@pytest.mark.parametrize(
    ("factors", "hint"),
    [
        ((2, 2), "2*2"),
        ((4, 4), "SUMMED"),
        ((2, 4), "other way round"),
        ((1, 1), "tuple of two numbers"),
        (4, "tuple"),
        (None, "not set yet"),
    ],
)
def test_wrong_cost_factors_are_rejected(factors, hint):
    with pytest.raises(CheckFailed) as info:
        checks.check_cost_factors(factors)
    message = str(info.value)
    assert hint in message
    if factors is not None:
        assert "expected:" in message
        assert "got:" in message


@pytest.mark.parametrize("checker", [checks.check_conv1x1, checks.check_layer_macs, checks.check_branch_macs])
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, "expects your function"),
        (42, "expects your function"),
        (lambda *args: None, "got None"),
        (lambda *args: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_broken_answers_become_messages(checker, answer, words):
    with pytest.raises(CheckFailed) as info:
        checker(answer)
    assert words in str(info.value)


# --------------------------------------------------------------------------- more wrong answers, and unusual right ones


def reshapes_in_place(x, weight):
    """Reshapes the caller's array in place (x.shape = ...): the right values, a changed input."""
    c, h, w = x.shape
    x.shape = (c, h * w)
    return (weight @ x).reshape(weight.shape[0], h, w)


MORE_WRONG = [
    (checks.check_conv1x1, lambda x, weight: convutil.conv2d(x, weight[:, :, None, None]), ["broke a rule", "conv2d"]),
    (checks.check_conv1x1, reshapes_in_place, ["changed its input", "x was replaced or reshaped in place"]),
    # a bias counted as a MAC: that hint, not "that is the number of parameters"
    (checks.check_layer_macs, lambda h, w, ci, co, k: h * w * co * (ci * k * k + 1), ["not a multiply-accumulate"]),
    (checks.check_layer_macs, lambda h, w, ci, co, k: np.array(h * w * ci * co * k * k, dtype=np.int8), ["expected"]),
    (checks.check_branch_macs, lambda ci, r, co, s: np.array(s * s * ci * co * 25), ["a single number (a 0-d NumPy"]),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "words"), MORE_WRONG, ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(MORE_WRONG)]
)
def test_more_wrong_answers_are_rejected(checker, wrong, words, rejects):
    message = rejects(checker, wrong, *words)
    assert "number of parameters" not in message


@pytest.mark.parametrize(
    ("factors", "words"),
    [
        (np.array(4.0), ["a single number (a 0-d NumPy array)"]),
        ((4, 1), ["doubling k2 doubles its cost"]),
        ((4,), ["expected 2 items"]),
        ("4, 2", ["expected a tuple of 2 items, got a str"]),
    ],
)
def test_more_wrong_cost_factors_are_rejected(factors, words, rejects):
    rejects(checks.check_cost_factors, factors, *words, call=False)


def test_unusual_right_answers_pass(capsys):
    checks.check_cost_factors([4.0, 2.0])
    checks.check_cost_factors(np.array([4, 2]))
    checks.check_layer_macs(lambda h, w, ci, co, k: float(h * w * ci * co * k * k))
    checks.check_branch_macs(lambda *args: list(right_branch_macs(*args)))
    checks.check_conv1x1(lambda x, weight: np.tensordot(weight, x, axes=1))
    assert capsys.readouterr().out.count(PASS_MARK) == 5
