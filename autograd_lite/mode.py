"""Grad mode: whether primitives record the graph. Thread-local, as in PyTorch.

>>> with no_grad():
...     y = x * 2          # y has no graph, y.requires_grad is False
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode(threading.local):
    enabled: bool = True  # the class attribute is every new thread's starting value


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded."""
    return _mode.enabled


class _ModeContext:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""

    mode: bool

    def __enter__(self) -> None:
        self.prev = _mode.enabled
        _mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self.prev

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _mode.enabled
            _mode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _mode.enabled = prev

        return wrapper  # type: ignore[return-value]


class _Switch(_ModeContext):
    """no_grad / enable_grad: also usable as ``@no_grad`` without parentheses (as in PyTorch)."""

    def __new__(cls, fn: Any = None) -> Any:
        self = super().__new__(cls)
        if fn is None:
            return self
        if not callable(fn):
            raise TypeError(f"{cls.__name__}() takes no arguments (or, as a decorator, the function), "
                            f"got a {type(fn).__name__}; write `with al.{cls.__name__}():`")
        return self(fn)


class no_grad(_Switch):
    """Nothing inside is recorded: for inference and for parameter updates.

    >>> with al.no_grad():
    ...     w -= lr * w.grad          # in place, w stays a leaf that requires grad
    >>> @al.no_grad                   # or @al.no_grad()
    ... def predict(x): ...
    """

    mode = False


class enable_grad(_Switch):
    """Recording on again, inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_ModeContext):
    """Turn recording on or off: as a call, a context manager or a decorator.

    >>> set_grad_enabled(False)            # off for this thread from here on
    >>> with set_grad_enabled(True): ...   # on inside the block only
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.before = _mode.enabled
        _mode.enabled = self.mode

    def __enter__(self) -> None:
        self.prev = self.before  # the constructor already switched; restore what came before it
        _mode.enabled = self.mode

    def __call__(self, fn: F) -> F:
        _mode.enabled = self.before  # as a decorator it switches only inside fn
        return super().__call__(fn)
