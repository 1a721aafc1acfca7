"""Composites: activations and losses built only from the primitives in ``ops.py``.

Nothing here has a hand-written derivative: backward goes through the primitives each one
is made of. The care is numerical and structural:

* every function stays finite, in value and gradient, at inputs of +-1000;
* a function whose true value is smooth (sigmoid, softplus, the losses) is written so that its
  derivatives of every order are the true ones, at 0 too: with no mask at all (sigmoid, from
  logaddexp), or with each ``where`` picking between two formulas that are both exact
  everywhere, instead of going through the kink of ``abs`` or ``maximum``;
* masks and shifts (a sign, a row maximum) are computed with primitives from the inputs, so a
  compiled step recomputes them;
* constants are Python numbers, so float32 inputs give float32 results and gradients.

Like the primitives, these accept Tensors (and return Tensors) or plain numpy values (and
return numpy values).
"""

from __future__ import annotations

import operator
from typing import Any, Literal

import numpy as np

from . import ops
from .ops import _axes, _data, detach, exp, greater_equal, isfinite, log, log1p, where
from .primitive import checked
from .registry import tensor_method
from .tensor import Tensor, _make

Reduction = Literal["mean", "sum", "none"]

__all__ = [
    "relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax", "logsumexp",
    "mse", "bce", "bce_with_logits", "cross_entropy", "one_hot",
]

tanh = ops.tanh


# ------------------------------------------------------------------------------ activations

@tensor_method("relu", kind="composite", primitives=("threshold",))
def relu(x: Any) -> Any:
    """max(x, 0), as threshold(x, 0, 0). Its gradient is 1 where x > 0 and 0 elsewhere, 0 at
    x = 0 included (as PyTorch and micrograd); a nan input gives nan and gets the gradient."""
    return ops.threshold(x, 0.0, 0.0)


def _neg_abs(x: Any, nonneg: Any) -> Any:
    """-|x| as x times the sign of each side: -1 where x >= 0, 1 elsewhere (a constant of x's
    dtype, computed from x). At 0 the slope is the x >= 0 side's (-1), where abs's would be 0;
    away from 0 the two are the same function, and every higher derivative is 0."""
    dtype = _data(x).dtype
    one = dtype.type(1) if dtype.kind == "f" else 1.0  # (a bool has no -1; an integer becomes float64)
    return x * where(nonneg, -one, one)


@tensor_method("sigmoid", kind="composite", primitives=("neg", "sub", "logaddexp", "exp"))
def sigmoid(x: Any) -> Any:
    """σ(x) = 1 / (1 + e^-x) = e^-ln(1 + e^-x) = exp(-logaddexp(0, -x));  dσ/dx = σ(x) (1 - σ(x)).

    Four operations and no mask: logaddexp never overflows, so σ is finite at any input, ±inf
    included, and its gradient is σ(x) e^-logaddexp(0, x), a product with no cancellation: both
    are within 10^-14 of the true values, relative, over the whole float64 range, where
    σ(x) (1 - σ(x)) from a rounded σ loses every digit beyond x = 37 (PyTorch's formula). The
    price is e^-L turning L's rounding into relative error: up to about 30 ulps (4e-15) where
    |x| is 10 to 37, 1 or 2 for 1 / (1 + e^-x); in float32 about 5 ulps (6e-7; PyTorch's 1).
    A nan input gives nan, with numpy's "invalid value encountered in logaddexp" warning. An
    integer or bool x is taken as float64 (``0 - x``: numpy negates neither bools nor unsigned
    integers without wrapping).
    """
    minus_x = -x if _data(x).dtype.kind == "f" else ops.sub(0.0, x)
    return exp(-ops.logaddexp(0.0, minus_x))


@tensor_method("softplus", kind="composite", primitives=("greater_equal", "where", "mul", "exp", "log1p", "add"))
def softplus(x: Any) -> Any:
    """log(1 + e^x);  d/dx = σ(x).

    As x + log1p(e^-x) for x >= 0 and log1p(e^x) for x < 0: two exact formulas, neither of
    which can overflow, picked by sign. Every derivative is therefore exact at 0 too (the second
    is σ'(0) = 1/4), where max(x, 0) + log1p(e^-|x|) gives 0 from the kinks of max and abs.
    """
    nonneg = greater_equal(x, 0.0)
    return where(nonneg, x, 0.0) + log1p(exp(_neg_abs(x, nonneg)))


def _shift(x: Any, axis: Any, keepdims: bool = True) -> Any:
    """The max of x along ``axis`` (kept as size-1 axes), cut from the graph, and 0 where it is
    not finite. Subtracting it changes nothing mathematically and makes every exponential at
    most 1; computed with primitives, so a compiled step recomputes it from its inputs."""
    m = ops.max(detach(x), axis, keepdims)
    return where(isfinite(m), m, 0.0)


def _class_axis(x: Any, axis: int, name: str) -> tuple[int, ...]:
    """The axis to normalise along, as a tuple of one axis (none for a 0-d tensor, as PyTorch)."""
    shape = np.shape(_data(x))
    return _axes(axis, len(shape), name, shape, reduction=True)


@tensor_method("softmax", kind="composite", primitives=("max", "isfinite", "where", "sub", "exp", "sum", "div"))
def softmax(x: Any, axis: int = -1) -> Any:
    """e^x_i / sum_j e^x_j along ``axis``, with the max subtracted first (the result is the same)."""
    a = _class_axis(x, axis, "softmax")
    e = exp(x - _shift(x, a))
    return e / ops.sum(e, a, True)


@tensor_method("log_softmax", kind="composite", primitives=("max", "isfinite", "where", "sub", "exp", "sum", "log"))
def log_softmax(x: Any, axis: int = -1) -> Any:
    """x_i - log sum_j e^x_j along ``axis``, computed as z - log sum e^z with z = x - max x."""
    a = _class_axis(x, axis, "log_softmax")
    z = x - _shift(x, a)
    return z - log(ops.sum(exp(z), a, True))


@tensor_method("logsumexp", kind="composite", primitives=("max", "isfinite", "where", "sub", "exp", "sum", "log",
                                                          "add", "reshape"))
def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log sum e^x over ``axis``;  d/dx = softmax(x). Stable for any input scale; over an empty
    axis it is log 0 = -inf, as in PyTorch."""
    xd = _data(x)
    axes = _axes(axis, np.ndim(xd), "logsumexp", np.shape(xd), reduction=True)
    empty = np.size(xd) == 0 or (axes is not None and any(np.shape(xd)[a] == 0 for a in axes))
    if empty:  # log of a sum of nothing: -inf, with the (empty) gradient of a sum
        return ops.sum(x, axes, keepdims) + float("-inf")
    m = _shift(x, axes)
    out = log(ops.sum(exp(x - m), axes, True)) + m
    if keepdims:
        return out
    kept = tuple(n for i, n in enumerate(np.shape(xd)) if axes is not None and i not in axes)
    return ops.reshape(out, kept)


# ------------------------------------------------------------------------------ losses

def _reduce(loss: Any, reduction: Reduction, name: str) -> Any:
    if reduction == "mean":
        return ops.mean(loss, None, False)
    if reduction == "sum":
        return ops.sum(loss, None, False)
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _converted(values: np.ndarray, dtype: Any) -> Any:
    """``values`` in ``dtype``: the array itself when it already is, else a recorded conversion
    (so that a compiled step converts the values of each call, not those it traced)."""
    if values.dtype == dtype:
        return values
    return ops.astype(_make(values), np.dtype(dtype), values.dtype)


def _target_like(pred: Any, target: Any, name: str) -> Any:
    """The target as a constant of the prediction's shape and float dtype (a Tensor target keeps
    its graph)."""
    if not isinstance(target, Tensor):
        target = np.asarray(target)
        if target.dtype.kind not in "fiub":
            raise TypeError(f"{name}: the target must hold numbers, got dtype {target.dtype}")
        dtype = _data(pred).dtype
        target = _converted(target, dtype if dtype.kind == "f" else np.float64)
        if isinstance(pred, Tensor) and not isinstance(target, Tensor):
            target = _make(target)  # so that 1 - target is an operation of the table (al.compile sees it)
    if target.shape != np.shape(_data(pred)):
        raise ValueError(
            f"{name}: prediction of shape {np.shape(_data(pred))} and target of shape {target.shape} differ; "
            "reshape one of them (broadcasting them would silently compare every pair)"
        )
    return target


@tensor_method("mse", kind="composite", primitives=("sub", "pow", "mean"), is_method=False)
def mse(pred: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Mean squared error: mean((pred - target)^2)."""
    target = _target_like(pred, target, "mse")
    return _reduce((pred - target) ** 2, reduction, "mse")


@tensor_method("bce", kind="composite", primitives=("clip", "log", "mul", "sub", "add", "neg", "mean"),
               is_method=False)
def bce(pred: Any, target: Any, eps: float | None = None, reduction: Reduction = "mean") -> Any:
    """Binary cross-entropy of probabilities: -(t log p + (1 - t) log(1 - p)).

    p and 1 - p are taken as at least ``eps`` inside the logs, so that a prediction of exactly
    0 or 1 gives a finite loss and gradient. By default eps is e^-100, so that each log is at
    least -100 as in PyTorch's ``binary_cross_entropy`` (float32: its smallest normal number,
    1.2e-38, so that the gradient 1/p stays finite). Every prediction above it keeps its exact
    gradient: a confident wrong one (p = 1e-13 for a target of 1) is pushed back hard, where a
    clip at the dtype's resolution gave it none, and training could not recover from it. For
    raw scores use :func:`bce_with_logits`, exact at every scale.

    Like PyTorch's ``binary_cross_entropy``, predictions outside [0, 1] are refused (they are
    not probabilities: the clip would flatten them and their gradient to zero, and training
    would stall at chance), and so are targets outside [0, 1] (NaN included). A NaN prediction
    passes, giving a NaN loss, which training reports as divergence.
    """
    target = _target_like(pred, target, "bce")
    checked(_check_probabilities, _data(pred), _data(target))
    dtype = _data(pred).dtype  # (0/1 integer or bool predictions compute in float64, as the target)
    floor = float(np.finfo(dtype if dtype.kind == "f" else np.float64).tiny)  # (1 / p finite)
    eps = max(_BCE_EPS if eps is None else eps, floor)
    loss = -(target * log(ops.clip(pred, eps, None)) + (1.0 - target) * log(ops.clip(1.0 - pred, eps, None)))
    return _reduce(loss, reduction, "bce")


_BCE_EPS = float(np.exp(-100.0))  # bce's default floor of p and 1 - p: logs of at least -100, PyTorch's


def _check_probabilities(pred: Any, target: Any) -> None:
    """bce's predictions and targets in [0, 1] (see bce)."""
    p_data, t_data = np.asarray(pred), np.asarray(target)
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


@tensor_method("bce_with_logits", kind="composite", primitives=("greater_equal", "neg", "where", "exp", "log1p",
                                                                "add", "mul", "sub", "mean"), is_method=False)
def bce_with_logits(logits: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Binary cross-entropy of σ(x), from the score x:  softplus(x) - x t.

    Equal to bce(sigmoid(x), t) but exact for any x: nothing overflows and nothing is clipped,
    and it is smooth at every order (softplus is). d/dx = σ(x) - t.
    """
    target = _target_like(logits, target, "bce_with_logits")
    return _reduce(softplus(logits) - logits * target, reduction, "bce_with_logits")


def _class_indices(indices: Any, num_classes: int, name: str) -> np.ndarray:
    """Class indices as an integer array, each checked to lie in 0..num_classes-1."""
    idx = np.asarray(_data(indices))
    if idx.dtype.kind not in "fiu":
        raise TypeError(f"{name}: class indices must be integers, got dtype {idx.dtype}")
    checked(_check_class_indices, idx, num_classes, name)
    if idx.dtype.kind == "f":
        idx = ops.astype(idx, np.int64, idx.dtype)  # an operation, so that al.compile traces it
    return idx


def _check_class_indices(idx: np.ndarray, num_classes: int, name: str) -> None:
    """Whole numbers in 0..num_classes-1 (see _class_indices)."""
    if idx.dtype.kind == "f" and not np.all(idx == np.round(idx)):
        raise ValueError(f"{name}: class indices must be whole numbers")
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        bad = idx[(idx < 0) | (idx >= num_classes)].flat[0]
        raise ValueError(f"{name}: class index {bad:g} is out of range for {num_classes} classes "
                         f"(0..{num_classes - 1})")


@tensor_method("one_hot", kind="other", is_method=False, differentiable=False)
def one_hot(indices: Any, num_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Class indices of any shape as one-hot rows: shape ``indices.shape + (num_classes,)``.
    (Each index compared with 0..num_classes-1 by the table's operations, so that al.compile
    traces it.)"""
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise TypeError(f"one_hot: num_classes must be a whole number, got {num_classes!r}") from None
    if num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be at least 1, got {num_classes}")
    idx = _class_indices(indices, num_classes, "one_hot")
    hits = ops.equal(ops.expand_dims(idx, -1), np.arange(num_classes))
    return ops.astype(hits, np.dtype(dtype), hits.dtype)


@tensor_method("cross_entropy", kind="composite",
               primitives=("max", "isfinite", "where", "sub", "exp", "sum", "log", "mul", "getitem", "mean"),
               is_method=False)
def cross_entropy(logits: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Softmax cross-entropy from raw scores, classes along the last axis.

    ``target`` is either class indices (shape ``logits.shape[:-1]``) or class probabilities /
    one-hot rows (shape ``logits.shape``). Per row: -sum_c t_c log_softmax(x)_c, computed as
    (sum_c t_c) logsumexp(x) - sum_c t_c x_c with x shifted by its (constant) row max, which
    changes nothing but keeps every exponential at most 1. d/dx = softmax(x) sum_c t_c - t.
    """
    shape = np.shape(_data(logits))
    if len(shape) == 0:
        raise ValueError("cross_entropy: logits must have a class axis, got a 0-d tensor")
    last = (len(shape) - 1,)
    if isinstance(target, Tensor) and target._requires_grad:  # a target we differentiate too
        if target.shape != shape:
            raise ValueError(f"cross_entropy: a target that requires grad must have the logits' shape {shape}")
        return _reduce(-ops.sum(log_softmax(logits, -1) * target, last, False), reduction, "cross_entropy")
    t = np.asarray(_data(target))
    if t.shape != shape and t.shape != shape[:-1]:
        raise ValueError(
            f"cross_entropy: target of shape {t.shape} fits neither class indices {shape[:-1]} "
            f"nor probabilities {shape} for logits of shape {shape}"
        )
    z = logits - _shift(logits, last)
    lse = log(ops.sum(exp(z), last, False))
    if t.shape == shape:  # probabilities (or one-hot rows): sum_c t_c z_c, lse weighted by sum_c t_c
        weights = _converted(t, _data(logits).dtype)
        lse = lse * ops.sum(weights, last, False)  # exactly lse for rows that sum to 1
        picked = ops.sum(z * weights, last, False)
    else:  # class indices: pick z at each row's class (repeated rows' gradients add up)
        _class_indices(t, shape[-1], "cross_entropy")  # checked here; converted by a recorded operation
        idx = _data(_converted(t, np.int64))
        picked = ops.getitem(z, (*np.indices(t.shape, sparse=True), idx))
    return _reduce(lse - picked, reduction, "cross_entropy")

