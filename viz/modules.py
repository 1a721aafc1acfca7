"""Which operations each layer of a model made: what ``draw_graph(group_by_module=True)`` needs.

Layers know nothing about drawings. To group a drawing by layer, viz asks the model, through
its forward hooks, to note the creation numbers of the operations each layer's forward made:

>>> with viz.record_modules(net):
...     loss = net.loss_function(net.forward(X), y)
>>> viz.draw_graph(loss, model=net, group_by_module=True)

Called without ``with``, the hooks stay until ``.remove()``.
"""

from __future__ import annotations

import weakref
from typing import Any

from autograd_lite import Tensor, creation_number

#: module -> (first, last + 1) creation numbers of the Nodes its latest recorded forward made
_RANGES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: module -> (a weak reference to the Node that made its latest recorded output, that output's
#: values): a layer's output is what a reader looks for in a drawing, and the engine keeps it
#: only when the next operation's VJP needs it (a sigmoid's first operation, a negation, does not)
_OUTPUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def children(model: Any) -> list[tuple[str, Any]]:
    """The direct sub-modules of ``model`` with their names (``layers.0``, ...)."""
    out = []
    for attr, value in vars(model).items():
        if hasattr(value, "named_parameters") and hasattr(value, "forward"):
            out.append((attr, value))
        elif isinstance(value, (list, tuple)):
            out.extend((f"{attr}.{i}", v) for i, v in enumerate(value) if hasattr(v, "forward"))
    return out


class record_modules:
    """Note, for every direct sub-module of ``model``, which operations its forward makes."""

    def __init__(self, model: Any) -> None:
        if not hasattr(model, "register_forward_hook"):
            raise TypeError(
                f"record_modules: expected an mlp Module (a network or a layer), got {type(model).__name__}"
            )
        self.handles = []
        starts: dict[int, int] = {}
        for _, module in children(model):
            def before(m: Any, args: tuple) -> None:
                starts[id(m)] = creation_number()

            def after(m: Any, args: tuple, out: Any) -> None:
                _RANGES[m] = (starts.pop(id(m)), creation_number())
                if isinstance(out, Tensor) and out._node is not None:
                    _OUTPUTS[m] = (weakref.ref(out._node), out._data)  # (not .data: al.compile would refuse the step)
                else:
                    _OUTPUTS.pop(m, None)

            self.handles.append(module.register_forward_pre_hook(before))
            self.handles.append(module.register_forward_hook(after))

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def __enter__(self) -> record_modules:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def recorded_range(module: Any) -> tuple[int, int] | None:
    """(first, last + 1) creation numbers of the Nodes ``module``'s latest recorded forward made."""
    return _RANGES.get(module)


def recorded_outputs(model: Any) -> dict[int, Any]:
    """id(Node) -> values, for the outputs of ``model``'s direct sub-modules in their latest
    recorded forward whose Nodes still exist."""
    found = {}
    for _, module in children(model):
        entry = _OUTPUTS.get(module)
        if entry is not None and (node := entry[0]()) is not None:
            found[id(node)] = entry[1]
    return found
