"""The seed's hand-derived backpropagation, in plain numpy: the "manual" gradients.

Nothing here uses autograd_lite. Each layer's ``backward`` is the chain rule worked out by
hand, as in the seed library; ``demos.compare_gradients`` and the tests check that the
engine's ``backward()`` gives the same numbers.

Forward:   z = a_prev W + b,   a = σ(z)
Backward:  δ = dL/da ⊙ σ'(z),  dL/dW = a_prev^T δ,  dL/db = Σ_rows δ,  dL/da_prev = δ W^T
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Dense:
    """z = x W + b. backward: dW = x^T g, db = sum of g over the batch, dx = g W^T."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x @ self.W + self.b

    def backward(self, g: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ g
        self.db = g.sum(axis=0)
        return g @ self.W.T


class Sigmoid:
    """σ(z) = 1 / (1 + e^-z);  σ'(z) = σ(z) (1 - σ(z))."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        e = np.exp(-np.abs(z))  # stable for any z
        self.s = np.where(z >= 0, 1.0, e) / (1.0 + e)
        return self.s

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g * self.s * (1.0 - self.s)


class ReLU:
    """max(z, 0);  derivative 1 where z > 0, else 0."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.mask = z > 0
        return np.where(self.mask, z, 0.0)

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g * self.mask


class Tanh:
    """tanh z;  derivative 1 - tanh^2 z."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.t = np.tanh(z)
        return self.t

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g * (1.0 - self.t**2)


class MSE:
    """L = mean((p - t)^2);  dL/dp = 2 (p - t) / N, N the number of elements."""

    def loss(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return float(np.mean((y_pred - y_true) ** 2))

    def derivative(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return 2.0 * (y_pred - y_true) / y_true.size


class BCE:
    """L = -mean(t log p + (1 - t) log(1 - p)), p and 1 - p taken as at least eps (e^-100:
    each log at least -100, as the engine's bce and PyTorch);
    dL/dp = (-t / p + (1 - t) / (1 - p)) / N, each term 0 where its p or 1 - p is below eps."""

    def __init__(self, eps: float = float(np.exp(-100.0))) -> None:
        self.eps = eps

    def loss(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        p, q = np.maximum(y_pred, self.eps), np.maximum(1 - y_pred, self.eps)
        return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(q)))

    def derivative(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        p, q = np.maximum(y_pred, self.eps), np.maximum(1 - y_pred, self.eps)
        return (np.where(y_pred >= self.eps, -y_true / p, 0.0)
                + np.where(1 - y_pred >= self.eps, (1 - y_true) / q, 0.0)) / y_true.size


class CrossEntropy:
    """Softmax cross-entropy from logits z: L = -mean_rows sum_c t_c log softmax(z)_c;
    dL/dz = (softmax(z) - t) / rows, with t one-hot rows (class indices are converted)."""

    def _targets(self, y_true: np.ndarray, z: np.ndarray) -> np.ndarray:
        if y_true.shape == z.shape:
            return y_true
        return np.eye(z.shape[-1])[y_true.astype(int)]

    def loss(self, y_true: np.ndarray, z: np.ndarray) -> float:
        t = self._targets(y_true, z)
        shifted = z - z.max(axis=-1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return float(-np.mean(np.sum(t * log_p, axis=-1)))

    def derivative(self, y_true: np.ndarray, z: np.ndarray) -> np.ndarray:
        t = self._targets(y_true, z)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return (e / e.sum(axis=-1, keepdims=True) - t) / z.shape[0]


_ACTIVATIONS = {"Sigmoid": Sigmoid, "ReLU": ReLU, "Tanh": Tanh}
_LOSSES = {"MSE": MSE, "BCE": BCE, "CrossEntropy": CrossEntropy}


def gradients(network: Any, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """The loss and the gradient of every parameter of ``network`` on (X, y), by hand.

    ``network`` is an ``mlp.NeuralNetwork``; it is only read (layer types by name, weights as
    numpy arrays). The gradients are keyed like ``network.named_parameters()``:
    ``layers.0.weight``, ``layers.0.bias``...
    """
    layers: list[tuple[int, Any]] = []
    for i, layer in enumerate(network.layers):
        kind = type(layer).__name__
        if kind == "Dense":
            layers.append((i, Dense(layer.weight.data, layer.bias.data)))
        elif kind in _ACTIVATIONS:
            layers.append((i, _ACTIVATIONS[kind]()))
        else:
            raise TypeError(f"manual.gradients: no hand-derived backward for layer {i} ({kind})")
    loss_kind = type(network.loss_function).__name__
    if loss_kind not in _LOSSES:
        raise TypeError(f"manual.gradients: no hand-derived derivative for the loss {loss_kind}")
    loss_fn = _LOSSES[loss_kind]()
    if loss_kind == "BCE" and network.loss_function.eps is not None:
        loss_fn.eps = network.loss_function.eps

    out = np.asarray(X, dtype=np.float64)
    for _, layer in layers:
        out = layer.forward(out)
    y = np.asarray(y, dtype=np.float64)
    loss = loss_fn.loss(y, out)
    g = loss_fn.derivative(y, out)
    for _, layer in reversed(layers):
        g = layer.backward(g)
    grads: dict[str, np.ndarray] = {}
    for i, layer in layers:
        if isinstance(layer, Dense):
            grads[f"layers.{i}.weight"] = layer.dW
            grads[f"layers.{i}.bias"] = layer.db
    return loss, grads
