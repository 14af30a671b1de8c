"""Exercise 7's checkers reject plausible wrong answers, with feedback a student can act on.

The right answers here are written independently of the checkers (from the
course text), and the references the checkers use are proven by running
:func:`convutil.conv2d` and :func:`convutil.conv3d` on both sides.
"""

from __future__ import annotations

import numpy as np
import pytest

from convutil import conv2d, conv3d
from convutil.checks import PASS_MARK, CheckFailed
from convutil.checks import volumes as checks

# --------------------------------------------------------------------------- right answers


def right_two_readings(maps, height, width, kernel):
    kd, kh, kw = kernel
    return (maps - kd + 1, height - kh + 1, width - kw + 1), (height - kh + 1, width - kw + 1)


def right_as_conv3d(weight, padding):
    c_out, c_in, kh, kw = weight.shape
    return weight.reshape(c_out, 1, c_in, kh, kw), (0, padding, padding)


def right_banded_weight(kernel, maps, stride=1):
    kd = kernel.shape[0]
    n_filters = (maps - kd) // stride + 1
    # vectorised: filter i, map m holds kernel[m - i*stride] where 0 <= m - i*stride < kd
    offset = np.arange(maps)[None, :] - stride * np.arange(n_filters)[:, None]
    inside = (offset >= 0) & (offset < kd)
    return np.where(inside[..., None, None], kernel[np.clip(offset, 0, kd - 1)], 0.0)


RIGHT = [
    (checks.check_two_readings, right_two_readings),
    (checks.check_as_conv3d, right_as_conv3d),
    (checks.check_banded_weight, right_banded_weight),
]


@pytest.mark.parametrize(("checker", "answer"), RIGHT, ids=[c.__name__ for c, _ in RIGHT])
def test_right_answers_pass(checker, answer, capsys):
    checker(answer)
    assert capsys.readouterr().out.startswith(PASS_MARK)


def test_seed_example_shapes():
    assert right_two_readings(1337, 42, 314, (3, 4, 5)) == ((1335, 39, 310), (39, 310))


# --------------------------------------------------------------------------- the tasks' claims, by running both sides


@pytest.mark.parametrize(("c_out", "c_in", "kh", "kw", "padding"), [(1, 1, 1, 1, 0), (4, 6, 3, 5, 1), (2, 3, 2, 2, 2)])
def test_as_conv3d_reproduces_the_layer(c_out, c_in, kh, kw, padding):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(c_in, 7, 9))
    weight = rng.normal(size=(c_out, c_in, kh, kw))
    weight_3d, padding_3d = right_as_conv3d(weight, padding)
    out = conv3d(x[None], weight_3d, padding=padding_3d)
    assert out.shape[1] == 1  # one depth slice per filter
    np.testing.assert_allclose(out[:, 0], conv2d(x, weight, padding=padding), atol=1e-12)


@pytest.mark.parametrize(("kd", "maps", "stride"), [(1, 4, 1), (3, 12, 1), (5, 5, 1), (2, 7, 1), (3, 9, 2), (2, 8, 3)])
def test_banded_weight_reproduces_the_3d_convolution(kd, maps, stride):
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(kd, 3, 2))
    x = rng.normal(size=(maps, 8, 6))
    np.testing.assert_allclose(
        conv2d(x, right_banded_weight(kernel, maps, stride)),
        conv3d(x[None], kernel[None, None], stride=(stride, 1, 1))[0],
        atol=1e-12,
    )


# --------------------------------------------------------------------------- wrong answers


def _flip(kernel, maps, stride=1):
    return right_banded_weight(kernel[::-1], maps, stride)


def _ignore_stride(kernel, maps, stride=1):
    return right_banded_weight(kernel, maps, 1)


def _start_at_i(kernel, maps, stride=1):
    kd = kernel.shape[0]
    out = np.zeros(((maps - kd) // stride + 1, maps, *kernel.shape[1:]))
    for i in range(len(out)):
        out[i, i : i + kd] = kernel
    return out


def _one_filter_per_map(kernel, maps, stride=1):
    kd = kernel.shape[0]
    out = np.zeros((maps, maps, *kernel.shape[1:]))
    for d in range(maps):
        take = min(kd, maps - d)
        out[d, d : d + take] = kernel[:take]
    return out


def _kernel_on_every_map(kernel, maps, stride=1):
    n_filters = (maps - kernel.shape[0]) // stride + 1
    return np.broadcast_to(kernel.sum(axis=0), (n_filters, maps, *kernel.shape[1:])).copy()


def _float_count(kernel, maps, stride=1):
    kd = kernel.shape[0]
    return np.zeros(((maps - kd) / stride + 1, maps, *kernel.shape[1:]))  # TypeError: float shape


MUTANTS = [
    # (checker, wrong answer, text the hint must contain)
    (
        checks.check_two_readings,
        lambda m, h, w, k: ((h - k[1] + 1, w - k[2] + 1), (h - k[1] + 1, w - k[2] + 1)),
        "keeps a depth axis",
    ),
    (checks.check_two_readings, lambda m, h, w, k: ((m - k[0], h - k[1], w - k[2]), (h - k[1], w - k[2])), "one short"),
    (
        checks.check_two_readings,
        lambda m, h, w, k: ((m - k[0] + 1, h - k[1] + 1, w - k[2] + 1),) * 2,
        "as deep as the stack",
    ),
    (
        checks.check_two_readings,
        lambda m, h, w, k: ((h - k[1] + 1, w - k[2] + 1, m - k[0] + 1), (h - k[1] + 1, w - k[2] + 1)),
        "(depth, height, width)",
    ),
    (  # the seed answer's speculation: an extra axis of k_{n+1} * k_n
        checks.check_two_readings,
        lambda m, h, w, k: ((m, h - k[1] + 1, w - k[2] + 1), (h - k[1] + 1, w - k[2] + 1)),
        "the depth shrinks",
    ),
    (checks.check_as_conv3d, lambda weight, p: (weight[:, None], (p, p, p)), "no padding along depth"),
    (checks.check_as_conv3d, lambda weight, p: (weight[:, :, None], (0, p, p)), "ONE channel"),
    (checks.check_as_conv3d, lambda weight, p: (weight[None], (0, p, p)), "first axis"),
    (checks.check_as_conv3d, lambda weight, p: (weight[:, None], p), "how deep"),
    (checks.check_banded_weight, _flip, "does not flip"),
    (checks.check_banded_weight, _ignore_stride, "stride along depth is ignored"),
    (checks.check_banded_weight, _start_at_i, "must start at map i*stride"),
    (checks.check_banded_weight, _one_filter_per_map, "WHOLE kernel fits"),
    (checks.check_banded_weight, _kernel_on_every_map, "zeros on the maps it does not cover"),
]


@pytest.mark.parametrize(
    ("checker", "mutant", "hint"), MUTANTS, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(MUTANTS)]
)
def test_mutant_is_rejected_with_useful_feedback(checker, mutant, hint, rejects):
    rejects(checker, mutant, hint)


def test_blank_and_broken_answers_become_messages():
    def blank(*args):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not written yet"):
        checks.check_two_readings(blank)
    with pytest.raises(CheckFailed, match="got None"):
        checks.check_banded_weight(lambda kernel, maps, stride=1: None)
    with pytest.raises(CheckFailed, match="TypeError"):
        checks.check_banded_weight(_float_count)
    with pytest.raises(CheckFailed, match="raised an error"):
        checks.check_as_conv3d(lambda weight, padding: weight.reshape(-1, 7))
    with pytest.raises(CheckFailed, match="expects your function"):
        checks.check_two_readings(((1335, 39, 310), (39, 310)))


# --------------------------------------------------------------------------- more wrong answers, and unusual right ones


def flips_kernel_in_place(kernel, maps, stride=1):
    """Reverses the caller's kernel in place along depth (wrong, and it changes the input)."""
    kernel[:] = kernel[::-1].copy()
    return right_banded_weight(kernel, maps, stride)


MORE_WRONG = [
    (checks.check_banded_weight, flips_kernel_in_place, ["changed its input", "kernel["]),
    (checks.check_as_conv3d, lambda weight, padding: (weight[:, None], np.array(padding)), ["a single number (a 0-d"]),
    # the kernel's height used for the width too: right wherever kH = kW, so the general hint
    (
        checks.check_two_readings,
        lambda m, h, w, k: ((m - k[0] + 1, h - k[1] + 1, w - k[1] + 1), (h - k[1] + 1, w - k[1] + 1)),
        ["along each axis count the positions"],
    ),
    (
        checks.check_two_readings,
        lambda m, h, w, k: (m - k[0] + 1, h - k[1] + 1, w - k[2] + 1),
        ["expected 2 items, got 3"],
    ),
    (checks.check_as_conv3d, lambda weight, padding: (weight[:, None].tolist(), (0, padding)), ["expected 3 items"]),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "words"), MORE_WRONG, ids=[f"{c.__name__}-{i}" for i, (c, *_) in enumerate(MORE_WRONG)]
)
def test_more_wrong_answers_are_rejected(checker, wrong, words, rejects):
    rejects(checker, wrong, *words)


def test_unusual_right_answers_pass(capsys):
    checks.check_as_conv3d(lambda weight, padding: (np.expand_dims(weight, 1), [0, padding, padding]))
    checks.check_two_readings(
        lambda m, h, w, k: ([m - k[0] + 1, h - k[1] + 1, w - k[2] + 1], [h - k[1] + 1, w - k[2] + 1])
    )
    checks.check_banded_weight(
        lambda kernel, maps, stride=1: right_banded_weight(kernel, maps, stride).astype(np.float32)
    )
    assert capsys.readouterr().out.count(PASS_MARK) == 3
