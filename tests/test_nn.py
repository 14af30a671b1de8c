"""The training toolkit: every backward pass against finite differences (and PyTorch), the loss,
the optimizer, a tiny problem that must be learned, and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from convutil import data, nn, train

RNG = np.random.default_rng(1234)

# (layer, one example's input shape): every layer type, with the options that change its backward pass
LAYERS = [
    (nn.Conv2d(3, 3, padding=1), (2, 6, 6)),
    (nn.Conv2d(4, (3, 2), stride=2, padding=(1, 0), dilation=(1, 2)), (3, 7, 8)),
    (nn.Conv2d(4, 3, groups=2, bias=False), (4, 6, 5)),
    (nn.Conv2d(6, 3, groups=3, padding=1), (3, 5, 5)),  # depthwise, two kernels per map
    (nn.ConvType1(2, 3, padding=1), (3, 5, 6)),
    (nn.ConvType1(3, 2, stride=2, dilation=2, bias=False), (2, 7, 7)),
    (nn.ConvType2_1(3, 3, padding=1), (4, 5, 5)),
    (nn.ConvType2_1(2, (2, 3), stride=(2, 1)), (3, 6, 6)),
    (nn.MaxPool2d(2), (2, 6, 6)),
    (nn.MaxPool2d(3, stride=2, padding=1), (2, 7, 6)),
    (nn.AvgPool2d(3, stride=2, padding=1), (2, 7, 6)),
    (nn.GlobalAvgPool(), (3, 4, 5)),
    (nn.ReLU(), (2, 4, 4)),
    (nn.Flatten(), (2, 3, 4)),
    (nn.Linear(3), (7,)),
    (nn.Linear(2, bias=False), (5,)),
]


def _random_params(layer, shape):
    # init_params takes a (C, H, W) input: a linear layer gets its vector through Flatten
    net, in_shape = ([nn.Flatten(), layer], (1, 1, shape[0])) if len(shape) == 1 else ([layer], shape)
    p = nn.init_params(net, in_shape, seed=3)[-1]
    if p is not None and p["bias"] is not None:
        p["bias"] = RNG.normal(size=p["bias"].shape)  # non-zero: keeps later kinks away from exact zeros
    return p


def _numerical_gradient(f, a, eps=1e-6):
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        up = f()
        a[idx] = old - eps
        down = f()
        a[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize(("layer", "shape"), LAYERS, ids=[repr(layer) for layer, _ in LAYERS])
def test_layer_backward_matches_finite_differences(layer, shape):
    x = RNG.normal(size=(2, *shape))
    p = _random_params(layer, shape)
    out = layer.forward(x, p)
    weights = RNG.normal(size=out.shape)  # loss = sum(weights * out): d loss / d out = weights

    def loss():
        return float((layer.forward(x, p) * weights).sum())

    grad_x, grads = layer.backward(weights, x, p)
    np.testing.assert_allclose(grad_x, _numerical_gradient(loss, x), atol=1e-6, rtol=1e-5)
    if p is None:
        assert grads == {}
        return
    assert set(grads) == {"weight", "bias"}
    for name in ("weight", "bias"):
        if p[name] is None:
            assert grads[name] is None
        else:
            assert grads[name].shape == p[name].shape
            np.testing.assert_allclose(grads[name], _numerical_gradient(loss, p[name]), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(("layer", "shape"), LAYERS[:12], ids=[repr(layer) for layer, _ in LAYERS[:12]])
def test_one_example_backward_equals_batch_of_one(layer, shape):
    x = RNG.normal(size=shape)
    p = _random_params(layer, shape)
    g = RNG.normal(size=layer.forward(x, p).shape)
    gx, grads = layer.backward(g, x, p)
    gx_batch, grads_batch = layer.backward(g[None], x[None], p)
    np.testing.assert_allclose(gx, gx_batch[0], atol=1e-12)
    for name, value in grads.items():
        if value is not None:
            np.testing.assert_allclose(value, grads_batch[name], atol=1e-12)


NET = [
    nn.Conv2d(3, 3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.ConvType1(2, 3, padding=1),
    nn.ReLU(),
    nn.ConvType2_1(2, 3),
    nn.ReLU(),
    nn.Conv2d(4, 1),
    nn.GlobalAvgPool(),
    nn.Linear(3),
]


def test_network_backward_matches_finite_differences():
    x = RNG.normal(size=(4, 2, 8, 8))
    y = np.array([0, 2, 1, 2])
    params = nn.init_params(NET, (2, 8, 8), seed=5)
    for p in params:
        if p is not None:
            p["bias"] = RNG.normal(scale=0.1, size=p["bias"].shape)

    def loss():
        return nn.softmax_cross_entropy(nn.forward(NET, x, params)[-1], y)[0]

    outputs = nn.forward(NET, x, params)
    _, grad = nn.softmax_cross_entropy(outputs[-1], y)
    grad_x, grads = nn.backward(NET, params, x, outputs, grad)
    np.testing.assert_allclose(grad_x, _numerical_gradient(loss, x), atol=1e-7, rtol=1e-5)
    for p, g in zip(params, grads):
        assert (p is None) == (g is None)
        if p is not None:
            for name in ("weight", "bias"):
                np.testing.assert_allclose(g[name], _numerical_gradient(loss, p[name]), atol=1e-7, rtol=1e-5)


def test_tied_kernels_against_pytorch_autograd():
    # PyTorch sums the gradients of a tensor used several times: the type 1 and type 2.1 layers
    # written with torch.Tensor.repeat / expand, differentiated by autograd.
    torch = pytest.importorskip("torch")
    func = torch.nn.functional
    x = RNG.normal(size=(2, 3, 7, 6))
    kernels, bias = RNG.normal(size=(4, 3, 2)), RNG.normal(size=4)
    for layer, build in [
        (nn.ConvType1(4, (3, 2), stride=2, padding=1), lambda w, b, c: (w.repeat(c, 1, 1)[:, None], b.repeat(c), c)),
        (nn.ConvType2_1(4, (3, 2), stride=2, padding=1), lambda w, b, c: (w[:, None].expand(-1, c, -1, -1), b, 1)),
    ]:
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, kernels, bias))
        weight, b, groups = build(wt, bt, 3)
        out = func.conv2d(xt, weight, b, stride=2, padding=1, groups=groups)
        g = RNG.normal(size=tuple(out.shape))
        out.backward(torch.from_numpy(g))
        params = {"weight": kernels, "bias": bias}
        np.testing.assert_allclose(layer.forward(x, params), out.detach().numpy(), atol=1e-12)
        gx, grads = layer.backward(g, x, params)
        np.testing.assert_allclose(gx, xt.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(grads["weight"], wt.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(grads["bias"], bt.grad.numpy(), atol=1e-10)


def test_softmax_cross_entropy_values_and_gradient():
    logits = np.array([[2.0, 0.0, -1.0], [1000.0, 1000.0, 0.0]])  # the second row would overflow a naive exp
    labels = np.array([0, 1])
    loss, grad = nn.softmax_cross_entropy(logits, labels)
    first = -np.log(np.exp(2.0) / (np.exp(2.0) + 1 + np.exp(-1.0)))
    assert loss == pytest.approx((first + np.log(2)) / 2)
    np.testing.assert_allclose(grad[1], [0.25, -0.25, 0.0], atol=1e-12)  # (softmax - onehot) / N
    z = RNG.normal(size=(5, 4))
    y = np.array([0, 3, 1, 1, 2])
    _, g = nn.softmax_cross_entropy(z, y)
    np.testing.assert_allclose(g, _numerical_gradient(lambda: nn.softmax_cross_entropy(z, y)[0], z), atol=1e-8)


@pytest.mark.parametrize(
    ("logits", "labels", "match"),
    [
        (np.zeros((2, 3)), np.array([0]), "labels must be 2 integers"),
        (np.zeros((2, 3)), np.array([0.0, 1.0]), "labels must be 2 integers"),
        (np.zeros((2, 3)), np.array([0, 3]), r"labels must lie in 0\.\.2"),
        (np.zeros(3), np.array([0]), "logits must have 2 dimensions"),
    ],
)
def test_softmax_cross_entropy_rejects_bad_input(logits, labels, match):
    with pytest.raises(ValueError, match=match):
        nn.softmax_cross_entropy(logits, labels)


def test_backward_rejects_a_wrong_gradient_shape():
    x = RNG.normal(size=(2, 2, 8, 8))
    params = nn.init_params(NET, (2, 8, 8))
    outputs = nn.forward(NET, x, params)
    with pytest.raises(ValueError, match=r"grad_out must have the output's shape \(2, 3\)"):
        nn.backward(NET, params, x, outputs, np.zeros((2, 4)))


def test_adam_follows_its_formula():
    w = np.array([1.0, -2.0])
    params = [{"weight": w, "bias": None}]
    opt = train.Adam(lr=0.1, betas=(0.5, 0.75), eps=0.0)
    g1, g2 = np.array([2.0, -1.0]), np.array([1.0, 3.0])
    opt.step(params, [{"weight": g1, "bias": None}])
    np.testing.assert_allclose(w, [0.9, -1.9])  # first step: lr * sign(g)
    opt.step(params, [{"weight": g2, "bias": None}])
    m = (0.5 * 0.5 * g1 + 0.5 * g2) / (1 - 0.25)
    v = (0.75 * 0.25 * g1**2 + 0.25 * g2**2) / (1 - 0.75**2)
    np.testing.assert_allclose(w, np.array([0.9, -1.9]) - 0.1 * m / np.sqrt(v))


def test_adam_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    start = RNG.normal(size=(3, 2))
    grads = RNG.normal(size=(5, 3, 2))
    ours = [{"weight": start.copy(), "bias": None}]
    opt = train.Adam(lr=0.05)
    theirs = torch.tensor(start, requires_grad=True)
    torch_opt = torch.optim.Adam([theirs], lr=0.05)
    for g in grads:
        opt.step(ours, [{"weight": g, "bias": None}])
        theirs.grad = torch.from_numpy(g.copy())
        torch_opt.step()
    np.testing.assert_allclose(ours[0]["weight"], theirs.detach().numpy(), atol=1e-12)


def test_adam_rejects_bad_settings():
    with pytest.raises(ValueError, match="lr must be > 0"):
        train.Adam(lr=0)
    with pytest.raises(ValueError, match="betas"):
        train.Adam(betas=(0.9, 1.0))


TINY = [nn.Conv2d(4, 3, padding=1), nn.ReLU(), nn.GlobalAvgPool(), nn.Linear(2)]


def test_fit_learns_a_tiny_problem(capsys):
    # which map's bar is on the left: a standard convolution must learn it perfectly
    x, y = data.bar_pairs(200, "left", seed=0)
    x_test, y_test = data.bar_pairs(200, "left", seed=1)
    params, history = train.fit(TINY, x, y, epochs=8, batch_size=20, lr=0.02, seed=0, test=(x_test, y_test))
    assert history.test_accuracy[-1] >= 0.95
    assert train.accuracy(TINY, params, x_test, y_test) == history.test_accuracy[-1]
    assert history.loss == sorted(history.loss, reverse=True)  # the loss fell in every epoch
    out, err = capsys.readouterr()
    assert err == ""  # progress goes to standard output only
    lines = out.splitlines()
    assert len(lines) == 8
    assert lines[-1].startswith("epoch 8/8  loss ")
    assert f"test {history.test_accuracy[-1]:.1%}" in lines[-1]


def test_fit_is_deterministic(capsys):
    x, y = data.bar_pairs(60, "cross", seed=2)
    runs = [train.fit(TINY, x, y, epochs=2, batch_size=16, seed=s, verbose=False) for s in (7, 7, 8)]
    (p1, h1), (p2, h2), (p3, h3) = runs
    assert h1 == h2
    for a, b in zip(p1, p2):
        if a is not None:
            assert np.array_equal(a["weight"], b["weight"])
            assert np.array_equal(a["bias"], b["bias"])
    assert h1.loss != h3.loss  # another seed: other weights and another order
    assert capsys.readouterr().out == ""  # verbose=False prints nothing


def test_fit_rejects_bad_input():
    x, y = data.bar_pairs(10, "cross", seed=0)
    with pytest.raises(ValueError, match="labels for x must be 10 integers"):
        train.fit(TINY, x, y[:5], verbose=False)
    with pytest.raises(ValueError, match="x must have 4 dimensions"):
        train.fit(TINY, x[0], y, verbose=False)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        train.fit(TINY, x, y, epochs=0, verbose=False)
    with pytest.raises(ValueError, match=r"layer 3 \(Linear\(2\)\) needs a flat vector"):
        train.fit(TINY[:2] + TINY[3:], x, y, verbose=False)


def test_type1_network_cannot_see_where_the_bars_are():
    # The chapter's argument: every map holds one bar, away from the border, so a network whose
    # conv layer never mixes maps (type 1), followed by global average pooling, gives every input
    # the same output, whatever its weights. Type 2.1 gives swapped pairs the same output.
    x, _ = data.bar_pairs(40, "cross", seed=3)
    for seed in range(3):
        net = [nn.ConvType1(3, 3, padding=1), nn.ReLU(), nn.GlobalAvgPool(), nn.Linear(2)]
        params = nn.init_params(net, (2, 12, 12), seed=seed)
        params[0]["bias"] = RNG.normal(size=3)
        out = nn.forward(net, x, params)[-1]
        np.testing.assert_allclose(out, np.broadcast_to(out[0], out.shape), atol=1e-12)
    x, _ = data.bar_pairs(40, "left", seed=3)
    net = [nn.ConvType2_1(3, 3, padding=1), nn.ReLU(), nn.GlobalAvgPool(), nn.Linear(2)]
    out = nn.forward(net, x, nn.init_params(net, (2, 12, 12), seed=4))[-1]
    np.testing.assert_allclose(out[0::2], out[1::2], atol=1e-12)
    mixing = [nn.Conv2d(3, 3, padding=1), nn.ReLU(), nn.GlobalAvgPool(), nn.Linear(2)]
    out = nn.forward(mixing, x, nn.init_params(mixing, (2, 12, 12), seed=4))[-1]
    assert np.abs(out[0::2] - out[1::2]).max() > 1e-3  # a standard convolution does tell them apart
