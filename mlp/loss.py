"""Losses (the seed's nn/loss.py), built from autograd_lite.functional.

Two call orders, as the docstrings say:

* ``loss.forward(y_true, y_pred)``: the seed's order;
* ``loss(y_pred, y_true)``: PyTorch's order (prediction first), which NeuralNetwork uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite import Tensor
from autograd_lite import functional as F

from .module import as_input


def _target(y: Any) -> Any:
    return y if isinstance(y, Tensor) else np.asarray(y)


def _prediction(y: Any) -> Tensor:
    return y if isinstance(y, Tensor) else as_input(y)


class Loss:
    """A loss function. ``forward(y_true, y_pred)`` (seed order) or ``loss(y_pred, y_true)``."""

    def forward(self, y_true: Any, y_pred: Any) -> Tensor:
        raise NotImplementedError

    def __call__(self, y_pred: Any, y_true: Any) -> Tensor:
        """PyTorch's order: prediction first, target second."""
        return self.forward(y_true, y_pred)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSE(Loss):
    """Mean squared error, mean over every element: mean((y_pred - y_true)^2)."""

    def forward(self, y_true: Any, y_pred: Any) -> Tensor:
        return F.mse(_prediction(y_pred), _target(y_true))


class BCE(Loss):
    """Binary cross-entropy of probabilities; predictions of exactly 0 or 1 are clipped to
    [eps, 1 - eps], so the loss and its gradient stay finite."""

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = eps

    def forward(self, y_true: Any, y_pred: Any) -> Tensor:
        return F.bce(_prediction(y_pred), _target(y_true), eps=self.eps)


BinaryCrossEntropy = BCE


class CrossEntropy(Loss):
    """Softmax cross-entropy from raw scores (logits): do not put a Softmax layer before it.

    ``y_true`` holds class indices (shape (batch,)) or one-hot / probability rows (batch, classes).
    """

    def forward(self, y_true: Any, y_pred: Any) -> Tensor:
        return F.cross_entropy(_prediction(y_pred), _target(y_true))
