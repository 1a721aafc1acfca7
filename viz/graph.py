"""Computation graphs as Graphviz drawings, in micrograd's style with torchviz's colours.

>>> o = (x1 * w1 + x2 * w2 + b).tanh(); o.backward()
>>> viz.draw_graph(o)                      # a graphviz.Digraph; shows inline in Jupyter
>>> viz.render(o, "neuron", format="svg")  # -> "neuron.svg", with or without a system Graphviz

Each tensor is a record box ``name | shape | data ... | grad ...`` (values shown for tensors
of at most ``max_values`` elements) and each primitive application an ellipse with its op
(``+``, ``*``, ``tanh``, ``@``...): micrograd's neuron tanh(x1*w1 + x2*w2 + b) draws as 5
leaves, 5 operations (two ``*``, two ``+``, ``tanh``) and the output. Colours (as torchviz):

* light blue: leaves that require grad (parameters, inputs you differentiate);
* green: the output(s) drawn from;
* white: intermediate results; grey ellipses: operations;
* orange ellipse: the operation whose VJP runs, in ``backward_tour`` frames.

Inputs that do not require grad (data, constants) are not part of the graph and not drawn,
as in torchviz. What is shown is what exists (the engine keeps nothing for drawings):

* values: of leaves, of the outputs drawn from, of tensors named in ``params`` or that
  called ``retain_grad()``, and of every intermediate result the graph saved for its
  gradients (until a plain ``backward()`` frees them);
* gradients: the leaves' ``.grad`` and those of tensors that retain their gradient; and, once
  a backward pass has filled the leaves' ``.grad`` while the graph was kept
  (``backward(retain_graph=True)``), the gradient at every node, which the drawing computes
  with a backward pass of its own (``.grad`` untouched).

An operation whose result shows nothing feeds the next one directly.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from typing import Any

import graphviz
import numpy as np

import autograd_lite as al
from autograd_lite import Node, Tensor

from . import renderer as _render
from .modules import children, recorded_outputs, recorded_range

LEAF_COLOUR = "lightblue"
OUTPUT_COLOUR = "darkolivegreen1"
INTERMEDIATE_COLOUR = "white"
OP_COLOUR = "gray90"
HIGHLIGHT_COLOUR = "orange"

#: draw_graph refuses graphs with more operations than this unless told otherwise: past a few
#: hundred boxes a drawing is unreadable, and 50,000 operations make an SVG of ~90 MB.
MAX_NODES = 1000
#: draw_graph(scalars=True) refuses graphs of more numbers (one box each) than this unless told otherwise:
#: past that, a drawing of single numbers is a wall (micrograd's 2-layer MLP on 3 inputs has ~100).
MAX_SCALARS = 150


class GraphTooLarge(ValueError):
    """The graph has more operations than a drawing should show (see ``max_nodes``)."""


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering (Jupyter display, ``pipe``, ``render``) works
    without a system Graphviz: it falls back on graphviz-pure (see ``viz.render``)."""

    def pipe(self, format: str | None = None, *args: Any, encoding: str | None = None, **kwargs: Any) -> Any:
        if shutil.which("dot") or args or kwargs:
            return super().pipe(format, *args, encoding=encoding, **kwargs)
        data = _render.pipe(self.source, format or self.format)
        return data.decode(encoding) if encoding else data

    def render(self, filename: str | os.PathLike | None = None, directory: str | os.PathLike | None = None,
               view: bool = False, cleanup: bool = False, format: str | None = None, **kwargs: Any) -> str:
        if shutil.which("dot") or view or kwargs:
            return super().render(filename, directory, view, cleanup, format, **kwargs)
        path = os.path.join(os.fspath(directory or ""), os.fspath(filename or self.filename or "graph"))
        return _render.render_source(self.source, path, format or self.format)


def _dot_string(text: str) -> str:
    """A DOT double-quoted string. Backslashes are left to the label's own escapes."""
    return '"' + text.replace('"', '\\"').replace("\n", "\\n") + '"'


def _record_field(text: str) -> str:
    """Text for one field of a record label: backslashes and the record syntax escaped."""
    text = text.replace("\\", "\\\\")
    for ch in "{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


def format_number(v: float) -> str:
    """4 significant digits: a gradient of 3e-07 stays 3e-07 and 1.2e+15 stays short, where
    micrograd's 4 decimals showed 0.0000 (or -0.0000) and a 20-digit number. Zero, and -0.0,
    read 0."""
    return "0" if v == 0 else f"{v:.4g}"


def _format_values(a: Any) -> str:
    """Each value by :func:`format_number`; arrays on one line, flattened (the box shows the shape)."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return format_number(float(a))
    return "[" + ", ".join(format_number(v) for v in a.ravel()) + "]"


def _roots(root: Any, what: str) -> list[Tensor]:
    """``root`` as a list of Tensors, or a TypeError that says what is wanted."""
    items = [root] if isinstance(root, Tensor) else list(root) if isinstance(root, (list, tuple)) else None
    if items is None or not items or not all(isinstance(r, Tensor) for r in items):
        got = type(root).__name__ if items is None else ", ".join(type(r).__name__ for r in items) or "nothing"
        raise TypeError(f"{what}: expected Tensors to draw from (a Tensor or a list of them), got {got}; "
                        "draw the result of an operation on tensors that require grad")
    return items


class GraphDrawer:
    """Walks the graph behind some tensors once; :meth:`draw` turns it into a GraphDrawing.

    Shared by :func:`draw_graph` and ``backward_tour`` (which draws the same graph once per
    step, with the gradients known at that step).
    """

    def __init__(self, roots: Tensor | Sequence[Tensor], params: Any = None, model: Any = None,
                 max_nodes: int | None = MAX_NODES, what: str = "draw_graph") -> None:
        self.roots = _roots(roots, what)
        if params is not None and hasattr(params, "named_parameters"):  # a Module given as params
            model, params = model or params, None
        if params is None and model is not None:
            params = dict(model.named_parameters())
        named = dict(params or {})
        for key, t in named.items():
            if not isinstance(t, Tensor):
                raise TypeError(f"{what}: params[{key!r}] is a {type(t).__name__}, not a Tensor")
        self.param_names = {id(t): name for name, t in named.items()}
        self.model = model
        self.known: dict[int, Tensor] = {}  # id(node) -> a Tensor it made that we were given
        for t in (*named.values(), *self.roots):
            if t._node is not None:
                self.known[id(t._node)] = t
        self.nodes: list[Node] = []  # in a fixed order: newest first
        self.leaves: list[Tensor] = []
        self.saved_values: dict[int, Any] = {}  # id(node) -> value found in a consumer's saved inputs
        self.layer_outputs = recorded_outputs(model) if model is not None else {}  # id(node) -> value
        self._walk(max_nodes, what)
        self.node_grads = self._node_grads()

    def _walk(self, max_nodes: int | None, what: str) -> None:
        """Collect Nodes and leaves with an explicit stack: no recursion, any depth."""
        seen: set[int] = set()
        stack: list[Any] = []
        for r in self.roots:
            item = r._node if r._node is not None else r
            if id(item) not in seen:
                seen.add(id(item))
                stack.append(item)
        while stack:
            item = stack.pop()
            if isinstance(item, Tensor):
                self.leaves.append(item)
                continue
            self.nodes.append(item)
            if max_nodes is not None and len(self.nodes) > max_nodes:
                raise GraphTooLarge(
                    f"{what}: the graph has more than max_nodes={max_nodes} operations; a drawing that size is "
                    "unreadable (and 50,000 operations make an SVG of ~90 MB). Draw a smaller part (an "
                    "intermediate tensor), group it by layer (model=..., group_by_module=True, "
                    "collapse_modules=True), or pass max_nodes=None to draw it all."
                )
            for p, value in zip(item.parents, item.saved_inputs()):
                if p is None:
                    continue
                if value is not None and isinstance(p, Node):
                    self.saved_values.setdefault(id(p), value)
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
        self.nodes.sort(key=lambda n: n.seq, reverse=True)

    def _node_grads(self) -> dict[int, Any]:
        """Every node's gradient, when a backward has filled the leaves' .grad and the graph is
        still there: computed by a backward pass of the drawing's own (.grad untouched)."""
        if len(self.roots) != 1 or not self.nodes:
            return {}
        root = self.roots[0]
        if root._node is None or root._node.freed or root.data.size != 1:
            return {}
        if not any(leaf.grad is not None for leaf in self.leaves):
            return {}
        return {id(step.node): step.grad for step in al.trace_backward(root) if step.node is not None}

    # -------------------------------------------------------------- what to show for a tensor
    def known_grad(self, key: int, tensor: Tensor | None) -> Any:
        """The gradient to show for a node or leaf (by id): its tensor's ``.grad``, else the one
        the drawing's own backward pass computed, else None."""
        grad = getattr(tensor, "_grad", None)  # (not .grad: it warns for a non-leaf, such as the loss drawn)
        if grad is not None:
            return grad.data
        return self.node_grads.get(key)

    def _node_tensor(self, node: Node) -> Tensor | None:
        """The Tensor a node made, when known: an output, a named tensor, or one that retains its grad."""
        t = self.known.get(id(node))
        return t if t is not None else node.retained()

    def _value(self, node: Node, t: Tensor | None) -> Any:
        """The node's output values, from its tensor (``t``), the graph, a consumer's saved input,
        or a layer's recorded output (``viz.record_modules``)."""
        if t is not None:
            return t.data
        out = node.output
        if out is not None:
            return out
        value = self.saved_values.get(id(node))
        return value if value is not None else self.layer_outputs.get(id(node))

    def _label(self, name: str | None, shape: tuple[int, ...], data: Any, grad: Any, show_data: bool,
               show_grad: bool, max_values: int, partial: bool = False) -> str:
        fields = [_record_field(name)] if name else []
        if shape:
            fields.append(_record_field(str(shape)))
        if int(np.prod(shape)) <= max_values:
            if show_data:
                fields.append("data ?" if data is None else "data " + _record_field(_format_values(data)))
            if show_grad:
                if grad is None:
                    fields.append("grad ?" if partial else "grad -")
                else:
                    so_far = " (so far)" if partial else ""
                    fields.append("grad " + _record_field(_format_values(np.asarray(grad))) + so_far)
        return "{ " + " | ".join(fields or ["scalar"]) + " }"

    # -------------------------------------------------------------- drawing
    def draw(self, rankdir: str = "LR", show_data: bool = True, show_grad: bool = True, max_values: int = 4,
             group_by_module: bool = False, legend: bool = False, grads: dict[int, Any] | None = None,
             partial: set[int] | None = None, highlight: Node | None = None,
             collapse_modules: bool = False) -> GraphDrawing:
        """The drawing. ``grads`` (id of a Node or leaf -> gradient) replaces the tensors' own
        gradients; ids in ``partial`` are marked as sums still in progress; ``highlight`` is the
        Node whose operation is drawn in orange."""
        g = new_drawing(rankdir)  # refuses a bad rankdir before any work
        ids: dict[int, str] = {}
        for k, n in enumerate(self.nodes):
            ids[id(n)] = f"t{k}"
        for k, leaf in enumerate(self.leaves):
            ids[id(leaf)] = f"leaf{k}"
        root_items = {id(r._node if r._node is not None else r) for r in self.roots}
        partial = partial or set()

        def grad_of(key: int, tensor: Tensor | None) -> Any:
            return grads.get(key) if grads is not None else self.known_grad(key, tensor)

        statements: dict[str | None, list[str]] = {None: []}
        clusters = self._clusters() if group_by_module or collapse_modules else {}
        cluster_of = {item: key for key, (_, members) in clusters.items() for item in members}

        def emit(item_id: int, line: str) -> None:
            statements.setdefault(cluster_of.get(item_id), []).append(line)

        for leaf in self.leaves:
            colour = OUTPUT_COLOUR if id(leaf) in root_items else LEAF_COLOUR
            name = self.param_names.get(id(leaf)) or leaf.name
            label = self._label(name, leaf.shape, leaf.data, grad_of(id(leaf), leaf), show_data, show_grad,
                                max_values, id(leaf) in partial)
            emit(id(leaf), f"{ids[id(leaf)]} [label={_dot_string(label)} fillcolor={colour}]")
        # A node's output gets a box when there is something to show: a name, a value or a
        # gradient (or it is an output). Otherwise the op feeds its consumers directly.
        source: dict[int, str] = {id(leaf): ids[id(leaf)] for leaf in self.leaves}
        boxes: list[tuple[int, Node, str]] = []
        for k, node in enumerate(self.nodes):
            t = self._node_tensor(node)
            name = self.param_names.get(id(t)) if t is not None else None
            name = name or (t.name if t is not None else None)
            value, grad = self._value(node, t), grad_of(id(node), t)
            if id(node) in root_items or name or value is not None or grad is not None or id(node) in partial:
                colour = OUTPUT_COLOUR if id(node) in root_items else INTERMEDIATE_COLOUR
                label = self._label(name, node.shape, value, grad, show_data, show_grad, max_values,
                                    id(node) in partial)
                emit(id(node), f"{ids[id(node)]} [label={_dot_string(label)} fillcolor={colour}]")
                source[id(node)] = ids[id(node)]
                boxes.append((k, node, ids[id(node)]))
            else:
                source[id(node)] = f"op{k}"
            op_colour = HIGHLIGHT_COLOUR if node is highlight else OP_COLOUR
            pen = " penwidth=2.5" if node is highlight else ""
            emit(id(node), f"op{k} [label={_dot_string(node.op.label)} shape=ellipse fillcolor={op_colour}{pen}]")
        edges = [f"op{k} -> {box}" for k, _, box in boxes]
        for k, node in enumerate(self.nodes):
            edges.extend(f"{source[id(p)]} -> op{k}" for p in node.parents if p is not None)
        if collapse_modules:
            statements, edges = _collapse(statements, edges, clusters)

        body = [f"\t{line}\n" for line in statements[None]]
        for key, lines in statements.items():
            if key is None:
                continue
            title = clusters[key][0]
            body.append(f"\tsubgraph {_dot_string('cluster_' + key)} {{\n")
            body.append(f"\t\tlabel={_dot_string(title)} style=\"rounded,dashed\" color=gray50 fontcolor=gray30\n")
            body.extend(f"\t\t{line}\n" for line in lines)
            body.append("\t}\n")
        body.extend(f"\t{line}\n" for line in edges)
        if legend:
            body.extend(_legend_lines())
        g.body.extend(body)
        return g

    def _clusters(self) -> dict[str, tuple[str, set[int]]]:
        """One cluster per child module of ``model``: its parameters and the Nodes its last
        recorded forward made (see ``viz.record_modules``)."""
        if self.model is None:
            raise ValueError("draw_graph: group_by_module=True needs the model (draw_graph(..., model=net))")
        clusters: dict[str, tuple[str, set[int]]] = {}
        recorded = False
        for name, module in children(self.model):
            members: set[int] = set()
            span = recorded_range(module)
            if span is not None:
                recorded = True
                start, end = span
                members.update(id(n) for n in self.nodes if start <= n.seq < end)
            for _, p in module.named_parameters():
                members.add(id(p))
            if members:
                clusters[name] = (f"{name}: {module!r}", members)
        if not recorded:
            raise ValueError(
                "draw_graph: group_by_module=True needs to know which operations each layer made: run the "
                "forward pass inside `with viz.record_modules(model):` (or call viz.record_modules(model) "
                "once, before it)"
            )
        return clusters


def new_drawing(rankdir: str) -> GraphDrawing:
    """An empty drawing with the house style: record boxes, Helvetica 11, small arrows, SVG."""
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    return GraphDrawing(
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11"},
        node_attr={"shape": "record", "style": "filled", "fontname": "Helvetica", "fontsize": "11", "height": "0.3"},
        edge_attr={"arrowsize": "0.7"},
        format="svg",
    )


def _collapse(statements: dict[str | None, list[str]], edges: list[str],
              clusters: dict[str, tuple[str, set[int]]]) -> tuple[dict[str | None, list[str]], list[str]]:
    """Each cluster as one box ("layers.0: Dense(2 -> 3), 1 operation"), edges between boxes."""
    owner: dict[str, str] = {}  # DOT id of a drawn element -> the box that replaces it
    lines = list(statements[None])
    for k, key in enumerate(key for key in statements if key is not None):
        box = f"module{k}"
        ops = 0
        for line in statements[key]:
            element = line.split(" ", 1)[0]
            owner[element] = box
            ops += element.startswith("op")
        text = f"{clusters[key][0]}\n{ops} operation{'s' if ops != 1 else ''}"
        lines.append(f'{box} [label={_dot_string(text)} shape=box style="rounded,filled" fillcolor=gray95]')
    seen: set[tuple[str, str]] = set()
    joined = []
    for edge in edges:
        a, b = (owner.get(end, end) for end in edge.split(" -> "))
        if a != b and (a, b) not in seen:
            seen.add((a, b))
            joined.append(f"{a} -> {b}")
    return {None: lines}, joined


def _legend_lines() -> list[str]:
    items = [("legend_leaf", "leaf that requires grad", LEAF_COLOUR, "record"),
             ("legend_mid", "intermediate result", INTERMEDIATE_COLOUR, "record"),
             ("legend_out", "output", OUTPUT_COLOUR, "record"),
             ("legend_op", "operation", OP_COLOUR, "ellipse")]
    lines = ['\tsubgraph "cluster_legend" {\n', '\t\tlabel="legend" style="rounded" color=gray70 fontcolor=gray30\n']
    for key, text, colour, shape in items:
        lines.append(f"\t\t{key} [label={_dot_string(text)} fillcolor={colour} shape={shape}]\n")
    lines.append("\t\tlegend_leaf -> legend_mid -> legend_out [style=invis]\n\t}\n")
    return lines


def draw_graph(
    root: Tensor | Sequence[Tensor],
    params: Any = None,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    max_values: int = 4,
    group_by_module: bool = False,
    model: Any = None,
    legend: bool = False,
    max_nodes: int | None = MAX_NODES,
    collapse_modules: bool = False,
    scalars: bool = False,
    max_scalars: int | None = MAX_SCALARS,
) -> GraphDrawing:
    """Draw the computation graph behind ``root`` (a Tensor or a list of them).

    Args:
        root: the output(s) to draw from.
        params: names for tensors, e.g. ``dict(model.named_parameters())`` or ``{"h": h}`` for an
            intermediate result, or the model itself.
        rankdir: Graphviz's direction: "LR" (left to right) or "TB" (top to bottom).
        show_data, show_grad: show values / gradients of tensors with at most ``max_values`` elements.
        max_values: the size limit for showing values.
        group_by_module: draw one dashed cluster per layer of ``model``, whose forward ran inside
            ``viz.record_modules(model)``.
        model: the Module the graph came from (names its parameters; clusters).
        legend: add a small legend of the colours.
        max_nodes: refuse graphs with more operations than this (:class:`GraphTooLarge`, with
            what to do instead); None draws any size.
        collapse_modules: draw each layer as one box (implies ``group_by_module``): the way to
            draw a network too large to show operation by operation.
        scalars: draw one box per element and one operation per element of each result, as
            micrograd draws its graph of numbers (see ``viz/scalars.py``). Needs a graph that no
            plain ``backward()`` has freed.
        max_scalars: with ``scalars=True``, refuse graphs of more numbers than this (None: any size).

    Returns:
        a :class:`GraphDrawing` (a ``graphviz.Digraph``): ``.source`` is the DOT text; it shows
        inline in Jupyter; ``viz.render(drawing, path)`` writes SVG/PNG/PDF.
    """
    limit = None if collapse_modules else max_nodes
    if scalars and (group_by_module or collapse_modules):
        raise ValueError("draw_graph: scalars=True draws numbers, not layers; drop group_by_module / "
                         "collapse_modules, or draw without scalars=True")
    drawer = GraphDrawer(root, params, model, limit)
    if scalars:
        from .scalars import draw_scalars  # scalars.py builds on this module

        return draw_scalars(drawer, rankdir, show_data, show_grad, legend, max_scalars)
    return drawer.draw(rankdir, show_data, show_grad, max_values, group_by_module, legend,
                       collapse_modules=collapse_modules)


def render(root_or_drawing: Tensor | Sequence[Tensor] | graphviz.Digraph, path: str | os.PathLike,
           format: str | None = None, **draw_options: Any) -> str:
    """Draw (if given tensors) and write the graph to ``path`` as svg, png or pdf; returns the path.

    ``format`` defaults to the path's extension, else svg: ``render(o, "neuron.png")`` writes a
    PNG, ``render(o, "neuron", format="svg")`` writes ``neuron.svg``. Uses the system Graphviz
    when ``dot`` is on PATH, else graphviz-pure; with neither, raises with how to get one and
    the path where the DOT source was written. ``draw_options`` go to :func:`draw_graph`.
    """
    drawing = root_or_drawing
    if not isinstance(drawing, graphviz.Digraph):
        drawing = draw_graph(root_or_drawing, **draw_options)
    return _render.render_source(drawing.source, os.fspath(path), format)
