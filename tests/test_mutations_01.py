"""Exercise 1's checkers reject plausible wrong answers, with feedback a student can act on.

Each mutant below is a wrong answer a student could plausibly write (the
seeds' own slip among them). The checker must raise ``CheckFailed`` with the
failing case, expected versus got, and -- where the mistake is a known
misconception -- the hint that names it. The correct answers are written
here independently of the checkers, from the formulas in the course text.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from convutil.checks import PASS_MARK, CheckFailed, _engine
from convutil.checks import counting as checks


def _area(kernel):
    return kernel[0] * kernel[1]


# --------------------------------------------------------------------------- right answers


def right_output_size(n, k, s=1, p=0, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def right_output_shape(x_shape, weight_shape, stride=1, padding=0, dilation=1):
    return (
        weight_shape[0],
        right_output_size(x_shape[1], weight_shape[2], stride, padding, dilation),
        right_output_size(x_shape[2], weight_shape[3], stride, padding, dilation),
    )


def right_layer2_maps(k1, k2):
    return (k1 * k2, k2, k2)


def right_values_per_output(k1, k2, kernel2):
    return (_area(kernel2), k1 * _area(kernel2), k1 * _area(kernel2))


def right_weights_per_type(k1, k2, kernel1, kernel2):
    first = k1 * _area(kernel1)
    return (first + k2 * _area(kernel2), first + k2 * _area(kernel2), first + k2 * k1 * _area(kernel2))


def right_params_type22(k1, k2, kernel1=(3, 3), kernel2=(5, 5), bias=True):
    return k1 * _area(kernel1) + k2 * k1 * _area(kernel2) + (k1 + k2 if bias else 0)


RIGHT = [
    (checks.check_output_size, right_output_size),
    (checks.check_output_shape, right_output_shape),
    (checks.check_layer2_maps, right_layer2_maps),
    (checks.check_values_per_output, right_values_per_output),
    (checks.check_weights_per_type, right_weights_per_type),
    (checks.check_params_type22, right_params_type22),
]


@pytest.mark.parametrize(("checker", "answer"), RIGHT, ids=[c.__name__ for c, _ in RIGHT])
def test_right_answers_pass(checker, answer, capsys):
    checker(answer)
    assert capsys.readouterr().out.startswith(PASS_MARK)


def test_right_volume_shape_passes(capsys):
    checks.check_volume_shape((4, 7, 7))
    checks.check_volume_shape([4, 7, 7])  # a list is a harmless choice
    assert capsys.readouterr().out.count(PASS_MARK) == 2


# --------------------------------------------------------------------------- wrong answers


MUTANTS = [
    # (checker, wrong answer, text the hint must contain)
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: (n + 2 * p - d * (k - 1) - 1) // s, "one short"),
    # one over only where s=1: no single misconception explains every case, so the general hint
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: (n + 2 * p - d * (k - 1)) // s + 1, "count the positions"),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: (n + p - d * (k - 1) - 1) // s + 1, "EACH side"),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: (n + 2 * p - k) // s + 1, "dilation"),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: n + 2 * p - d * (k - 1), "stride"),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: (n + 2 * p - d * (k - 1) - 1) / s + 1, "//"),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1, "round down"),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: n - k + 1, "padding"),
    (
        checks.check_output_shape,
        lambda x, w, stride=1, padding=0, dilation=1: (
            (x[0] * w[0],) + right_output_shape(x, w, stride, padding, dilation)[1:]
        ),
        "type 1",
    ),
    (
        checks.check_output_shape,
        lambda x, w, stride=1, padding=0, dilation=1: (x[0],) + right_output_shape(x, w, stride, padding, dilation)[1:],
        "number of filters",
    ),
    (
        checks.check_output_shape,
        lambda x, w, stride=1, padding=0, dilation=1: (
            w[0],
            right_output_size(x[1], w[2], stride, padding, dilation),
            right_output_size(x[2], w[2], stride, padding, dilation),  # kH used for the width too
        ),
        "kW",
    ),
    (
        checks.check_output_shape,
        lambda x, w, stride=1, padding=0, dilation=1: (
            w[0],
            right_output_size(x[2], w[3], stride, padding, dilation),
            right_output_size(x[1], w[2], stride, padding, dilation),
        ),
        "swapped",
    ),
    (checks.check_layer2_maps, lambda k1, k2: (k1 * k2, k2, k1 * k2), "that is type 1"),
    (checks.check_layer2_maps, lambda k1, k2: (k2, k2, k2), "separately"),
    (checks.check_layer2_maps, lambda k1, k2: (k1 * k2, k1, k1), "not k1"),
    (checks.check_values_per_output, lambda k1, k2, kr: (_area(kr), k2 * _area(kr), k2 * _area(kr)), "slip"),
    (checks.check_values_per_output, lambda k1, k2, kr: (_area(kr), k1 * _area(kr), _area(kr)), "all k1 input maps"),
    (checks.check_values_per_output, lambda k1, k2, kr: (k1 * _area(kr),) * 3, "ONE input map"),
    (
        checks.check_weights_per_type,
        lambda k1, k2, a, b: right_weights_per_type(k1, k2, a, b)[:2] + (k1 * _area(a) + k2 * k2 * _area(b),),
        "slip",
    ),
    (
        checks.check_weights_per_type,
        lambda k1, k2, a, b: (k1 * _area(a) + k2 * _area(b),) * 3,  # the seed's type 2.1 count for type 2.2 too
        "own kernel for every input map",
    ),
    (
        checks.check_weights_per_type,
        lambda k1, k2, a, b: (k1 * _area(a) + k1 * k2 * _area(b),) + right_weights_per_type(k1, k2, a, b)[1:],
        "type 1 reuses",
    ),
    (
        checks.check_weights_per_type,
        lambda k1, k2, a, b: right_weights_per_type(k1, k2, a, b)[:2] + (k2 * k1 * _area(b),),
        "layer 2 alone",
    ),
    (
        checks.check_weights_per_type,
        lambda k1, k2, a, b: right_weights_per_type(k1, k2, a, b)[:2] + (right_params_type22(k1, k2, a, b),),
        "weights only",
    ),
    (
        checks.check_params_type22,
        lambda k1, k2, a=(3, 3), b=(5, 5), bias=True: right_params_type22(k1, k2, a, b, bias=False),
        "biases are missing",
    ),
    (
        checks.check_params_type22,
        lambda k1, k2, a=(3, 3), b=(5, 5), bias=True: right_params_type22(k1, k2, a, b, bias=True),
        "bias=False",
    ),
    (
        checks.check_params_type22,
        lambda k1, k2, a=(3, 3), b=(5, 5), bias=True: right_params_type22(k1, k2, a, b, False) + bias * (k1 + k1 * k2),
        "ONE bias",
    ),
    (
        checks.check_params_type22,
        lambda k1, k2, a=(3, 3), b=(5, 5), bias=True: right_params_type22(k1, k2, a, b, False) + 2 * bias,
        "per FILTER",
    ),
    (
        checks.check_params_type22,
        lambda k1, k2, a=(3, 3), b=(5, 5), bias=True: k1 * _area(a) + k2 * k2 * _area(b) + bias * (k1 + k2),
        "slip",
    ),
    (
        checks.check_params_type22,
        lambda k1, k2, a=(3, 3), b=(5, 5), bias=True: k2 * k1 * _area(b) + bias * k2,
        "layer 2 alone",
    ),
    (
        checks.check_params_type22,  # type 2.1 counts for a real conv layer
        lambda k1, k2, a=(3, 3), b=(5, 5), bias=True: k1 * _area(a) + k2 * _area(b) + bias * (k1 + k2),
        "",
    ),
]


@pytest.mark.parametrize(
    ("checker", "mutant", "hint"), MUTANTS, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(MUTANTS)]
)
def test_mutant_is_rejected_with_useful_feedback(checker, mutant, hint, rejects):
    rejects(checker, mutant, hint)


@pytest.mark.parametrize(
    ("value", "hint"),
    [((4, 3, 3), "kernel's size"), ((40, 7, 7), "type 1"), ((1, 7, 7), "one map"), ((7, 7, 4), "channels first")],
)
def test_wrong_volume_shape_is_rejected(value, hint):
    with pytest.raises(CheckFailed, match="expected: \\(4, 7, 7\\)") as info:
        checks.check_volume_shape(value)
    assert f"got:      {value}" in str(info.value)
    assert hint in str(info.value)


def test_type1_hint_names_the_count():
    with pytest.raises(CheckFailed) as info:
        checks.check_layer2_maps(lambda k1, k2: (k1 * k2,) * 3)
    message = str(info.value)
    # the first case where type 1 and type 2.2 differ is k1=3, k2=8: 24 maps
    for part in ('case "k1=3, k2=8"', "k1*k2 = 24 maps", "expected: (24, 8, 8)"):
        assert part in message


# --------------------------------------------------------------------------- robustness


ALL_CHECKERS = [checker for checker, _ in RIGHT]


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_returning_none_is_explained(checker):
    with pytest.raises(CheckFailed, match="got None.*return"):
        checker(lambda *args: None)


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_returning_a_string_is_explained(checker):
    with pytest.raises(CheckFailed, match="got a str"):
        checker(lambda *args: "7")


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_an_exception_is_reported_not_propagated(checker):
    def broken(*args):
        return len(args) / 0

    with pytest.raises(CheckFailed) as info:
        checker(broken)
    message = str(info.value)
    for part in ("ZeroDivisionError: division by zero", "call:"):
        assert part in message
    assert "return len(args) / 0" in message  # the student's own line
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_not_implemented_says_not_written_yet(checker):
    def blank(*args):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not written yet"):
        checker(blank)


def test_a_value_instead_of_a_function_is_explained():
    with pytest.raises(CheckFailed, match="expects your function output_size itself.*got an int: 7"):
        checks.check_output_size(7)


def test_volume_shape_not_set_is_explained():
    with pytest.raises(CheckFailed, match="volume_shape is not set yet"):
        checks.check_volume_shape(None)
    with pytest.raises(CheckFailed, match="got a str"):
        checks.check_volume_shape("4x7x7")


def test_a_function_that_runs_too_long_is_stopped(monkeypatch):
    monkeypatch.setattr(_engine, "TIME_LIMIT", 0.2)
    release = threading.Event()

    def endless(*args):
        release.wait(10)  # stands in for an endless loop; released below so no thread lingers
        return 1

    try:
        with pytest.raises(CheckFailed, match=r"took longer than 0\.2 s on the case \"1x1 kernel\"") as info:
            checks.check_output_size(endless)
    finally:
        release.set()
    assert "call: output_size(n=5, k=1, s=1, p=0, d=1)" in str(info.value)


def test_arguments_are_copies():
    """A student function that mutates its arguments cannot corrupt the checker's cases."""

    def mutating(x_shape, weight_shape, stride=1, padding=0, dilation=1):
        result = right_output_shape(x_shape, weight_shape, stride, padding, dilation)
        if isinstance(x_shape, list):
            x_shape.clear()
        return result

    checks.check_output_shape(mutating)


# --------------------------------------------------------------------------- more wrong answers, and unusual right ones
# (ex. 1's arguments are ints and tuples, which cannot be changed in place: see the other exercises for that)

MORE_WRONG = [
    # a 0-d array where a tuple is expected: a message, not a crash
    (checks.check_layer2_maps, lambda k1, k2: np.array(k1 * k2), ["a single number (a 0-d NumPy array)"]),
    # round() instead of floor coincides with "dilation ignored" on one case only: the general hint, not a wrong one
    (
        checks.check_output_size,
        lambda n, k, s=1, p=0, d=1: round((n + 2 * p - d * (k - 1) - 1) / s) + 1,
        ["round down"],
    ),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: int((n + 2 * p - d * k) / s + 1), ["count the positions"]),
    # a square-kernel assumption is named as such
    (
        checks.check_output_shape,
        lambda x, w, stride=1, padding=0, dilation=1: (
            w[0],
            right_output_size(x[1], w[2], stride, padding, dilation),
            right_output_size(x[2], w[2], stride, padding, dilation),
        ),
        ["non-square"],
    ),
    (
        checks.check_output_shape,
        lambda x, w, stride=1, padding=0, dilation=1: right_output_shape(x, w, stride, padding, dilation)[1:] + (w[0],),
        ["channels first"],
    ),
    # biases of layer 2 only: no single misconception explains it, so the general hint
    (
        checks.check_params_type22,
        lambda k1, k2, a=(3, 3), b=(5, 5), bias=True: right_params_type22(k1, k2, a, b, False) + bias * k2,
        ["count each layer's filters"],
    ),
    (checks.check_values_per_output, lambda k1, k2, kr: {"type 1": 1}, ["expected a tuple of 3 items, got a dict"]),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: str(right_output_size(n, k, s, p, d)), ["got a str"]),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "words"), MORE_WRONG, ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(MORE_WRONG)]
)
def test_more_wrong_answers_are_rejected(checker, wrong, words, rejects):
    message = rejects(checker, wrong, *words)
    if "round down" in words:
        assert "dilation is ignored" not in message  # the coincidence does not pick a wrong hint


@pytest.mark.parametrize("value", [np.array(4 * 7 * 7), np.array(4.0)])
def test_a_0d_volume_shape_is_explained(value, rejects):
    rejects(checks.check_volume_shape, value, "a single number (a 0-d NumPy array)", call=False)


UNUSUAL_RIGHT = [
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1.0),
    (checks.check_output_size, lambda n, k, s=1, p=0, d=1: np.int64(right_output_size(n, k, s, p, d))),
    (checks.check_output_shape, lambda *args: list(right_output_shape(*args))),
    (checks.check_output_shape, lambda *args: np.array(right_output_shape(*args))),
    (checks.check_layer2_maps, lambda k1, k2: [k1 * k2, k2, k2]),
    (checks.check_weights_per_type, lambda *args: np.array(right_weights_per_type(*args))),
]


@pytest.mark.parametrize(
    ("checker", "answer"), UNUSUAL_RIGHT, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(UNUSUAL_RIGHT)]
)
def test_unusual_right_answers_pass(checker, answer, capsys):
    checker(answer)
    assert capsys.readouterr().out.startswith(PASS_MARK)


def test_unusual_right_volume_shapes_pass(capsys):
    for value in (np.array([4, 7, 7]), (4.0, 7.0, 7.0), [np.int64(4), 7, 7]):
        checks.check_volume_shape(value)
    assert capsys.readouterr().out.count(PASS_MARK) == 3
