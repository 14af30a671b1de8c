"""Drawings: the right panels, the right data, connection diagrams that match the computation."""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from convutil import conv2d, conv_type1, conv_type2_1, viz

RNG = np.random.default_rng(0)


def visible_images(ax):
    return [im for im in ax.images if im.get_visible()]


def renders(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ colours


def test_color_limits_symmetric_for_signed_values():
    cmap, lo, hi = viz.color_limits([-0.5, 2.0])
    assert (cmap, lo, hi) == (viz.DIVERGING, -2.0, 2.0)
    cmap, lo, hi = viz.color_limits([0.0, 3.0])
    assert (cmap, lo, hi) == (viz.SEQUENTIAL, 0.0, 3.0)
    assert viz.color_limits([np.nan, 1.0])[2] == 1.0  # NaN ignored
    assert viz.color_limits(np.zeros(3))[1:] == (0.0, 1.0)  # flat data still gets a range


def test_kernel_colors_distinct():
    for n in (1, 7, 8, 36):
        colors = viz.kernel_colors(n)
        assert len({tuple(np.round(c, 6)) for c in colors}) == n


# ------------------------------------------------------------------ stacks


@pytest.mark.parametrize("layout", ["grid", "volume"])
def test_plot_stack_draws_every_map_with_its_data(layout):
    maps = RNG.normal(size=(5, 6, 7))
    fig = viz.plot_stack(maps, layout=layout, title="layer 2")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    images = visible_images(ax)
    assert len(images) == 5
    for i, im in enumerate(images):
        np.testing.assert_array_equal(im.get_array(), maps[i])
        assert im.get_clim()[0] == -im.get_clim()[1]  # signed: symmetric about 0
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "layer 2" in texts
    assert "(5, 6, 7)" in texts
    assert renders(fig)


def test_plot_stack_shares_one_scale_and_caps_maps():
    maps = np.abs(RNG.normal(size=(70, 4, 4)))
    fig = viz.plot_stack(maps, max_maps=10, colorbar=False)
    images = visible_images(fig.axes[0])
    assert len(images) == 10
    assert {im.get_clim() for im in images} == {(0.0, maps[:10].max())}
    assert "first 10 shown" in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_plot_stack_into_given_axes_and_2d_input():
    fig = Figure()
    ax = fig.add_subplot()
    assert viz.plot_stack(np.ones((4, 4)), ax=ax) is fig
    assert len(visible_images(ax)) == 1


def test_plot_stack_view_updates_in_place():
    fig = Figure()
    view = viz.StackView(fig.add_subplot())
    view.set(np.ones((6, 4, 4)))
    first = list(view.images)
    view.set(np.zeros((2, 5, 5)))
    assert view.images[:2] == first[:2]  # the same artists, reused
    assert len(visible_images(view.ax)) == 2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"maps": np.ones((2, 3, 4, 5))}, ValueError, "maps"),
        ({"maps": np.ones((0, 3, 3))}, ValueError, "maps"),
        ({"maps": "abc"}, TypeError, "maps"),
        ({"maps": np.ones((2, 3, 3)), "layout": "cube"}, ValueError, "layout"),
        ({"maps": np.ones((2, 3, 3)), "ax": "left"}, TypeError, "ax"),
        ({"maps": np.ones((2, 3, 3)), "title": 3}, TypeError, "title"),
    ],
)
def test_plot_stack_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        viz.plot_stack(**kwargs)


def test_plot_stacks_side_by_side():
    fig = viz.plot_stacks([np.ones((3, 5, 5)), -np.ones((2, 4, 4))], ["in", "out"])
    stack_axes = [ax for ax in fig.axes if ax.images and len(visible_images(ax)) > 0 and ax.get_label() != "<colorbar>"]
    assert [len(visible_images(ax)) for ax in stack_axes] == [3, 2]
    assert renders(fig)
    with pytest.raises(ValueError, match="titles"):
        viz.plot_stacks([np.ones((3, 5, 5))], ["a", "b"])
    with pytest.raises(TypeError, match="stacks"):
        viz.plot_stacks(np.ones((3, 5, 5)))


# ------------------------------------------------------------------ weights


def test_plot_weights_grid_is_c_out_by_c_in():
    w = RNG.normal(size=(3, 4, 3, 3))
    fig = viz.plot_weights(w, title="conv2")
    ax = fig.axes[0]
    assert len(ax.images) == 12
    arrays = [im.get_array() for im in ax.images]
    for j in range(3):
        for c in range(4):
            assert any(np.array_equal(a, w[j, c]) for a in arrays)
    texts = [t.get_text() for t in ax.texts]
    assert {"filter 0", "filter 1", "filter 2"} <= set(texts)
    assert "(3, 4, 3, 3)" in ax.get_title()
    assert "3D" in ax.get_title()
    lo, hi = ax.images[0].get_clim()
    assert lo == -hi == -np.abs(w).max()
    assert renders(fig)


def test_plot_weights_of_2d_kernels():
    fig = viz.plot_weights(np.ones((4, 5, 5)))
    assert len(fig.axes[0].images) == 4
    assert "kernel 3" in [t.get_text() for t in fig.axes[0].texts]


def test_plot_weights_rejects_bad_arguments():
    with pytest.raises(ValueError, match="weight"):
        viz.plot_weights(np.ones((3, 3)))
    with pytest.raises(ValueError, match="weight"):
        viz.plot_weights(np.ones((2, 0, 3, 3)))


# ------------------------------------------------------------------ connections


def links_from_computation(c_in, c_out, kind, groups=1):
    """Which output maps change when one input map changes, measured with convutil's layers."""
    rng = np.random.default_rng(1)
    h = 5
    if kind in ("type1", "type2.1"):
        kernels = rng.normal(size=(c_out, 3, 3))
        layer = {"type1": conv_type1, "type2.1": conv_type2_1}[kind]

        def run(x):
            return layer(x, kernels, padding=1)

    else:
        g = {"type2.2": 1, "grouped": groups, "depthwise": c_in}[kind]
        weight = rng.normal(size=(c_out, c_in // g, 3, 3))

        def run(x):
            return conv2d(x, weight, padding=1, groups=g)

    base = run(np.zeros((c_in, h, h)))
    links = set()
    for c in range(c_in):
        x = np.zeros((c_in, h, h))
        x[c] = rng.normal(size=(h, h))
        changed = np.abs(run(x) - base).sum(axis=(1, 2)) > 1e-12
        links |= {(int(j), c) for j in np.flatnonzero(changed)}
    return links


@pytest.mark.parametrize(
    ("c_in", "c_out", "kind", "groups"),
    [
        (3, 4, "type1", 1),
        (3, 4, "type2.1", 1),
        (3, 4, "type2.2", 1),
        (4, 6, "grouped", 2),
        (6, 6, "grouped", 3),
        (3, 6, "depthwise", 1),
        (1, 1, "type2.2", 1),
    ],
)
def test_connection_table_matches_what_the_layer_computes(c_in, c_out, kind, groups):
    con = viz.connection_table(c_in, c_out, kind=kind, groups=groups)
    assert {tuple(e) for e in con.edges.tolist()} == links_from_computation(c_in, c_out, kind, groups)


def test_kernel_sharing_per_kind():
    t21 = viz.connection_table(3, 4, kind="type2.1")
    for j in range(4):  # one shared kernel per output
        assert len(set(t21.kernel[t21.edges[:, 0] == j])) == 1
    assert t21.n_kernels == 4
    t22 = viz.connection_table(3, 4, kind="type2.2")
    assert len(set(t22.kernel)) == 12 == t22.n_kernels  # every link its own kernel
    t1 = viz.connection_table(3, 4, kind="type1")
    assert t1.n_out == 12
    assert t1.n_kernels == 4
    for c in range(3):  # every input map sees all 4 kernels
        assert sorted(t1.kernel[t1.edges[:, 1] == c]) == [0, 1, 2, 3]


def lenet_c3_table():
    """LeNet-5's C3 connection table (LeCun et al. 1998, Table I), built from its description."""
    t = np.zeros((16, 6), bool)
    for j in range(6):
        t[j, [(j + i) % 6 for i in range(3)]] = True
        t[6 + j, [(j + i) % 6 for i in range(4)]] = True
    for j, maps in enumerate([(0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5)]):
        t[12 + j, list(maps)] = True
    t[15] = True
    return t


def test_lenet_c3_table_diagram():
    table = lenet_c3_table()
    con = viz.connection_table(6, 16, kind="table", table=table)
    assert len(con.edges) == 60
    assert len(con.edges) * 25 + 16 == 1516  # the paper's 1,516 trainable parameters
    assert len(con.edges) * 25 * 100 + 16 * 100 == 151600  # and its 151,600 connections
    fig = viz.plot_connections(None, None, kind="table", table=table)
    lines = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)][0]
    assert len(lines.get_segments()) == 60
    assert renders(fig)


def test_plot_connections_colours_show_sharing():
    def colours_into_output(kind, j):
        fig = viz.plot_connections(3, 4, kind=kind)
        view_lines = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)][0]
        con = viz.connection_table(3, 4, kind=kind)
        colours = view_lines.get_colors()
        return {tuple(np.round(colours[i], 6)) for i in np.flatnonzero(con.edges[:, 0] == j)}

    assert len(colours_into_output("type2.1", 0)) == 1  # shared kernel: one colour
    assert len(colours_into_output("type2.2", 0)) == 3  # distinct kernels: three colours


@pytest.mark.parametrize("kind", viz.KINDS[:-1])
def test_plot_connections_every_kind_renders(kind):
    c_out = 6 if kind in ("depthwise", "grouped") else 4
    fig = viz.plot_connections(3 if kind != "grouped" else 6, c_out, kind=kind, groups=2 if kind == "grouped" else 1)
    assert renders(fig)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((3, 4), {"kind": "type3"}, "kind"),
        ((3, 4), {"kind": "grouped", "groups": 2}, "groups"),
        ((3, 4), {"kind": "depthwise"}, "multiple"),
        ((3, 4), {"kind": "type1", "groups": 3}, "groups"),
        ((3, 4), {"kind": "table"}, "table"),
        ((3, 4), {"kind": "table", "table": np.ones((4, 4), bool)}, "c_in"),
        ((3, 4), {"kind": "table", "table": np.full((4, 3), 2)}, "True/False"),
        ((3, 4), {"kind": "type2.2", "table": np.ones((4, 3), bool)}, "table"),
        ((0, 4), {}, "c_in"),
    ],
)
def test_plot_connections_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        viz.plot_connections(*args, **kwargs)


def test_plot_connections_type_errors():
    with pytest.raises(TypeError, match="c_in"):
        viz.plot_connections(2.5, 4)
    with pytest.raises(TypeError, match="ax"):
        viz.plot_connections(2, 4, ax=object())


# ------------------------------------------------------------------ receptive field


@settings(max_examples=60, deadline=None)
@given(
    c_in=st.integers(1, 4),
    c_out=st.integers(1, 3),
    size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 2),
    data=st.data(),
)
def test_receptive_field_total_equals_conv2d(c_in, c_out, size, k, stride, padding, dilation, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = rng.normal(size=(c_in, *size))
    w = rng.normal(size=(c_out, c_in, *k))
    b = rng.normal(size=c_out)
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation}
    extent = [dilation * (kk - 1) + 1 for kk in k]
    if any(n + 2 * padding < e for n, e in zip(size, extent)):
        with pytest.raises(ValueError, match="empty"):
            viz.receptive_field(x, w, b, **kwargs)
        return
    y = conv2d(x, w, b, **kwargs)
    j = data.draw(st.integers(0, c_out - 1))
    r = data.draw(st.integers(0, y.shape[1] - 1))
    c = data.draw(st.integers(0, y.shape[2] - 1))
    rf = viz.receptive_field(x, w, b, out_channel=j, row=r, col=c, **kwargs)
    assert rf.total == pytest.approx(y[j, r, c], rel=1e-12, abs=1e-12)
    assert rf.total == pytest.approx(rf.bias + rf.partial_sums.sum())
    assert rf.partial_sums.shape == (c_in,)
    assert rf.output_size == y.shape[1:]


def test_receptive_field_window_on_padding_is_zero():
    x = np.ones((2, 3, 3))
    rf = viz.receptive_field(x, np.ones((1, 2, 3, 3)), padding=1, row=0, col=0)
    # the top-left window has 4 of its 9 taps inside the map
    np.testing.assert_array_equal(rf.partial_sums, [4.0, 4.0])
    np.testing.assert_array_equal(rf.rows, [-1, 0, 1])


def test_plot_receptive_field_shows_the_numbers_of_conv2d():
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(3, 6, 6)), rng.normal(size=(2, 3, 3, 3)), rng.normal(size=2)
    kwargs = {"stride": 2, "padding": 1, "dilation": 1}
    y = conv2d(x, w, b, **kwargs)
    fig = viz.plot_receptive_field(x, w, b, out_channel=1, row=2, col=1, **kwargs)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    equation = [t for t in texts if t.startswith("out[1, 2, 1] =")]
    assert len(equation) == 1
    assert equation[0].endswith(f"= {y[1, 2, 1]:.2f}")
    assert f"pixel (2, 1) = {y[1, 2, 1]:.2f}" in " ".join(texts)
    # one row of panels per input map (input, kernel, product, sum) + output map + equation
    assert len(fig.axes) == 3 * 4 + 2
    output_images = [
        ax.images[0].get_array() for ax in fig.axes if ax.images and ax.images[0].get_array().shape == (3, 3)
    ]
    assert any(np.allclose(a, y[1]) for a in output_images)
    assert renders(fig)


def test_receptive_field_view_caps_rows_but_sums_all_maps():
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(9, 4, 4)), rng.normal(size=(1, 9, 3, 3))
    view = viz.ReceptiveFieldView(x, w, max_maps=3)
    rf = view.set(row=1, col=1)
    assert rf.partial_sums.shape == (9,)
    assert view.n_rows == 3
    assert "not drawn" in view.equation.get_text()
    assert rf.total == pytest.approx(conv2d(x, w)[0, 1, 1])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"weight": np.ones((1, 2, 3, 3))}, ValueError, "input channels"),
        ({"bias": np.ones(3)}, ValueError, "bias"),
        ({"row": 4}, ValueError, "outside"),
        ({"out_channel": 2}, ValueError, "out_channel"),
        ({"stride": 0}, ValueError, "stride"),
        ({"padding": 1.5}, TypeError, "padding"),
        ({"dilation": 3}, ValueError, "empty"),
    ],
)
def test_receptive_field_rejects_bad_arguments(kwargs, error, match):
    args = {"x": np.ones((3, 5, 5)), "weight": np.ones((2, 3, 3, 3)), **kwargs}
    with pytest.raises(error, match=match):
        viz.plot_receptive_field(**args)


def test_figures_display_as_png_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        assert viz._enable_notebook_display()
        data, _ = shell.display_formatter.format(viz.plot_stack(np.ones((2, 3, 3))))
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        InteractiveShell.clear_instance()


# ------------------------------------------------------------------ kinds registry and figure fixes


def test_every_kind_is_described_once_in_the_registry():
    from convutil import kinds

    assert viz.KINDS == tuple(kinds.KINDS)
    for name in kinds.LAYER_KINDS:
        kind = kinds.KINDS[name]
        assert kind.params_formula
        assert kind.macs_formula
        assert kind.title().startswith(kind.label.split(",")[0])
    with pytest.raises(ValueError, match="kind must be one of"):
        kinds.get_kind("type3")


def test_products_have_a_colour_scale_that_shows_them():
    """The "window x kernel" panels share a scale fitted to the pixel shown: the largest product is full colour."""
    rng = np.random.default_rng(5)
    view = viz.ReceptiveFieldView(np.abs(rng.normal(size=(3, 12, 12))), rng.normal(size=(2, 3, 3, 3)))
    rf = view.set(row=5, col=6, padding=1)
    largest = np.abs(rf.products).max()
    assert view.p_norm.vmax == pytest.approx(largest) == -view.p_norm.vmin
    assert f"{largest:.2f}" in view.p_title.get_text()


def test_narrow_connection_panels_keep_their_texts_apart(recwarn):
    """Four diagrams side by side with long notes (chapter 6): no overlap, no layout warning."""
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    notes = []
    for ax, n_out in zip(fig.subplots(1, 4), (8, 4, 8, 3)):
        view = viz.ConnectionsView(ax).set(None, None, kind="table", table=np.ones((n_out, 8), bool), title="a title")
        view.note.set_text("measured: each output map depends on\n8 input map(s)")  # as the chapter sets it
        notes.append(view.note)
    fig.draw_without_rendering()
    assert not [w for w in recwarn if "constrained_layout" in str(w.message)]
    boxes = [t.get_window_extent() for t in notes]
    assert all(left.x1 < right.x0 for left, right in zip(boxes, boxes[1:]))
    assert all(fig.bbox.y0 <= b.y0 for b in boxes)  # inside the figure, not cut off


def test_book_pages_store_figures_as_palette_pngs(monkeypatch):
    """In the book build (static mode) a figure is stored with 256 colours: far lighter, the same picture."""
    from PIL import Image

    from convutil import style

    fig = viz.plot_stack(RNG.normal(size=(6, 24, 24)), title="noise")
    monkeypatch.delenv(style.STATIC_ENV, raising=False)
    full = style.png(fig)
    monkeypatch.setenv(style.STATIC_ENV, "1")
    light = style.png(fig)
    assert Image.open(io.BytesIO(light)).mode == "P"
    assert len(light) < len(full) / 2
    a = np.asarray(Image.open(io.BytesIO(full)).convert("RGB"), float)
    b = np.asarray(Image.open(io.BytesIO(light)).convert("RGB"), float)
    assert a.shape == b.shape
    assert np.abs(a - b).mean() < 2.0  # on a 0..255 scale


@pytest.mark.parametrize("name", ["type1", "type2.1", "type2.2", "depthwise", "grouped"])
def test_each_kind_counts_the_weights_it_has(name):
    """Parameters = the weights' size + one bias per filter (or per shared 2D kernel)."""
    from convutil import kinds

    kind = kinds.KINDS[name]
    groups = 2 if name == "grouped" else 1
    c_out = kind.c_out_for(4, 2)
    shape = kind.weight_shape(4, c_out, 3, groups)
    params, macs = kind.counts(4, c_out, 3, (8, 8), groups)
    assert params == int(np.prod(shape)) + shape[0]
    out_maps = kind.check(4, c_out, groups)[1]
    weights_per_output = {"type1": 9, "depthwise": 9, "grouped": 2 * 9}.get(name, 4 * 9)
    assert macs == out_maps * 8 * 8 * weights_per_output
