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
    """A loss function. ``forward(y_true, y_pred)`` (seed order) or ``loss(y_pred, y_true)``.

    A loss also says what the network's outputs mean: ``classes(output)`` (the predicted class
    of each sample) and ``probabilities(output)`` (class probabilities), which
    ``NeuralNetwork.predict(classes=True)``, ``predict_proba`` and ``evaluate(accuracy=True)`` use.
    """

    def forward(self, y_true: Any, y_pred: Any) -> Tensor:
        raise NotImplementedError

    def __call__(self, y_pred: Any, y_true: Any) -> Tensor:
        """PyTorch's order: prediction first, target second."""
        return self.forward(y_true, y_pred)

    def check_output(self, shape: tuple[int, ...], caller: str) -> None:
        """Refuse, naming ``caller``, predictions of a shape this loss cannot learn from,
        whatever the target; every shape is fine by default."""

    def classes(self, output: np.ndarray) -> np.ndarray:
        """Predicted classes: the largest output of each row (several outputs), or 1 where the
        one output is at least 0.5 (a probability, as a final Sigmoid gives)."""
        output = np.asarray(output)
        if output.ndim >= 1 and output.shape[-1] > 1:
            return output.argmax(axis=-1)
        return (output.reshape(output.shape[:-1] if output.ndim > 1 else output.shape) >= 0.5).astype(np.int64)

    def target_classes(self, y: Any, output_shape: tuple[int, ...]) -> np.ndarray:
        """The classes of targets ``y``: class indices as they are, one-hot (or probability) rows
        by their largest entry, one column of 0/1 labels as labels."""
        y = np.asarray(y)
        if y.shape == tuple(output_shape) and y.ndim >= 1 and y.shape[-1] > 1:
            return y.argmax(axis=-1)
        if y.shape == tuple(output_shape) and y.ndim >= 1:
            y = y.reshape(y.shape[:-1])
        return np.rint(y).astype(np.int64) if y.dtype.kind == "f" else y.astype(np.int64)

    def probabilities(self, output: np.ndarray) -> np.ndarray:
        """Class probabilities from the outputs; only losses whose outputs mean probabilities
        (BCE) or scores of classes (CrossEntropy) define it."""
        raise TypeError(
            f"{self!r} does not make the network's outputs probabilities of classes; predict_proba needs a network "
            "trained with CrossEntropy (raw scores of each class) or BCE (a Sigmoid's probabilities)"
        )

    def config(self) -> dict[str, Any]:
        """The constructor's arguments (what ``NeuralNetwork.save`` records)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSE(Loss):
    """Mean squared error, mean over every element: mean((y_pred - y_true)^2)."""

    def forward(self, y_true: Any, y_pred: Any) -> Tensor:
        return F.mse(_prediction(y_pred), _target(y_true))


class BCE(Loss):
    """Binary cross-entropy of probabilities (``autograd_lite.bce``): p and 1 - p are taken as
    at least ``eps`` inside the logs (None: e^-100, each log at least -100 as in PyTorch), so
    that predictions of exactly 0 or 1 give a finite loss and gradient, and every other
    prediction its exact gradient."""

    def __init__(self, eps: float | None = None) -> None:
        self.eps = eps

    def forward(self, y_true: Any, y_pred: Any) -> Tensor:
        return F.bce(_prediction(y_pred), _target(y_true), eps=self.eps)

    def classes(self, output: np.ndarray) -> np.ndarray:
        """1 where the probability is at least 0.5: shape (samples,) for one output, one label
        per output otherwise (multi-label)."""
        output = np.asarray(output)
        labels = (output >= 0.5).astype(np.int64)
        return labels.reshape(labels.shape[:-1]) if output.ndim > 1 and output.shape[-1] == 1 else labels

    def target_classes(self, y: Any, output_shape: tuple[int, ...]) -> np.ndarray:
        y = np.asarray(y)
        labels = (y >= 0.5).astype(np.int64)
        return labels.reshape(labels.shape[:-1]) if y.ndim > 1 and y.shape[-1] == 1 else labels

    def probabilities(self, output: np.ndarray) -> np.ndarray:
        """One output p: the columns (1 - p, p), as scikit-learn's predict_proba; several
        outputs (independent labels): each output's probability as it is."""
        output = np.asarray(output)
        if output.ndim > 1 and output.shape[-1] == 1:
            return np.concatenate([1.0 - output, output], axis=-1)
        return output

    def config(self) -> dict[str, Any]:
        return {"eps": self.eps}

    def __repr__(self) -> str:
        return "BCE()" if self.eps is None else f"BCE(eps={self.eps})"


BinaryCrossEntropy = BCE


class CrossEntropy(Loss):
    """Softmax cross-entropy from raw scores (logits): do not put a Softmax layer before it.

    ``y_true`` holds class indices (shape (batch,)) or one-hot / probability rows (batch, classes).
    """

    def forward(self, y_true: Any, y_pred: Any) -> Tensor:
        y_pred = _prediction(y_pred)
        self.check_output(y_pred.shape, repr(self))
        return F.cross_entropy(y_pred, _target(y_true))

    def check_output(self, shape: tuple[int, ...], caller: str) -> None:
        """One score per sample is one class: its softmax is always 1 and the loss always 0,
        whatever the target, so training would run and learn nothing. Refused, with the fix."""
        if shape and shape[-1] == 1:
            raise ValueError(
                f"{caller}: cross-entropy needs at least 2 outputs per sample, one score per class, but the network "
                f"gives 1 (output shape {tuple(shape)}): the softmax of one score is always 1, so the loss would "
                "always be 0 and nothing would be learned. For C classes end the network with C outputs (y: class "
                "indices 0..C-1); for a yes/no target keep one output and use BCE() after a final Sigmoid()"
            )

    def probabilities(self, output: np.ndarray) -> np.ndarray:
        """softmax of the scores along the class axis (the last)."""
        return np.asarray(F.softmax(np.asarray(output), -1))
