"""Explorers: every control over its full range, values checked against convutil, both views offered."""

import base64
import html
import io
import itertools
import json
import re

import numpy as np
import pytest
from PIL import Image

from convutil import avg_pool2d, conv2d, conv_type2_1, kinds, max_pool2d, widgets

PNG = b"\x89PNG\r\n\x1a\n"
LOW_DPI = 30  # the sweeps check that every frame draws; the resolution does not matter


def pixels(image: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image)).convert("RGB"))


def is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def every_value_of_every_control(explorer):
    for name, spec in explorer.specs.items():
        for value in spec.values:
            yield {name: value}


# ------------------------------------------------------------------ conv explorer


def check_conv(ex):
    s = ex.state
    x, w, b = ex.x, ex.weight, ex.view.bias
    kwargs = {"stride": s["stride"], "padding": s["padding"], "dilation": s["dilation"]}
    h, wd = x.shape[1:]
    kh = w.shape[2]
    fits = min(h, wd) + 2 * s["padding"] >= s["dilation"] * (kh - 1) + 1
    if not fits:
        assert ex.message
        assert ex.output_size == (0, 0)
        return
    y = conv2d(x, w, b, **kwargs)
    assert ex.message == ""
    assert ex.output_size == y.shape[1:]
    assert 0 <= s["row"] < y.shape[1]
    assert 0 <= s["col"] < y.shape[2]
    np.testing.assert_allclose(ex.view.out, y[s["out_channel"]])
    assert ex.view.rf.total == pytest.approx(y[s["out_channel"], s["row"], s["col"]])
    assert ex.view.equation.get_text().endswith(f"= {y[s['out_channel'], s['row'], s['col']]:.2f}")


def test_conv_explorer_sweeps_every_control():
    ex = widgets.conv_explorer()
    assert len(ex.figure.axes) == 3 * 4 + 2  # 3 input maps x (map, kernel, product, sum) + output + equation
    for change in every_value_of_every_control(ex):
        ex.update(**change)
        assert ex.to_png(LOW_DPI).startswith(PNG)
        check_conv(ex)


def test_conv_explorer_extremes_and_empty_outputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 4))  # small: a dilated 3x3 kernel does not fit without padding
    ex = widgets.conv_explorer(x, rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3), max_padding=1)
    specs = ex.specs
    for stride, padding, dilation in itertools.product(
        specs["stride"].values, specs["padding"].values, specs["dilation"].values
    ):
        for row, col in [(0, 0), (specs["row"].values[-1], specs["col"].values[-1])]:
            ex.update(stride=stride, padding=padding, dilation=dilation, row=row, col=col, out_channel=2)
            assert ex.to_png(LOW_DPI).startswith(PNG)
            check_conv(ex)
    ex.update(dilation=3, padding=0)
    assert "no output" in ex.message
    assert ex.view.message.get_visible()
    ex.update(dilation=1)
    assert not ex.view.message.get_visible()


BLIT_SEQUENCES = {
    "conv_explorer": [{"row": 3}, {"col": 4}, {"padding": 2}, {"row": 7, "col": 0}, {"out_channel": 1}, {"row": 1}],
    "type_comparer": [{"k2": 6}, {"kernel_size": 5}, {"k2": 1}, {"kind": "type1"}, {"k2": 3}, {"groups": 3}],
    "output_size_explorer": [{"k": 5}, {"p": 3}, {"n": 2}, {"s": 4}, {"d": 3}, {"n": 12}],
    "pooling_explorer": [{"row": 5}, {"kernel_size": 3}, {"col": 2}, {"padding": 2}, {"padding": 1}, {"row": 0}],
}


@pytest.mark.parametrize("name", list(BLIT_SEQUENCES))
def test_blitted_updates_match_a_fresh_render(name):
    """Drawing only what changed over a cached background gives the same pixels as drawing everything."""
    ex = getattr(widgets, name)()
    ex.to_png()
    for change in BLIT_SEQUENCES[name]:
        ex.update(**change)
        ex.to_png()
    blitted = pixels(ex.to_png())
    ex.figure.canvas.draw()  # everything drawn afresh
    np.testing.assert_array_equal(blitted, np.asarray(ex.figure.canvas.buffer_rgba())[..., :3])


# ------------------------------------------------------------------ type comparer


def expected_counts(kind, k1, k2, k, g, hw):
    """Parameters and MACs, written out from the definitions (independent of convutil.counting)."""
    h, w = hw
    if kind in ("type1", "type2.1"):
        params = k2 * k * k + k2  # k2 two-dimensional kernels, one bias each
    elif kind == "type2.2":
        params = k2 * k1 * k * k + k2
    elif kind == "depthwise":
        params = k1 * k2 * k * k + k1 * k2
    else:
        params = k2 * (k1 // g) * k * k + k2
    maps_out = k1 * k2 if kind in ("type1", "depthwise") else k2
    terms = {"type1": k * k, "depthwise": k * k, "type2.1": k1 * k * k, "type2.2": k1 * k * k}.get(
        kind, k1 // g * k * k
    )
    return params, maps_out, maps_out * h * w * terms


def check_comparer(tc):
    s = tc.state
    k1, k2, k, kind, g = s["k1"], s["k2"], s["kernel_size"], s["kind"], s["groups"]
    hw = tc.x.shape[1:]
    if kind == "grouped" and (k1 % g or k2 % g):
        assert tc.message
        assert tc.output is None
        assert tc.view.notice.get_visible()
        return
    params, maps_out, macs = expected_counts(kind, k1, k2, k, g, hw)
    assert tc.message == ""
    assert tc.output.shape == (maps_out, *hw)
    assert (tc.params, tc.macs) == (params, macs)
    assert f"parameters {params:,}" in tc.view.info.get_text()
    assert f"MACs {macs:,}" in tc.view.info.get_text()
    links = len(tc.view.links.lines.get_segments())
    assert links == (k1 * k2 // g if kind == "grouped" else k1 * k2)
    assert len([im for im in tc.view.out_view.images if im.get_visible()]) == maps_out
    assert len([im for im in tc.view.in_view.images if im.get_visible()]) == k1


def test_type_comparer_sweeps_every_control():
    tc = widgets.type_comparer()
    assert len(tc.figure.axes) == 3
    for change in every_value_of_every_control(tc):
        tc.update(**change)
        assert tc.to_png(LOW_DPI).startswith(PNG)
        check_comparer(tc)


def test_type_comparer_extreme_combinations():
    tc = widgets.type_comparer()
    top = tc.specs["k1"].values[-1]
    for kind, k1, k2, k, g in itertools.product(kinds.LAYER_KINDS, (1, top), (1, top), (1, 5), (1, top)):
        tc.update(kind=kind, k1=k1, k2=k2, kernel_size=k, groups=g)
        assert tc.to_png(LOW_DPI).startswith(PNG)
        check_comparer(tc)


def test_layer_outputs_are_the_layers_they_claim():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 6, 6))
    y1, *_ = widgets.layer_outputs(x, 2, 3, "type1")
    for c in range(3):  # type 1: map c*k2 + m sees input map c only
        x_other = x.copy()
        x_other[[i for i in range(3) if i != c]] = 0
        np.testing.assert_allclose(
            widgets.layer_outputs(x_other, 2, 3, "type1")[0][2 * c : 2 * c + 2], y1[2 * c : 2 * c + 2]
        )
    y21, *_ = widgets.layer_outputs(x, 2, 3, "type2.1")
    summed, *_ = widgets.layer_outputs(x.sum(axis=0, keepdims=True), 2, 3, "type2.1")
    np.testing.assert_allclose(y21, summed)  # type 2.1 only sees the sum of the maps
    assert conv_type2_1 is not None
    with pytest.raises(ValueError, match="groups=2"):
        widgets.layer_outputs(x, 4, 3, "grouped", 2)


# ------------------------------------------------------------------ output size


def windows_by_enumeration(n, k, s, p, d):
    """Count window positions directly: starts 0, s, 2s, ... whose last tap stays in the padded input."""
    return sum(1 for start in range(0, n + 2 * p, s) if start + d * (k - 1) <= n + 2 * p - 1)


def test_output_size_explorer_sweeps_every_control_and_combination():
    ex = widgets.output_size_explorer()
    specs = ex.specs
    for change in every_value_of_every_control(ex):
        ex.update(**change)
        assert ex.to_png(LOW_DPI).startswith(PNG)
    for n, k, s, p, d in itertools.product(
        (1, 2, specs["n"].values[-1]), specs["k"].values, specs["s"].values, specs["p"].values, specs["d"].values
    ):
        ex.update(n=n, k=k, s=s, p=p, d=d)
        expected = windows_by_enumeration(n, k, s, p, d)
        assert ex.output_size == expected
        assert len(ex.view.taps.get_paths()) == expected * k
        assert len(ex.view.cells.get_paths()) == n + 2 * p
        if expected:
            assert f"= {expected}" in ex.view.formula.get_text()
            assert ex.message == ""
        else:
            assert "no output" in ex.message
    ex.update(n=12, k=7, s=4, p=3, d=3)
    assert ex.to_png(LOW_DPI).startswith(PNG)


# ------------------------------------------------------------------ pooling


def check_pooling(ex):
    x, s = ex.x, ex.state
    k, st, p = s["kernel_size"], s["stride"], s["padding"]
    if 2 * p > k or min(x.shape[1:]) + 2 * p < k:
        assert ex.message
        assert ex.output is None
        return
    pool = max_pool2d if s["mode"] == "max" else avg_pool2d
    np.testing.assert_allclose(ex.output, pool(x, k, stride=st, padding=p))
    assert ex.output.shape[0] == x.shape[0]
    assert ex.message == ""
    # the value shown is the max / mean of the window, computed here by hand
    padded = np.pad(x, ((0, 0), (p, p), (p, p)), constant_values=-np.inf if s["mode"] == "max" else 0.0)
    r0, c0 = s["row"] * st, s["col"] * st
    window = padded[0, r0 : r0 + k, c0 : c0 + k]
    value = window.max() if s["mode"] == "max" else window.mean()
    assert ex.view.values[0].get_text().endswith(f"= {value:.2f}")


def test_pooling_explorer_sweeps_every_control():
    ex = widgets.pooling_explorer(mode="avg")
    # every value of every control, then the other mode with padding and a far pixel
    for change in [*every_value_of_every_control(ex), {"padding": 1}, {"row": 9, "col": 9}, {"mode": "avg"}]:
        ex.update(**change)
        assert ex.to_png(LOW_DPI).startswith(PNG)
        check_pooling(ex)


def test_pooling_explorer_extremes():
    ex = widgets.pooling_explorer(np.random.default_rng(0).random((5, 3, 3)))
    assert len(ex.figure.axes) == 2 * 4  # at most 4 maps drawn, input above output
    for k, st, p in itertools.product((1, 2, 3, 4), (1, 4), (0, 1, 2)):
        ex.update(kernel_size=k, stride=st, padding=p, row=ex.specs["row"].values[-1], col=0)
        assert ex.to_png(LOW_DPI).startswith(PNG)
        check_pooling(ex)


# ------------------------------------------------------------------ shared behaviour

LIVELY_STATES = {
    "conv_explorer": [{}, {"stride": 3, "padding": 2}],
    "type_comparer": [{}, {"kind": "grouped", "groups": 3}, {"kind": "type1", "k1": 1, "k2": 6}],
    "output_size_explorer": [{}, {"n": 1, "k": 7, "p": 0}],
    "pooling_explorer": [{}, {"kernel_size": 4, "stride": 4, "padding": 2}],
}


@pytest.mark.parametrize("name", list(LIVELY_STATES))
def test_every_control_changes_the_picture(name):
    """No dead control, even where a value has no effect on the layer (it still shows in the picture)."""
    ex = getattr(widgets, name)()
    for start in LIVELY_STATES[name]:
        ex.update(**start)
        for control, spec in ex.specs.items():
            before_state, before = ex.state, ex.to_png(LOW_DPI * 2)
            other = next(v for v in reversed(spec.values) if v != before_state[control])
            ex.update(**{control: other})
            if ex.state != before_state:  # (a clamped row or column may land where it was)
                assert ex.to_png(LOW_DPI * 2) != before, f"{control}: {before_state[control]} -> {other}"
            ex.update(**before_state)


FACTORIES = [widgets.conv_explorer, widgets.type_comparer, widgets.output_size_explorer, widgets.pooling_explorer]


@pytest.mark.parametrize("factory", FACTORIES)
def test_bad_updates_are_rejected_with_the_control_named(factory):
    ex = factory()
    with pytest.raises(TypeError, match="unknown control"):
        ex.update(colour=1)
    name, spec = next(iter(ex.specs.items()))
    if spec.is_int:
        with pytest.raises(ValueError, match=name):
            ex.update(**{name: spec.values[-1] + 1})
        with pytest.raises(TypeError, match=name):
            ex.update(**{name: 1.5})
    else:
        with pytest.raises(ValueError, match=name):
            ex.update(**{name: "nonsense"})
    with pytest.raises(ValueError, match="unknown control"):
        factory(fallback={"colour": [1]})


def test_factories_reject_bad_arguments():
    with pytest.raises(TypeError, match="both x and weight"):
        widgets.conv_explorer(np.ones((1, 4, 4)))
    with pytest.raises(ValueError, match="input channels"):
        widgets.conv_explorer(np.ones((2, 4, 4)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match="stride"):
        widgets.conv_explorer(stride=9)
    with pytest.raises(ValueError, match="kind"):
        widgets.type_comparer(kind="type3")
    with pytest.raises(ValueError, match="x"):
        widgets.pooling_explorer(np.ones((4, 4)))
    with pytest.raises(ValueError, match="frames"):
        widgets.output_size_explorer(fallback={"n": list(range(1, 13)), "k": list(range(1, 8)), "s": [1, 2, 3, 4]})


def payload_of(page):
    return json.loads(re.search(r'<script type="application/json">(.*?)</script>', page).group(1).replace("<\\/", "</"))


# One small frame set per explorer: building kernel-free pages is the slow part, so each is built once.
SMALL_FRAMES = {
    "conv_explorer": {"row": [0, 3], "col": [1, 2]},
    "type_comparer": {"kind": ["type1", "type2.2"], "k2": [2, 3]},
    "output_size_explorer": {"k": [1, 3], "s": [1, 2]},
    "pooling_explorer": {"mode": ["max", "avg"], "kernel_size": [2, 3]},
}


@pytest.mark.parametrize("name", list(SMALL_FRAMES))
def test_static_mode_shows_the_kernel_free_page_and_no_widget(name, monkeypatch):
    """With the book build's variable set, an explorer displays HTML frames and creates no ipywidgets at all."""
    monkeypatch.setenv(widgets.STATIC_ENV, "1")
    monkeypatch.setitem(__import__("sys").modules, "ipywidgets", None)  # any use of ipywidgets would fail
    ex = getattr(widgets, name)(fallback=SMALL_FRAMES[name])
    before = ex.state
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert ex.state == before  # precomputing frames leaves the explorer as it was
    page, payload = bundle["text/html"], payload_of(bundle["text/html"])
    assert len(payload["index"]) == int(np.prod([len(v) for v in payload["values"]]))
    assert set(payload["index"].values()) == set(range(len(payload["frames"]))) == set(range(len(payload["alts"])))
    start = "|".join(str(before[n]) for n in SMALL_FRAMES[name])
    first = payload["index"][start]
    # the start frame is stored once: as the <img>, not again in the data
    assert payload["frames"][first] == ""
    img = re.search(r'<img alt="([^"]*)" src="data:image/webp;base64,([^"]*)"', page)
    assert is_webp(base64.b64decode(img.group(2)))
    assert html.unescape(img.group(1)) == payload["alts"][first]
    assert len(set(payload["alts"])) == len(payload["alts"]) > 1  # the alt text says what each frame shows
    assert all(is_webp(base64.b64decode(f)) for f in payload["frames"] if f)
    assert page.count('aria-live="polite"') == len(SMALL_FRAMES[name])
    assert len(page) < 400_000


def test_default_frames_are_few_and_chosen_by_the_explorer():
    for factory in FACTORIES:
        ex = factory()
        frames = ex.default_frames()
        assert 1 < int(np.prod([len(v) for v in frames.values()])) <= 24
        assert all(set(v) <= set(ex.specs[k].values) for k, v in frames.items())


def test_live_mode_builds_no_frames(monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    ex = widgets.output_size_explorer()
    monkeypatch.setattr(ex, "to_html", lambda *a, **k: pytest.fail("a live display must not build frames"))
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "text/html" not in bundle


def test_fallback_frames_show_the_named_state():
    ex = widgets.output_size_explorer(fallback={"k": [1, 3]})
    payload = payload_of(ex.to_html())
    frame = pixels(base64.b64decode(payload["frames"][payload["index"]["1"]]))
    ex.update(k=1)
    np.testing.assert_array_equal(frame, pixels(ex.frame()))


def test_live_panel_and_mimebundle():
    pytest.importorskip("ipywidgets")
    ex = widgets.conv_explorer()
    bundle = ex._repr_mimebundle_()
    assert {"text/plain", "application/vnd.jupyter.widget-view+json"} <= set(bundle)
    controls = ex.controls
    assert set(controls) == {"out_channel", "row", "col", "stride", "padding", "dilation"}
    image = ex.widget.children[1]
    first = image.value
    controls["row"].value = 4  # as if the reader moved the slider
    assert ex.state["row"] == 4
    assert image.value != first  # a new PNG was pushed
    controls["stride"].value = 3  # (8 - 3) // 3 + 1 = 2 rows: the row slider shrinks, the row is clamped
    assert controls["row"].max == 1
    assert controls["row"].value == 1 == ex.state["row"]
    ex.update(col=1)  # code changes move the sliders too
    assert controls["col"].value == 1


def test_without_ipywidgets_the_html_view_remains(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    ex = widgets.output_size_explorer(fallback={"k": [1, 2]})
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    with pytest.raises(ImportError):
        ex.controls  # noqa: B018
    assert ex.update(k=2).output_size == 6  # (7 - 2) // 1 + 1: driving in code still works


@pytest.mark.parametrize("factory", FACTORIES)
def test_kernel_free_frames_keep_the_colours(factory):
    """A frame is the live picture with fewer colours: pale values must not turn grey (mean error < 2 of 255)."""
    ex = factory()
    frame, live = pixels(ex.frame()).astype(float), pixels(ex.to_png()).astype(float)
    assert frame.shape == live.shape
    assert np.abs(frame - live).mean() < 2.0
