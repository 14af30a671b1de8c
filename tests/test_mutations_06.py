"""Exercise 6's checkers reject plausible wrong answers, with messages that name case, expected and got."""

from dataclasses import replace
from functools import partial

import numpy as np
import pytest

import convutil.crossmap
from convutil import avg_pool2d, max_pool2d
from convutil.checks import PASS_MARK, CheckFailed, run
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


def test_max_pool_loop_answer_is_asked_to_vectorize(rejects):
    """The task asks for NumPy without loops over pixels: a pixel loop is right but not accepted."""
    rejects(checks.check_max_pool, loop_max_pool, "not vectorized", "without a Python loop over the pixels")


def test_max_pool_loop_answer_is_right_when_loops_are_allowed(capsys):
    run(replace(checks.MAX_POOL, forbid=(), max_lines=None), loop_max_pool)
    assert "passes" in capsys.readouterr().out


def test_max_pool_shortcut_is_refused(rejects):
    rejects(checks.check_max_pool, lambda x, k: max_pool2d(x, k), "broke a rule", "it used max_pool2d")


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
    # written with convutil's pooling for brevity: the rule against it is lifted here
    rejects(partial(run, replace(checks.MAX_POOL, forbid=())), wrong, hint)


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
    expected |= {
        "subtract the stack's mean (not element-wise)": False,
        "reverse the order of the maps (not element-wise)": True,
        "add the stack's maximum (not element-wise)": True,
        "negate every second map (treats the maps differently)": False,  # max(-z) is -min(z) on those maps
    }
    cases = checks.COMMUTES.cases()
    assert [c.name for c in cases] == list(expected)
    for case in cases:
        assert checks.COMMUTES.reference(*case.args.values()) is expected[case.name], case.name


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
        (lambda C, H, W, k: C * H * W - C * H * W // (k * k), "which is not H * W // k**2"),
        (lambda C, H, W, k: C * H * W * (1 - 1 / k**2), "a whole number"),
        (lambda C, H, W, k: C * H * W, ""),
    ],
)
def test_relu_saved_wrong_answers_are_rejected(wrong, hint, rejects):
    rejects(checks.check_relu_saved, wrong, hint)


def test_relu_saved_chapter_case_is_first_and_right():
    case = checks.RELU_SAVED.cases()[0]
    assert tuple(case.args.values()) == (4, 64, 64, 2)
    assert checks.RELU_SAVED.reference(*case.args.values()) == 16384 - 4096


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


# --------------------------------------------------------------------------- more wrong answers, and unusual right ones


def adds_bias_into_partials(partials, bias):
    """Adds the bias into the caller's partials before summing: right values, changed input."""
    partials[:, 0] += bias[:, None, None]
    return relu(partials.sum(axis=1))


def pools_maps_and_rows(x, k):
    """Cuts blocks over (maps, rows) instead of (rows, columns)."""
    c, h, w = x.shape
    return x[: c // k * k, : h // k * k].reshape(c // k, k, h // k, k, w).max(axis=(1, 3))


def monotone_on_values(f, z, k):
    """'f commutes if it is non-decreasing on z's values': wrong for functions that are not element-wise."""
    values = np.sort(z.ravel())
    return bool(np.all(np.diff(f(values)) >= 0))


MORE_WRONG = [
    (checks.check_conv_then_relu, adds_bias_into_partials, ["changed its input", "partials["]),
    (checks.check_max_pool, pools_maps_and_rows, ["maps (channel) axis"]),
    (checks.check_maxout, lambda x, p: convutil.crossmap.maxout(x, p), ["broke a rule", "maxout"]),
    (checks.check_commutes, monotone_on_values, ["not element-wise", 'case "subtract the stack']),
    (checks.check_commutes, lambda f, z, k: "True", ["expected True or False, got a str"]),
    (checks.check_relu_saved, lambda C, H, W, k: np.array([C * H * W, C * (H // k) * (W // k)]), ["expected a number"]),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "words"), MORE_WRONG, ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(MORE_WRONG)]
)
def test_more_wrong_answers_are_rejected(checker, wrong, words, rejects):
    rejects(checker, wrong, *words)


def test_unusual_right_answers_pass(capsys):
    checks.check_relu_saved(lambda C, H, W, k: np.array(C * H * W - C * (H // k) * (W // k)))  # 0-d array
    checks.check_commutes(lambda f, z, k: np.allclose(f(max_pool2d(z, k)), max_pool2d(f(z), k)))  # a NumPy bool
    checks.check_commutes(lambda f, z, k: np.array(np.array_equal(f(max_pool2d(z, k)), max_pool2d(f(z), k))))
    checks.check_maxout(lambda x, p: np.maximum.reduce([x[i::p] for i in range(p)]))
    checks.check_max_pool(
        lambda x, k: np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))[:, ::k, ::k].max(axis=(3, 4))
    )
    assert capsys.readouterr().out.count(PASS_MARK) == 5
