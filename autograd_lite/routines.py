"""Module-level functions: ``al.exp(x)``, ``al.sum(x, axis=1)``, ``al.sigmoid(x)``...

Each takes Tensors or array-likes and returns a Tensor, and does what the Tensor method of
the same name does (PyTorch's ``torch.exp`` beside ``Tensor.exp``). The primitives in ``ops``
and the composites in ``functional`` are the implementations; these only give them keyword
arguments and convert array inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import functional as F
from . import ops
from .tensor import Axis, Tensor, as_tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


def exp(x: Any) -> Tensor:
    return _t(x).exp()


def log(x: Any) -> Tensor:
    return _t(x).log()


def log1p(x: Any) -> Tensor:
    return _t(x).log1p()


def sqrt(x: Any) -> Tensor:
    return _t(x).sqrt()


def abs(x: Any) -> Tensor:
    return _t(x).abs()


def sin(x: Any) -> Tensor:
    return _t(x).sin()


def cos(x: Any) -> Tensor:
    return _t(x).cos()


def tanh(x: Any) -> Tensor:
    return _t(x).tanh()


def pow(x: Any, exponent: Any) -> Tensor:
    return ops.power(_t(x), exponent)


def maximum(x: Any, y: Any) -> Tensor:
    return ops.maximum(_t(x), y)


def minimum(x: Any, y: Any) -> Tensor:
    return ops.minimum(_t(x), y)


def clip(x: Any, min: float | None = None, max: float | None = None) -> Tensor:
    return _t(x).clip(min, max)


def matmul(x: Any, y: Any) -> Tensor:
    return ops.matmul(_t(x), y)


def affine(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """x @ weight + bias as one operation (weight of shape (in, out))."""
    return ops.affine(x if isinstance(x, Tensor) else as_tensor(x), weight, bias)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """Elementwise ``x if condition else y``; the gradient reaches only the branch taken."""
    return _t(ops.where(condition, _t(x), y))


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return _t(x).sum(axis, keepdims)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return _t(x).mean(axis, keepdims)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return _t(x).max(axis, keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return _t(x).min(axis, keepdims)


def reshape(x: Any, shape: Sequence[int]) -> Tensor:
    return _t(x).reshape(tuple(shape))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (numpy's ``transpose``): reversed when ``axes`` is None."""
    return ops.transpose(_t(x), None if axes is None else tuple(axes))


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    return _t(x).broadcast_to(tuple(shape))


def expand_dims(x: Any, axis: int) -> Tensor:
    return _t(x).expand_dims(axis)


def squeeze(x: Any, axis: Axis = None) -> Tensor:
    return _t(x).squeeze(axis)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    return _t(ops.concatenate(list(tensors), axis))


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    return _t(ops.stack(list(tensors), axis))


def threshold(x: Any, threshold: float, value: float) -> Tensor:
    """``value`` where x <= threshold, else x (PyTorch's F.threshold); relu is threshold(x, 0, 0)."""
    return ops.threshold(_t(x), threshold, value)


def relu(x: Any) -> Tensor:
    return F.relu(_t(x))


def sigmoid(x: Any) -> Tensor:
    return F.sigmoid(_t(x))


def softplus(x: Any) -> Tensor:
    return F.softplus(_t(x))


def softmax(x: Any, axis: int = -1) -> Tensor:
    return F.softmax(_t(x), axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return F.log_softmax(_t(x), axis)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    return F.logsumexp(_t(x), axis, keepdims)
