"""Reverse mode: walk the recorded graph from the outputs back to the leaves.

Every Node gets a creation number (``seq``) larger than its inputs' numbers. Backward keeps
the Nodes it has reached in a heap and always takes the newest next: by then every consumer
of that Node reachable from the outputs has run and added its share to the Node's gradient
(a consumer is newer, and the path to it from an output passes only through newer Nodes).
So this is a topological order, found with no recursion and no separate sorting pass: a
graph of a million Nodes needs no more than the heap. A Node is in the heap exactly while
its ``pending`` gradient is not None: no other mark is needed, and after a pass (or a
failed one) every ``pending`` is None again.

For each Node taken: run its VJPs, sum what reaches each input (a tensor used twice gets
both contributions, reduced to its shape if the forward broadcast it), and, unless
``retain_graph``, drop its saved values: the memory is released at once, and a second
backward through the same Node raises an error that says what to do. Leaves accumulate
into ``.grad`` (``backward``) or are returned (``grad``) once the pass is over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import Any

import numpy as np

from .mode import _mode
from .ops import sum_to
from .primitive import Node
from .tensor import Tensor, _alias, _make

StepHook = Callable[[Node, Any, dict], None]


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"backward through a graph a second time: the values saved by '{node.op.name}' were freed "
        "by the first backward() or grad(). Pass retain_graph=True to the first call if you need "
        "to go through the graph again."
    )


def _tensor_inputs(node: Node) -> tuple[Any, tuple]:
    """``ans`` and ``args`` of a Node as Tensors wired into the graph, for create_graph."""
    args = list(node.args)
    if node.op.save_inputs:
        for i, p in enumerate(node.parents):
            if p is not None:
                args[i] = _alias(args[i], p) if p.__class__ is Node else p
    ans = _alias(node.out, node)
    return ans, tuple(args)


def _propagate(
    outputs: Sequence[Tensor],
    seeds: Sequence[Any],
    create_graph: bool,
    retain_graph: bool,
    capture: dict[int, Any] | None = None,
    on_step: StepHook | None = None,
    fill_grads: bool = False,
) -> dict[int, list]:
    """Seed the outputs with their gradients and run the backward pass.

    Returns the leaf gradients as {id(leaf): [leaf, gradient]}. The gradient reaching a Node
    whose id is a key of ``capture`` is stored there; ``on_step(node, grad, leaf_grads)`` is
    called after each Node's VJPs have run. With ``fill_grads``, intermediate tensors that
    called ``retain_grad()`` accumulate their gradient in ``.grad``, and with ``retain_graph``
    too (not ``create_graph``: that would make cycles) each Node keeps it in ``node.grad``.
    """
    leaf_grads: dict[int, list] = {}
    heap: list[tuple[int, Node]] = []
    for t, g in zip(outputs, seeds):
        node = t._node
        if node is None:  # the output is a leaf itself
            entry = leaf_grads.get(id(t))
            leaf_grads[id(t)] = [t, g if entry is None else entry[1] + g]
            continue
        if node.args is None:
            raise _freed_error(node)
        if node.pending is None:
            node.pending = g
            heappush(heap, (-node.seq, node))
        else:  # the same output given twice
            node.pending = node.pending + g
    keep_node_grads = fill_grads and retain_graph and not create_graph  # for drawings; no cycles
    push, pop = heappush, heappop
    prev = _mode.enabled
    _mode.enabled = create_graph  # VJPs record a graph only when asked to
    try:
        while heap:
            node = pop(heap)[1]  # every node pushed was checked: its saved values are there
            g = node.pending
            node.pending = None
            if fill_grads:
                if node.retain is not None:  # retain_grad() was called on the output
                    t = node.retain()
                    if t is not None:
                        _accumulate(t, g if create_graph else _make(np.array(g)))
                if keep_node_grads:
                    node.grad = g if node.grad is None else node.grad + g
            if capture is not None and id(node) in capture:
                capture[id(node)] = g
            if create_graph:
                ans, args = _tensor_inputs(node)
            else:
                ans, args = node.out, node.args
            for p, vjp in zip(node.parents, node.op.vjps):
                if p is None:
                    continue
                gi = vjp(g, ans, *args)
                if p.__class__ is Node:
                    out = p.out
                    if out is None:  # part of a graph an earlier backward consumed
                        raise _freed_error(p)
                    if gi.shape != out.shape:  # the forward broadcast this input: sum back to its shape
                        gi = sum_to(gi, out.shape)
                    pending = p.pending
                    if pending is None:  # first contribution: p joins the heap
                        p.pending = gi
                        push(heap, (-p.seq, p))
                    else:
                        p.pending = pending + gi
                else:
                    if gi.shape != p.data.shape:
                        gi = sum_to(gi, p.data.shape)
                    entry = leaf_grads.get(id(p))
                    if entry is None:
                        leaf_grads[id(p)] = [p, gi]
                    else:
                        entry[1] = entry[1] + gi
            if not retain_graph:  # free the saved values, keep the structure (and the shape)
                node._shape = node.out.shape
                node.args = node.out = None
            if on_step is not None:
                on_step(node, g, leaf_grads)
    except BaseException:
        for _, node in heap:  # leave no half-summed gradient behind for the next pass
            node.pending = None
        raise
    finally:
        _mode.enabled = prev
    return leaf_grads


def _accumulate(t: Tensor, g: Tensor) -> None:
    """t.grad += g, as a new Tensor (a gradient already handed out is never changed in place)."""
    if t.grad is None:
        t.grad = g
    elif g.requires_grad or t.grad.requires_grad:
        t.grad = t.grad + g
    else:
        t.grad = _make(t.grad.data + g.data)


def _leaf_grad(leaf: Tensor, g: Any, create_graph: bool, handed_out: set[int]) -> Any:
    """The gradient of ``leaf`` in the leaf's dtype and shape (a Tensor under create_graph).

    VJPs pass gradients through without copying (x + y hands the same array to both inputs),
    so a gradient that is a view, or already given to another leaf, is copied: no two .grad
    arrays share memory, and editing one in place cannot change another.
    """
    if create_graph:
        return g if isinstance(g, Tensor) else _make(np.asarray(g))
    if g.__class__ is not np.ndarray or g.base is not None or id(g) in handed_out:
        g = np.array(g)
    handed_out.add(id(g))
    dtype = leaf.data.dtype
    if g.dtype != dtype:
        g = g.astype(dtype)
    if g.shape != leaf.data.shape:  # a VJP broke the invariant: say so rather than mis-train
        raise RuntimeError(f"internal error: gradient of shape {g.shape} for a leaf of shape {leaf.shape}")
    return _make(g)


def _seed(output: Tensor, gradient: Any, create_graph: bool, what: str) -> Any:
    """The starting gradient for ``output``: ones for a one-element output, else ``gradient``."""
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"{what}: the implicit gradient needs a one-element output, got shape {output.shape}; "
                "pass the gradient of the output explicitly (backward(gradient=...)), or reduce it "
                "first (.sum() or .mean())"
            )
        g = np.ones(output.shape, dtype=output.dtype)
        return _make(g) if create_graph else g
    if isinstance(gradient, Tensor):
        g_shape = gradient.shape
    else:
        gradient = np.array(gradient, dtype=output.dtype)
        g_shape = gradient.shape
    if g_shape != output.shape:
        raise ValueError(f"{what}: gradient of shape {g_shape} given for an output of shape {output.shape}")
    if create_graph:
        return gradient if isinstance(gradient, Tensor) else _make(gradient)
    return np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=output.dtype)


def backward(
    tensor: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """Accumulate the gradient of ``tensor`` into ``.grad`` of every leaf it depends on.

    As in PyTorch, an intermediate tensor gets ``.grad`` only if it called ``retain_grad()``;
    with ``retain_graph=True`` every node keeps its gradient too, for drawings.

    Args:
        tensor: the output. Without ``gradient`` it must have one element (a loss).
        gradient: d(something)/d(tensor), of ``tensor``'s shape: backward then computes the
            vector-Jacobian product of that vector with every leaf.
        retain_graph: keep the graph's saved values for another backward (default: create_graph).
        create_graph: record the backward pass itself, so that the gradients have a graph and
            can be differentiated again (Hessian-vector products, gradient penalties).

    Leaves accumulate: call ``zero_grad()`` (or set ``.grad = None``) between steps.

    >>> x = Tensor(3.0, requires_grad=True)
    >>> (x * x).backward()
    >>> x.grad
    Tensor(6.)
    """
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward(): this tensor does not require grad, so no graph was recorded for it. "
            "Create the inputs you differentiate with requires_grad=True, and do not compute "
            "the output under no_grad()."
        )
    retain = create_graph if retain_graph is None else retain_graph
    seed = _seed(tensor, gradient, create_graph, "backward()")
    leaf_grads = _propagate([tensor], [seed], create_graph, retain, fill_grads=True)
    handed_out: set[int] = set()
    for leaf, g in leaf_grads.values():
        g = _leaf_grad(leaf, g, create_graph, handed_out)
        if leaf.grad is None:  # the usual case in a training loop, after zero_grad()
            leaf.grad = g
        else:
            _accumulate(leaf, g)


def _as_tensor_list(x: Tensor | Sequence[Tensor], what: str) -> list[Tensor]:
    items = [x] if isinstance(x, Tensor) else list(x)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): {what}[{i}] is a {type(t).__name__}, not a Tensor")
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
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` is untouched).

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
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise ValueError(f"grad(): {len(grad_outputs)} grad_outputs given for {len(outs)} outputs")
    for i, t in enumerate(outs):
        if not t.requires_grad:
            raise RuntimeError(f"grad(): {_label(t, 'outputs', i)} does not require grad (no graph was recorded)")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad(): {_label(t, 'inputs', i)} does not require grad")
    seeds = [_seed(t, g, create_graph, f"grad() for outputs[{i}]") for i, (t, g) in enumerate(zip(outs, grad_outputs))]
    retain = create_graph if retain_graph is None else retain_graph
    capture: dict[int, Any] = {id(t._node): None for t in ins if t._node is not None}
    leaf_grads = _propagate(outs, seeds, create_graph, retain, capture)
    handed_out: set[int] = set()
    result: list[Tensor | None] = []
    for i, t in enumerate(ins):
        if t._node is None:
            entry = leaf_grads.get(id(t))
            g = None if entry is None else entry[1]
        else:
            g = capture.get(id(t._node))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad(): {_label(t, 'inputs', i)} was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            result.append(_leaf_grad(t, g, create_graph, handed_out))
    return tuple(result)


@dataclass
class BackwardStep:
    """One step of a backward pass, as :func:`trace_backward` records it.

    Attributes:
        node: the Node whose VJPs ran in this step.
        grad: the gradient that had reached that node (d root / d node output).
        leaf_grads: each leaf's gradient summed so far, keyed by id(leaf).
    """

    node: Node
    grad: np.ndarray
    leaf_grads: dict[int, np.ndarray]


def trace_backward(root: Tensor, gradient: Any = None) -> list[BackwardStep]:
    """Run backward from ``root`` step by step, recording each step; ``.grad`` is untouched.

    The graph is retained. Used by ``viz.backward_tour`` to draw the pass as it happens.
    """
    if not root.requires_grad:
        raise RuntimeError("trace_backward(): the tensor does not require grad (no graph was recorded)")
    steps: list[BackwardStep] = []

    def record(node: Node, g: Any, leaf_grads: dict) -> None:
        leaves = {k: np.array(v[1]) for k, v in leaf_grads.items()}
        steps.append(BackwardStep(node, np.array(g), leaves))

    _propagate([root], [_seed(root, gradient, False, "trace_backward()")], False, True, on_step=record)
    return steps
