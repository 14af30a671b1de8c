"""Tests of convutil.crossmap against plain-loop references and, where installed, PyTorch."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from convutil import avg_pool2d, conv2d, conv_type1, max_pool2d
from convutil.crossmap import (
    ALEXNET_LRN,
    global_avg_pool2d,
    local_response_norm,
    map_dependence,
    maxout,
    torch_lrn_arguments,
)

RNG = np.random.default_rng(0)


# ---------------------------------------------------------------- references
def maxout_loop(x, pieces):
    """Goodfellow et al.'s h_i = max_j z_ij, one position and one group at a time."""
    c, h, w = x.shape
    out = np.empty((c // pieces, h, w))
    for i in range(c // pieces):
        for r in range(h):
            for s in range(w):
                out[i, r, s] = max(x[i * pieces + j, r, s] for j in range(pieces))
    return out


def lrn_paper_loop(x, n, k, alpha, beta):
    """Krizhevsky et al. (2012), section 3.3, for odd n: the sum runs from
    max(0, i - n/2) to min(N - 1, i + n/2) (integer n/2)."""
    c_count, h, w = x.shape
    out = np.empty_like(x)
    for i in range(c_count):
        lo, hi = max(0, i - n // 2), min(c_count - 1, i + n // 2)
        for r in range(h):
            for s in range(w):
                total = sum(x[j, r, s] ** 2 for j in range(lo, hi + 1))
                out[i, r, s] = x[i, r, s] / (k + alpha * total) ** beta
    return out


def lrn_torch_doc_loop(x, size, alpha, beta, k):
    """The formula of PyTorch's LocalResponseNorm documentation:
    b_c = a_c (k + alpha/n * sum_{c'=max(0, c-n/2)}^{min(N-1, c+n/2)} a_c'^2)^-beta,
    with the window c - n//2 .. c + (n-1)//2 (odd n: n//2 either side)."""
    c_count = x.shape[0]
    out = np.empty_like(x)
    for c in range(c_count):
        window = range(max(0, c - size // 2), min(c_count, c + (size - 1) // 2 + 1))
        total = sum(x[j] ** 2 for j in window)
        out[c] = x[c] * (k + alpha / size * total) ** (-beta)
    return out


# ---------------------------------------------------------------- maxout
@pytest.mark.parametrize(("c", "pieces"), [(1, 1), (4, 2), (6, 3), (6, 6), (12, 4)])
def test_maxout_matches_loop(c, pieces):
    x = RNG.normal(size=(c, 3, 4))
    np.testing.assert_array_equal(maxout(x, pieces), maxout_loop(x, pieces))


def test_maxout_batched_equals_per_example():
    x = RNG.normal(size=(3, 6, 2, 5))
    y = maxout(x, 3)
    assert y.shape == (3, 2, 2, 5)
    for i in range(3):
        np.testing.assert_array_equal(y[i], maxout_loop(x[i], 3))


def test_maxout_mixes_maps_but_max_pool_does_not():
    # maxout's output depends on a map it is grouped with; max pooling's does not
    x = RNG.normal(size=(2, 4, 4))
    changed = x.copy()
    changed[1] += 10.0
    assert not np.array_equal(maxout(x, 2)[0], maxout(changed, 2)[0])
    np.testing.assert_array_equal(max_pool2d(x, 2)[0], max_pool2d(changed, 2)[0])


def test_maxout_promotes_int_and_handles_nan():
    x = np.array([[[1]], [[3]]])
    y = maxout(x, 2)
    assert y.dtype == np.float64
    assert y[0, 0, 0] == 3.0
    assert np.isnan(maxout(np.array([[[np.nan]], [[1.0]]]), 2)[0, 0, 0])


@given(
    arrays(
        np.float64,
        st.tuples(st.sampled_from([2, 4, 6]), st.integers(1, 4), st.integers(1, 4)),
        elements=st.floats(-1e6, 1e6),
    ),
    st.sampled_from([1, 2]),
)
@settings(max_examples=50, deadline=None)
def test_maxout_property_is_an_upper_bound_attained(x, pieces):
    y = maxout(x, pieces)
    groups = x.reshape(x.shape[0] // pieces, pieces, *x.shape[1:])
    assert np.all(y[:, None] >= groups)
    assert np.all(np.any(y[:, None] == groups, axis=1))


def test_maxout_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"pieces=4 does not divide the 6 maps of x \(shape \(6, 2, 2\)\)"):
        maxout(np.zeros((6, 2, 2)), 4)
    with pytest.raises(ValueError, match="pieces must be >= 1"):
        maxout(np.zeros((6, 2, 2)), 0)
    with pytest.raises(TypeError, match="pieces must be an integer"):
        maxout(np.zeros((6, 2, 2)), 2.0)
    with pytest.raises(ValueError, match=r"x must have 3 or 4 dimensions, got shape \(6, 2\)"):
        maxout(np.zeros((6, 2)), 2)
    with pytest.raises(TypeError, match="x must be an array, got None"):
        maxout(None, 2)


# ---------------------------------------------------------------- LRN
@pytest.mark.parametrize("c", [1, 2, 3, 7, 12])
def test_lrn_matches_paper_formula_with_alexnet_constants(c):
    x = RNG.normal(scale=30.0, size=(c, 3, 3))
    np.testing.assert_allclose(local_response_norm(x), lrn_paper_loop(x, 5, 2.0, 1e-4, 0.75), rtol=1e-12)


@pytest.mark.parametrize(("size", "k", "alpha", "beta"), [(1, 1.0, 0.5, 1.0), (3, 0.5, 0.01, 0.5), (7, 2.0, 1e-3, 2.0)])
def test_lrn_matches_paper_formula_other_constants(size, k, alpha, beta):
    x = RNG.normal(size=(9, 2, 3))
    np.testing.assert_allclose(local_response_norm(x, size, k, alpha, beta), lrn_paper_loop(x, size, k, alpha, beta))


@pytest.mark.parametrize("size", [1, 2, 4, 5, 6])
def test_lrn_converted_constants_match_torch_documented_formula(size):
    # the conversion of torch_lrn_arguments, checked against PyTorch's documented formula (no torch needed)
    x = RNG.normal(scale=20.0, size=(8, 2, 2))
    torch_args = torch_lrn_arguments(size=size)
    assert torch_args["alpha"] == pytest.approx(1e-4 * size)
    ours = local_response_norm(x, size=size)
    np.testing.assert_allclose(ours, lrn_torch_doc_loop(x, **torch_args), rtol=1e-12)
    # and the paper's alpha passed unconverted to PyTorch's formula is a different layer
    unconverted = lrn_torch_doc_loop(x, size, 1e-4, 0.75, 2.0)
    if size > 1:
        assert not np.allclose(ours, unconverted, rtol=1e-9, atol=0)


def test_lrn_batched_and_constants():
    x = RNG.normal(scale=10.0, size=(2, 6, 3, 3))
    y = local_response_norm(x)
    assert y.shape == x.shape
    for i in range(2):
        np.testing.assert_allclose(y[i], lrn_paper_loop(x[i], **{"n": 5, "k": 2.0, "alpha": 1e-4, "beta": 0.75}))
    assert ALEXNET_LRN == {"size": 5, "k": 2.0, "alpha": 1e-4, "beta": 0.75}


def test_lrn_mixes_maps():
    # changing map 3 changes the normalised maps 1..5 (window of 5) and no others
    x = RNG.normal(size=(9, 2, 2))
    changed = x.copy()
    changed[3] *= 100.0
    differs = [not np.allclose(a, b) for a, b in zip(local_response_norm(x), local_response_norm(changed))]
    assert differs == [False, True, True, True, True, True, False, False, False]


def test_lrn_errors():
    x = np.ones((3, 2, 2))
    with pytest.raises(ValueError, match="size must be >= 1, got 0"):
        local_response_norm(x, size=0)
    with pytest.raises(ValueError, match="k must be > 0"):
        local_response_norm(x, k=0.0)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        local_response_norm(x, alpha=-1.0)
    with pytest.raises(TypeError, match="beta must be a real number"):
        local_response_norm(x, beta="0.75")
    with pytest.raises(ValueError, match="k must be finite"):
        torch_lrn_arguments(k=math.inf)
    with pytest.raises(ValueError, match=r"x must have 3 or 4 dimensions, got shape \(3,\)"):
        local_response_norm(np.ones(3))


def test_lrn_agrees_with_torch():
    torch = pytest.importorskip("torch")
    x = RNG.normal(scale=30.0, size=(2, 11, 5, 6))
    expected = torch.nn.functional.local_response_norm(torch.from_numpy(x), **torch_lrn_arguments()).numpy()
    np.testing.assert_allclose(local_response_norm(x), expected, rtol=1e-10, atol=1e-12)
    module = torch.nn.LocalResponseNorm(5)  # PyTorch's defaults: alpha=1e-4 (divided by 5), k=1
    assert module.k == 1.0
    assert not np.allclose(local_response_norm(x), module(torch.from_numpy(x)).numpy())


# ---------------------------------------------------------------- global average pooling
def test_global_avg_pool_matches_loop_and_avg_pool():
    x = RNG.normal(size=(2, 5, 4, 7))
    expected = np.array([[x[n, c].sum() / 28 for c in range(5)] for n in range(2)])
    np.testing.assert_allclose(global_avg_pool2d(x), expected)
    np.testing.assert_allclose(global_avg_pool2d(x), avg_pool2d(x, (4, 7))[..., 0, 0])
    assert global_avg_pool2d(x[0]).shape == (5,)


def test_global_avg_pool_is_per_map():
    x = RNG.normal(size=(6, 3, 3))
    perm = RNG.permutation(6)
    np.testing.assert_allclose(global_avg_pool2d(x[perm]), global_avg_pool2d(x)[perm])


def test_global_avg_pool_errors():
    with pytest.raises(ValueError, match=r"non-empty maps, got shape \(2, 0, 3\)"):
        global_avg_pool2d(np.zeros((2, 0, 3)))
    with pytest.raises(ValueError, match=r"at least one map, got shape \(0, 2, 2\)"):
        global_avg_pool2d(np.zeros((0, 2, 2)))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        global_avg_pool2d(np.zeros((1, 2, 2), dtype=complex))


# ---------------------------------------------------------------- measured connection tables
def test_map_dependence_of_known_layers():
    x = RNG.normal(size=(6, 5, 5))
    np.testing.assert_array_equal(map_dependence(lambda s: max_pool2d(s, 2), x), np.eye(6, dtype=bool))
    np.testing.assert_array_equal(map_dependence(global_avg_pool2d, x), np.eye(6, dtype=bool))
    w_full, w_groups, kernels = RNG.normal(size=(4, 6, 3, 3)), RNG.normal(size=(6, 2, 3, 3)), RNG.normal(size=(2, 3, 3))
    full = map_dependence(lambda s: conv2d(s, w_full), x)
    np.testing.assert_array_equal(full, np.ones((4, 6), dtype=bool))
    # groups=3: output maps 0,1 see input maps 0,1; 2,3 see 2,3; 4,5 see 4,5
    expected_groups = np.kron(np.eye(3, dtype=bool), np.ones((2, 2), dtype=bool))
    np.testing.assert_array_equal(map_dependence(lambda s: conv2d(s, w_groups, groups=3), x), expected_groups)
    # type 1 with K=2 kernels: output map c*K + k depends on input map c only
    type1 = map_dependence(lambda s: conv_type1(s, kernels), x)
    np.testing.assert_array_equal(type1, np.repeat(np.eye(6, dtype=bool), 2, axis=0))
    # maxout over pairs and LRN's window of 5 maps (2 on either side)
    np.testing.assert_array_equal(
        map_dependence(lambda s: maxout(s, 2), x), np.repeat(np.eye(3, dtype=bool), 2, axis=1)
    )
    band = np.abs(np.subtract.outer(np.arange(6), np.arange(6))) <= 2
    np.testing.assert_array_equal(map_dependence(lambda s: local_response_norm(s * 100), x), band)


def test_map_dependence_sees_moved_maxima():
    # all-negative maps: a small perturbation would not move a maximum, the large one must
    x = -np.ones((2, 2, 2))
    np.testing.assert_array_equal(map_dependence(lambda s: maxout(s, 2), x), [[True, True]])


def test_map_dependence_errors():
    with pytest.raises(TypeError, match="layer must be a callable"):
        map_dependence(np.zeros(3), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"x must have 3 dimensions, got shape \(1, 2, 2, 2\)"):
        map_dependence(maxout, np.zeros((1, 2, 2, 2)))
    with pytest.raises(TypeError, match="layer must return an array"):
        map_dependence(lambda s: None, np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"layer returned shape"):
        map_dependence(lambda s: s[: 1 + int(s.max() > 0)], np.zeros((2, 2, 2)))


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 7), st.integers(1, 3), st.integers(1, 3)),
        elements=st.floats(-1e3, 1e3, allow_subnormal=False),  # a subnormal divided by k may round to 0
    ),
    st.integers(1, 6),
    st.floats(0.1, 5.0),
    st.floats(0.1, 2.0),
)
@settings(max_examples=50, deadline=None)
def test_lrn_properties(x, size, k, beta):
    # alpha = 0: a plain division by k**beta
    np.testing.assert_allclose(local_response_norm(x, size, k, 0.0, beta), x / k**beta)
    # the normalisation never enlarges a value beyond x / k**beta, and keeps its sign
    y = local_response_norm(x, size, k, 1e-3, beta)
    assert np.all(np.abs(y) <= np.abs(x) / k**beta * (1 + 1e-12))
    assert np.all(np.sign(y) == np.sign(x))
    # it works position by position: shuffling the pixels shuffles the result
    flat_perm = np.random.default_rng(0).permutation(x.shape[1] * x.shape[2])
    shuffled = x.reshape(x.shape[0], -1)[:, flat_perm].reshape(x.shape)
    expected = y.reshape(y.shape[0], -1)[:, flat_perm].reshape(y.shape)
    np.testing.assert_allclose(local_response_norm(shuffled, size, k, 1e-3, beta), expected)


def test_global_avg_pool_agrees_with_torch():
    torch = pytest.importorskip("torch")
    x = RNG.normal(size=(2, 5, 4, 7))
    expected = torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(x), 1).numpy()[..., 0, 0]
    np.testing.assert_allclose(global_avg_pool2d(x), expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtypes_are_kept(dtype):
    x = RNG.normal(size=(4, 3, 3)).astype(dtype)
    assert maxout(x, 2).dtype == dtype
    assert local_response_norm(x).dtype == dtype
    assert global_avg_pool2d(x).dtype == dtype
