"""Training a small network: the Adam optimizer and a loop with a progress readout.

Everything a network needs to learn, in three pieces on top of
:mod:`convutil.nn` (whose layers know their forward and backward passes):

* :class:`Adam` -- the optimizer of Kingma and Ba (2015): each parameter moves
  against a running mean of its gradient, scaled by a running root mean square;
* :func:`fit` -- the loop: shuffle the examples, cut them into mini-batches,
  forward, loss (:func:`convutil.nn.softmax_cross_entropy`), backward, step;
  one line of progress per epoch on standard output;
* :func:`predict` and :func:`accuracy` -- use a trained network.

Everything is seeded: the same seed gives the same weights, the same batches
and the same numbers (with one BLAS thread; several threads may change the
rounding of matrix products).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import as_float_array, as_int
from .nn import backward, forward, init_params, softmax_cross_entropy

__all__ = ["Adam", "History", "fit", "predict", "accuracy"]


class Adam:
    """Adam: per-parameter steps from running averages of the gradient and its square.

    For every parameter array ``w`` with gradient ``g`` at step ``t``::

        m = b1 * m + (1 - b1) * g          v = b2 * v + (1 - b2) * g**2
        w -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)

    Parameters
    ----------
    lr : float, default 0.01
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8

    Examples
    --------
    >>> import numpy as np
    >>> params = [{"weight": np.array([1.0, -1.0]), "bias": None}]
    >>> opt = Adam(lr=0.1)
    >>> opt.step(params, [{"weight": np.array([3.0, -0.5]), "bias": None}])
    >>> params[0]["weight"]             # the first step moves every weight by lr, whatever the gradient's size
    array([ 0.9, -0.9])
    """

    def __init__(self, lr: float = 0.01, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr!r}")
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"betas must lie in [0, 1), got {betas!r}")
        self.lr, self.betas, self.eps = lr, betas, eps
        self.t = 0
        self.moments: dict = {}

    def step(self, params: list, grads: list) -> None:
        """Update ``params`` in place from ``grads`` (both as :func:`convutil.nn.backward` lays them out)."""
        self.t += 1
        b1, b2 = self.betas
        for i, (p, g) in enumerate(zip(params, grads)):
            for name, grad in (g or {}).items():
                if grad is None:
                    continue
                m, v = self.moments.setdefault((i, name), (np.zeros_like(grad), np.zeros_like(grad)))
                m *= b1
                m += (1 - b1) * grad
                v *= b2
                v += (1 - b2) * grad**2
                m_hat = m / (1 - b1**self.t)
                v_hat = v / (1 - b2**self.t)
                p[name] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


@dataclass
class History:
    """Per-epoch record of a :func:`fit` run.

    Attributes
    ----------
    loss : list of float
        Mean training loss over the epoch's mini-batches.
    train_accuracy : list of float
        Fraction of the epoch's training examples classified right *while*
        training (each batch before its own update).
    test_accuracy : list of float
        Accuracy on the held-out examples after the epoch (empty without them).
    """

    loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)


def predict(layers, params, x, *, batch_size: int = 512) -> np.ndarray:
    """The class with the highest score for every example of ``x`` (a batch ``(N, C, H, W)``).

    Examples
    --------
    >>> import numpy as np
    >>> from convutil.nn import Flatten, Linear
    >>> net = [Flatten(), Linear(2)]
    >>> params = [None, {"weight": np.array([[1.0, 0.0], [0.0, 1.0]]), "bias": None}]
    >>> predict(net, params, np.array([[[[3.0, 1.0]]], [[[0.0, 2.0]]]])).tolist()
    [0, 1]
    """
    x = as_float_array(x, "x", (4,))
    chunks = [forward(layers, x[i : i + batch_size], params)[-1] for i in range(0, len(x), batch_size)]
    return np.concatenate(chunks).argmax(axis=1)


def accuracy(layers, params, x, y) -> float:
    """Fraction of the examples of ``x`` (a batch) whose predicted class equals ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from convutil.nn import Flatten, Linear
    >>> params = [None, {"weight": np.eye(2), "bias": None}]
    >>> accuracy([Flatten(), Linear(2)], params, np.array([[[[3.0, 1.0]]], [[[0.0, 2.0]]]]), [0, 0])
    0.5
    """
    return float((predict(layers, params, x) == np.asarray(y)).mean())


def _check_data(x, y, name):
    x = as_float_array(x, name, (4,))
    y = np.asarray(y)
    if y.shape != (len(x),) or y.dtype.kind not in "iu":
        raise ValueError(
            f"labels for {name} must be {len(x)} integers, one per example of shape {x.shape}; got {y.dtype} {y.shape}"
        )
    return x, y


def fit(
    layers,
    x,
    y,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 0.01,
    seed: int = 0,
    test=None,
    verbose: bool = True,
):
    """Train a network from seeded random weights with Adam and softmax cross-entropy.

    Parameters
    ----------
    layers : list of :mod:`convutil.nn` layer specifications
        Ending in class scores (e.g. ``Linear(classes)``).
    x : array_like, shape (N, C, H, W)
    y : array_like of int, shape (N,)
        Class labels ``0 .. classes - 1``.
    epochs, batch_size : int
    lr : float
        Adam's learning rate.
    seed : int
        Seeds the initial weights (:func:`convutil.nn.init_params`) and the
        order of the examples in every epoch.
    test : (x_test, y_test), optional
        Held-out examples: their accuracy is measured after every epoch.
    verbose : bool, default True
        Print one progress line per epoch (to standard output).

    Returns
    -------
    params : list
        The trained weights, as :func:`convutil.nn.init_params` lays them out.
    history : History

    Examples
    --------
    >>> import numpy as np
    >>> from convutil.nn import Flatten, Linear
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(64, 1, 1, 2)); y = (x[:, 0, 0, 0] > x[:, 0, 0, 1]).astype(int)
    >>> params, history = fit([Flatten(), Linear(2)], x, y, epochs=3, batch_size=16, lr=0.1)
    epoch 1/3  loss 0.568  train 68.8%
    epoch 2/3  loss 0.378  train 87.5%
    epoch 3/3  loss 0.268  train 96.9%
    >>> len(history.loss), history.loss[-1] < history.loss[0]
    (3, True)
    """
    x, y = _check_data(x, y, "x")
    if test is not None:
        test = _check_data(*test, "test")
    epochs = as_int(epochs, "epochs", minimum=1)
    batch_size = as_int(batch_size, "batch_size", minimum=1)
    params = init_params(layers, x.shape[1:], seed=seed)
    optimizer = Adam(lr=lr)
    order_rng = np.random.default_rng([seed, 1])
    history = History()
    for epoch in range(1, epochs + 1):
        order = order_rng.permutation(len(x))
        losses, right = [], 0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            outputs = forward(layers, x[batch], params)
            loss, grad = softmax_cross_entropy(outputs[-1], y[batch])
            right += int((outputs[-1].argmax(axis=1) == y[batch]).sum())
            _, grads = backward(layers, params, x[batch], outputs, grad)
            optimizer.step(params, grads)
            losses.append(loss * len(batch))
        history.loss.append(sum(losses) / len(x))
        history.train_accuracy.append(right / len(x))
        line = f"epoch {epoch}/{epochs}  loss {history.loss[-1]:.3f}  train {history.train_accuracy[-1]:.1%}"
        if test is not None:
            history.test_accuracy.append(accuracy(layers, params, *test))
            line += f"  test {history.test_accuracy[-1]:.1%}"
        if verbose:
            print(line, flush=True)
    return params, history
