"""The scalar view: a tensor graph drawn as the graph of numbers it stands for, one box per element.

>>> viz.draw_graph(loss, scalars=True)

micrograd draws every number as a box and every operation on numbers as an ellipse. A tensor
graph is that graph with its numbers grouped: ``X @ W + b`` on a batch of two rows is, number by
number, two rows of dot products, and each element of ``b`` feeds one ``+`` per row, which is
why its gradient is a sum over the batch. This view undoes the grouping: each element of each
tensor is a box ``W[0, 1] | data | grad``, each element of an operation's result has its own
ellipse, and an edge runs from every input element that the result element is computed from.

Which input elements an output element is computed from:

* elementwise operations (the numpy ufuncs: ``+ - * / **``, and every operation of one tensor
  without parameters that keeps its shape: ``exp``, ``tanh``...): the element at the same
  position, after broadcasting;
* every other operation (``@``, reductions, reshapes, indexing, ``where``...): the nonzero
  entries of its Jacobian, found with its own VJPs at inputs of ones, one output element at a
  time. The point is one where nothing vanishes by accident (``max`` ties everywhere, so it reads
  every element it reduces over; ``relu`` is on its slope), unlike the graph's own values
  (a weight times an input of 0 still has an edge). ``where`` reads the branch each element took.

Values and gradients are those :func:`viz.draw_graph` shows (see ``graph.py``); boxes of results
with nothing to show are left out, as there. The graph's saved values are needed (the axes of a
reduction, the index of a slice), so draw before ``backward()``, or after
``backward(retain_graph=True)``, which also gives every element its gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite import Node
from autograd_lite.ops import sum_to

from .graph import (
    INTERMEDIATE_COLOUR,
    LEAF_COLOUR,
    MAX_SCALARS,
    OP_COLOUR,
    OUTPUT_COLOUR,
    GraphDrawer,
    GraphDrawing,
    GraphTooLarge,
    _dot_string,
    _legend_lines,
    new_drawing,
)


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _elementwise(node: Node) -> bool:
    """Output element i reads the input elements at position i (after broadcasting)."""
    op = node.op
    if op.ufunc is not None:
        return True
    return op.arity == 1 and not node.a1 and node.parents[0].shape == node.shape


def _broadcast_sources(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> list[np.ndarray]:
    """For each output element (flat), the one input element (flat) that broadcasting puts there."""
    index = np.broadcast_to(np.arange(_size(shape)).reshape(shape), out_shape).ravel()
    return [index[r:r + 1] for r in range(index.size)]


def _ones(value: Any) -> Any:
    return np.ones(np.shape(value))


def _vjps_at_ones(node: Node) -> list[Callable[[np.ndarray], Any]]:
    """The node's VJPs as functions of the output gradient, at inputs of ones (its parameters kept)."""
    op = node.op
    if op.arity == 1:
        x = np.ones(node.parents[0].shape)
        arg = x if op.saves_inputs else node.a0  # the input, or its shape
        params = node.a1
        ans = op.forward(x, *params) if op.saves_ans else None
        return [lambda g: op.vjp0(g, ans, arg, *params)]
    if op.arity == 2:
        a0, a1 = (_ones(node.a0), _ones(node.a1)) if op.saves_inputs else (node.a0, node.a1)  # where: the mask
        ans = op.forward(a0, a1) if op.saves_ans else None
        return [lambda g: op.vjp0(g, ans, a0, a1), lambda g: op.vjp1(g, ans, a0, a1)]
    n = len(node.parents)
    args = list(node.a0)
    if op.saves_inputs:
        args[:n] = [_ones(a) for a in args[:n]]
    ans = op.forward(*args) if op.saves_ans else None
    return [lambda g, vjp=op.vjps[i]: vjp(g, ans, *args) for i in range(n)]


def sources(node: Node) -> list[list[np.ndarray] | None]:
    """For each argument of ``node`` (None for one not in the graph), for each element of its
    output (flat), the flat indices of the argument's elements that the element is computed from."""
    parents = node.parents
    if _elementwise(node):
        return [None if p is None else _broadcast_sources(p.shape, node.shape) for p in parents]
    vjps = _vjps_at_ones(node)
    out: list[list[np.ndarray] | None] = []
    for p, vjp in zip(parents, vjps):
        if p is None:
            out.append(None)
            continue
        rows = []
        for r in range(_size(node.shape)):
            seed = np.zeros(node.shape)
            seed.reshape(-1)[r] = 1.0
            g = np.asarray(vjp(seed))
            if g.shape != p.shape:
                g = np.asarray(sum_to(g, p.shape, node.op.name))
            rows.append(np.flatnonzero(g))
        out.append(rows)
    return out


def _element_name(name: str | None, shape: tuple[int, ...], r: int) -> str | None:
    if not shape:
        return name
    where = "[" + ", ".join(str(int(i)) for i in np.unravel_index(r, shape)) + "]"
    return (name or "") + where


def _element(values: Any, r: int) -> Any:
    return None if values is None else np.asarray(values).reshape(-1)[r]


def _check(drawer: GraphDrawer, max_scalars: int | None) -> None:
    if any(node.freed for node in drawer.nodes):
        raise RuntimeError(
            "draw_graph(scalars=True): backward() has already freed this graph's saved values, which the scalar "
            "view needs to tell which elements each operation reads; draw it before backward(), or call "
            "backward(retain_graph=True) (the drawing then shows every element's gradient too)"
        )
    count = sum(leaf.size for leaf in drawer.leaves) + sum(_size(node.shape) for node in drawer.nodes)
    if max_scalars is not None and count > max_scalars:
        raise GraphTooLarge(
            f"draw_graph(scalars=True): the graph holds {count} numbers (one box each), more than "
            f"max_scalars={max_scalars}; a drawing of that many numbers is unreadable. Draw it with one box per "
            "tensor (scalars=False), draw a smaller example (fewer rows in the batch, fewer units), or pass a "
            "larger max_scalars (None: any size)."
        )


def draw_scalars(drawer: GraphDrawer, rankdir: str = "LR", show_data: bool = True, show_grad: bool = True,
                 legend: bool = False, max_scalars: int | None = MAX_SCALARS) -> GraphDrawing:
    """The scalar view of the graph ``drawer`` walked (see the module docstring); called by
    ``draw_graph(..., scalars=True)``.

    Raises:
        GraphTooLarge: the graph holds more than ``max_scalars`` numbers.
        RuntimeError: a plain ``backward()`` has freed the graph.
    """
    _check(drawer, max_scalars)
    g = new_drawing(rankdir)
    roots = {id(r._node if r._node is not None else r) for r in drawer.roots}
    lines: list[str] = []
    feeds: dict[int, list[str]] = {}  # id of a node or leaf -> the DOT id that stands for each of its elements

    def boxes(key: int, prefix: str, name: str | None, shape: tuple[int, ...], value: Any, grad: Any,
              colour: str) -> None:
        feeds[key] = [f"{prefix}_{r}" for r in range(_size(shape))]
        for r, dot_id in enumerate(feeds[key]):
            label = drawer._label(_element_name(name, shape, r), (), _element(value, r), _element(grad, r),
                                  show_data, show_grad, max_values=1)
            lines.append(f"{dot_id} [label={_dot_string(label)} fillcolor={colour}]")

    for k, leaf in enumerate(drawer.leaves):
        colour = OUTPUT_COLOUR if id(leaf) in roots else LEAF_COLOUR
        name = drawer.param_names.get(id(leaf)) or leaf.name
        boxes(id(leaf), f"leaf{k}", name, leaf.shape, leaf.data, drawer.known_grad(id(leaf), leaf), colour)
    edges: list[str] = []
    for k, node in reversed(list(enumerate(drawer.nodes))):  # oldest first: arguments are placed before use
        ops = [f"op{k}_{r}" for r in range(_size(node.shape))]
        for op_id in ops:
            lines.append(f"{op_id} [label={_dot_string(node.op.label)} shape=ellipse fillcolor={OP_COLOUR}]")
        for p, rows in zip(node.parents, sources(node)):
            if p is not None:
                edges.extend(f"{feeds[id(p)][i]} -> {op_id}" for op_id, row in zip(ops, rows) for i in row)
        t = drawer._node_tensor(node)
        name = (drawer.param_names.get(id(t)) or t.name) if t is not None else None
        value, grad = drawer._value(node, t), drawer.known_grad(id(node), t)
        if id(node) in roots or name or value is not None or grad is not None:
            colour = OUTPUT_COLOUR if id(node) in roots else INTERMEDIATE_COLOUR
            boxes(id(node), f"t{k}", name, node.shape, value, grad, colour)
            edges.extend(f"{op_id} -> {box}" for op_id, box in zip(ops, feeds[id(node)]))
        else:  # nothing to show: each element's operation feeds its consumers directly
            feeds[id(node)] = ops
    g.body.extend(f"\t{line}\n" for line in lines + edges)
    if legend:
        g.body.extend(_legend_lines())
    return g
