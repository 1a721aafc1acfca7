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


class no_grad(_ModeContext):
    """Nothing inside is recorded: for inference and for parameter updates.

    >>> with al.no_grad():
    ...     w.data -= lr * w.grad.data
    >>> @al.no_grad()
    ... def predict(x): ...
    """

    mode = False


class enable_grad(_ModeContext):
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
