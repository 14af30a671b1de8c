"""Exercise 4's checkers reject plausible wrong answers, with feedback a student can act on.

The right answers are written here from the layer specifications in chapter 4
and the papers' kernel shapes, independently of the checkers; the AlexNet and
LeNet-5 totals are the recomputed values of REFERENCES.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from convutil.architectures import lenet5_c3_table
from convutil.checks import PASS_MARK, CheckFailed
from convutil.checks import evidence as checks

# --------------------------------------------------------------------------- right answers


def right_grouped_params(c_in, c_out, k, groups, bias):
    return c_out * (c_in // groups) * k * k + (c_out if bias else 0)


def right_alexnet_params(groups):
    convs = [(3, 96, 11, 1), (96, 256, 5, groups), (256, 384, 3, 1), (384, 384, 3, groups), (384, 256, 3, groups)]
    fcs = [(9216, 4096), (4096, 4096), (4096, 1000)]
    return sum(right_grouped_params(*c, True) for c in convs) + sum(i * o + o for i, o in fcs)


def right_table_params(table, k, bias):
    return int(np.count_nonzero(table)) * k * k + (len(table) if bias else 0)


def right_inception_params(c_in, n1, r3, n3, r5, n5, pp):
    return c_in * n1 + c_in * r3 + r3 * n3 * 9 + c_in * r5 + r5 * n5 * 25 + c_in * pp


def test_right_answers_match_the_published_numbers():
    assert right_alexnet_params(2) == 60_965_224
    assert right_alexnet_params(1) == 62_378_344
    assert right_table_params(lenet5_c3_table(), 5, True) == 1_516
    assert right_inception_params(192, 64, 96, 128, 16, 32, 32) == 163_328


RIGHT = [
    (checks.check_grouped_params, right_grouped_params),
    (checks.check_alexnet_params, right_alexnet_params),
    (checks.check_table_params, right_table_params),
    (checks.check_inception_params, right_inception_params),
]


@pytest.mark.parametrize(("checker", "answer"), RIGHT, ids=[c.__name__ for c, _ in RIGHT])
def test_right_answers_pass(checker, answer, capsys):
    checker(answer)
    assert capsys.readouterr().out.startswith(PASS_MARK)


# --------------------------------------------------------------------------- wrong answers


def _fc():
    return 9216 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000


MUTANTS = [
    # (checker, wrong answer, text the message must contain)
    (checks.check_grouped_params, lambda ci, co, k, g, b: ci * co * k * k + b * co, "groups is ignored"),
    (
        checks.check_grouped_params,
        lambda ci, co, k, g, b: (co // g) * (ci // g) * k * k + b * co,
        "ONE group",
    ),
    (
        checks.check_grouped_params,
        lambda ci, co, k, g, b: co * (ci // g) * k * k + b * co * (ci // g),
        "ONE bias",
    ),
    (checks.check_grouped_params, lambda ci, co, k, g, b: co * (ci // g) * k * k, "bias=True"),
    (checks.check_grouped_params, lambda ci, co, k, g, b: co * (ci // g) * k + b * co, "k*k"),
    (checks.check_alexnet_params, lambda g: right_alexnet_params(g) - _fc(), "fully connected"),
    (checks.check_alexnet_params, lambda g: right_alexnet_params(1), "groups is ignored"),
    (
        checks.check_alexnet_params,
        lambda g: right_alexnet_params(g) - 256 * 3 * 3 * 384 + 256 // g * 3 * 3 * 384,  # conv3 split too
        "conv3 is NOT split",
    ),
    (
        checks.check_alexnet_params,
        lambda g: right_alexnet_params(g) - 9216 * 4096 + 6400 * 4096,  # fc6 from a 224x224 input
        "9216",
    ),
    (
        checks.check_alexnet_params,
        lambda g: right_alexnet_params(g) - (96 + 256 + 384 + 384 + 256) - (4096 + 4096 + 1000),
        "biases are missing",
    ),
    (checks.check_table_params, lambda t, k, b: t.size * k * k + b * t.shape[0], "table is ignored"),
    (checks.check_table_params, lambda t, k, b: int(t.sum()) * (k * k + b), "one bias per output MAP"),
    (checks.check_table_params, lambda t, k, b: int(t.sum()) * k * k + b * t.shape[1], "rows of the table"),
    (checks.check_table_params, lambda t, k, b: int(t.sum()) * k * k, "biases are missing"),
    (checks.check_table_params, lambda t, k, b: int(t.sum()) * k + b * t.shape[0], "k*k"),
    (
        checks.check_inception_params,
        lambda ci, n1, r3, n3, r5, n5, pp: ci * (n1 + n3 * 9 + n5 * 25 + pp),
        "reductions are missing",
    ),
    (
        checks.check_inception_params,
        lambda ci, n1, r3, n3, r5, n5, pp: right_inception_params(ci, n1, r3, n3, r5, n5, pp) - ci * pp,
        "pool projection",
    ),
    (
        checks.check_inception_params,
        lambda ci, n1, r3, n3, r5, n5, pp: right_inception_params(ci, n1, r3, n3, r5, n5, pp) - ci * r3 - ci * r5,
        "reduction layers have weights",
    ),
    (
        checks.check_inception_params,
        lambda ci, n1, r3, n3, r5, n5, pp: (
            right_inception_params(ci, n1, r3, n3, r5, n5, pp) + n1 + r3 + n3 + r5 + n5 + pp
        ),
        "without biases",
    ),
    (
        checks.check_inception_params,  # the 5x5 branch reads c_in maps (no reduction on that branch only)
        lambda ci, n1, r3, n3, r5, n5, pp: ci * n1 + ci * r3 + r3 * n3 * 9 + ci * n5 * 25 + ci * pp,
        "expected",
    ),
]


@pytest.mark.parametrize(
    ("checker", "mutant", "hint"), MUTANTS, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(MUTANTS)]
)
def test_mutant_is_rejected_with_useful_feedback(checker, mutant, hint, rejects):
    rejects(checker, mutant, hint)


@pytest.mark.parametrize("checker", [c for c, _ in RIGHT])
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, "expects your function"),
        (1516, "expects your function"),
        (lambda *args: None, "got None"),
        (lambda *args: [][0], "IndexError"),
        (lambda *args: 1.5, "a whole number"),
    ],
)
def test_broken_answers_become_messages(checker, answer, words):
    with pytest.raises(CheckFailed) as info:
        checker(answer)
    assert words in str(info.value)


# --------------------------------------------------------------------------- more wrong answers, and unusual right ones


def self_connected(table, k, bias):
    """Marks every map as connected to the input map of the same number, in the caller's table."""
    np.fill_diagonal(table, True)
    return int(table.sum()) * k * k + bias * table.shape[0]


MORE_WRONG = [
    (checks.check_table_params, self_connected, ["changed its input", "table["]),
    # biases shared by the groups too: no one misconception explains it, so the general hint
    (checks.check_grouped_params, lambda ci, co, k, g, b: co * (ci // g) * k * k + b * co // g, ["how many filters"]),
    (checks.check_alexnet_params, lambda g: right_alexnet_params(g) + 96 * 3 * 11 * 11 * (1 / g - 1), ["add up"]),
    (checks.check_inception_params, lambda *a: np.array([right_inception_params(*a)] * 2), ["expected a number"]),
    (checks.check_table_params, lambda table, k, bias: table.sum(axis=1) * k * k + bias, ["expected a number"]),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "words"), MORE_WRONG, ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(MORE_WRONG)]
)
def test_more_wrong_answers_are_rejected(checker, wrong, words, rejects):
    rejects(checker, wrong, *words)


def test_unusual_right_answers_pass(capsys):
    checks.check_grouped_params(lambda ci, co, k, g, b: co * ci / g * k**2 + co * b)  # true division: equal floats
    checks.check_alexnet_params(lambda g: np.array(right_alexnet_params(g)))  # a 0-d array holding the number
    checks.check_table_params(lambda table, k, bias: np.count_nonzero(table) * k * k + bias * len(table))
    assert capsys.readouterr().out.count(PASS_MARK) == 3
