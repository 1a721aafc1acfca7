"""Tensor: a numpy array that remembers how it was computed.

>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
Tensor([2., 4.])

The operators and methods below only forward to the primitives in ``ops.py`` and the
composites in ``functional.py``; the calculus lives there, the graph walk in ``engine.py``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .primitive import Node

Axis = int | Sequence[int] | None

_FLOAT_TYPES = (np.float32, np.float64)


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    """Copy ``data`` into a fresh array with the engine's dtype rules (see Tensor)."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind not in "fiub" or (dtype.kind == "f" and dtype.type not in _FLOAT_TYPES):
            raise TypeError(f"Tensor: dtype {dtype} is not supported; use float64, float32, an integer or bool")
        return np.array(data, dtype=dtype)
    from_numpy = isinstance(data, (np.ndarray, np.generic))
    try:
        arr = np.array(data)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"Tensor: data is not a rectangular array of numbers ({e})") from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr if arr.dtype.type in _FLOAT_TYPES else arr.astype(np.float64)
    if kind in "iu":
        # Python numbers and lists are float64, as in micrograd; numpy integer arrays stay
        # integers (class indices), so that Tensor(np.arange(3)) means what it says.
        return arr if from_numpy else arr.astype(np.float64)
    if kind == "b":
        return arr
    raise TypeError(f"Tensor: data of dtype {arr.dtype} is not supported; give real numbers")


class Tensor:
    """An n-dimensional array (numpy-backed, 0-d included) that records the graph of operations.

    Args:
        data: a number, a nested list, a numpy array or another Tensor. Always copied.
        requires_grad: record operations on this tensor so that ``backward()`` fills ``.grad``.
            Only floating-point tensors can require grad.
        dtype: the element type. Python numbers and lists become float64; numpy arrays keep
            float32/float64 and integer/bool dtypes; other floats become float64.
        name: a label for error messages and graph drawings.

    A tensor made by an operation while grad mode is on and an input requires grad is a
    *non-leaf*: it keeps a link (``grad_fn``) to the :class:`Node` that made it. Others are leaves.
    """

    __slots__ = ("data", "grad", "requires_grad", "_node", "_name", "__weakref__")

    # numpy defers to our reflected operators: np.ones(3) + t calls t.__radd__ and gives a Tensor.
    __array_ufunc__ = None
    # __eq__ is elementwise, so restore identity hashing (tensors as dict keys, as in PyTorch).
    __hash__ = object.__hash__

    data: np.ndarray
    grad: Tensor | None
    requires_grad: bool
    _node: Node | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        arr = _to_array(data, dtype)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"Tensor: requires_grad=True needs floating-point data, got {arr.dtype}; "
                "pass dtype=np.float64 or float values"
            )
        self.data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._node = None
        self._name = name

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        """Number of elements (numpy's ``size``; PyTorch's ``numel()``)."""
        return self.data.size

    def numel(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True unless the tensor was made by a recorded operation."""
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        """The Node that made this tensor (None for leaves), as PyTorch's ``grad_fn``."""
        return self._node

    @property
    def name(self) -> str | None:
        return getattr(self, "_name", None)

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        if self._node is not None:  # drawings of the graph find names on its nodes
            self._node.name = value

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (the transpose of a matrix)."""
        return _ops.transpose(self, None)

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), as PyTorch's ``numpy()``."""
        return self.data

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(f"item(): needs a tensor of exactly one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self._node is not None:
            extra += f", grad_fn=<{self._node.op.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------------------ graph
    def detach(self) -> Tensor:
        """The same data (shared), cut from the graph: a leaf that does not require grad."""
        return _make(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf in place; returns self."""
        if self._node is not None and not requires_grad:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use detach() instead")
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad_(): needs floating-point data, got {self.data.dtype}")
        if self._node is None:
            self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (same as ``t.grad = None``)."""
        self.grad = None

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (leaves always do)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self._node is not None:
            self._node.retain = weakref.ref(self)  # weak: the graph must not keep its tensors alive

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``. See :func:`autograd_lite.engine.backward`."""
        _engine.backward(self, gradient, retain_graph, create_graph)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return _ops.power(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return _ops.power(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    # comparisons: elementwise, never differentiable (bool tensors)
    def __lt__(self, other: Any) -> Tensor:
        return _ops.less(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ops.less_equal(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ops.greater(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ops.greater_equal(self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.equal(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.not_equal(self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, _ops.as_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "Tensor does not support item assignment (it would silently break the graph); "
            "build a new tensor with al.where(...) or al.concatenate(...), or edit .data under no_grad()"
        )

    # ------------------------------------------------------------------ elementwise functions
    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def log1p(self) -> Tensor:
        return _ops.log1p(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def sin(self) -> Tensor:
        return _ops.sin(self)

    def cos(self) -> Tensor:
        return _ops.cos(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def pow(self, exponent: Any) -> Tensor:
        return _ops.power(self, exponent)

    def maximum(self, other: Any) -> Tensor:
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ops.minimum(self, other)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return _ops.clip(self, min, max)

    clamp = clip

    def sigmoid(self) -> Tensor:
        return _F.sigmoid(self)

    def relu(self) -> Tensor:
        return _F.relu(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return _F.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return _F.log_softmax(self, axis)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _F.logsumexp(self, axis, keepdims)

    # ------------------------------------------------------------------ reductions
    # numpy's (axis, keepdims); PyTorch's (dim, keepdim) are accepted as the same thing.
    def sum(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        return _ops.sum(self, *_reduce_args(axis, keepdims, dim, keepdim))

    def mean(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        return _ops.mean(self, *_reduce_args(axis, keepdims, dim, keepdim))

    def max(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Largest values over ``axis`` (values only, as numpy's ``max``/PyTorch's ``amax``).

        The gradient is split evenly between tied maxima.
        """
        return _ops.max(self, *_reduce_args(axis, keepdims, dim, keepdim))

    def min(
        self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool | None = None
    ) -> Tensor:
        """Smallest values over ``axis``; the gradient is split evenly between ties."""
        return _ops.min(self, *_reduce_args(axis, keepdims, dim, keepdim))

    def argmax(self, axis: int | None = None) -> Tensor:
        return _make(np.asarray(self.data.argmax(axis)))

    def argmin(self, axis: int | None = None) -> Tensor:
        return _make(np.asarray(self.data.argmin(axis)))

    # ------------------------------------------------------------------ shapes
    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, _shape_arg(shape))

    view = reshape

    def flatten(self) -> Tensor:
        return _ops.reshape(self, (-1,))

    def transpose(self, *axes: Any) -> Tensor:
        """``t.transpose()`` reverses the axes; ``t.transpose(0, 1)`` swaps two (as PyTorch);
        ``t.transpose((2, 0, 1))`` or three or more axes permute (as numpy)."""
        if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
            return _ops.swapaxes(self, axes[0], axes[1])
        return _ops.transpose(self, _shape_arg(axes) if axes else None)

    def permute(self, *axes: Any) -> Tensor:
        return _ops.transpose(self, _shape_arg(axes))

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return _ops.swapaxes(self, axis1, axis2)

    def broadcast_to(self, *shape: Any) -> Tensor:
        return _ops.broadcast_to(self, _shape_arg(shape))

    expand = broadcast_to

    def expand_dims(self, axis: int) -> Tensor:
        return _ops.expand_dims(self, axis)

    unsqueeze = expand_dims

    def squeeze(self, axis: Axis = None) -> Tensor:
        return _ops.squeeze(self, axis)


def _shape_arg(shape: tuple) -> tuple:
    """Accept f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


def _reduce_args(axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None) -> tuple[Axis, bool]:
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, bool(keepdims)


_new = object.__new__


def _make(data: np.ndarray) -> Tensor:
    """A Tensor around ``data`` (not copied) with no graph: an unrecorded result, a gradient.

    Recorded results are made by ``primitive._record``, with their Node.
    """
    t = _new(Tensor)  # _name is left unset: the name property reads it with a default
    t.data = data
    t.grad = None
    t._node = None
    t.requires_grad = False
    return t


def _alias(data: np.ndarray, node: Node) -> Tensor:
    """A second Tensor for an existing node's output (create_graph's view of saved values)."""
    t = _make(data)
    t._node = node
    t.requires_grad = True
    return t


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """``data`` as a Tensor without copying when it already is one or a suitable array."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and dtype is None and data.dtype.type in _FLOAT_TYPES:
        return _make(data)
    return Tensor(data, dtype=dtype)


# The operators above resolve these names at call time; importing them last breaks the cycle
# tensor -> ops -> primitive -> tensor.
from . import engine as _engine  # noqa: E402
from . import functional as _F  # noqa: E402
from . import ops as _ops  # noqa: E402
