"""Module and Parameter: what layers are made of.

>>> class Affine(Module):
...     def __init__(self):
...         super().__init__()
...         self.weight = Parameter(np.ones((2, 3)))
...     def forward(self, x):
...         return x @ self.weight
>>> [name for name, _ in Affine().named_parameters()]
['weight']
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograd_lite import Tensor, as_tensor

FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def float_dtype(dtype: Any, owner: str) -> np.dtype:
    """``dtype`` as float64 or float32; anything else is refused naming ``owner``."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{owner}: the dtype must be float64 or float32, got {dtype!r}")
    return dt


def positive_int(value: Any, what: str, owner: str) -> int:
    """``value`` as an int if it is a positive integer (not a bool); else a ValueError naming
    ``owner`` and ``what``."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {what} must be a positive integer, got {value!r}")
    return int(value)


_RULES: dict[str, Callable[[float], bool]] = {
    "a positive number": lambda v: v > 0,
    "a number >= 0": lambda v: v >= 0,
    "a number in [0, 1)": lambda v: 0 <= v < 1,
}


def checked_number(value: Any, what: str, owner: str, rule: str = "a number >= 0") -> float:
    """``value`` as a float if it is a finite real number (a numpy scalar too) that meets
    ``rule``, one of ``_RULES``' keys; else a TypeError (not a number: a string, None, a list,
    an array, a bool: True is no learning rate) or a ValueError (nan, inf, out of range), each
    naming ``owner``, ``what`` and the value. Checked when the setting is given, not at the
    first step, where numpy would fail inside, or worse compute on."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {what} must be {rule}, got {value!r} ({type(value).__name__})")
    if not (math.isfinite(value) and _RULES[rule](value)):
        raise ValueError(f"{owner}: {what} must be {rule}, got {value!r}")
    return float(value)


def he_normal(shape: tuple[int, ...], fan_in: int, rng: Any, owner: str) -> np.ndarray:
    """He initialisation: standard normal draws times sqrt(2 / fan_in). The draws come from
    ``rng`` (a numpy Generator, or a seed for one) or, when it is None, from numpy's global
    random state (``np.random.seed(0)`` then makes a script reproducible, as in the seed)."""
    if rng is None:
        normal = np.random.randn(*shape)
    else:
        if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
            rng = np.random.default_rng(rng)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"{owner}: rng must be a numpy Generator or a seed (e.g. rng=np.random.default_rng(0) "
                            f"or rng=0), got {type(rng).__name__}")
        normal = rng.standard_normal(shape)
    return normal * np.sqrt(2.0 / fan_in)


class Parameter(Tensor):
    """A Tensor that requires grad: a weight a layer learns. Its data is a copy, float32 when
    given float32 values and float64 otherwise (as PyTorch's default is float32, ours is float64).
    """

    __slots__ = ()

    def __init__(self, data: Any, name: str | None = None) -> None:
        arr = np.asarray(data)
        dtype = np.float32 if arr.dtype == np.float32 else np.float64
        super().__init__(arr.astype(dtype), requires_grad=True, name=name)


def as_input(x: Any) -> Tensor:
    """A layer's input as a Tensor: numpy arrays, lists and numbers are accepted (not copied
    when already a float array)."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"layer input must be numeric, got dtype {arr.dtype}")
    return as_tensor(arr if arr.dtype.kind == "f" else arr.astype(np.float64))


class HookHandle:
    """Returned by ``register_forward_hook``: ``remove()`` unregisters the hook."""

    _keys = itertools.count()

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.hooks = hooks
        self.key = next(HookHandle._keys)

    def remove(self) -> None:
        self.hooks.pop(self.key, None)


class Module:
    """Base of layers and networks: parameters, gradients, modes and state dictionaries.

    Subclasses set Parameters and sub-Modules (or lists of them) as attributes and define
    ``forward``; calling the module calls ``forward``.
    """

    training: bool

    def __init__(self) -> None:
        self.training = True

    def forward(self, *args: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any) -> Tensor:
        hooks = self.__dict__.get("_hooks")
        if not hooks:
            return self.forward(*args)
        for pre, hook in list(hooks.values()):
            if pre:
                hook(self, args)
        out = self.forward(*args)
        for pre, hook in list(hooks.values()):
            if not pre:
                result = hook(self, args, out)
                if result is not None:
                    out = result
        return out

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple], None]) -> HookHandle:
        """Call ``hook(module, args)`` before every forward (PyTorch's name); returns a handle
        whose ``remove()`` unregisters it."""
        return self._add_hook(True, hook)

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], Any]) -> HookHandle:
        """Call ``hook(module, args, output)`` after every forward; a value it returns replaces
        the output (PyTorch's rule). Returns a handle whose ``remove()`` unregisters it."""
        return self._add_hook(False, hook)

    def _add_hook(self, pre: bool, hook: Callable[..., Any]) -> HookHandle:
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__.setdefault("_hooks", {})
        handle = HookHandle(hooks)
        hooks[handle.key] = (pre, hook)
        return handle

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs in definition order: ``weight``, ``layers.0.weight``..."""
        for attr, value in vars(self).items():
            name = f"{prefix}{attr}"
            if isinstance(value, Parameter):
                yield name, value
            elif isinstance(value, Module):
                yield from value.named_parameters(name + ".")
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield from item.named_parameters(f"{name}.{i}.")

    def parameters(self) -> list[Parameter]:
        """Each Parameter once, in definition order, as PyTorch's ``parameters()``: a layer added
        twice, or a weight tied between two layers, is one Parameter, and an optimizer given it
        twice would step it twice. (``named_parameters()`` and ``state_dict()`` keep every name.)"""
        return list({id(p): p for _, p in self.named_parameters()}.values())

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Training mode (PyTorch's ``train()``); no layer here behaves differently in eval mode."""
        self.training = bool(mode)
        for value in vars(self).values():
            children = value if isinstance(value, (list, tuple)) else [value]
            for child in children:
                if isinstance(child, Module):
                    Module.train(child, mode)
        return self

    def eval(self) -> Module:
        return Module.train(self, False)

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def astype(self, dtype: Any) -> Module:
        """Convert every parameter to ``dtype`` (float64 or float32), in place; gradients are
        dropped. Returns the module. ``float()`` and ``double()`` are PyTorch's names."""
        dt = float_dtype(dtype, f"{type(self).__name__}.astype()")
        for p in self.parameters():
            if p.dtype != dt:
                p.data = p.data.astype(dt)
            p.grad = None
        return self

    def float(self) -> Module:
        """Every parameter as float32 (PyTorch's ``module.float()``)."""
        return self.astype(np.float32)

    def double(self) -> Module:
        """Every parameter as float64 (PyTorch's ``module.double()``)."""
        return self.astype(np.float64)

    @property
    def dtype(self) -> np.dtype:
        """The parameters' dtype (float64 for a module without any); mixed dtypes are refused."""
        dtypes = {p.dtype for p in self.parameters()}
        if len(dtypes) > 1:
            raise TypeError(f"{type(self).__name__}: parameters of several dtypes {sorted(map(str, dtypes))}; "
                            "convert them all with .astype(np.float32) or .astype(np.float64)")
        return dtypes.pop() if dtypes else np.dtype(np.float64)

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """The shape of one sample this layer takes, when the layer alone fixes it (``Dense``:
        ``(input_size,)``); None otherwise. ``NeuralNetwork.summary()`` starts from the first
        layer's, when no input shape is given."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def config(self) -> dict[str, Any] | None:
        """The constructor's arguments, as numbers, strings and lists: what rebuilds this layer
        from a saved file (``NeuralNetwork.from_file``). None: the layer cannot be rebuilt so."""
        return None

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, by name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy values into the parameters. Every name and shape is checked before anything is
        changed, so a mismatch leaves the module as it was."""
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing {missing}, unexpected {unexpected}")
        new = {}
        for name, p in params.items():
            if name not in state:
                continue
            value = np.asarray(state[name], dtype=p.dtype)  # the parameter keeps its dtype, as in PyTorch
            if value.shape != p.shape:
                raise ValueError(
                    f"load_state_dict: {name} has shape {value.shape} in the state, {p.shape} in the model"
                )
            new[name] = value
        for name, value in new.items():
            params[name].data = value.copy()
            params[name].grad = None
