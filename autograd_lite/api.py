"""Attach the registered ops to Tensor and build the ``al.`` functions (run once, at import).

Each op was registered where it is defined (``registry.register`` next to its row in
``ops.py`` or its composite in ``functional.py``); this module only reads the registrations,
as HIPS autograd attaches its methods to ``ArrayBox`` after the ops exist. So no module of the
engine imports another in a cycle, and adding an op touches one place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import engine, functional, ops  # noqa: F401  (importing them registers their ops)
from .registry import ENTRIES, Entry
from .tensor import Tensor


def _function(entry: Entry) -> Callable[..., Any]:
    """``al.<name>(x, ...)``: the method, with ``x`` wrapped as a Tensor if it is not one."""
    if not entry.is_method:
        return entry.method
    method = entry.method

    @functools.wraps(method)
    def function(x: Any, *args: Any, **kwargs: Any) -> Any:
        return method(x if isinstance(x, Tensor) else ops._t(x), *args, **kwargs)

    function.__name__ = function.__qualname__ = entry.function  # type: ignore[assignment]
    return function


def _backward(self: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
              inputs: Any = None) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad``. See :func:`autograd_lite.engine.backward`."""
    engine.backward(self, gradient, retain_graph, create_graph, inputs)


def _transposed(self: Tensor) -> Tensor:
    """The tensor with its axes reversed (the transpose of a matrix)."""
    return ops.transpose(self, None)


def attach() -> dict[str, Callable[..., Any]]:
    """Set every registered method and operator on Tensor; return the ``al.`` functions by name."""
    functions: dict[str, Callable[..., Any]] = {}
    for entry in ENTRIES.values():
        if entry.is_method:
            for name in (entry.name, *entry.aliases):
                setattr(Tensor, name, entry.method)
        for dunder in entry.operators:
            setattr(Tensor, dunder, entry.method)
        if entry.function:
            functions[entry.function] = _function(entry)
    Tensor.backward = _backward  # type: ignore[attr-defined]
    Tensor.T = property(_transposed)  # type: ignore[attr-defined]
    return functions


FUNCTIONS = attach()
