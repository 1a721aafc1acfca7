"""What the Tensor class and the ``al.`` namespace expose, registered next to each op's row.

The table rows in ``ops.py`` and the composites in ``functional.py`` say, where they are
defined, under which names they are reachable: a Tensor method (``t.exp()``), an ``al.``
function (``al.exp(x)``, which also takes arrays and numbers), an operator (``t + u`` and its
reflected and in-place forms). ``autograd_lite.api`` attaches them all at import, as HIPS
autograd attaches its box methods; nothing else lists ops a second time. Tests enumerate
:data:`ENTRIES` to check that every op has its gradient checks and a line in the docs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Entry:
    """One user-facing op.

    Attributes:
        name: the op's name (the method's name, and the ``al.`` function's unless ``function``
            says otherwise).
        method: the implementation, called as ``method(tensor, *args, **kwargs)``.
        kind: ``"primitive"`` (a row of ops.py), ``"composite"`` (functional.py) or ``"other"``
            (shape helpers, in-place forms, comparisons: covered by their primitive's checks).
        primitives: the primitives it applies (for primitives: itself).
        aliases: more method names (PyTorch's: ``view`` for ``reshape``...).
        is_method: attach it to Tensor (False: an ``al.`` function only, such as ``where``).
        function: the ``al.`` function's name; None for methods only.
        operators: dunder names bound to it (``__add__``); reflected forms are registered apart.
        differentiable: False for comparisons and other ops whose result never requires grad.
    """

    name: str
    method: Callable[..., Any]
    kind: str
    primitives: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    is_method: bool = True
    function: str | None = None
    operators: tuple[str, ...] = ()
    differentiable: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


#: Every registered op, by name, in the order of registration.
ENTRIES: dict[str, Entry] = {}


def register(name: str, method: Callable[..., Any], kind: str, *, primitives: tuple[str, ...] = (),
             aliases: tuple[str, ...] = (), is_method: bool = True, function: str | None | bool = True,
             operators: tuple[str, ...] = (), differentiable: bool = True) -> Callable[..., Any]:
    """Register ``method`` under ``name`` (see :class:`Entry`); returns it unchanged."""
    if name in ENTRIES:
        raise ValueError(f"op {name!r} is registered twice")
    fn_name = name if function is True else (function or None)
    ENTRIES[name] = Entry(name, method, kind, primitives or ((name,) if kind == "primitive" else ()), aliases,
                          is_method, fn_name, operators, differentiable)
    return method


def tensor_method(name: str, *, kind: str = "primitive", primitives: tuple[str, ...] = (),
                  aliases: tuple[str, ...] = (), is_method: bool = True, function: str | None | bool = True,
                  operators: tuple[str, ...] = (), differentiable: bool = True
                  ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of :func:`register`, for methods with their own signature."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        return register(name, method, kind, primitives=primitives, aliases=aliases, is_method=is_method,
                        function=function, operators=operators, differentiable=differentiable)

    return decorate
