"""Tensor: a numpy array that remembers how it was computed.

>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
Tensor([2., 4.])

This module holds the data model only: construction, conversion, the gradient attribute,
in-place changes and their rules. The operators and methods (``x * y``, ``x.exp()``,
``x.sum(axis)``...) are attached to the class by ``autograd_lite.api`` from the rows of the
primitive table (``ops.py``) and of the composites (``functional.py``): one registration per op.

0-d tensors hold a numpy scalar (``np.float64(2.0)``), as numpy's own 0-d results do: the same
numbers as a 0-d array, at a fraction of the cost per operation.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from . import node as _node_module
from .mode import _mode

if TYPE_CHECKING:
    from .node import Node

_FLOAT_TYPES = (np.float32, np.float64)


class _ListConversion(threading.local):
    """Set while numpy turns a list or tuple into an array for the engine (``Tensor([...])``, a
    list operand): a tensor inside that requires grad is then refused when numpy asks it for its
    values, since the copy would silently keep no gradient (PyTorch warns for 0-d ones and
    refuses the rest). numpy does the walking, so a list of a million numbers costs nothing more."""

    on = False


_in_list = _ListConversion()


def array_of_list(data: list | tuple, dtype: Any = None) -> np.ndarray:
    """``np.array(data, dtype)``, refusing tensors inside that require grad (under no_grad too
    they are copied as values, which is then what was meant)."""
    if not _mode.enabled:
        return np.array(data, dtype=dtype)
    _in_list.on = True
    try:
        return np.array(data, dtype=dtype)
    finally:
        _in_list.on = False


class _GradInList(TypeError):
    """A list handed to numpy holds a tensor that requires grad (see :func:`array_of_list`)."""


def _refuse_copy_in_list(t: Tensor) -> None:
    if t._requires_grad:
        raise _GradInList(
            "a list holds a tensor that requires grad; making an array of the list copies its values, so no "
            "gradient would reach it. Use al.stack([...]) (or al.concatenate) to build a tensor that keeps the "
            "graph, or .detach() the elements to copy their values on purpose"
        )


def _to_array(data: Any, dtype: Any) -> Any:
    """Copy ``data`` with the engine's dtype rules (see Tensor): an array, or a numpy scalar if 0-d."""
    if isinstance(data, Tensor):
        data = data._data
    listed = data.__class__ is list or data.__class__ is tuple
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind not in "fiub" or (dtype.kind == "f" and dtype.type not in _FLOAT_TYPES):
            raise TypeError(f"Tensor: dtype {dtype} is not supported; use float64, float32, an integer or bool")
        try:
            arr = array_of_list(data, dtype) if listed else np.array(data, dtype=dtype)
        except _GradInList:
            raise
        except (TypeError, ValueError) as e:
            raise TypeError(f"Tensor: cannot make a {dtype} tensor from {type(data).__name__} ({e})") from None
    else:
        from_numpy = isinstance(data, (np.ndarray, np.generic))
        try:
            arr = array_of_list(data) if listed else np.array(data)
        except ValueError as e:  # ragged nested lists
            raise ValueError(f"Tensor: data is not a rectangular array of numbers ({e})") from None
        kind = arr.dtype.kind
        if kind == "f":
            if arr.dtype.type not in _FLOAT_TYPES:
                arr = arr.astype(np.float64)
        elif kind in "iu":
            # Python numbers and lists are float64, as in micrograd; numpy integer arrays stay
            # integers (class indices), so that Tensor(np.arange(3)) means what it says.
            if not from_numpy:
                arr = arr.astype(np.float64)
        elif kind != "b":
            raise TypeError(f"Tensor: data of dtype {arr.dtype} is not supported; give real numbers")
    return arr[()] if arr.ndim == 0 else arr


class _TraceHooks:
    """How ``al.compile`` hears, while it traces, of what its trace cannot follow: a tensor's
    values read into Python (``.data``, ``.item()``, ``float()``, ``bool()``...: ``read``, None
    when not tracing), ``.grad`` assigned, a buffer changed in place, a tensor made from a value
    (``Tensor(x)`` copies x: the trace must know the copy is x's, not a constant)."""

    __slots__ = ("read", "grad_set", "buffer_changed", "made")

    def __init__(self) -> None:
        self.read: Callable[[Tensor, str], None] | None = None
        self.grad_set: Callable[[Tensor, Any], None] = lambda t, v: None
        self.buffer_changed: Callable[[Tensor, str], None] = lambda t, what: None
        self.made: Callable[[Any, Tensor], None] = lambda source, t: None  # Tensor(source), as_tensor(source)


trace_hooks = _TraceHooks()


def _stamp() -> int:
    """A number for an in-place change: above every Node's ``seq`` so far (see Node.modified)."""
    stamp = _node_module.next_seq()
    _node_module.last_change.seq = stamp
    return stamp


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
    *non-leaf*: it keeps a link (``grad_fn``) to the Node that made it. Others are leaves.

    ``data`` is the numpy value itself (an array, or a numpy scalar for 0-d tensors). Editing
    its array in place (``t.data[0] = 1``, ``t.data -= x``) is not tracked, as in PyTorch: a graph
    that saved the old values would silently compute with the new ones. The in-place operators
    (``t -= x``, ``t[0] = 1``, ``t.zero_()``...) are tracked: see :meth:`_change_in_place`.
    """

    __slots__ = ("_data", "_grad", "_requires_grad", "_node", "_version", "_name", "_saved", "_pending", "__weakref__")

    # numpy's ufuncs on Tensors (np.exp(t), arr + t, arr -= t) are dispatched by
    # autograd_lite.api (__array_ufunc__) to the table's operations.
    # __eq__ is elementwise, so restore identity hashing (tensors as dict keys, as in PyTorch).
    __hash__ = object.__hash__

    _data: Any
    _requires_grad: bool
    _node: Node | None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        arr = _to_array(data, dtype)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"Tensor: requires_grad=True needs floating-point data, got {arr.dtype}; "
                "pass dtype=np.float64 or float values"
            )
        self._data = arr
        self._grad = None
        self._requires_grad = bool(requires_grad)
        self._node = None
        self._version = 0
        self._pending = None  # the gradient summed so far, during a backward pass
        if name is not None:
            self._name = name
        if trace_hooks.read is not None:  # al.compile is tracing
            trace_hooks.made(data, self)

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> Any:
        """The numpy value (an array, or a numpy scalar for a 0-d tensor), shared, not copied.

        Reading it inside a function given to ``al.compile`` makes that function uncompilable
        (its Python would see values the compiled program cannot follow). Changes through it
        are not tracked, as in PyTorch: editing the array in place (``t.data -= lr * g``) changes
        what a graph that saved it computes with; assigning (``t.data = a``), and any change of a
        0-d tensor (a numpy scalar cannot change), gives the tensor new values while such a graph
        keeps the old ones. A Tensor assigned is unwrapped.
        """
        if trace_hooks.read is not None:
            trace_hooks.read(self, ".data")
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if value is self._data:  # t.data -= step: numpy changed the array in place, nothing to convert
            return
        if isinstance(value, Tensor):
            value = value._data
        elif not isinstance(value, (np.ndarray, np.generic)):
            value = np.asarray(value)
            if value.dtype.kind not in "fiub":
                raise TypeError(f"data: a tensor holds numbers, got dtype {value.dtype}")
        if value.__class__ is not np.ndarray and isinstance(value, np.ndarray):  # a subclass: as Tensor() does
            value = value.view(np.ndarray)
        if value.__class__ is np.ndarray and value.ndim == 0:
            value = value[()]
        self._data = value

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        """Number of elements (numpy's ``size``; PyTorch's ``numel()``)."""
        return self._data.size

    def numel(self) -> int:
        return self._data.size

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True unless the tensor was made by a recorded operation."""
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        """The Node that made this tensor (None for leaves), as PyTorch's ``grad_fn``."""
        return self._node

    @property
    def version(self) -> int:
        """Bumped by every in-place change (PyTorch's ``_version``); 0 if never changed."""
        return getattr(self, "_version", 0)

    @property
    def name(self) -> str | None:
        return getattr(self, "_name", None)

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (None until then), a Tensor of this
        tensor's shape and dtype. Assign None to forget it, or a Tensor / array of the same
        shape (converted to this dtype) to set it.

        A computed (non-leaf) tensor gets a gradient only after ``retain_grad()``: reading a
        missing one warns, as in PyTorch, since the None is then almost always a mistake."""
        try:
            g = self._grad
        except AttributeError:  # non-leaf results start without the slot set
            g = None
        if g is None and self._node is not None and (self._node.extra is None or self._node.extra.retain is None):
            warnings.warn(
                "reading .grad of a computed (non-leaf) tensor: backward() fills .grad of leaves only, so it is "
                "None. Call .retain_grad() on it before backward() to keep its gradient, or read the gradient of "
                "the leaf tensor you meant",
                UserWarning, stacklevel=2,
            )
        return g

    @grad.setter
    def grad(self, value: Any) -> None:
        if trace_hooks.read is not None:  # al.compile is tracing
            trace_hooks.grad_set(self, value)
        if value is None:
            self._grad = None
            return
        if isinstance(value, Tensor):
            if value.shape != self.shape:
                raise ValueError(f"grad: a gradient of shape {value.shape} for a tensor of shape {self.shape}")
            if value.dtype != self.dtype:
                raise TypeError(
                    f"grad: a gradient of dtype {value.dtype} for a {self.dtype} tensor; "
                    f"convert it first (value.astype({self.dtype.name!r}))"
                )
            self._grad = value
            return
        try:
            arr = np.array(value, dtype=self.dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"grad: cannot use a {type(value).__name__} as the gradient ({e})") from None
        if arr.shape != self.shape:
            raise ValueError(f"grad: a gradient of shape {arr.shape} for a tensor of shape {self.shape}")
        self._grad = _make(arr[()] if arr.ndim == 0 else arr)

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The underlying numpy value (shared, not copied), as PyTorch's ``numpy()``."""
        if trace_hooks.read is not None:
            trace_hooks.read(self, ".numpy()")
        return self._data

    def item(self) -> float | int | bool:
        if trace_hooks.read is not None:
            trace_hooks.read(self, ".item()")
        if self._data.size != 1:
            raise ValueError(f"item(): needs a tensor of exactly one element, got shape {self.shape}")
        return self._data.item()

    def tolist(self) -> Any:
        if trace_hooks.read is not None:
            trace_hooks.read(self, ".tolist()")
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if _in_list.on:
            _refuse_copy_in_list(self)
        if trace_hooks.read is not None:
            trace_hooks.read(self, "np.asarray()")
        data = np.asarray(self._data)
        if dtype is not None and dtype != data.dtype:
            return data.astype(dtype)
        return data.copy() if copy else data

    def __float__(self) -> float:
        if _in_list.on:
            _refuse_copy_in_list(self)
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if trace_hooks.read is not None:
            trace_hooks.read(self, "an index")
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError(f"only integer tensors of one element can be used as an index, got {self.dtype} "
                            f"of shape {self.shape}")
        return int(self._data.item())

    def __bool__(self) -> bool:
        if trace_hooks.read is not None:
            trace_hooks.read(self, "bool()")
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()"
            )
        return bool(self._data)

    def __pos__(self) -> Tensor:
        return self

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]  # type: ignore[index]

    def __repr__(self) -> str:
        body = np.array2string(np.asarray(self._data), separator=", ", prefix="Tensor(")
        extra = ""
        if self._data.dtype != np.float64:
            extra += f", dtype={self._data.dtype}"
        if self._node is not None:
            extra += f", grad_fn=<{self._node.op.name}>"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    def _repr_html_(self) -> str:
        """Jupyter's display: shape, dtype, grad_fn, values and gradient (abridged); see ``display.py``."""
        from .display import tensor_html

        return tensor_html(self)

    def __reduce__(self) -> tuple:  # pickling: the values, requires_grad and name (not the graph)
        return (Tensor, (np.asarray(self._data), self._requires_grad, None, self.name))

    def __copy__(self) -> Tensor:
        raise TypeError("copy.copy(tensor): use t.clone() (recorded) or t.detach() (shares the data)")

    # ------------------------------------------------------------------ graph
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded (a leaf then gets ``.grad``)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        """As in PyTorch: a bool, on a leaf only, True only for floating-point values."""
        if value.__class__ is not bool and value.__class__ is not np.bool_:
            raise TypeError(f"requires_grad must be True or False, got {value!r}")
        if self._node is not None:
            raise RuntimeError("requires_grad can only be set on a leaf tensor, and this one was computed; "
                               "use t.detach() for its values without the graph")
        if value and self._data.dtype.kind != "f":
            raise TypeError(f"requires_grad = True needs floating-point data, got {self._data.dtype}; "
                            "convert first: t = t.astype(np.float64)")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on a leaf in place; returns self."""
        if self._node is not None and not requires_grad:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use detach() instead")
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(f"requires_grad_(): needs floating-point data, got {self._data.dtype}")
        if self._node is None:
            self._requires_grad = bool(requires_grad)
            if not hasattr(self, "_version"):
                self._version = 0
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (same as ``t.grad = None``)."""
        self.grad = None

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (leaves always do)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self._node is not None:
            import weakref

            _node_module.extra(self._node).retain = weakref.ref(self)  # weak: no cycle through the graph

    # ------------------------------------------------------------------ in-place changes
    def _change_in_place(self, compute: Callable[[], Tensor], what: str,
                         write: Callable[[], None] | None = None, operands: tuple[Any, ...] = ()) -> Tensor:
        """Make this tensor's value ``compute()``, in place, following PyTorch's rules.

        * A leaf that requires grad cannot change while grad mode is on (the change would not
          be recorded): do it under ``no_grad()``, as optimizers do.
        * Grad mode on and this tensor or one of ``operands`` requires grad: the change is
          recorded, and this tensor becomes the result of the operation (its ``grad_fn``).
          Its old values stay with the graph that saved them.
        * Otherwise the buffer is written in place (``write()``, when given, does it without
          computing the result first) and every graph that saved the old values refuses to
          backpropagate through them (PyTorch: "one of the variables needed for gradient
          computation has been modified by an inplace operation"). A tensor that does not
          require grad and whose values a graph saved gets a new buffer instead: that graph
          stays right.

        Every change bumps :attr:`version`.
        """
        grad_mode = _mode.enabled
        if self._requires_grad and self._node is None and grad_mode:
            raise RuntimeError(
                f"{what}: this leaf tensor requires grad, so changing it in place in grad mode would "
                "not be recorded; change it under `with al.no_grad():` (as an optimizer step does), "
                "or compute a new tensor (t = t - x)"
            )
        old_node = self._node
        dtype = self._data.dtype
        recording = grad_mode and (self._requires_grad or any(
            isinstance(o, Tensor) and o._requires_grad for o in operands))
        overwritten = False  # did the old buffer, which a graph may have saved, change?
        if recording:  # rebase onto the new node; the old values stay with the old graph
            result = self._checked(compute(), what)
            if result.dtype != dtype:
                _check_storable(result, dtype, what)
                result = result.astype(dtype)  # type: ignore[attr-defined]
            self._data = result._data
            self._node = result._node
            self._requires_grad = True
            retained = old_node.extra.retain if old_node is not None and old_node.extra is not None else None
            if retained is not None:  # retain_grad() follows the tensor to its new value, as in PyTorch
                old_node.extra.retain = None
                _node_module.extra(self._node).retain = retained
        elif (write is not None and self._data.__class__ is np.ndarray and not getattr(self, "_saved", False)
              and trace_hooks.read is None):
            try:
                write()
            except ValueError:
                self._checked(compute(), what)  # names the shapes
                raise
            except TypeError as e:
                raise TypeError(f"{what}: {e}") from None
            overwritten = True
        else:
            if trace_hooks.read is not None:  # al.compile is tracing: it cannot replay this
                trace_hooks.buffer_changed(self, what)
            result = self._checked(compute(), what)
            _check_storable(result, dtype, what)
            buffer = self._data
            if buffer.__class__ is not np.ndarray or getattr(self, "_saved", False):
                # a numpy scalar (0-d, immutable), or values a graph saved: a new buffer
                value = np.array(result._data, dtype=dtype)
                self._data = value[()] if value.ndim == 0 else value
                self._saved = False
            else:
                buffer[...] = result._data
                overwritten = True
        stamp = _stamp()
        self._version = stamp
        if overwritten:
            _node_module.note_write(self._data, stamp)  # views of this memory that a graph saved see it too
            if old_node is not None:  # the graph saw the old output: say it changed
                _node_module.extra(old_node).modified = stamp
        return self

    def _checked(self, result: Tensor, what: str) -> Tensor:
        if result.shape != self._data.shape:
            raise ValueError(
                f"{what}: the result has shape {result.shape} but this tensor has shape {self.shape}; "
                "an in-place change cannot change the shape"
            )
        return result

    def zero_(self) -> Tensor:
        """Set every element to 0, in place (see :meth:`_change_in_place`)."""
        return self.fill_(0)

    def fill_(self, value: float) -> Tensor:
        """Set every element to ``value``, in place. On a tensor in a graph the change is
        recorded (its old values get gradient 0), as PyTorch's FillBackward; a 0-d Tensor value
        that requires grad gets the gradient of every element, as in PyTorch."""
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise ValueError(f"fill_: the value must be a number or a 0-d tensor, got shape {value.shape}")
            return self.copy_(value)
        try:
            filled = np.full(self.shape, value, dtype=self.dtype)
        except (TypeError, ValueError):
            raise TypeError(f"fill_: the value must be a number, got {value!r}") from None
        return self.copy_(filled)

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src``'s values (broadcast to this shape) into this tensor, in place; recorded
        when this tensor or ``src`` requires grad (the gradient then flows to ``src``, and the
        overwritten values get 0)."""
        from .ops import _index_put

        src_t = src if isinstance(src, Tensor) else _make(np.asarray(src))
        return self._change_in_place(lambda: _index_put(self, src_t, Ellipsis), "copy_()", operands=(src_t,))


_new = object.__new__


def _check_storable(result: Tensor, dtype: np.dtype, what: str) -> None:
    """An in-place change keeps the tensor's dtype: a result numpy would not cast to it same-kind
    (a float into an int tensor) is refused, recorded or not, as in PyTorch."""
    if result.dtype != dtype and not np.can_cast(result.dtype, dtype, "same_kind"):
        raise TypeError(f"{what}: the result is {result.dtype} and cannot be stored in this {dtype} tensor")


def _make(data: Any) -> Tensor:
    """A Tensor around ``data`` (not copied) with no graph: an unrecorded result, a gradient.

    Recorded results are made by ``node.record``, with their Node.
    """
    t = _new(Tensor)  # _grad, _version, _name are left unset: their readers have defaults
    t._data = data
    t._node = None
    t._requires_grad = False
    t._pending = None  # in case it becomes a leaf that requires grad (requires_grad = True)
    return t


def _alias(data: Any, node: Node) -> Tensor:
    """A second Tensor for an existing node's output (create_graph's view of saved values)."""
    t = _new(Tensor)
    t._data = data
    t._node = node
    t._requires_grad = True
    return t


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """``data`` as a Tensor without copying when it already is one or a suitable array."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and dtype is None and data.dtype.type in _FLOAT_TYPES:
        source = data
        if data.__class__ is not np.ndarray:  # a subclass (np.matrix): its memory, as a plain array
            data = data.view(np.ndarray)
        if data.ndim and data is source:
            return _make(data)
        t = _make(data[()] if data.ndim == 0 else data)  # a 0-d tensor holds a numpy number: a new object
        if trace_hooks.read is not None:  # al.compile is tracing: a new object, made from source
            trace_hooks.made(source, t)
        return t
    return Tensor(data, dtype=dtype)
