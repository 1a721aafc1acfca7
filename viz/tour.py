"""The backward pass as a film: one drawing per step, the running VJP in orange.

What micrograd and torchviz do not show: the order in which reverse mode visits the graph,
and how gradients fill in, sums at shared tensors included.
"""

from __future__ import annotations

import inspect
import numbers
import os
import re
from typing import Any

import autograd_lite as al
from autograd_lite import Tensor

from .graph import MAX_NODES, GraphDrawer
from .renderer import FORMATS, check_format, find_renderer, render_many

#: backward_tour refuses graphs with more operations (frames) than this unless told otherwise.
MAX_FRAMES = 60
#: the ``draw_options`` a tour passes on to its drawings (grads, partial and highlight it sets itself).
DRAW_OPTIONS = (frozenset(inspect.signature(GraphDrawer.draw).parameters) - {"self", "grads", "partial", "highlight"}
                | {"max_nodes"})
#: the name of a tour's frame, in any format a tour writes: what a new tour removes when it did not rewrite it.
FRAME_NAME = re.compile(rf"step_\d{{2,}}\.(?:{'|'.join(FORMATS)})")


def backward_tour(root: Tensor, out_dir: str | os.PathLike, format: str = "svg", params: Any = None,
                  model: Any = None, max_frames: int | None = MAX_FRAMES, **draw_options: Any) -> list[str]:
    """Write one frame per backward step to ``out_dir`` (``step_01.svg``, ...); returns the paths.

    Frame k highlights the operation whose VJP runs at step k (in topological order, output
    first) and shows every gradient known by then: a tensor's gradient is complete once all
    the operations that used it have run; until then it is "?" (or, for a leaf, the sum so far,
    marked "(so far)"). ``.grad`` is not changed; the graph is kept, and must not have been
    freed by a plain ``backward()`` (draw the tour first, or use ``backward(retain_graph=True)``).

    ``max_frames`` refuses graphs with more operations than that (one frame each; None: any
    number). ``draw_options`` go to the drawing (``rankdir``, ``max_values``, ``show_data``...).
    All frames are rendered by one renderer process. The frames of an earlier tour in ``out_dir``
    that this one does not rewrite (``step_*.svg/png/pdf``) are removed; other files are left alone.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"backward_tour: expected the Tensor to backpropagate from, got {type(root).__name__}")
    if root._node is None:
        raise ValueError(
            "backward_tour: this tensor is a leaf, so its backward pass has no step to show; "
            "give the result of operations on it (e.g. the loss)"
        )
    if root._node.freed:
        raise RuntimeError(
            "backward_tour: backward() has already freed this graph; draw the tour before calling "
            "backward(), or call backward(retain_graph=True)"
        )
    # everything that can be checked without drawing is, so that a mistake leaves no empty folder behind
    format = check_format(format, "backward_tour")
    if max_frames is not None and (isinstance(max_frames, bool) or not isinstance(max_frames, numbers.Integral)
                                   or max_frames < 1):
        raise ValueError(f"backward_tour: max_frames must be a positive whole number or None (no limit), "
                         f"got {max_frames!r}")
    unknown = sorted(set(draw_options) - DRAW_OPTIONS)
    if unknown:
        raise TypeError(f"backward_tour: no drawing option {unknown[0]!r}; the options are "
                        f"{', '.join(sorted(DRAW_OPTIONS))}")
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"backward_tour: out_dir is the folder for the frames, a str or path, got {out_dir!r}")
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise NotADirectoryError(f"backward_tour: out_dir {os.fspath(out_dir)!r} is a file; give the path of a "
                                 "folder (made if missing)")
    find_renderer()
    drawer = GraphDrawer(root, params, model, draw_options.pop("max_nodes", MAX_NODES), "backward_tour")
    if max_frames is not None and len(drawer.nodes) > max_frames:
        raise ValueError(
            f"backward_tour: the graph has {len(drawer.nodes)} operations, so the tour would have "
            f"{len(drawer.nodes)} frames (more than max_frames={max_frames}); tour a smaller expression, "
            "or pass max_frames=None (or a larger number) to make them all"
        )
    steps = al.trace_backward(root)
    remaining: dict[int, int] = {}  # id of a node or leaf -> consumers whose VJP has not run yet
    for node in drawer.nodes:
        for p in node.parents:
            if p is not None:
                remaining[id(p)] = remaining.get(id(p), 0) + 1
    final = {id(step.node): step.grad for step in steps}  # each node's gradient, once complete
    sources = []
    for k, step in enumerate(steps, 1):
        node = step.node
        for p in node.parents:
            if p is not None:
                remaining[id(p)] -= 1
        # complete once every consumer's VJP has run, before the node's own VJP runs (x1*w1's
        # gradient is known as soon as the + that used it has run)
        grads = {key: g for key, g in final.items() if remaining.get(key, 0) == 0}
        grads.update(step.leaf_grads)
        partial = {key for key, left in remaining.items() if left}
        drawing = drawer.draw(grads=grads, partial=partial, highlight=node, **draw_options)
        drawing.attr(label=f"backward step {k} of {len(steps)}: VJP of '{node.op.name}'", labelloc="t")
        sources.append(drawing.source)
    width = max(2, len(str(len(steps))))
    # render_many makes out_dir, once it has found a renderer
    paths = [os.path.join(os.fspath(out_dir), f"step_{k:0{width}d}.{format}") for k in range(1, len(steps) + 1)]
    render_many(sources, paths, format)
    _remove_old_frames(os.fspath(out_dir), {os.path.basename(p) for p in paths})
    return paths


def _remove_old_frames(folder: str, kept: set[str]) -> None:
    """Remove the frames of an earlier tour in ``folder`` that this one did not rewrite (the extra
    steps of a longer tour, the frames of another format), so that the folder shows exactly this
    tour. Only files named as frames are touched (:data:`FRAME_NAME`), and only once the new
    frames are all written, so that a tour that fails leaves the earlier one whole."""
    for entry in os.scandir(folder):
        if entry.name not in kept and FRAME_NAME.fullmatch(entry.name) and not entry.is_dir(follow_symlinks=False):
            os.unlink(entry.path)
