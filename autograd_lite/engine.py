"""Reverse mode: walk the recorded graph from the outputs back to the leaves.

Every Node has a creation number (``seq``) larger than its inputs' numbers. The backward pass
first collects the Nodes the outputs reach (an explicit stack, no recursion: a graph of ten
million Nodes needs no more than the list), then takes them newest first: by then every
consumer of a Node has run and added its share to the Node's gradient (a consumer is newer).
So this is a topological order, found by one sort of creation numbers in C, three times cheaper
than keeping a heap. A collected Node's ``pending`` holds the gradient summed so far (a mark
until the first share arrives); after a pass (or a failed one) every ``pending`` is None again.

For each Node taken (:func:`backward_pass`): run its VJPs, send what they return to the
parents (summed down to a parent's shape where the forward broadcast it), and, unless the
graph is retained, drop the saved values, so that memory is released at once and a second
pass through the same Node raises an error that says what to do. Leaves collect their
gradients, which :func:`backward` accumulates into ``.grad`` and :func:`grad` returns.
"""

from __future__ import annotations

import gc
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .mode import is_grad_enabled, set_mode
from .node import _FREED, Node, graph_done, last_change, written_after
from .ops import astype, clone, sum_to
from .primitive import in_backward, through, tracer
from .tensor import Tensor, _alias, _make

Visit = Callable[[Node, Any, Callable[[], dict]], None]


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"backward through a graph a second time: the values saved by '{node.op.name}' were freed "
        "by the first backward() or grad(). Pass retain_graph=True to the first call if you need "
        "to go through the graph again."
    )


def _describe(p: Any, value: Any = None) -> str:
    if p is None:
        return f"a constant of shape {np.shape(value)}"
    if p.__class__ is Node:
        return f"the output of '{p.op.name}' (shape {p.shape})"
    name = f" '{p.name}'" if p.name else ""
    return f"the leaf{name} of shape {p.shape}"


def _changed_error(node: Node, what: str) -> RuntimeError:
    return RuntimeError(
        f"backward through '{node.op.name}': {what}, which '{node.op.name}' saved to compute its gradient, "
        "was changed in place after the operation used it (PyTorch: \"one of the variables needed for "
        "gradient computation has been modified by an inplace operation\"). Run backward() before the "
        "change (e.g. before the optimizer step), or change a copy (t.clone())."
    )


def _check_saved(node: Node) -> None:
    """Raise if a value ``node`` saved was changed in place after the node was recorded."""
    op = node.op
    seq = node.seq
    if op.saves_inputs:
        for p, value in zip(node.parents, node.saved_inputs()):
            stamp = 0 if p is None else p.modified if p.__class__ is Node else getattr(p, "_version", 0)
            if (stamp and stamp > seq) or written_after(value, seq):  # the value itself, or memory it views
                raise _changed_error(node, _describe(p, value))
    if op.saves_ans and (node.modified or written_after(node.out, seq)):
        raise _changed_error(node, "its own output")


def _as_tensors(node: Node, ans: Any, a0: Any, a1: Any) -> tuple[Any, Any, Any]:
    """``ans`` and the saved inputs as Tensors wired into the graph, for create_graph: a VJP
    then records how its result depends on them (the second derivative flows through them)."""
    if ans is not None:
        ans = _alias(ans, node)
    op = node.op
    if op.saves_inputs:
        if op.arity == 1:
            a0 = _wired(a0, node.p0)
        elif op.arity == 2:
            a0, a1 = _wired(a0, node.p0), _wired(a1, node.p1)
        else:
            parents = node.p0
            a0 = tuple(_wired(v, parents[i]) if i < len(parents) else v for i, v in enumerate(a0))
    return ans, a0, a1


def _wired(value: Any, parent: Any) -> Any:
    """A saved input as a Tensor: the leaf itself, or an alias of the Node that made it."""
    if parent is None:
        return value
    return _alias(value, parent) if parent.__class__ is Node else parent


def needed_nodes(outputs: Sequence[Any], targets: set[int]) -> set[int]:
    """The ids of the Nodes and leaves behind ``outputs`` from which a target (by id) can be
    reached: the part of the graph a gradient with respect to the targets has to go through."""
    needed: set[int] = set()
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(o, False) for o in outputs]
    while stack:
        item, children_done = stack.pop()
        key = id(item)
        if children_done:
            if key in targets or (item.__class__ is Node and any(
                    p is not None and id(p) in needed for p in item.parents)):
                needed.add(key)
            continue
        if key in seen:
            continue
        seen.add(key)
        stack.append((item, True))
        if item.__class__ is Node:
            stack.extend((p, False) for p in item.parents if p is not None and id(p) not in seen)
    return needed


def backward_pass(seeds: Sequence[tuple[Any, Any]], create_graph: bool = False, retain_graph: bool = False,
                  needed: set[int] | None = None, visit: Visit | None = None,
                  fill_retained: bool = False) -> list[tuple[Tensor, Any]]:
    """Propagate ``seeds`` ((Node or leaf, gradient) pairs) to the leaves; returns each leaf
    reached with its gradient, in the order they were reached.

    Args:
        create_graph: run the VJPs in grad mode on Tensors, so the gradients have a graph.
        retain_graph: keep the saved values (else each Node drops them once used).
        needed: only send gradients to the Nodes and leaves whose ids are in it (see
            :func:`needed_nodes`); None sends them everywhere.
        visit: called as ``visit(node, gradient, leaf_sums)`` once each Node's VJPs have run,
            ``leaf_sums()`` giving {id(leaf): gradient summed so far}.
        fill_retained: accumulate the gradient of every tensor that called ``retain_grad()``
            into its ``.grad`` (``backward()`` and ``grad()`` do, as PyTorch's).
    """
    leaves: list[Tensor] = []  # reached so far; each sums its gradient in its _pending slot

    def send(p: Any, gi: Any, op: Any) -> None:
        """Add ``gi`` to what parent ``p`` (a Node or a leaf) has received."""
        if p.__class__ is Node:
            if gi.shape != p.shape:  # the forward broadcast this input: sum back to its shape
                gi = sum_to(gi, p.shape, op.name)
            pending = p.pending
            p.pending = gi if pending is _NOTHING_YET else pending + gi
            return
        if gi.shape != p._data.shape:
            gi = sum_to(gi, p._data.shape, op.name)
        old = p._pending
        if old is None:
            p._pending = gi
            leaves.append(p)
        else:
            p._pending = old + gi

    def leaf_sums() -> dict[int, Any]:
        return {id(leaf): leaf._pending for leaf in leaves}

    trace = tracer.here() if tracer.active is not None else None
    tracing = trace is not None  # al.compile: VJPs see Tensors, so it records their operations
    if tracing and create_graph:
        trace.fail("it differentiates with create_graph=True (higher order is not compiled)")
    wrap = _as_tensors if create_graph else _as_traced_all if tracing else None
    free = not retain_graph
    watermark = last_change.seq  # Nodes older than the latest in-place change get checked
    gc_was_on = gc.isenabled()
    prev = is_grad_enabled()
    was_in_backward = in_backward.on  # (a backward run by a VJP's own code puts it back as it was)
    order: list[Node] = []
    try:  # from here on, whatever is interrupted is put back (the mode, the collector, the marks)
        set_mode(create_graph)  # VJPs record a graph only when asked to
        in_backward.on = True
        gc.disable()  # a backward pass makes no reference cycles: nothing for the collector to find
        _collect(seeds, needed, order)
        for target, g in seeds:
            send(target, _as_traced(g) if tracing else g, None)
        # One flag for the rare cases, so that a plain backward tests one thing per Node for them
        # (no Node needs a check when the latest in-place change came before the oldest Node)
        if order and watermark <= order[-1].seq:
            watermark = 0
        special = needed is not None or wrap is not None or visit is not None or watermark != 0
        for node in order:
            g = node.pending
            node.pending = None
            op = node.op
            ans, a0, a1 = node.out, node.a0, node.a1
            if a0 is _FREED:
                raise _freed_error(node)
            if special:
                if g is _NOTHING_YET:  # pruned by grad(): no gradient reaches it
                    continue
                if watermark and node.seq < watermark:
                    _check_saved(node)
            if node.extra is not None and fill_retained:
                _fill_retained(node, g, create_graph)
            if special:
                if wrap is not None:
                    ans, a0, a1 = wrap(node, ans, a0, a1)
                if needed is not None:  # grad(): only the part of the graph that leads to the inputs
                    _send_needed(node, g, ans, a0, a1, needed, send)
                    if free and any(p is not None and id(p) in needed for p in node.parents):
                        node.a0, node.a1, node.out = _FREED, None, None
                    if visit is not None:
                        visit(node, g, leaf_sums)
                    continue
            arity = op.arity
            if arity == 2:
                # send() inlined for the common case, a parent Node of the gradient's shape:
                # this loop runs once per recorded operation
                p = node.p0
                if p is not None:
                    vjp = op.vjp0
                    gi = g if vjp is through else vjp(g, ans, a0, a1)
                    if p.__class__ is Node:
                        if gi.shape == p.shape:
                            pending = p.pending
                            p.pending = gi if pending is _NOTHING_YET else pending + gi
                        else:
                            send(p, gi, op)
                    elif gi.shape == p._data.shape:  # a leaf
                        pending = p._pending
                        if pending is None:
                            p._pending = gi
                            leaves.append(p)
                        else:
                            p._pending = pending + gi
                    else:
                        send(p, gi, op)
                p = node.p1
                if p is not None:
                    vjp = op.vjp1
                    gi = g if vjp is through else vjp(g, ans, a0, a1)
                    if p.__class__ is Node:
                        if gi.shape == p.shape:
                            pending = p.pending
                            p.pending = gi if pending is _NOTHING_YET else pending + gi
                        else:
                            send(p, gi, op)
                    elif gi.shape == p._data.shape:  # a leaf
                        pending = p._pending
                        if pending is None:
                            p._pending = gi
                            leaves.append(p)
                        else:
                            p._pending = pending + gi
                    else:
                        send(p, gi, op)
            elif arity == 1:
                p = node.p0
                gi = op.vjp0(g, ans, a0, *a1) if a1 else op.vjp0(g, ans, a0)
                if p.__class__ is Node and gi.shape == p.shape:  # send(), inlined as above
                    pending = p.pending
                    p.pending = gi if pending is _NOTHING_YET else pending + gi
                else:
                    send(p, gi, op)
            else:
                for i, p in enumerate(node.p0):
                    if p is not None:
                        send(p, op.vjps[i](g, ans, *a0), op)
            if free:
                node.a0, node.a1, node.out = _FREED, None, None  # used: free it; the structure and shape stay
            if special and visit is not None:
                visit(node, g, leaf_sums)
        return [(leaf, leaf._pending) for leaf in leaves]
    except BaseException:
        for node in order:  # leave no half-summed gradient behind for the next pass
            node.pending = None
        raise
    finally:
        for leaf in leaves:
            leaf._pending = None
        in_backward.on = was_in_backward
        set_mode(prev)
        if gc_was_on:
            gc.enable()


class _NothingYet:
    """The ``pending`` of a collected Node that no gradient has reached yet."""

    __slots__ = ()


_NOTHING_YET = _NothingYet()
_by_creation = operator.attrgetter("seq")


def _collect(seeds: Sequence[tuple[Any, Any]], needed: set[int] | None, order: list[Node]) -> None:
    """Put into ``order`` the Nodes the seeds reach (only those in ``needed``, if given), newest
    first, each marked as reached (``pending``) so that it is collected once. (``order`` is
    filled in place: if this is interrupted, the caller still knows which Nodes it marked.)"""
    stack = []
    for target, _ in seeds:
        if target.__class__ is Node and target.pending is None:
            target.pending = _NOTHING_YET
            order.append(target)
            stack.append(target)
    if needed is not None:
        _collect_needed(stack, order, needed)
    while stack:  # the common case, written out: this loop runs once per Node
        node = stack.pop()
        if node.op.arity == 3:
            for p in node.p0:
                if p.__class__ is Node and p.pending is None:
                    p.pending = _NOTHING_YET
                    order.append(p)
                    stack.append(p)
            continue
        p = node.p0
        if p.__class__ is Node and p.pending is None:
            p.pending = _NOTHING_YET
            order.append(p)
            stack.append(p)
        p = node.p1
        if p.__class__ is Node and p.pending is None:
            p.pending = _NOTHING_YET
            order.append(p)
            stack.append(p)
    order.sort(key=_by_creation, reverse=True)


def _collect_needed(stack: list[Node], order: list[Node], needed: set[int]) -> None:
    """_collect's walk for grad(): only into the Nodes in ``needed`` (empties ``stack``)."""
    while stack:
        node = stack.pop()
        for p in node.parents:
            if p.__class__ is Node and p.pending is None and id(p) in needed:
                p.pending = _NOTHING_YET
                order.append(p)
                stack.append(p)


def _send_needed(node: Node, g: Any, ans: Any, a0: Any, a1: Any, needed: set[int],
                 send: Callable[[Any, Any, Any], None]) -> None:
    """The VJPs of ``node`` for the parents in ``needed`` only (grad() prunes the rest)."""
    op = node.op
    for i, p in enumerate(node.parents):
        if p is None or id(p) not in needed:
            continue
        if op.arity == 2:
            gi = op.vjps[i](g, ans, a0, a1)
        elif op.arity == 1:
            gi = op.vjps[i](g, ans, a0, *a1)
        else:
            gi = op.vjps[i](g, ans, *a0)
        send(p, gi, op)


def _as_traced_all(node: Node, ans: Any, a0: Any, a1: Any) -> tuple[Any, Any, Any]:
    """What the VJPs read, as Tensors al.compile's tracer knows (see _as_traced)."""
    return _as_traced(ans), _as_traced(a0), _as_traced(a1)


def _as_traced(value: Any) -> Any:
    """numpy values as (unrecorded) Tensors around the same objects, which al.compile's tracer
    knows by identity; tuples of saved arguments element by element; anything else as it is."""
    if isinstance(value, (np.ndarray, np.generic)):
        return _make(value)
    if value.__class__ is tuple:
        return tuple(_make(v) if isinstance(v, (np.ndarray, np.generic)) else v for v in value)
    return value


def _fill_retained(node: Node, g: Any, create_graph: bool) -> None:
    """``.grad`` += g for the tensor ``node`` made, if it called ``retain_grad()`` and is alive."""
    retain = node.extra.retain
    t = retain() if retain is not None else None
    trace = tracer.here()
    if t is not None and trace is not None:
        trace.fail("it uses retain_grad() (a replay has no intermediate tensors to give .grad to)")
    if t is not None:  # a copy: g also flows on, and may become a leaf's .grad as it is
        _accumulate(t, _gradient_tensor(t, g, create_graph, {id(g): g}))


def _accumulate(t: Tensor, g: Tensor) -> None:
    """t.grad += g, as a new Tensor (a gradient already handed out is never changed in place)."""
    old = t.grad
    if old is None:
        t._grad = g
    elif g._requires_grad or old._requires_grad:
        t._grad = old + g
    else:
        t._grad = _make(old._data + g._data)


def _gradient_tensor(t: Tensor, g: Any, create_graph: bool, handed_out: dict[int, Any]) -> Tensor:
    """The gradient of ``t`` as a Tensor of t's dtype and shape, owned by t alone.

    VJPs pass gradients through without copying (x + y hands the same array to both inputs),
    so a gradient that is a view, or already given to another tensor, is copied: no two
    gradients share memory, and editing one in place cannot change another. ``handed_out``
    keeps what it has given out by id, and keeps it alive: a gradient added to an existing
    ``.grad`` is dropped, and its id could come back as another's.
    """
    shape, dtype = t._data.shape, t._data.dtype
    if isinstance(g, Tensor):  # create_graph: keep the graph, convert with recorded operations
        if g.dtype != dtype:
            g = astype(g, dtype, g.dtype)
        if id(g) in handed_out or g._data.base is not None:
            g = clone(g)  # given to another tensor already, or a view: a recorded copy of its own
        handed_out[id(g)] = g
    else:
        if g.__class__ is not np.ndarray or g.base is not None or id(g) in handed_out:
            g = np.array(g, dtype=dtype)
        elif g.dtype != dtype:
            g = g.astype(dtype)
        handed_out[id(g)] = g
        g = _make(g[()] if g.ndim == 0 else g)
    if g.shape != shape:  # a VJP broke the invariant: say so rather than mis-train
        raise RuntimeError(f"internal error: a gradient of shape {g.shape} for a tensor of shape {shape}")
    return g


def _seed(output: Tensor, gradient: Any, create_graph: bool, what: str) -> Any:
    """The starting gradient for ``output``: ones for a one-element output, else ``gradient``."""
    data = output._data
    if gradient is None and data.__class__ is not np.ndarray and not create_graph:
        return data.dtype.type(1)  # a loss: a 0-d tensor holds a numpy scalar (np.ones(())[()] is the same one)
    dtype = data.dtype
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"{what}: the implicit gradient needs a one-element output, got shape {output.shape}; "
                "pass the gradient of the output explicitly (backward(gradient=...)), or reduce it "
                "first (.sum() or .mean())"
            )
        g = np.ones(output.shape, dtype=dtype)
    elif isinstance(gradient, Tensor):
        if gradient.shape != output.shape:
            raise ValueError(f"{what}: gradient of shape {gradient.shape} given for an output of shape {output.shape}")
        if create_graph:
            return gradient if gradient.dtype == dtype else gradient.astype(dtype)  # type: ignore[attr-defined]
        g = _copy_of(gradient._data, dtype)
    else:
        if np.iscomplexobj(gradient):  # numpy would drop the imaginary part with a warning
            raise TypeError(f"{what}: the gradient is complex; autograd_lite differentiates real functions")
        try:
            g = _copy_of(gradient, dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{what}: cannot use a {type(gradient).__name__} as the gradient ({e})") from None
        if g.shape != output.shape:
            raise ValueError(f"{what}: gradient of shape {g.shape} given for an output of shape {output.shape}")
    g = g[()] if g.ndim == 0 else g
    return _make(g) if create_graph else g


def _copy_of(gradient: Any, dtype: np.dtype) -> Any:
    """A copy of a given gradient, of the output's dtype. While al.compile traces, one that is an
    array (an argument, say) is copied by the table's ``astype``, so that a replay copies the
    gradient it is given rather than the traced one."""
    if isinstance(gradient, (np.ndarray, np.generic)) and tracer.here() is not None:
        return astype(gradient, dtype, gradient.dtype)
    return np.array(gradient, dtype=dtype)


def _start(t: Tensor) -> Any:
    """Where a backward pass from ``t`` starts: its Node, or the leaf itself."""
    return t._node if t._node is not None else t


def backward(tensor: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Sequence[Tensor] | None = None) -> None:
    """Accumulate the gradient of ``tensor`` into ``.grad`` of every leaf it depends on.

    As in PyTorch, an intermediate tensor gets ``.grad`` only if it called ``retain_grad()``.

    Args:
        tensor: the output. Without ``gradient`` it must have one element (a loss).
        gradient: d(something)/d(tensor), of ``tensor``'s shape: backward then computes the
            vector-Jacobian product of that vector with every leaf.
        retain_graph: keep the graph's saved values for another backward (default: create_graph).
        create_graph: record the backward pass itself, so that the gradients have a graph and
            can be differentiated again (Hessian-vector products, gradient penalties).
        inputs: only these leaves get ``.grad`` (and only the part of the graph that leads to
            them is run), as PyTorch's ``backward(inputs=...)``.

    Leaves accumulate: call ``zero_grad()`` (or set ``.grad = None``) between steps.

    >>> x = Tensor(3.0, requires_grad=True)
    >>> (x * x).backward()
    >>> x.grad
    Tensor(6.)
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"backward(): expected a Tensor, got {type(tensor).__name__}")
    if not tensor._requires_grad:
        raise RuntimeError(
            "backward(): this tensor does not require grad, so no graph was recorded for it. "
            "Create the inputs you differentiate with requires_grad=True, and do not compute "
            "the output under no_grad()."
        )
    retain = create_graph if retain_graph is None else bool(retain_graph)
    seed = _seed(tensor, gradient, create_graph, "backward()")
    needed = None
    if inputs is not None:
        targets = _as_tensor_list(inputs, "inputs", "backward()")
        for i, t in enumerate(targets):
            if not t._requires_grad or t._node is not None:
                raise RuntimeError(f"backward(): inputs[{i}] must be a leaf that requires grad")
        needed = needed_nodes([_start(tensor)], {id(t) for t in targets})
    leaf_grads = backward_pass([(_start(tensor), seed)], create_graph, retain, needed, fill_retained=True)
    # the gradient given is the caller's: a leaf it reaches unchanged gets a copy (create_graph
    # passes it on as it is; otherwise _seed copied it already)
    handed_out: dict[int, Any] = {id(seed): seed} if create_graph else {}
    trace = tracer.here() if tracer.active is not None else None
    plain = trace is None and not create_graph
    for leaf, g in leaf_grads:
        data = leaf._data
        if (plain and g.__class__ is np.ndarray and g.base is None and g.dtype is data.dtype and g.ndim
                and g.shape == data.shape and id(g) not in handed_out):
            # _gradient_tensor's commonest case, inlined: a fresh array of the leaf's dtype and shape
            handed_out[id(g)] = g
            if leaf.grad is None:  # _accumulate's first case
                leaf._grad = _make(g)
                continue
            g = _make(g)
        else:
            g = _gradient_tensor(leaf, g, create_graph, handed_out)
            if trace is not None:
                trace.grad(leaf, g)
        _accumulate(leaf, g)
    graph_done()


def _as_tensor_list(x: Tensor | Sequence[Tensor], what: str, caller: str = "grad()") -> list[Tensor]:
    """A Tensor or a sequence of them (a generator such as PyTorch's ``model.parameters()`` too),
    as a non-empty list. An empty one is refused, as PyTorch refuses it: it asks for nothing,
    which is never what was meant; so are a dict (its keys) and a set (no order)."""
    if isinstance(x, (str, bytes, dict, set, frozenset)) or not isinstance(x, (Tensor, Iterable)):
        raise TypeError(f"{caller}: {what} must be a Tensor or a list of Tensors, got a {type(x).__name__}")
    items = [x] if isinstance(x, Tensor) else list(x)
    if not items:
        raise ValueError(f"{caller}: {what} is an empty list; give at least one tensor")
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{caller}: {what}[{i}] is a {type(t).__name__}, not a Tensor")
    return items


def _label(t: Tensor, what: str, i: int) -> str:
    return f"{what}[{i}]" + (f" ({t.name!r})" if t.name else "")


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned; the leaves' ``.grad``
    is untouched (a tensor on the way that called ``retain_grad()`` gets its ``.grad``, as in
    PyTorch).

    Only the part of the graph between the outputs and the inputs runs: the gradient with
    respect to the last layer's weights costs one layer, and with ``create_graph`` only that
    part is recorded.

    Args:
        outputs: a Tensor or a sequence of them; their gradients are summed.
        inputs: the tensors to differentiate with respect to (leaves or intermediate results).
        grad_outputs: one gradient per output (None: ones, for one-element outputs).
        retain_graph: keep the graph for another pass (default: create_graph).
        create_graph: give the gradients a graph of their own, for higher-order derivatives.
        allow_unused: return None for an input the outputs do not depend on, instead of raising.

    >>> g, = al.grad(loss_fn(w), [w], create_graph=True)
    >>> hvp, = al.grad((g * v).sum(), [w])        # Hessian-vector product
    """
    outs = _as_tensor_list(outputs, "outputs")
    ins = _as_tensor_list(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [None] * len(outs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray, np.generic, int, float, complex)):
        grad_outputs = [grad_outputs]  # one gradient, of the one output
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise ValueError(f"grad(): {len(grad_outputs)} grad_outputs given for {len(outs)} outputs")
    for i, t in enumerate(outs):
        if not t._requires_grad:
            raise RuntimeError(f"grad(): {_label(t, 'outputs', i)} does not require grad (no graph was recorded)")
    for i, t in enumerate(ins):
        if not t._requires_grad:
            raise RuntimeError(f"grad(): {_label(t, 'inputs', i)} does not require grad")
    seeds = [(_start(t), _seed(t, g, create_graph, f"grad() for outputs[{i}]"))
             for i, (t, g) in enumerate(zip(outs, grad_outputs))]
    retain = create_graph if retain_graph is None else bool(retain_graph)
    starts = [_start(t) for t in ins]
    needed = needed_nodes([s for s, _ in seeds], {id(s) for s in starts})
    captured: dict[int, Any] = {}
    node_inputs = {id(s) for s in starts if s.__class__ is Node}

    def capture(node: Node, g: Any, _: Callable[[], dict]) -> None:
        if id(node) in node_inputs:
            captured[id(node)] = g

    leaf_grads = {id(leaf): g for leaf, g in backward_pass(seeds, create_graph, retain, needed, capture,
                                                           fill_retained=True)}
    handed_out: dict[int, Any] = {}
    result: list[Tensor | None] = []
    for i, (t, start) in enumerate(zip(ins, starts)):
        if start.__class__ is Node:
            g = captured.get(id(start))
        else:
            g = leaf_grads.get(id(start))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad(): {_label(t, 'inputs', i)} was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            result.append(_gradient_tensor(t, g, create_graph, handed_out))
    graph_done()
    return tuple(result)


@dataclass
class BackwardStep:
    """One step of a backward pass, as :func:`trace_backward` records it.

    Attributes:
        node: the Node whose VJPs run in this step.
        grad: the gradient that had reached that node (d root / d node output).
        leaf_grads: each leaf's gradient summed so far (this step included), keyed by id(leaf).
    """

    node: Node
    grad: Any
    leaf_grads: dict[int, Any]


def trace_backward(root: Tensor, gradient: Any = None, max_steps: int | None = None) -> list[BackwardStep]:
    """Run backward from ``root`` step by step, recording each step; ``.grad`` is untouched.

    The graph is retained. Used by ``viz`` to draw the pass as it happens and to show every
    node's gradient. ``max_steps`` refuses graphs with more Nodes than that (the recording
    keeps one copy of the leaf gradients per step).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace_backward(): expected a Tensor, got {type(root).__name__}")
    if not root._requires_grad:
        raise RuntimeError("trace_backward(): the tensor does not require grad (no graph was recorded)")
    steps: list[BackwardStep] = []

    def record(node: Node, g: Any, leaf_sums: Callable[[], dict]) -> None:
        if max_steps is not None and len(steps) >= max_steps:
            raise ValueError(f"trace_backward(): the graph has more than {max_steps} operations (max_steps)")
        leaves = {k: np.array(v) for k, v in leaf_sums().items()}
        steps.append(BackwardStep(node, np.array(g), leaves))

    backward_pass([(_start(root), _seed(root, gradient, False, "trace_backward()"))], False, True, visit=record)
    graph_done()
    return steps
