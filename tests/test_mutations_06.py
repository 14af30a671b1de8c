"""Exercise 6's checkers reject plausible wrong answers, with messages that name case, expected and got."""

import numpy as np
import pytest

from convutil import avg_pool2d, max_pool2d
from convutil.checks import CheckFailed
from convutil.checks import pooling as checks


def relu(a):
    return np.maximum(a, 0.0)


# --------------------------------------------------------------------------- Task 1: max_pool
def loop_max_pool(x, k):
    """An independent, loop-based max pooling (the kind a student might write first)."""
    c, h, w = x.shape
    out = np.empty((c, h // k, w // k))
    for m in range(c):
        for i in range(h // k):
            for j in range(w // k):
                out[m, i, j] = x[m, i * k : (i + 1) * k, j * k : (j + 1) * k].max()
    return out


def test_max_pool_loop_answer_passes(capsys):
    checks.check_max_pool(loop_max_pool)
    assert "passes" in capsys.readouterr().out


def zero_initialised(x, k):
    c, h, w = x.shape
    out = np.zeros((c, h // k, w // k))
    for di in range(k):
        for dj in range(k):
            out = np.maximum(out, x[:, di : (h // k) * k : k, dj : (w // k) * k : k])
    return out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, k: avg_pool2d(x, k), "average pooling"),
        (zero_initialised, "not from 0"),
        (lambda x, k: max_pool2d(x, k, stride=1), "stride = k"),
        (lambda x, k: max_pool2d(x.max(axis=0, keepdims=True), k), "number of maps must stay"),
        (lambda x, k: x[:, ::k, ::k], ""),  # subsampling, not pooling
        (lambda x, k: max_pool2d(x, k, padding=k // 2), ""),  # padded: keeps the leftover rows
    ],
)
def test_max_pool_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_max_pool, wrong, hint)


# --------------------------------------------------------------------------- Task 2: maxout
def test_maxout_loop_answer_passes(capsys):
    def loop_maxout(x, pieces):
        return np.stack([x[i : i + pieces].max(axis=0) for i in range(0, x.shape[0], pieces)])

    checks.check_maxout(loop_maxout)
    assert "passes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, p: x.reshape(p, x.shape[0] // p, *x.shape[1:]).max(axis=0), "NEIGHBOURING"),
        (lambda x, p: x.max(axis=0, keepdims=True), "one output map per group"),
        (lambda x, p: max_pool2d(x, p), "max pooling inside each map"),
        (lambda x, p: x.reshape(-1, p, *x.shape[1:]).mean(axis=1), ""),  # mean instead of max
        (lambda x, p: x[::p], ""),  # first map of every group
    ],
)
def test_maxout_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_maxout, wrong, hint)


# --------------------------------------------------------------------------- Task 3: commutes
def test_commutes_truth_table():
    """The cases' expected answers follow from monotonicity, independently of the reference."""
    expected = {
        "ReLU, 2x2 windows": True,
        "ReLU, 3x3 windows": True,
        "tanh (non-decreasing)": True,
        "floor (non-decreasing, with steps)": True,
        "negation (decreasing)": False,
        "absolute value on mixed signs": False,
        "square on mixed signs": False,
        "square on positive values only (increasing there)": True,
        "sine on a wide range": False,
        "exp (increasing)": True,
    }
    cases = checks._cases_commutes()
    assert [c.name for c in cases] == list(expected)
    for case in cases:
        assert checks._commutes_reference(*case.args.values()) is expected[case.name], case.name


def test_commutes_right_answer_with_own_pooling_passes(capsys):
    checks.check_commutes(lambda f, z, k: bool(np.allclose(f(loop_max_pool(z, k)), loop_max_pool(f(z), k))))
    assert "passes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda f, z, k: True, "not every function commutes"),
        (lambda f, z, k: False, "some functions do commute"),
        (lambda f, z, k: bool(np.array_equal(f(avg_pool2d(z, k)), avg_pool2d(f(z), k))), ""),  # average pooling
        (lambda f, z, k: bool(np.all(f(z) >= 0)), ""),  # "only non-negative outputs commute"
    ],
)
def test_commutes_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_commutes, wrong, hint)


def test_commutes_wrong_type_is_named(rejects):
    message = rejects(checks.check_commutes, lambda f, z, k: "yes")
    assert "expected True or False" in message


# --------------------------------------------------------------------------- Task 4: relu_saved
def test_relu_saved_counting_answer_passes(capsys):
    def counted(C, H, W, k):
        return int(np.zeros((C, H, W)).size - max_pool2d(np.zeros((C, H, W)), k).size)

    checks.check_relu_saved(counted)
    assert "passes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda C, H, W, k: C * (H // k) * (W // k), "LEFT after pooling"),
        (lambda C, H, W, k: H * W - (H // k) * (W // k), "multiply by C"),
        (lambda C, H, W, k: C * H * W - C * H * W // (k * k), "not C * H * W // k**2"),
        (lambda C, H, W, k: C * H * W * (1 - 1 / k**2), "expected an integer"),
        (lambda C, H, W, k: C * H * W, ""),
    ],
)
def test_relu_saved_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_relu_saved, wrong, hint)


def test_relu_saved_chapter_case_is_first_and_right():
    case = checks._relu_saved_cases()[0]
    assert tuple(case.args.values()) == (4, 64, 64, 2)
    assert checks._relu_saved_reference(*case.args.values()) == 16384 - 4096


# --------------------------------------------------------------------------- Task 5: conv_then_relu
def test_conv_then_relu_loop_answer_passes(capsys):
    def loop(partials, bias):
        n, c = partials.shape[:2]
        return np.stack([relu(bias[j] + sum(partials[j, i] for i in range(c))) for j in range(n)])

    checks.check_conv_then_relu(loop)
    assert "passes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda p, b: b[:, None, None] + relu(p).sum(axis=1), "ReLU once"),
        (lambda p, b: relu(p.sum(axis=1)) + b[:, None, None], "relu(bias + sum), not relu(sum) + bias"),
        (lambda p, b: relu(p.sum(axis=1)), "bias is missing"),
        (lambda p, b: relu(b[:, None, None] + p.sum(axis=0)), ""),  # summed over the wrong axis
        (lambda p, b: b[:, None, None] + p.sum(axis=1), ""),  # no ReLU
    ],
)
def test_conv_then_relu_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_conv_then_relu, wrong, hint)


def test_conv_then_relu_first_case_is_the_chapter_example(rejects):
    message = rejects(checks.check_conv_then_relu, lambda p, b: b[:, None, None] + relu(p).sum(axis=1))
    assert "contributions 3 and -2, bias -0.5" in message
    assert "expected: array([[[0.5]]])" in message
    assert "got:      array([[[2.5]]])" in message


# --------------------------------------------------------------------------- robustness
@pytest.mark.parametrize(
    "checker",
    [
        checks.check_max_pool,
        checks.check_maxout,
        checks.check_commutes,
        checks.check_relu_saved,
        checks.check_conv_then_relu,
    ],
)
@pytest.mark.parametrize(
    ("student", "words"),
    [
        (lambda *args: None, "got None"),
        (lambda *args: 1 / 0, "ZeroDivisionError"),
        (42, "expects your function"),
    ],
)
def test_nonsense_becomes_feedback(checker, student, words):
    with pytest.raises(CheckFailed, match=words):
        checker(student)
