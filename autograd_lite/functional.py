"""Composites: activations and losses built only from the primitives in ``ops.py``.

Nothing here has a hand-written derivative: backward goes through the primitives each one
is made of. The care is numerical: every function stays finite, in value and gradient, at
inputs of +-1000 (see each docstring for how). Like the primitives, these accept Tensors
(and return Tensors) or plain numpy values (and return numpy values).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from . import ops
from .ops import _data, abs, exp, log, log1p, maximum, tanh, where
from .tensor import Tensor

Reduction = Literal["mean", "sum", "none"]

__all__ = [
    "relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax", "logsumexp",
    "mse", "bce", "bce_with_logits", "cross_entropy", "one_hot",
]


# ------------------------------------------------------------------------------ activations

def relu(x: Any) -> Any:
    """max(x, 0), as threshold(x, 0, 0). Its gradient is 1 where x > 0 and 0 elsewhere, 0 at
    x = 0 included (as PyTorch and micrograd); nan stays nan (as PyTorch)."""
    return ops.threshold(x, 0.0, 0.0)


def sigmoid(x: Any) -> Any:
    """σ(x) = 1 / (1 + e^-x);  dσ/dx = σ(x) (1 - σ(x)).

    Computed from e = exp(-|x|), which lies in (0, 1] and cannot overflow:
    σ(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0. Both branches are finite
    everywhere, so ``where`` passes no nan back (0 * inf = nan is the trap). -|x| is x times
    a constant sign chosen with the same test as the branch, so that at x = 0 the derivative
    is the x >= 0 side's, 1/4 (abs would give 0 there: its derivative at 0 is 0).
    """
    nonneg = _data(x) >= 0
    e = exp(x * np.where(nonneg, -1.0, 1.0))
    return where(nonneg, 1.0, e) / (1 + e)


def softplus(x: Any) -> Any:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|);  d/dx = σ(x).

    At x = 0 the tie in max(x, 0) sends half the gradient each way, which gives σ(0) = 1/2.
    """
    return maximum(x, 0.0) + log1p(exp(-abs(x)))


def _max_along(x: Any, axis: Any, name: str) -> np.ndarray:
    """The (constant) max of x along axis, kept as size-1 axes; 0 where it is infinite.

    Subtracting it changes nothing mathematically and makes every exponential at most 1.
    """
    xd = np.asarray(_data(x))
    try:
        m = xd.max(axis=axis, keepdims=True)
    except ValueError as e:  # numpy's AxisError, or an empty tensor
        raise ValueError(f"{name}: {e} (tensor of shape {xd.shape})") from None
    if math.isfinite(np.add.reduce(m, axis=None)):  # the usual case, in one pass
        return m
    return np.where(np.isfinite(m), m, 0.0)


def softmax(x: Any, axis: int = -1) -> Any:
    """e^x_i / sum_j e^x_j along ``axis``, with the max subtracted first (the result is the same)."""
    e = exp(x - _max_along(x, axis, "softmax"))
    return e / ops.sum(e, axis, True)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """x_i - log sum_j e^x_j along ``axis``, computed as z - log sum e^z with z = x - max x."""
    z = x - _max_along(x, axis, "log_softmax")
    return z - log(ops.sum(exp(z), axis, True))


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log sum e^x over ``axis``;  d/dx = softmax(x). Stable for any input scale."""
    m = _max_along(x, axis, "logsumexp")
    out = log(ops.sum(exp(x - m), axis, True)) + m
    if keepdims:
        return out
    return ops.reshape(out, np.squeeze(m, axis=axis).shape)


# ------------------------------------------------------------------------------ losses

def _reduce(loss: Any, reduction: Reduction, name: str) -> Any:
    if reduction == "mean":
        return ops.mean(loss, None, False)
    if reduction == "sum":
        return ops.sum(loss, None, False)
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _target_like(pred: Any, target: Any, name: str) -> Any:
    """The target as a constant of the prediction's shape (a Tensor target keeps its graph)."""
    if not isinstance(target, Tensor):
        target = np.asarray(target, dtype=np.result_type(_data(pred).dtype, np.float32))
    if target.shape != pred.shape:
        raise ValueError(
            f"{name}: prediction of shape {pred.shape} and target of shape {target.shape} differ; "
            "reshape one of them (broadcasting them would silently compare every pair)"
        )
    return target


def mse(pred: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Mean squared error: mean((pred - target)^2)."""
    target = _target_like(pred, target, "mse")
    return _reduce((pred - target) ** 2, reduction, "mse")


def bce(pred: Any, target: Any, eps: float = 1e-12, reduction: Reduction = "mean") -> Any:
    """Binary cross-entropy of probabilities: -(t log p + (1 - t) log(1 - p)).

    p is clipped to [eps, 1 - eps] (eps at least the dtype's resolution), so predictions of
    exactly 0 or 1 give a finite loss and gradient. For raw scores use :func:`bce_with_logits`.

    Like PyTorch's ``binary_cross_entropy``, predictions outside [0, 1] are refused (they are
    not probabilities: the clip would flatten them and their gradient to zero, and training
    would stall at chance), and so are targets outside [0, 1] (NaN included). A NaN prediction
    passes, giving a NaN loss, which training reports as divergence.
    """
    target = _target_like(pred, target, "bce")
    p_data, t_data = np.asarray(_data(pred)), np.asarray(_data(target))
    outside = (p_data < 0) | (p_data > 1)
    if outside.any():
        at = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"bce: predictions must be probabilities in [0, 1], got {p_data[at]:.6g} at index {at}; end the "
            "network with a sigmoid (a Sigmoid layer), or give the raw scores to bce_with_logits instead"
        )
    outside = ~((t_data >= 0) & (t_data <= 1))
    if outside.any():
        at = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"bce: targets must lie in [0, 1] (labels 0 and 1, or probabilities), got {t_data[at]:.6g} at index {at}"
        )
    eps = max(eps, float(np.finfo(_data(pred).dtype).eps))
    p = ops.clip(pred, eps, 1.0 - eps)
    loss = -(target * log(p) + (1 - target) * log(1 - p))
    return _reduce(loss, reduction, "bce")


def bce_with_logits(logits: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Binary cross-entropy of σ(x), from the score x:  max(x, 0) - x t + log(1 + e^-|x|).

    Equal to bce(sigmoid(x), t) but exact for any x: nothing overflows and nothing is clipped.
    d/dx = σ(x) - t.
    """
    target = _target_like(logits, target, "bce_with_logits")
    loss = maximum(logits, 0.0) - logits * target + log1p(exp(-abs(logits)))
    return _reduce(loss, reduction, "bce_with_logits")


def _class_indices(indices: Any, num_classes: int, name: str) -> np.ndarray:
    """Class indices as an integer array, each checked to lie in 0..num_classes-1."""
    idx = np.asarray(_data(indices))
    if idx.dtype.kind == "f":
        if not np.all(idx == np.round(idx)):
            raise ValueError(f"{name}: class indices must be whole numbers")
        idx = idx.astype(np.int64)
    elif idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: class indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        bad = idx[(idx < 0) | (idx >= num_classes)].flat[0]
        raise ValueError(f"{name}: class index {bad} is out of range for {num_classes} classes (0..{num_classes - 1})")
    return idx


def one_hot(indices: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Class indices of any shape as one-hot rows: shape ``indices.shape + (num_classes,)``."""
    idx = _class_indices(indices, num_classes, "one_hot")
    out = np.zeros(idx.shape + (num_classes,), dtype=dtype)
    out.reshape(-1, num_classes)[np.arange(idx.size), idx.ravel()] = 1.0
    return out


def cross_entropy(logits: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Softmax cross-entropy from raw scores, classes along the last axis.

    ``target`` is either class indices (shape ``logits.shape[:-1]``) or class probabilities /
    one-hot rows (shape ``logits.shape``). Per row: -sum_c t_c log_softmax(x)_c, computed as
    (sum_c t_c) logsumexp(x) - sum_c t_c x_c with x shifted by its (constant) row max, which
    changes nothing but keeps every exponential at most 1. d/dx = softmax(x) sum_c t_c - t.
    """
    xd = _data(logits)
    shape = xd.shape
    if len(shape) == 0:
        raise ValueError("cross_entropy: logits must have a class axis, got a 0-d tensor")
    if isinstance(target, Tensor) and target.requires_grad:  # a target we differentiate too
        if target.shape != shape:
            raise ValueError(f"cross_entropy: a target that requires grad must have the logits' shape {shape}")
        return _reduce(-ops.sum(log_softmax(logits, -1) * target, -1, False), reduction, "cross_entropy")
    t = np.asarray(_data(target))
    if t.shape != shape and t.shape != shape[:-1]:
        raise ValueError(
            f"cross_entropy: target of shape {t.shape} fits neither class indices {shape[:-1]} "
            f"nor probabilities {shape} for logits of shape {shape}"
        )
    z = logits - _max_along(logits, -1, "cross_entropy")
    lse = log(ops.sum(exp(z), -1, False))
    if t.shape == shape:  # probabilities (or one-hot rows): sum_c t_c z_c
        weights = t.astype(xd.dtype, copy=False)
        row_sums = weights.sum(axis=-1)
        if not np.all(row_sums == 1.0):
            lse = lse * row_sums
        picked = ops.sum(z * weights, -1, False)
    else:  # class indices: pick z at each row's class (repeated rows' gradients add up)
        idx = _class_indices(t, shape[-1], "cross_entropy")
        picked = ops.getitem(z, (*np.indices(idx.shape, sparse=True), idx))
    return _reduce(lse - picked, reduction, "cross_entropy")
