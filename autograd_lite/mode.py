"""Grad mode: whether primitives record the graph. Thread-local, as in PyTorch.

>>> with no_grad():
...     y = x * 2          # y has no graph, y.requires_grad is False
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradMode(threading.local):
    enabled: bool = True  # the class attribute is every new thread's starting value


_mode = _GradMode()


class _ThreadsOff:
    """How many threads have grad mode off. Reading a thread-local attribute costs five times a
    plain one, and every recorded operation asks: ``_off.count and not _mode.enabled`` reads
    the thread-local only while some thread has it off."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


_off = _ThreadsOff()
_count_lock = threading.Lock()


def set_mode(enabled: bool) -> bool:
    """Switch this thread's grad mode (every switch goes through here); returns the previous one."""
    prev = _mode.enabled
    if enabled and not prev:
        _mode.enabled = True  # on first, counted second: the count is never short of the threads off
        with _count_lock:
            _off.count -= 1
    elif prev and not enabled:
        with _count_lock:
            _off.count += 1
        _mode.enabled = False
    return prev


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded."""
    return _mode.enabled


class _ModeContext:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""

    mode: bool

    def __enter__(self) -> None:
        self.prev = set_mode(self.mode)

    def __exit__(self, *exc: object) -> None:
        set_mode(self.prev)

    def __call__(self, fn: F) -> F:
        mode = self.mode
        if inspect.isgeneratorfunction(fn):
            return _generator_in_mode(fn, mode)  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = set_mode(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                set_mode(prev)

        return wrapper  # type: ignore[return-value]


def _generator_in_mode(fn: Callable[..., Generator], mode: bool) -> Callable[..., Generator]:
    """A generator function whose body runs in ``mode`` each time it is resumed, and the
    caller's code between the values in the caller's mode (as PyTorch wraps generators: a plain
    wrapper would switch the mode only while the generator object is created, before any of
    its body runs)."""
    @functools.wraps(fn)
    def generator(*args: Any, **kwargs: Any) -> Generator:
        gen = fn(*args, **kwargs)

        def resume(how: Callable[..., Any], *value: Any) -> Any:
            prev = set_mode(mode)
            try:
                return how(*value)
            finally:
                set_mode(prev)

        try:
            response = resume(gen.send, None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    resume(gen.close)
                    raise
                except BaseException as e:  # noqa: BLE001  (thrown in by the caller: passed on)
                    response = resume(gen.throw, e)
                else:
                    response = resume(gen.send, request)
        except StopIteration as stop:
            return stop.value

    return generator


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
        if mode.__class__ is not bool and type(mode).__name__ != "bool":  # (numpy's bool too)
            raise TypeError(f"set_grad_enabled(): mode must be True or False, got {mode!r}")
        self.mode = bool(mode)
        self.before = set_mode(self.mode)

    def __enter__(self) -> None:
        self.prev = self.before  # the constructor already switched; restore what came before it
        set_mode(self.mode)

    def __call__(self, fn: F) -> F:
        set_mode(self.before)  # as a decorator it switches only inside fn
        return super().__call__(fn)
