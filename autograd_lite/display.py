"""A Tensor as Jupyter shows it: a small HTML table (``Tensor._repr_html_`` calls :func:`tensor_html`).

>>> x = Tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x                                   # in a notebook: the table below
Tensor  shape (2,)  float64  leaf, requires grad
data    [1., 2.]
grad    [2., 4.]

Rows: the shape, dtype and where the tensor came from (its ``grad_fn``, or which kind of leaf
it is), then the values and the gradient, abridged as numpy abridges (the first and last
``EDGE_ITEMS`` of each axis past ``THRESHOLD`` elements). When there is no gradient, the row
says why: a leaf before ``backward()``, a non-leaf that did not call ``retain_grad()``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

THRESHOLD = 40  # more elements than this are abridged
EDGE_ITEMS = 3
PRECISION = 4

_TABLE = "border-collapse: collapse; font-family: monospace; font-size: 12px; line-height: 1.3; margin: 2px 0"
_HEAD = "text-align: left; padding: 1px 8px 1px 0; font-weight: bold; vertical-align: top"
_CELL = "text-align: left; padding: 1px 8px 1px 0; vertical-align: top; white-space: pre"


def values_text(a: Any) -> str:
    """``a`` as numpy prints it, abridged past ``THRESHOLD`` elements, 4 significant decimals."""
    return np.array2string(np.asarray(a), separator=", ", threshold=THRESHOLD, edgeitems=EDGE_ITEMS,
                           precision=PRECISION, max_line_width=100)


def _origin(t: Tensor) -> str:
    node = t.grad_fn
    if node is not None:
        return f"grad_fn=<{node.op.name}>"
    return "leaf, requires grad" if t._requires_grad else "leaf, no grad"


def _grad_text(t: Tensor) -> str:
    g = getattr(t, "_grad", None)  # (not .grad, which warns for a non-leaf: this row says why instead)
    if g is not None:
        return values_text(g._data)
    if not t._requires_grad:
        return "none (does not require grad)"
    if t.grad_fn is not None:
        return "none (a non-leaf keeps its gradient only after retain_grad())"
    return "none yet (call backward() on a result)"


def tensor_html(t: Tensor) -> str:
    """The HTML table Jupyter shows for ``t`` (see the module docstring)."""
    title = "Tensor" + (f" {t.name!r}" if t.name else "")
    head = f"shape {t.shape}  {t.dtype}  {_origin(t)}"
    rows = [(title, head), ("data", values_text(t._data)), ("grad", _grad_text(t))]
    body = "".join(f'<tr><th style="{_HEAD}">{html.escape(k)}</th><td style="{_CELL}">{html.escape(v)}</td></tr>'
                   for k, v in rows)
    return f'<table class="autograd-lite-tensor" style="{_TABLE}">{body}</table>'
