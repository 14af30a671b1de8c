"""Exercise 9 (the backward pass of a convolution layer): right answers pass, plausible wrong ones are rejected.

The right answers here are written independently of the checker's reference
(``convutil.conv2d_backward``): explicit loops over every product of the
forward sum, and ``np.einsum`` over sliding windows. The wrong answers are the
mistakes students make: a forgotten sum over positions or over output maps, the
kernel's direction in the input gradient, a bias gradient that is not summed, a
stride ignored, an input changed in place, the library shortcut, loops where a
vectorized answer is asked for.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import convutil
from convutil.checks import PASS_MARK
from convutil.checks import backward as checks


def loops(grad_out, x, weight, stride=1, *, overwrite=False, flip=False):
    """Every product weight[j, c, u, v] * x[c, r*S + u, s*S + v] sends grad_out[j, r, s] times the other factor."""
    c_out, c_in, kh, kw = weight.shape
    grad_x, grad_weight = np.zeros(x.shape), np.zeros(weight.shape)
    for j in range(c_out):
        for r in range(grad_out.shape[1]):
            for s in range(grad_out.shape[2]):
                for c in range(c_in):
                    for u in range(kh):
                        for v in range(kw):
                            kernel = weight[j, c, ::-1, ::-1] if flip else weight[j, c]
                            grad_x[c, r * stride + u, s * stride + v] += grad_out[j, r, s] * kernel[u, v]
                            window = grad_out[j, r, s] * x[c, r * stride + u, s * stride + v]
                            if overwrite:  # `=` where `+=` belongs: only the last position survives
                                grad_weight[j, c, u, v] = window
                            else:
                                grad_weight[j, c, u, v] += window
    return grad_x, grad_weight, grad_out.sum(axis=(1, 2))


def windows_einsum(grad_out, x, weight, stride=1):
    """Vectorized: the windows of x as an array; the input gradient scattered back window row by window row."""
    kh, kw = weight.shape[2:]
    ho, wo = grad_out.shape[1:]
    win = sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::stride, ::stride][:, :ho, :wo]  # (C, Ho, Wo, kH, kW)
    grad_weight = np.einsum("jrs,crsuv->jcuv", grad_out, win)
    contributions = np.einsum("jrs,jcuv->crsuv", grad_out, weight)  # what each window sends back
    grad_x = np.zeros(x.shape)
    for u in range(kh):  # a loop over the kernel's taps, not over positions
        for v in range(kw):
            grad_x[:, u : u + stride * ho : stride, v : v + stride * wo : stride] += contributions[:, :, :, u, v]
    return grad_x, grad_weight, grad_out.sum(axis=(1, 2))


def test_right_answers_pass(capsys):
    checks.check_conv_backward_loops(lambda g, x, w: loops(g, x, w))
    checks.check_conv_backward(windows_einsum)
    checks.check_conv_backward(lambda g, x, w, s: list(windows_einsum(g, x, w, s)))  # a list, not a tuple
    assert capsys.readouterr().out.count(PASS_MARK) == 3


def test_the_reference_agrees_with_the_loops():
    rng = np.random.default_rng(9)
    for stride in (1, 2, 3):
        x, w = rng.normal(size=(2, 9, 8)), rng.normal(size=(3, 2, 3, 2))
        g = rng.normal(size=(3, (9 - 3) // stride + 1, (8 - 2) // stride + 1))
        for ours, theirs in zip(loops(g, x, w, stride), convutil.conv2d_backward(g, x, w, stride=stride)):
            np.testing.assert_allclose(ours, theirs, atol=1e-12)


def per_output_map(g, x, w, s=1):
    parts = [loops(g[j : j + 1], x, w[j : j + 1], s)[0] for j in range(w.shape[0])]
    return np.stack(parts), loops(g, x, w, s)[1], g.sum(axis=(1, 2))


def unflipped_full_correlation(g, x, w, s=1):
    """The transposed convolution done right (spread, padded) except for the kernel's turn."""
    kh, kw = w.shape[2:]
    spread = np.zeros((g.shape[0], (g.shape[1] - 1) * s + 1, (g.shape[2] - 1) * s + 1))
    spread[:, ::s, ::s] = g
    rest = (x.shape[1] - spread.shape[1] - kh + 1, x.shape[2] - spread.shape[2] - kw + 1)
    padded = np.pad(spread, ((0, 0), (kh - 1, kh - 1 + rest[0]), (kw - 1, kw - 1 + rest[1])))
    return convutil.conv2d(padded, w.transpose(1, 0, 2, 3)), windows_einsum(g, x, w, s)[1], g.sum(axis=(1, 2))


def stride_ignored(g, x, w, s):
    kh, kw = w.shape[2:]
    padded = np.pad(g, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    grad_x = convutil.conv2d(padded, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return grad_x, windows_einsum(g, x, w, s)[1], g.sum(axis=(1, 2))


def flips_weight_in_place(g, x, w, s):
    w[...] = w[:, :, ::-1, ::-1]  # turns the kernels for the transposed convolution: the caller's weight changes
    return windows_einsum(g, x, w[:, :, ::-1, ::-1], s)


LOOP_MUTANTS = [
    (lambda g, x, w: loops(g, x, w, overwrite=True), ["grad_weight", "EVERY output position"]),
    (lambda g, x, w: loops(g, x, w, flip=True), ["grad_x", "direction"]),
    (per_output_map, ["grad_x", "EVERY output map"]),
    (lambda g, x, w: (*loops(g, x, w)[:2], g), ["grad_bias", "sums over them"]),
    (lambda g, x, w: (*loops(g, x, w)[:2], g.mean(axis=(1, 2))), ["grad_bias", "do not average"]),
    (lambda g, x, w: convutil.conv2d_backward(g, x, w), ["broke a rule", "conv2d_backward"]),
    (lambda g, x, w: (*loops(g, x, w)[:2], np.array(g.sum())), ["at [2]", "expected shape"]),
]


@pytest.mark.parametrize(("wrong", "words"), LOOP_MUTANTS, ids=[str(i) for i in range(len(LOOP_MUTANTS))])
def test_loop_mutants_are_rejected(wrong, words, rejects):
    rejects(checks.check_conv_backward_loops, wrong, *words)


VECTORIZED_MUTANTS = [
    (unflipped_full_correlation, ["grad_x", "direction"]),
    (stride_ignored, ["stride", "spread grad_out"]),
    (flips_weight_in_place, ["changed its input", "weight["]),
    (lambda g, x, w, s: loops(g, x, w, s), ["is not vectorized", "lines of Python"]),
    (lambda g, x, w, s: convutil.conv2d_backward(g, x, w, stride=s), ["broke a rule"]),
    (lambda g, x, w, s: windows_einsum(g, x, w, s)[:2], ["expected 3 items, got 2"]),
]


@pytest.mark.parametrize(("wrong", "words"), VECTORIZED_MUTANTS, ids=[str(i) for i in range(len(VECTORIZED_MUTANTS))])
def test_vectorized_mutants_are_rejected(wrong, words, rejects):
    rejects(checks.check_conv_backward, wrong, *words)


def _autograd(style):
    """A backward pass that lets PyTorch differentiate the forward pass (``backward()``, ``grad`` or ``torch.func``)."""
    torch = pytest.importorskip("torch")

    def answer(grad_out, x, weight, stride=1):
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)

        def loss(xt, wt):
            return (torch.nn.functional.conv2d(xt[None], wt, stride=stride)[0] * torch.tensor(grad_out)).sum()

        if style == "func":
            grads = torch.func.grad(loss, argnums=(0, 1))(xt.detach(), wt.detach())
        elif style == "grad":
            grads = torch.autograd.grad(loss(xt, wt), (xt, wt))
        else:
            loss(xt, wt).backward()
            grads = xt.grad, wt.grad
        return grads[0].numpy(), grads[1].numpy(), grad_out.sum(axis=(1, 2))

    return answer


@pytest.mark.parametrize("style", ["backward", "grad", "func"])
@pytest.mark.parametrize("checker", [checks.check_conv_backward_loops, checks.check_conv_backward])
def test_automatic_differentiation_is_refused(style, checker, rejects):
    answer = _autograd(style)
    rejects(checker, answer, "which this task asks you not to use", "torch.")
    import torch  # the refused functions are back after the check

    assert torch.autograd.grad.__name__ == "grad"
    assert torch.func.grad.__name__ == "grad"
    x, weight, grad_out = np.ones((1, 3, 3)), np.ones((1, 1, 2, 2)), np.ones((1, 2, 2))
    assert np.allclose(answer(grad_out, x, weight)[1], 4.0)
