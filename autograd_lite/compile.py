"""Compiled steps: trace a function's primitives once, replay them as straight-line numpy.

>>> step = al.compile(train_step)      # train_step(x, y): forward, loss, loss.backward()
>>> for x, y in batches:
...     loss = step(x, y)                # after two traced calls: one numpy call per op
...     optimizer.step()

How it works. A call with a new *signature* (the shapes, dtypes and strides of the Tensor and
array arguments, the values of number arguments) runs ``fn`` eagerly while a tracer records every
primitive applied: the forward's, and the VJPs that ``backward()`` runs (in tracing mode the
VJPs see Tensors, so their operations are recorded too), and which leaf gradients backward
produced. The second call with that signature traces again; if both traces are the same
program (the same operations on the same inputs, the same constants), it is compiled to
Python source, one numpy call per operation, and later calls run that:

* the VJPs' operations compute as in a plain backward, where they see numpy values (a
  primitive's ``numpy_forward``: where's gradient is a product with the mask when finite);
* a large intermediate value the program keeps to itself is written into a buffer kept with the
  program (``Program.buffers``, through the primitive's ``into``, where it has one): fewer
  allocations, fewer page faults;
* a number operand of an elementwise call on arrays is passed as a 0-d array of the dtype numpy
  casts it to, made once, a tuple of constants (axes, a shape) is built once, numpy functions
  are called past their ``__array_function__`` dispatch and the shape rows' ndarray methods
  directly, each where the traced call gives the same result that way (on a few elements, a
  call's overhead is most of its cost);
* a Tensor made inside the function from an argument (``Tensor(x)`` copies x, ``al.as_tensor``
  of a 0-d array makes a numpy number) is traced as a copy of it (an ``astype``), not frozen;
* arguments and parameters are read on every call (``p._data``), so optimizer updates are seen;
* leaf gradients are accumulated into ``.grad`` exactly as ``backward()`` does;
* results come back as Tensors without a graph (do the backward inside the function); an
  argument or a captured tensor returned is that tensor;
* the checks eager code makes of values in Python (``primitive.checked``: class indices in
  range, bce's probabilities in [0, 1]) run on every call, in their place.

Guards, as ``jax.jit`` and ``torch.compile`` have: a signature never seen traces again (a last,
smaller batch; grad mode is part of the signature), and so does a parameter whose shape, dtype or
memory layout changed, or a captured tensor that shared a parameter's or an argument's array in
both traces (``W0 = W.detach()``) and no longer does. Nothing is replayed that
the trace cannot vouch for; the function runs eagerly, with a warning naming the reason and the
line (or :class:`NotCompilable` with ``strict=True``), when it:

* reads a tensor's values into Python (``.data``, ``.item()``, ``float()``, ``bool()``,
  ``np.asarray()``): a branch or a number computed from them would be frozen;
* draws random numbers with numpy's global generator;
* gives two traces that differ (a value computed outside the traced operations, from the inputs
  or from random draws, shows up as a constant that changed);
* indexes with a boolean mask that can change between calls (``x[mask]``: the result's shape
  depends on the mask's values; ``al.where(mask, x, 0.0)`` compiles);
* returns a tensor whose graph is still alive (its backward would have nothing to go through),
  uses ``create_graph``, ``retain_grad()``, or changes a buffer in place (an optimizer step):
  step the optimizer outside the compiled function.

What cannot be seen: the two uses of one tensor that the function both takes as an argument
and uses from outside (``dist(W)`` with ``W`` in its body, traced twice, then ``dist(V)``: the
replay reads both from the argument; keying such arguments by identity made common loops, which
wrap their parameters anew each epoch, compile a program per epoch), Python side effects (they
happen only while tracing), changes of the
code path that do not change the traced operations' inputs (a new layer added to the model
after compiling: call ``step.reset()``), and numpy's own operations on an array argument:
a view of it (``xb.T``, ``xb[:, 0]``) makes the function run eagerly, with a warning, but a new
array (``Tensor(xb * 2)``, ``np.eye(10)[yb]``: numpy computes it outside the engine) is a
constant to the trace, caught only when the two traced calls see different values; write
``Tensor(xb) * 2`` and ``al.one_hot(yb, 10)``, or pass Tensors. An ``np.errstate`` set inside
the function holds on replays.
"""

from __future__ import annotations

import builtins
import collections
import functools
import operator
import os
import struct
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.array_utils import byte_bounds as _byte_bounds

from . import primitive as _primitive
from . import tensor as _tensor
from .mode import _mode
from .tensor import Tensor, _make

__all__ = ["compile", "CompiledFunction", "NotCompilable"]


class NotCompilable(RuntimeError):
    """The function does something a replay cannot reproduce (see the message)."""


class _Uncompilable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _user_line() -> str:
    """Where in the user's code the current call came from (the innermost frame outside this package)."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE + os.sep):
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
    return "an unknown line"


class Trace:
    """One eager run of the function, as a list of primitive applications on numbered values.

    Values are numbered by the identity of their numpy objects (``Tensor._data``): a traced
    operation's output, an argument, a parameter (a leaf tensor captured from outside, read on
    every replay), or a constant (anything else: numbers, shapes, arrays made from constants).
    """

    def __init__(self, args: tuple) -> None:
        self.values: list[Any] = []  # every value seen, kept alive so that ids stay unique
        self.slot_of: dict[int, int] = {}  # id(numpy value) -> slot
        self.args: list[tuple[int, int, bool]] = []  # (argument index, slot, is a Tensor)
        self.leaves: list[tuple[Tensor, int]] = []  # (leaf tensor, slot): read on every call
        self.leaf_slot: dict[int, int] = {}  # id(leaf tensor) -> slot
        self.constants: list[Any] = []
        self.ops: list[tuple[Any, tuple, tuple, int]] = []  # (primitive, operand refs, param refs, out slot)
        self.events: list[tuple[str, Tensor, Any]] = []  # ("grad", leaf, ref) / ("clear", leaf, None)
        self.backward_ops: set[int] = set()  # the operations a VJP applied: replayed as a plain backward runs them
        self.errstates: list[dict[str, str]] = []  # numpy's error handling as each operation ran (np.geterr())
        self.start_errstate = np.geterr()  # ... and as the call began
        self.bool_scalars: set[int] = set()  # slots of 0-d comparisons, numbered as 0-d arrays (see apply)
        self.masks: dict[int, str] = {}  # operations indexing with a boolean array value -> the user's line
        self.owner: dict[int, Tensor] = {}  # slot -> the argument or captured tensor it is read from
        self.aliases: list[tuple[Tensor, int]] = []  # other tensors holding such a slot's array (W.detach())
        self.failure: str | None = None
        self.arg_objects = args
        self.thread = threading.get_ident()  # what other threads do meanwhile is not part of it
        self.array_args = [a for a in args if isinstance(a, np.ndarray)]  # (see _refuse_views_of_arguments)
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                self.args.append((i, self._new_slot(a._data), True))
                self.owner[self.args[-1][1]] = a
            elif isinstance(a, (np.ndarray, np.generic)):
                self.args.append((i, self._new_slot(a), False))

    # ------------------------------------------------------------------ values
    def _new_slot(self, value: Any) -> int:
        self.values.append(value)
        slot = len(self.values) - 1
        self.slot_of[id(value)] = slot
        return slot

    def traced(self, value: Any) -> bool:
        """Whether a numpy value is one the trace follows (an argument, an operation's output)."""
        return id(value) in self.slot_of

    def _constant(self, value: Any) -> tuple[str, int]:
        self.constants.append(value)
        return ("c", len(self.constants) - 1)

    def ref(self, value: Any) -> Any:
        """A reference to ``value`` in the program: ("v", slot), ("c", index), or a structure."""
        if isinstance(value, Tensor):
            slot = self.slot_of.get(id(value._data))
            if slot is not None:
                owner = self.owner.get(slot)
                if owner is not None and owner is not value and value._node is None:
                    self.aliases.append((value, slot))  # shares its array now: see Program's guards
                return ("v", slot)
            if value._node is not None:
                raise _Uncompilable("it uses a tensor computed before the call (its graph is outside the function)")
            if id(value) not in self.leaf_slot:  # as_tensor(xb[:, 0]) or a loss's target wrapping a view
                self._refuse_views_of_arguments(value._data)
            # A parameter, or a tensor that does not require grad: read it on every call if it is
            # captured from outside (it may be frozen, unfrozen or changed in place later); one
            # made inside the function shows up as a different object in the next trace, and is
            # compiled as a constant instead (see Trace.same_program and Program).
            return ("v", self._leaf(value))
        if isinstance(value, (np.ndarray, np.generic)):
            slot = self.slot_of.get(id(value))
            if slot is not None:
                return ("v", slot)
            self._refuse_views_of_arguments(value)
            return self._constant(value)
        if isinstance(value, tuple):
            return ("t", tuple(self.ref(v) for v in value))
        if isinstance(value, list):
            return ("l", tuple(self.ref(v) for v in value))
        return self._constant(value)

    def _refuse_views_of_arguments(self, value: Any) -> None:
        """A constant array within the memory of an array argument was made from it by numpy
        (``xb.T``, ``xb[:, 0]``, ``xb.reshape(-1, 1)``), outside the traced operations: a replay
        would freeze it. (One that contains the argument, the dataset a batch is a slice of,
        does not change with the batch.)"""
        if isinstance(value, np.ndarray) and any(_within(value, a) for a in self.array_args):
            raise _Uncompilable(f"it uses a view of an array argument made by numpy at {_user_line()} (xb.T, "
                                "xb[:, 0], xb.reshape(...)): numpy's own operations are not traced; make the "
                                "argument a Tensor first (Tensor(xb).T), or pass a Tensor")

    def _leaf(self, t: Tensor) -> int:
        slot = self.leaf_slot.get(id(t))
        if slot is None:
            slot = self._new_slot(t._data)
            self.leaf_slot[id(t)] = slot
            self.leaves.append((t, slot))
            self.owner[slot] = t
        return slot

    # ------------------------------------------------------------------ hooks
    def apply(self, prim: Any, operands: tuple, params: tuple, out: Tensor) -> None:
        """A primitive ran (primitive.py calls this while tracing)."""
        if threading.get_ident() != self.thread:
            return
        if self.failure is not None:
            return
        try:
            refs = tuple(self.ref(v) for v in operands)
            prefs = tuple(self.ref(v) for v in params)
        except _Uncompilable as e:
            self.fail(e.reason)
            return
        if any(_is_mask(self.values[s]) for s in _slots_in(prefs)):
            self.masks[len(self.ops)] = _user_line()  # x[mask]: see Program._refuse_masks
        converted = out._data.__class__ is np.bool_
        if converted:
            # numpy's 0-d comparisons all return the same two objects (np.True_, np.False_):
            # numbered by identity, two masks would be one value. A 0-d array is a value of its own.
            out._data = np.array(out._data)
        existing = self.slot_of.get(id(out._data))
        slot = existing if existing is not None else self._new_slot(out._data)
        if converted:
            self.bool_scalars.add(slot)
        if _primitive.in_backward.on:
            self.backward_ops.add(len(self.ops))
        self.ops.append((prim, refs, prefs, slot))
        self.errstates.append(np.geterr())

    def made(self, source: Any, t: Tensor) -> None:
        """``Tensor(source)`` or ``al.as_tensor(source)`` made ``t`` inside the function (tensor.py
        calls this while tracing). From a traced value (an argument, say), ``t`` is a copy of it:
        the copy is recorded as an ``astype`` to t's dtype, so that a replay copies the current
        value; otherwise ``t`` would be a tensor made inside the function, kept as a constant when
        the two traces happen to see the same values."""
        if threading.get_ident() != self.thread or self.failure is not None:
            return
        data = source._data if isinstance(source, Tensor) else source
        if isinstance(data, (list, tuple)):
            if any(self.slot_of.get(id(v._data if isinstance(v, Tensor) else v)) is not None for v in _flat(data)):
                self.fail(f"it makes a Tensor from a list or tuple that holds traced values at {_user_line()}: "
                          "join them with al.stack or al.concatenate")
            return
        if isinstance(source, Tensor) and source._node is None and id(data) not in self.slot_of:
            try:
                self.ref(source)  # a parameter not used yet: read on every call, so its copy is too
            except _Uncompilable as e:
                self.fail(e.reason)
                return
        if not isinstance(data, (np.ndarray, np.generic)) or t._data is data:
            return
        if id(data) not in self.slot_of:
            try:
                self._refuse_views_of_arguments(data)
            except _Uncompilable as e:
                self.fail(e.reason)
            return
        if isinstance(data, np.ndarray) and data.__class__ is not np.ndarray:
            self.fail(f"it makes a Tensor from an argument of type {type(data).__name__} at {_user_line()} "
                      "(numpy's subclasses compute in their own ways): pass a plain ndarray")
            return
        astype = _primitive.PRIMITIVES["astype"]
        with np.errstate(all="ignore"):  # Tensor() has warned already, if at all
            copy = astype.forward(data, t._data.dtype, data.dtype)
        same = (copy.dtype == t._data.dtype and copy.shape == t._data.shape
                and (copy.ndim == 0 or copy.strides == t._data.strides)
                and np.asarray(copy).tobytes() == np.asarray(t._data).tobytes())
        if not same:
            self.fail(f"it makes a Tensor from a traced value at {_user_line()} in a way a replay cannot repeat: "
                      "pass a Tensor instead")
            return
        self.apply(astype, (data,), (t._data.dtype, data.dtype), t)

    def inner_errstate(self, k: int) -> dict[str, str] | None:
        """numpy's error handling as operation ``k`` ran, if the function set its own (an
        np.errstate inside it): all of it, since one that sets ``all=`` may leave some categories
        as they were. None: the caller's, as the call began."""
        state = self.errstates[k]
        return state if state != self.start_errstate else None

    def read(self, t: Tensor, what: str) -> None:
        """A tensor's values were read into Python (tensor.py calls this while tracing)."""
        if threading.get_ident() != self.thread:
            return
        self.fail(f"it reads a tensor's values into Python ({what}) at {_user_line()}; a compiled replay "
                  "would freeze what Python computed from them")

    def grad_set(self, t: Tensor, value: Any) -> None:
        """``t.grad = value`` inside the function (None: as zero_grad())."""
        if threading.get_ident() != self.thread:
            return
        if value is None:
            self.clear(t)
        else:
            self.fail(f"it assigns a gradient (.grad = ...) at {_user_line()}")

    def buffer_changed(self, t: Tensor, what: str) -> None:
        """A tensor's buffer changed in place (an optimizer step, t.zero_(), t[i] = v under no_grad)."""
        if threading.get_ident() != self.thread:
            return
        self.fail(f"it changes a tensor in place ({what}) at {_user_line()}: step the optimizer outside "
                  "the compiled function")

    def fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason

    def grad(self, leaf: Tensor, g: Tensor) -> None:
        """backward() gives ``leaf`` the gradient ``g`` (accumulated into .grad)."""
        if threading.get_ident() != self.thread:
            return
        try:
            self.events.append(("grad", self._target(leaf), self.ref(g)))
        except _Uncompilable as e:
            self.fail(e.reason)

    def clear(self, leaf: Tensor) -> None:
        """``leaf.grad = None`` inside the function."""
        if threading.get_ident() != self.thread:
            return
        try:
            self.events.append(("clear", self._target(leaf), None))
        except _Uncompilable as e:
            self.fail(e.reason)

    def _target(self, leaf: Tensor) -> tuple[str, int]:
        """Where a replay finds ``leaf``: an argument of the call, or a captured parameter."""
        for index, a in enumerate(self.arg_objects):
            if a is leaf:
                return ("arg", index)
        slot = self.leaf_slot.get(id(leaf))
        if slot is None:
            if self.slot_of.get(id(leaf._data)) is not None or not leaf._requires_grad:
                raise _Uncompilable("its backward() fills the .grad of a tensor made inside the function")
            slot = self._leaf(leaf)
        return ("leaf", next(k for k, (t, _) in enumerate(self.leaves) if t is leaf))

    # ------------------------------------------------------------------ comparing two traces
    def same_program(self, other: Trace) -> str | None:
        """None if ``other`` is the same program, else what differs."""
        if len(self.ops) != len(other.ops):
            return f"the traces have {len(self.ops)} and {len(other.ops)} operations"
        if len(self.leaves) != len(other.leaves):
            return "the tensors it captures differ between calls"
        for (t1, _), (t2, _) in zip(self.leaves, other.leaves):
            if t1 is t2:
                continue
            if t1._requires_grad or t2._requires_grad:
                return "the tensors it captures differ between calls (a parameter made inside the function?)"
            # a tensor made inside the function: a constant, the same in both
            if not _same_constant(t1._data, t2._data):
                return "a tensor made inside the function differs between two calls with the same signature"
        for k, ((p1, r1, q1, s1), (p2, r2, q2, s2)) in enumerate(zip(self.ops, other.ops)):
            if p1 is not p2 or s1 != s2 or not self._same_refs((r1, q1), other, (r2, q2)):
                return f"operation {k} ('{p1.name}') differs between two calls with the same signature"
        if self.events != other.events or self.backward_ops != other.backward_ops:
            return "the gradients it produces differ between calls"
        if [slot for _, slot in self.aliases] != [slot for _, slot in other.aliases]:
            return "the tensors that share an array differ between calls"
        return None

    def _same_refs(self, a: Any, other: Trace, b: Any) -> bool:
        if isinstance(a, tuple) and len(a) == 2 and a[0] == "c" and isinstance(b, tuple) and b[:1] == ("c",):
            return _same_constant(self.constants[a[1]], other.constants[b[1]])
        if isinstance(a, tuple) and isinstance(b, tuple):
            return len(a) == len(b) and all(self._same_refs(u, other, v) for u, v in zip(a, b))
        return a == b


def _bits(number: Any) -> Any:
    """A number as what tells it apart: its exact bits for a float (0.0 is not -0.0, and nan is
    nan, where == says otherwise on both counts), itself for others."""
    if isinstance(number, (float, np.floating)):
        return struct.pack("<d", float(number))  # (hex() gives every nan as "nan", whatever its sign)
    if isinstance(number, (complex, np.complexfloating)):
        return struct.pack("<dd", complex(number).real, complex(number).imag)
    return number


def _same_constant(x: Any, y: Any) -> bool:
    """Two traces' constants are the same: the same type, shape, dtype and bits."""
    if type(x) is not type(y):
        return False
    if isinstance(x, (np.ndarray, np.generic)):
        if np.shape(x) != np.shape(y) or x.dtype != y.dtype:
            return False
        if x.dtype.kind == "O":
            return bool(np.array_equal(x, y))
        return np.asarray(x).tobytes() == np.asarray(y).tobytes()
    if isinstance(x, (float, complex)):
        return _bits(x) == _bits(y)
    try:
        return bool(x == y)
    except Exception:  # noqa: BLE001  (an object without a plain ==: same object only)
        return x is y


def _within(view: np.ndarray, array: np.ndarray) -> bool:
    """Whether ``view`` lies within ``array``'s memory (numpy made it from array), as opposed to
    merely overlapping it."""
    if not np.may_share_memory(view, array):
        return False
    low, high = _byte_bounds(view)
    array_low, array_high = _byte_bounds(array)
    return array_low <= low and high <= array_high


def _is_mask(value: Any) -> bool:
    """A boolean array as an index: x[mask] has as many elements as it selects."""
    return value.__class__ is np.ndarray and value.dtype == np.bool_ and value.ndim > 0


def _flat(values: Any) -> list[Any]:
    """The items of nested lists and tuples."""
    if isinstance(values, (list, tuple)):
        return [v for item in values for v in _flat(item)]
    return [values]


def _slots_in(refs: tuple) -> list[int]:
    """The value slots a structure of references reads (constants read none)."""
    out: list[int] = []
    for ref in refs:
        if ref is None:  # a None in the function's result (al.grad's for an unused input)
            continue
        kind, value = ref
        if kind == "v":
            out.append(value)
        elif kind == "o":  # an argument or captured tensor returned as itself: (slot, its expression)
            out.append(value[0])
        elif kind in ("t", "l"):
            out.extend(_slots_in(value))
    return out


def _source_of(ref: Any, names: dict[int, str]) -> str:
    kind, value = ref
    if kind == "v":
        return names.get(value, f"v{value}")
    if kind == "c":
        return f"C{value}"
    parts = ", ".join(_source_of(r, names) for r in value)
    if kind == "t":
        return f"({parts},)" if len(value) == 1 else f"({parts})"
    return f"[{parts}]"


#: Calls whose result depends only on the dtypes and values of their operands, element by element
#: (as a ufunc's), so that a number operand given as a 0-d array of the dtype numpy casts it to
#: gives the same numbers.
_ELEMENTWISE = (operator.add, operator.sub, operator.mul, operator.truediv, np.where)


def _typed_constants(function: Callable[..., Any], operands: list[Any], constant: list[bool]) -> dict[int, np.ndarray]:
    """The constant number operands of an elementwise call on arrays, as 0-d arrays: {position: array}.

    numpy converts a Python or numpy number to an array on every call (0.15 us for an add on a
    few elements, 0.45 us for np.where(mask, -1.0, 1.0)); a replay can do it once. A Python number
    becomes an array of the dtype numpy casts it to (``np.result_type``, which treats it as
    weakly typed, as the call does), a numpy number keeps its own. The call's dtypes are guarded,
    and numpy chooses its loop from them alone, so the result is the same on every call if it
    is the same here, on the traced operands, bit for bit (type, dtype, shape, bytes). Not
    typed: a number whose cast overflows (numpy warns or raises on each call, as it should
    go on doing), np.where's condition (only its truth counts: 1e-50 in float32 is 0, false),
    and the numbers of a call where every operand is one (their own arithmetic is faster).
    """
    if not (isinstance(function, np.ufunc) or function in _ELEMENTWISE):
        return {}
    # only constants: a traced 0-d value (a sum, a loss) is a numpy number too, and changes every call
    numbers = [i for i, (v, fixed) in enumerate(zip(operands, constant))
               if fixed and isinstance(v, (bool, int, float, complex, np.generic))
               and not (i == 0 and function is np.where)]
    if not numbers or not any(v.__class__ is np.ndarray and v.ndim for v in operands):
        return {}
    try:
        dtype = np.result_type(*operands)
        with np.errstate(all="raise"):
            typed = {i: np.asarray(operands[i]) if isinstance(operands[i], np.generic)
                     else np.asarray(operands[i], dtype=dtype) for i in numbers}
        with np.errstate(all="ignore"):  # the traced run has warned already, if at all
            before = function(*operands)
            after = function(*(typed.get(i, v) for i, v in enumerate(operands)))
    except Exception:  # noqa: BLE001  (numbers numpy will not cast that way, or not quietly: they stay numbers)
        return {}
    same = (before.__class__ is after.__class__ is np.ndarray and before.dtype == after.dtype
            and before.shape == after.shape and before.tobytes() == after.tobytes())
    return typed if same else {}


def _plain(value: Any) -> bool:
    """A plain ndarray, a number, or a tuple or list of them: nothing numpy dispatches on."""
    if value.__class__ in (tuple, list):
        return all(_plain(v) for v in value)
    return value.__class__ is np.ndarray or isinstance(value, (np.generic, bool, int, float, complex, str, type(None)))


def _undispatched(function: Callable[..., Any], operands: list[Any]) -> Callable[..., Any]:
    """What a replay calls for ``function``: past a layer that only looks at the operands' types.

    * a numpy function without its ``__array_function__`` dispatch, where its traced operands are
      all plain: the dispatch only looks for other array types (0.2 us of np.where's 0.7 us on a
      few elements);
    * a shape row's ndarray method itself (``ndarray_method``, see ops._array_method), where the
      operand is an ndarray of one or more dimensions (a numpy scalar has no ndarray methods).

    A replay sees what the trace saw: an array argument of a subclass has programs of its own
    (``_arg_key``), a tensor holds a plain ndarray, and the shapes are guarded."""
    method = getattr(function, "ndarray_method", None)
    if method is not None:
        first = operands[0]
        return method if first.__class__ is np.ndarray and first.ndim else function
    implementation = getattr(function, "_implementation", None)
    return implementation if implementation is not None and all(map(_plain, operands)) else function


#: Intermediate values of at least this many bytes are written into buffers kept with their
#: program; below, ``out=`` saves nothing measurable (a fresh array and ``out=`` cost the same
#: at 2 KiB: 280 and 245 ns for an add).
BUFFER_MIN_BYTES = 4096


class Program:
    """A trace compiled to a Python function of numpy calls (``source`` shows it).

    ``operations`` are the (number, operation) pairs it runs, in order; ``folded`` the slots
    computed once, at compile time, from constants."""

    def __init__(self, trace: Trace, result: Any, first: Trace) -> None:
        self.trace = trace
        self._warned: dict[int, bool] = {}  # operation -> whether it warns (see _warns)
        # the tensors captured from outside, read on every call; the others were made inside the
        # function (another object in each trace) and are constants
        self.leaves = [(leaf, slot) for (leaf, slot), (other, _) in zip(trace.leaves, first.leaves) if leaf is other]
        self.made_inside = {slot: leaf._data for (leaf, slot), (other, _) in zip(trace.leaves, first.leaves)
                            if leaf is not other}
        self.result_template = _template(trace, result)
        # a tensor captured from outside that shared an argument's or a parameter's array in both
        # traces (W0 = W.detach()) is read as that slot: a replay checks it still does (W.data = a
        # new array decouples them); one made inside (W.detach() in the function) shares it by construction
        self.alias_guards = [(t, slot) for (t, slot), (other, _) in zip(trace.aliases, first.aliases)
                             if t is other and slot not in self.made_inside]
        # buffers: slot -> the array a large intermediate value is written into on every call
        self.source, self.run_program, self.buffers = self._generate(buffered=True)
        self.run = self.run_program
        self.lock = threading.Lock()  # held while a call writes into the buffers
        if self.buffers:
            self.run_unbuffered = self._generate(buffered=False)[1]
            self.run = _taking_turns(self.lock, self.run_program, self.run_unbuffered)

    def _generate(self, buffered: bool) -> tuple[str, Callable[..., Any], dict[int, np.ndarray]]:
        """One Python function: the guards, one numpy call per operation, the gradients
        accumulated into ``.grad`` as backward() does, and the result as Tensors; with
        ``buffered``, the operations whose values stay inside write into buffers (the third item)."""
        t = self.trace
        namespace: dict[str, Any] = {"_make": _make, "_fresh": _fresh, "RETRACE": RETRACE, "np": np}
        lines = ["def program(args):"]
        for k, (leaf, slot) in enumerate(t.leaves):
            if slot in self.made_inside:
                continue
            # guards: a captured tensor whose shape, dtype, memory layout (as for arguments) or
            # requires_grad changed (frozen or unfrozen)
            data = leaf._data
            namespace[f"L{k}"], namespace[f"S{k}"], namespace[f"D{k}"] = leaf, data.shape, data.dtype
            namespace[f"T{k}"] = data.strides
            lines.append(f"    v{slot} = L{k}._data")
            lines.append(f"    if v{slot}.shape != S{k} or v{slot}.dtype != D{k} or v{slot}.strides != T{k} or "
                         f"L{k}._requires_grad is not {leaf._requires_grad}: return RETRACE")
        for index, slot, is_tensor in t.args:
            lines.append(f"    v{slot} = args[{index}]{'._data' if is_tensor else ''}")
        for k, (alias, slot) in enumerate(self.alias_guards):
            namespace[f"G{k}"] = alias
            lines.append(f"    if G{k}._data is not v{slot}: return RETRACE")
        for k, value in enumerate(t.constants):
            namespace[f"C{k}"] = value
        names: dict[int, str] = {}  # slots folded into constants: the name they are bound to
        for slot, value in self.made_inside.items():
            names[slot] = f"K{slot}"
            namespace[f"K{slot}"] = value
        self.operations = self._operations(names, namespace)
        self.folded = set(names)
        self._refuse_masks()
        buffers = self._plan_buffers() if buffered else {}
        block: dict[str, str] | None = None  # the np.errstate the lines are in (None: the caller's)
        for k, (prim, refs, prefs, slot) in self.operations:
            fn = f"F{k}"
            function = prim.into if slot in buffers else self._function(k, prim, slot)
            operands = [_traced_value(r, t) for r in (*refs, *prefs)]
            constant = [r[0] == "c" or (r[0] == "v" and r[1] in names) for r in (*refs, *prefs)]
            typed = _typed_constants(function, operands, constant)
            for i, array in typed.items():
                namespace[f"A{k}_{i}"] = array
            for i, r in enumerate((*refs, *prefs)):
                if r[0] == "t" and not _slots_in((r,)):  # a tuple of constants (axes, a shape): built once
                    typed[i] = namespace[f"A{k}_{i}"] = _traced_value(r, t)
            args = ", ".join(f"A{k}_{i}" if i in typed else _source_of(r, names) for i, r in enumerate((*refs, *prefs)))
            namespace[fn] = _undispatched(function, operands)
            if slot in buffers:
                namespace[f"B{slot}"] = buffers[slot]
                line = f"v{slot} = {fn}({args}, out=B{slot})"
            else:
                # a 0-d value is a numpy scalar, as in eager (np.where and reshape give 0-d arrays)
                scalar = ("[()]" if (isinstance(t.values[slot], np.generic) or slot in t.bool_scalars)
                          and not isinstance(function, np.ufunc) else "")
                line = f"v{slot} = {fn}({args}){scalar}"
            # an np.errstate the function set around the operation: the replay sets it too, once
            # for a run of operations under the same one
            inner = t.inner_errstate(k)
            if inner != block:
                block = inner
                if inner is not None:
                    namespace[f"E{k}"] = inner
                    lines.append(f"    with np.errstate(**E{k}):")
            lines.append(f"    {'    ' if block is not None else ''}{line}")
        lines.extend(self._gradient_lines(names))
        result = self.result_template
        lines.append(f"    return {_result_source(result, names) if result else 'None'}")
        source = "\n".join(lines) + "\n"
        code = builtins.compile(source, "<al.compile>", "exec")
        exec(code, namespace)  # noqa: S102  (our own generated source)
        return source, namespace["program"], buffers

    def _refuse_masks(self) -> None:
        """x[mask] has as many elements as the mask selects: with a mask that can change between
        calls (computed in the function, an argument, a captured tensor), a replay would keep the
        traced shape (and mean's gradient the traced count). A constant mask is fine."""
        t = self.trace
        for k, (_, _, prefs, _) in self.operations:
            if k in t.masks and any(s not in self.folded and _is_mask(t.values[s]) for s in _slots_in(prefs)):
                raise _Uncompilable(f"it indexes with a boolean mask that can change between calls at {t.masks[k]} "
                                    "(x[mask]): the result's shape depends on how many values the mask selects, "
                                    "and a replay would keep the traced one; select with al.where(mask, x, 0.0)")

    def _function(self, k: int, prim: Any, slot: int) -> Callable[..., Any]:
        """What operation ``k`` is replayed with: a VJP's operation computes as in a plain
        backward, where it sees numpy values (``numpy_forward``); any other as the forward."""
        t = self.trace
        if k in t.backward_ops and np.size(t.values[slot]) >= prim.numpy_forward_min_size:
            return prim.numpy_forward
        return prim.forward

    def _gradient_lines(self, names: dict[int, str]) -> list[str]:
        """backward()'s last act, written out: each leaf's .grad += its gradient (or = it, when
        .grad is None), a copy wherever the value is a view or another leaf's gradient too."""
        lines = []
        handed_out: set[int] = set()
        for kind, (where, index), ref in self.trace.events:
            target = f"args[{index}]" if where == "arg" else f"L{index}"
            if kind == "clear":
                lines.append(f"    {target}._grad = None")
                continue
            value = _source_of(ref, names)
            traced = self.trace.values[ref[1]] if ref[0] == "v" else None
            if ref[0] != "v" or ref[1] in names:  # a constant: the same array on every call, so each .grad gets a copy
                value = f"_fresh({value})"
            elif ref[1] in handed_out or getattr(traced, "base", None) is not None:
                value = f"{value}.copy(order='K')"  # in its memory order, as backward copies it (np.array)
            if ref[0] == "v":
                handed_out.add(ref[1])
            lines.append(f"    g = {target}.grad")
            lines.append(f"    {target}._grad = _make({value}) if g is None else _make(g._data + {value})")
        return lines

    def _operations(self, names: dict[int, str], namespace: dict[str, Any]) -> list[tuple[int, tuple]]:
        """The operations to emit, numbered: those whose operands are all constants are folded
        (their traced output is their value on every call), and those whose output nothing
        uses (an operation, a gradient, the result) are left out; but not one that warns (see
        :meth:`_warns`), nor a check of values (primitive.checked)."""
        t = self.trace
        folded = set(names)
        kept = []
        for k, op in enumerate(t.ops):
            _, refs, prefs, slot = op
            if all(s in folded for s in _slots_in((*refs, *prefs))) and not self._warns(k, op):
                folded.add(slot)
                names[slot] = f"K{slot}"
                namespace[f"K{slot}"] = t.values[slot]
            else:
                kept.append((k, op))
        needed = set(_slots_in((self.result_template,) if self.result_template else ()))
        needed.update(_slots_in(tuple(ref for _, _, ref in t.events if ref is not None)))
        live = []
        for k, op in reversed(kept):
            prim, refs, prefs, slot = op
            if slot in needed or prim.__class__ is _primitive.Check or self._warns(k, op):
                needed.update(_slots_in((*refs, *prefs)))
                live.append((k, op))
        return live[::-1]

    def _warns(self, k: int, op: tuple) -> bool:
        """Whether operation ``k``, run again on its traced operands, raises one of numpy's
        floating-point errors (overflow, division by zero, an invalid operation, underflow):
        eager warns of it on every call, or raises under ``np.errstate``, so a replay must run
        it too, even when its operands are constants or nothing uses its value."""
        warns = self._warned.get(k)
        if warns is None:
            prim, refs, prefs, slot = op
            # what numpy did not ignore as it ran, when the function set that (an np.errstate inside
            # it); else every kind: the caller's handling at a later call may differ from this one's
            inner = self.trace.inner_errstate(k)
            handling = ({kind: "ignore" if how == "ignore" else "raise" for kind, how in inner.items()}
                        if inner is not None else {"all": "raise"})
            try:
                with np.errstate(**handling):
                    self._function(k, prim, slot)(*(_traced_value(r, self.trace) for r in (*refs, *prefs)))
                warns = False
            except FloatingPointError:
                warns = True
            except Exception:  # noqa: BLE001  (anything else it did while tracing too, without a warning)
                warns = False
            self._warned[k] = warns
        return warns

    def _plan_buffers(self) -> dict[int, np.ndarray]:
        """The values written into a buffer allocated once, here, and reused on every call.

        A fresh large array can cost page faults on every call (glibc maps large blocks afresh
        and hands freed memory back to the system); a buffer stays mapped and in cache. A value gets
        one when it is an ndarray of ``BUFFER_MIN_BYTES`` or more that the program keeps to
        itself (not a result or a gradient, nor what one of them is a view of), its operation
        has an ``into`` form and writes only this slot, and ``into``, tried here on the traced
        operands, gives the traced value bit for bit (same dtype, shape, strides and numbers).
        """
        t = self.trace
        escaping = set(_slots_in((self.result_template,) if self.result_template else ()))
        escaping.update(_slots_in(tuple(ref for _, _, ref in t.events if ref is not None)))
        writes = collections.Counter(slot for _, (_, _, _, slot) in self.operations)
        views: set[int] = set()
        for _, (_, refs, prefs, slot) in reversed(self.operations):
            value = t.values[slot]
            sources = [s for s in _slots_in((*refs, *prefs)) if np.may_share_memory(value, t.values[s])]
            if sources:
                views.add(slot)
                if slot in escaping:  # what a handed-out view shows is handed out too
                    escaping.update(sources)
        buffers: dict[int, np.ndarray] = {}
        for k, (prim, refs, prefs, slot) in self.operations:
            value = t.values[slot]
            if (prim.into is None or slot in escaping or slot in views or writes[slot] != 1
                    or self._function(k, prim, slot) is not prim.forward
                    or value.__class__ is not np.ndarray or value.nbytes < BUFFER_MIN_BYTES):
                continue
            buffer = np.empty_like(value)
            try:
                with np.errstate(all="ignore"):  # the traced run has warned already, if at all
                    written = prim.into(*(_traced_value(r, t) for r in (*refs, *prefs)), out=buffer)
            except Exception:  # noqa: BLE001  (no in-place form for these operands: it allocates)
                continue
            if (written is buffer and buffer.dtype == value.dtype and buffer.shape == value.shape
                    and buffer.strides == value.strides and buffer.tobytes() == value.tobytes()):
                buffers[slot] = buffer
        return buffers

    def __call__(self, args: tuple) -> Any:
        """The result of a replay, or RETRACE when a parameter's shape, dtype or memory layout changed."""
        return self.run(args)


def _taking_turns(lock: threading.Lock, buffered: Callable[..., Any],
                  allocating: Callable[..., Any]) -> Callable[..., Any]:
    """A program run that writes into the buffers, or allocates while another call (another
    thread) is writing into them. (A closure, not a method: a Program that kept a bound method
    of itself would be a reference cycle, freed only by the collector.)"""
    def run(args: tuple) -> Any:
        if not lock.acquire(blocking=False):
            return allocating(args)
        try:
            return buffered(args)
        finally:
            lock.release()

    return run


def _traced_value(ref: Any, trace: Trace) -> Any:
    """What a reference stood for in the trace (a value, a constant, a tuple or list of them)."""
    kind, value = ref
    if kind == "v":
        return trace.values[value]
    if kind == "c":
        return trace.constants[value]
    parts = [_traced_value(r, trace) for r in value]
    return tuple(parts) if kind == "t" else parts


def _template(trace: Trace, result: Any) -> Any:
    """Which slots the function's result is made of (Tensors, tuples and lists of them, None)."""
    if result is None:
        return None
    if isinstance(result, Tensor):
        if result._node is not None and not result._node.freed:
            raise _Uncompilable("it returns a tensor whose graph is still there (a replay returns values only: "
                                "call backward() inside the function)")
        ref = trace.ref(result)
        if ref[0] == "v":  # an argument or a captured tensor returned as itself (by identity: f(a, a) is ambiguous)
            at = [i for i, a in enumerate(trace.arg_objects) if a is result]
            if len(at) == 1:
                return ("o", (ref[1], f"args[{at[0]}]"))
            if not at:
                at = [k for k, (leaf, _) in enumerate(trace.leaves) if leaf is result]
                if at:
                    return ("o", (ref[1], f"L{at[0]}"))
        return ref
    if isinstance(result, (tuple, list)):
        return ("t" if isinstance(result, tuple) else "l", tuple(_template(trace, r) for r in result))
    raise _Uncompilable(f"it returns a {type(result).__name__}; a compiled function returns Tensors "
                        "(or tuples of them)")


def _fresh(value: Any) -> Any:
    """A copy of a constant array, handed out as a result or a gradient: no two calls share it."""
    return value.copy(order="K") if value.__class__ is np.ndarray else value  # in its memory order, as eager


def _result_source(template: Any, names: dict[int, str]) -> str:
    """The expression that builds the function's result (Tensors, tuples and lists of them, None);
    an argument or a captured tensor returned is that object."""
    if template is None:
        return "None"
    if template[0] == "o":
        slot, source = template[1]
        if slot not in names:
            return source
        template = ("v", slot)  # a tensor made inside the function: a new one each call
    if template[0] == "c" or (template[0] == "v" and template[1] in names):  # constant or folded
        return f"_make(_fresh({_source_of(template, names)}))"
    if template[0] == "v":
        return f"_make({_source_of(template, names)})"
    parts = ", ".join(_result_source(t, names) for t in template[1])
    if template[0] == "t":
        return f"({parts},)" if len(template[1]) == 1 else f"({parts})"
    return f"[{parts}]"


class _Retrace:
    """What a program returns when its guards fail: trace again."""

    __slots__ = ()


RETRACE = _Retrace()

#: Signatures a compiled function traces at most (as torch.compile's recompile limit); beyond,
#: new ones run eagerly, and the traces kept so far stay bounded.
MAX_SIGNATURES = 32


def _random_state() -> tuple:
    """numpy's global generator's position (it moves with every draw)."""
    _, keys, pos, has_gauss, cached = np.random.get_state()
    return keys.tobytes(), pos, has_gauss, cached


def _arg_key(a: Any) -> tuple:
    # strides too (torch.compile guards on them): a VJP may reorder a gradient in memory to
    # match its input's layout, so a batch stored transposed traces other operations
    cls = a.__class__
    if cls is np.ndarray:
        return (cls, a.shape, a.dtype, a.strides)
    if isinstance(a, Tensor):
        data = a._data
        return (Tensor, data.shape, data.dtype, data.strides, a._requires_grad)
    if isinstance(a, (bool, int, float, complex, str, type(None), np.generic)):
        return (cls, _bits(a))  # step(x, -0.0) is not step(x, 0.0)
    if isinstance(a, np.ndarray):  # a subclass: its own programs (see _undispatched)
        return (cls, a.shape, a.dtype, a.strides)
    if isinstance(a, (list, tuple, dict, set)):
        # a container's arrays would be frozen into the program as constants
        raise _Uncompilable(f"an argument is a {cls.__name__}: pass its tensors and arrays as separate arguments "
                            "(a replay reads arguments, not what a container holds)")
    return (object, id(a))


def _signature(args: tuple) -> tuple:
    """Each argument's key, with, for a Tensor or an array, the index of the first argument with
    the same values object (step(X, X) and step(X, Y) are different programs)."""
    first: dict[int, int] = {}
    key = []
    for i, a in enumerate(args):
        if a.__class__ is Tensor:  # the common case, spelled out: this runs on every call
            data = a._data
            key.append((Tensor, data.shape, data.dtype, data.strides, a._requires_grad, first.setdefault(id(data), i)))
            continue
        data = a._data if isinstance(a, Tensor) else a if isinstance(a, np.ndarray) else None
        key.append(_arg_key(a) if data is None else (*_arg_key(a), first.setdefault(id(data), i)))
    return tuple(key)


class CompiledFunction:
    """``al.compile(fn)``: call it as ``fn``. ``programs`` holds the compiled programs by
    signature (each with its ``source``); ``reset()`` forgets them."""

    def __init__(self, fn: Callable[..., Any], strict: bool = False) -> None:
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        self.fn = fn
        self.strict = strict
        self.programs: dict[tuple, Program] = {}
        self._first: dict[tuple, Trace] = {}
        self._eager: dict[tuple, str] = {}
        functools.update_wrapper(self, fn)

    def reset(self) -> None:
        """Forget every trace and program (after the function's code path changed)."""
        self.programs.clear()
        self._first.clear()
        self._eager.clear()

    @staticmethod
    def _signature(args: tuple, kwargs: dict) -> tuple:
        """What a program is compiled for: the shapes, dtypes and strides of the Tensor and
        array arguments (and whether a Tensor requires grad, which share values), the values of
        the others, and whether grad mode is on."""
        if kwargs:
            raise TypeError("a compiled function takes positional arguments only")
        # grad mode too: under no_grad() the same function records nothing, so it traces another program
        return (_signature(args), _mode.enabled)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            key = self._signature(args, kwargs)
        except _Uncompilable as e:
            if None not in self._eager:
                self._give_up(None, e.reason)
            return self.fn(*args)
        program = self.programs.get(key)
        if program is not None:
            out = program.run(args)
            if out is not RETRACE:
                return out
            self.programs.pop(key, None)  # a parameter's shape, dtype or layout changed: trace again
        if key in self._eager:
            return self.fn(*args)
        if len(self.programs) + len(self._first) >= MAX_SIGNATURES:
            if None not in self._eager:
                self._give_up(None, f"it was called with more than {MAX_SIGNATURES} signatures (a number argument "
                              "that changes every call, such as a decaying learning rate, makes a new one each "
                              "time: pass it as a 0-d array instead); calls with a new signature")
            return self.fn(*args)
        return self._trace(key, args)

    def _trace(self, key: tuple, args: tuple) -> Any:
        trace = Trace(args)
        state = _random_state()
        if _primitive.tracer.here() is not None:
            raise NotCompilable("compile: a compiled function called inside another one being traced")
        if _primitive.tracer.active is not None:  # another thread is tracing: run this call as it is
            return self.fn(*args)
        hooks = _tensor.trace_hooks
        _primitive.tracer.active = trace
        hooks.read, hooks.grad_set, hooks.buffer_changed = trace.read, trace.grad_set, trace.buffer_changed
        hooks.made = trace.made
        try:
            result = self.fn(*args)
        finally:
            _primitive.tracer.active = None
            hooks.read = None
            hooks.grad_set = hooks.buffer_changed = hooks.made = lambda *_: None
        if _random_state() != state:
            trace.fail("it draws random numbers from numpy's global generator; a replay would repeat the same draws")
        try:
            if trace.failure is None:
                _template(trace, result)  # a result a replay cannot give back
        except _Uncompilable as e:
            trace.fail(e.reason)
        if trace.failure is not None:
            self._give_up(key, trace.failure)
            return result
        first = self._first.pop(key, None)
        if first is None:  # compile from the second trace, if it repeats the first
            self._first[key] = trace
            return result
        difference = first.same_program(trace)
        if difference is not None:
            self._give_up(key, difference + " (a value computed outside the traced operations, from the inputs or "
                          "from random draws, shows up as a constant)")
            return result
        try:
            self.programs[key] = Program(trace, result, first)
        except _Uncompilable as e:
            self._give_up(key, e.reason)
        return result

    def _give_up(self, key: tuple | None, reason: str) -> None:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        message = f"al.compile: {name} cannot be compiled: {reason}. It runs eagerly."
        if self.strict:
            raise NotCompilable(message)
        self._eager[key] = reason
        warnings.warn(message, stacklevel=3)


def compile(fn: Callable[..., Any] | None = None, *, strict: bool = False) -> Any:  # noqa: A001  (al.compile)
    """Compile ``fn`` (a training step: forward, loss, backward) into replayed numpy programs.

    See the module docstring for how it traces, guards and falls back. Use as ``al.compile(fn)``
    or as a decorator (``@al.compile`` or ``@al.compile(strict=True)``).
    """
    if fn is None:
        return lambda f: CompiledFunction(f, strict)
    return CompiledFunction(fn, strict)

