"""The backward pass as a film: one drawing per step, the running VJP in orange.

What micrograd and torchviz do not show: the order in which reverse mode visits the graph,
and how gradients fill in, sums at shared tensors included.
"""

from __future__ import annotations

import os
from typing import Any

import autograd_lite as al
from autograd_lite import Tensor

from .graph import GraphDrawer
from .renderer import render_source


def backward_tour(root: Tensor, out_dir: str | os.PathLike, format: str = "svg",
                  params: dict[str, Tensor] | None = None, model: Any = None, **draw_options: Any) -> list[str]:
    """Write one frame per backward step to ``out_dir`` (``step_01.svg``, ...); returns the paths.

    Frame k highlights the operation whose VJP runs at step k (in topological order, output
    first) and shows every gradient known by then: a tensor's gradient is complete once all
    the operations that used it have run; until then it is "?" (or, for a leaf, the sum so far,
    marked "(so far)"). ``.grad`` is not changed; the graph is kept.

    ``draw_options`` go to the drawing (``rankdir``, ``max_values``, ``show_data``...).
    """
    steps = al.trace_backward(root)
    drawer = GraphDrawer(root, params, model)
    users: dict[int, set[int]] = {}  # id of a node or leaf -> ids of the nodes that consume it
    for node in drawer.nodes:
        for p in node.parents:
            if p is not None:
                users.setdefault(id(p), set()).add(id(node))
    final = {id(step.node): step.grad for step in steps}  # each node's gradient, once complete
    os.makedirs(out_dir, exist_ok=True)
    done: set[int] = set()
    width = max(2, len(str(len(steps))))
    paths = []
    for k, step in enumerate(steps, 1):
        done.add(id(step.node))
        # a gradient is complete once every operation that used the tensor has run
        complete = {key for key in final if users.get(key, set()) <= done}
        grads = {key: final[key] for key in complete}
        grads.update(step.leaf_grads)
        partial = {key for key, consumers in users.items() if not consumers <= done}
        drawing = drawer.draw(grads=grads, partial=partial, highlight=step.node, **draw_options)
        drawing.attr(label=f"backward step {k} of {len(steps)}: VJP of '{step.node.op.name}'", labelloc="t")
        path = os.path.join(os.fspath(out_dir), f"step_{k:0{width}d}.{format}")
        paths.append(render_source(drawing.source, path, format))
    return paths
