"""Sample inputs: shapes, ranges, and properties checked independently of the code."""

import numpy as np
import pytest

from convutil import conv2d
from convutil.data import LINE_ORIENTATIONS, PATTERNS, bar_pairs, line_kernels, line_maps, pattern, resize, sample_image


def test_sample_image_is_grey_float_in_unit_range():
    img = sample_image(48)
    assert img.shape == (48, 48)
    assert img.dtype == np.float64
    assert 0.0 <= img.min() < 0.2 < 0.8 < img.max() <= 1.0  # a real photo: dark and bright parts


def test_sample_image_color_stack_and_luma():
    rgb = sample_image((30, 20), color=True)
    grey = sample_image((30, 20))
    assert rgb.shape == (3, 30, 20)
    # resizing is linear, so the grey image is the BT.601 mix of the colour channels
    np.testing.assert_allclose(grey, 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2], atol=1e-12)
    assert not np.allclose(rgb[0], rgb[2])  # the channels differ: three distinct input maps


def test_sample_image_is_cached_and_not_shared():
    a = sample_image(16)
    a[:] = 0
    assert sample_image(16).max() > 0  # callers get fresh arrays


def test_resize_box_average_matches_block_means():
    rng = np.random.default_rng(0)
    x = rng.random((12, 18))
    expected = x.reshape(4, 3, 6, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(resize(x, (4, 6)), expected)


def test_resize_enlarging_repeats_pixels():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(resize(x, 4), np.repeat(np.repeat(x, 2, axis=0), 2, axis=1))


def test_resize_stack_resizes_each_map():
    rng = np.random.default_rng(1)
    x = rng.random((3, 8, 8))
    out = resize(x, 4)
    for c in range(3):
        np.testing.assert_allclose(out[c], resize(x[c], 4))


@pytest.mark.parametrize("name", PATTERNS)
@pytest.mark.parametrize("size", [5, 16, (12, 20)])
def test_patterns_are_non_constant_images_in_unit_range(name, size):
    img = pattern(name, size)
    shape = size if isinstance(size, tuple) else (size, size)
    assert img.shape == shape
    assert 0.0 <= img.min()
    assert img.max() <= 1.0
    assert img.max() - img.min() > 0.5


def test_pattern_geometry():
    bars = pattern("bars", 16)
    assert (bars == bars[:1]).all()  # vertical bars: every row the same
    np.testing.assert_array_equal(pattern("hbars", 16), bars.T)
    cross = pattern("cross", 9, width=1)
    np.testing.assert_array_equal(cross, cross.T)
    assert cross.sum() == 9 + 9 - 1
    diag = pattern("diagonal", 10)
    np.testing.assert_array_equal(diag, diag.T)
    assert pattern("checker", 8, width=1).sum() == 32
    corner = pattern("corner", 16)
    assert corner[:, :4].sum() == 0
    assert corner[:4].sum() == 0


def test_letters_differ():
    a, t = pattern("letter", 20, char="A"), pattern("letter", 20, char="T")
    assert a.sum() > 10
    assert t.sum() > 10
    assert np.abs(a - t).sum() > 10


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "spiral"}, ValueError),
        ({"name": "cross", "size": 0}, ValueError),
        ({"name": "cross", "size": 2.5}, TypeError),
        ({"name": "cross", "size": (3, 4, 5)}, ValueError),
        ({"name": "letter", "char": "AB"}, ValueError),
        ({"name": "bars", "width": 0}, ValueError),
    ],
)
def test_pattern_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error, match=r"name|size|char|width"):
        pattern(**kwargs)


def test_sample_image_rejects_bad_arguments():
    with pytest.raises(TypeError, match="color"):
        sample_image(8, color="yes")
    with pytest.raises(ValueError, match="size"):
        sample_image(0)
    with pytest.raises(ValueError, match="image"):
        resize(np.zeros((2, 2, 2, 2)), 2)


@pytest.mark.parametrize("size", [3, 5, 7])
def test_line_kernels_detect_their_line(size):
    kernels = line_kernels(size)
    assert kernels.shape == (4, size, size)
    np.testing.assert_allclose(kernels.sum(axis=(1, 2)), 0.0, atol=1e-12)  # flat input -> 0
    n = 3 * size
    lines = {
        "vertical": np.ones((n, 1)) * (np.arange(n) == n // 2)[None, :],
        "horizontal": (np.arange(n) == n // 2)[:, None] * np.ones((1, n)),
        "diagonal": np.eye(n),
        "antidiagonal": np.eye(n)[:, ::-1],
    }
    centre = n // 2 - size // 2
    for i, name in enumerate(LINE_ORIENTATIONS):
        responses = conv2d(lines[name][None], kernels[:, None])[:, centre, centre]
        assert responses[i] == pytest.approx(1.0)  # its own line: +1
        assert np.all(np.delete(responses, i) < 0.5)  # the other orientations respond less


def test_line_kernels_rejects_bad_arguments():
    with pytest.raises(ValueError, match="odd"):
        line_kernels(4)
    with pytest.raises(ValueError, match="size"):
        line_kernels(1)
    with pytest.raises(ValueError, match="orientations"):
        line_kernels(3, ["sideways"])


# ---- bar pairs (the learning chapter's task) --------------------------------------------------


def _bar_cells(img):
    rows, cols = np.nonzero(img)
    return rows, cols


@pytest.mark.parametrize("rule", ["cross", "left"])
def test_bar_pairs_shapes_balance_and_margin(rule):
    x, y = bar_pairs(60, rule, size=12, length=5, margin=1, seed=4)
    assert x.shape == (60, 2, 12, 12)
    assert y.shape == (60,)
    assert sorted(set(y.tolist())) == [0, 1]
    assert y.sum() == 30
    assert set(np.unique(x).tolist()) == {0.0, 1.0}
    assert (x.sum(axis=(2, 3)) == 5).all()  # one bar of 5 pixels per map
    border = np.ones((12, 12), dtype=bool)
    border[1:-1, 1:-1] = False
    assert not x[..., border].any()  # margin 1: nothing on the outer ring
    x2, y2 = bar_pairs(60, rule, size=12, length=5, margin=1, seed=4)
    assert np.array_equal(x, x2)
    assert np.array_equal(y, y2)


def test_bar_pairs_cross_labels():
    x, y = bar_pairs(80, "cross", seed=5)
    for img, label in zip(x, y):
        rows0, cols0 = _bar_cells(img[0])
        rows1, cols1 = _bar_cells(img[1])
        assert len(set(rows0)) == 1  # map 0: horizontal
        assert len(set(cols1)) == 1  # map 1: vertical
        assert label == int(bool((img[0] * img[1]).any()))  # a shared pixel


def test_bar_pairs_left_labels_and_swapped_twins():
    x, y = bar_pairs(80, "left", seed=6)
    for img, label in zip(x, y):
        c0, c1 = _bar_cells(img[0])[1], _bar_cells(img[1])[1]
        assert len(set(c0)) == len(set(c1)) == 1  # both vertical
        assert 1 <= abs(c0[0] - c1[0]) <= 2
        assert label == int(c0[0] < c1[0])
    assert np.array_equal(x[0::2], x[1::2, ::-1])  # each example's twin swaps the maps
    assert np.array_equal(x[0::2].sum(axis=1), x[1::2].sum(axis=1))
    assert (y[0::2] != y[1::2]).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 3}, ValueError, "n must be even"),
        ({"n": 4, "rule": "above"}, ValueError, "rule must be one of"),
        ({"n": 4, "size": 6, "length": 5}, ValueError, "leaves no room"),
        ({"n": 4.0}, TypeError, "n must be an integer"),
    ],
)
def test_bar_pairs_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        bar_pairs(**kwargs)


def test_line_maps_by_hand():
    cross = pattern("cross", 5, width=1)
    horizontal = np.zeros((5, 5))
    horizontal[2, 1:4] = 1  # three in a row: the line's two end pixels have only one bright neighbour
    maps = line_maps(cross)
    assert maps.shape == (2, 5, 5)
    assert np.array_equal(maps[0], horizontal)
    assert np.array_equal(maps[1], horizontal.T)
    assert line_maps(np.stack([cross, cross])).shape == (2, 2, 5, 5)
    with pytest.raises(ValueError, match="images"):
        line_maps(np.zeros((1, 1, 4, 4)))
