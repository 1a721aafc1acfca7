"""Check gradients against central finite differences, in float64.

>>> al.gradcheck(lambda x, y: (x * y).sin(), (x, y))
True

The numeric Jacobian column for input element k is (f(x + eps e_k) - f(x - eps e_k)) / 2 eps,
accurate to O(eps^2); the analytic one comes from one backward pass per output element.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import grad
from .mode import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by gradcheck / gradgradcheck when analytic and numeric gradients disagree."""


def _prepare(inputs: Any) -> tuple[Tensor, ...]:
    """float64 copies of the inputs; arrays and numbers are checked as if they required grad."""
    items = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
    out = []
    for i, x in enumerate(items):
        if isinstance(x, Tensor):
            if x.dtype.kind == "f":
                out.append(Tensor(x._data.astype(np.float64), requires_grad=x._requires_grad, name=x.name))
            else:
                out.append(x)
            continue
        try:  # (None would become nan, and be reported as a mismatch)
            if x is None:
                raise TypeError
            value = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"gradcheck: input {i} is a {type(x).__name__}; inputs are Tensors, arrays or "
                            "numbers") from None
        out.append(Tensor(value, requires_grad=True))
    return tuple(out)


def _check_settings(fn: Any, eps: Any, atol: Any, rtol: Any) -> None:
    """What gradcheck is given besides the inputs: a function and usable tolerances."""
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be a function of the inputs, got {fn!r}")
    if not (isinstance(eps, (int, float, np.floating)) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"gradcheck: eps must be a positive number (the finite-difference step), got {eps!r}")
    for name, value in (("atol", atol), ("rtol", rtol)):
        if not (isinstance(value, (int, float, np.floating)) and value >= 0):
            raise ValueError(f"gradcheck: {name} must be a number >= 0, got {value!r}")


def _outputs(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> tuple[Tensor, ...]:
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn returned a {type(o).__name__} as output {i}; it must return Tensors")
    return tuple(outs)


def _numeric_jacobians(
    fn: Callable[..., Any], inputs: Sequence[Tensor], wrt: list[int], eps: float
) -> list[list[np.ndarray]]:
    """J[o][j] of shape (output o size, input wrt[j] size), by central differences."""
    with no_grad():
        sizes = [np.size(o._data) for o in _outputs(fn, inputs)]
        jac = [[np.zeros((n, np.size(inputs[i]._data))) for i in wrt] for n in sizes]
        for j, i in enumerate(wrt):
            original = inputs[i]._data
            values = np.array(original, dtype=np.float64, order="C")  # a private copy to nudge, in C order (so
            # that its flat view is itself: a transposed input once left every nudge in a copy)
            flat = values.reshape(-1)
            try:
                for k in range(flat.size):
                    orig = flat[k]
                    flat[k] = orig + eps
                    inputs[i]._data = values[()] if values.ndim == 0 else values
                    plus = [np.array(o._data, dtype=np.float64).reshape(-1) for o in _outputs(fn, inputs)]
                    flat[k] = orig - eps
                    inputs[i]._data = values[()] if values.ndim == 0 else values
                    minus = [np.array(o._data, dtype=np.float64).reshape(-1) for o in _outputs(fn, inputs)]
                    flat[k] = orig
                    for o, (p, m) in enumerate(zip(plus, minus)):
                        jac[o][j][:, k] = (p - m) / (2 * eps)
            finally:
                inputs[i]._data = original
    return jac


def _analytic_jacobians(fn: Callable[..., Any], inputs: Sequence[Tensor], wrt: list[int]) -> list[list[np.ndarray]]:
    """J[o][j] from backward: row r is the gradient of output element r."""
    outs = _outputs(fn, inputs)
    targets = [inputs[i] for i in wrt]
    jac = [[np.zeros((np.size(o._data), np.size(inputs[i]._data))) for i in wrt] for o in outs]
    for o, out in enumerate(outs):
        if not out._requires_grad:  # a constant output: its Jacobian is zero
            continue
        for r in range(np.size(out._data)):
            seed = np.zeros(np.size(out._data))
            seed[r] = 1.0
            grads = grad(out, targets, grad_outputs=seed.reshape(out.shape), retain_graph=True, allow_unused=True)
            for j, g in enumerate(grads):
                if g is None:
                    continue
                if g.shape != targets[j].shape:
                    raise GradcheckError(
                        f"gradcheck: the gradient of input {wrt[j]} has shape {g.shape}, "
                        f"but the input has shape {targets[j].shape}"
                    )
                jac[o][j][r] = np.reshape(g._data, -1)
    return jac


def _input_label(inputs: Sequence[Tensor], i: int) -> str:
    name = inputs[i].name
    return f"input {i}" + (f" ({name!r})" if name else "") + f" of shape {inputs[i].shape}"


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True if backward's gradients of ``fn(*inputs)`` match central differences.

    Args:
        fn: takes the inputs, returns a Tensor or a tuple of Tensors (any shapes).
        inputs: a Tensor or a sequence of Tensors / arrays. Tensors are checked when they
            require grad; arrays and numbers always. Everything is copied to float64.
        eps: the finite-difference step.
        atol, rtol: an entry passes when |analytic - numeric| <= atol + rtol * |numeric|.
        raise_exception: raise :class:`GradcheckError` (default) or return False on a mismatch.

    The error names the output, the input, the element index and both values.
    """
    _check_settings(fn, eps, atol, rtol)
    xs = _prepare(inputs)
    wrt = [i for i, x in enumerate(xs) if x._requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    numeric = _numeric_jacobians(fn, xs, wrt, eps)
    analytic = _analytic_jacobians(fn, xs, wrt)
    for o, (a_rows, n_rows) in enumerate(zip(analytic, numeric)):
        for j, (a, n) in enumerate(zip(a_rows, n_rows)):
            bad = np.abs(a - n) > atol + rtol * np.abs(n)
            bad |= np.isnan(a) | np.isnan(n)  # nan on both sides is no agreement: outside the domain
            if bad.any():
                r, k = np.argwhere(bad)[0]
                i = wrt[j]
                where_in = np.unravel_index(k, xs[i].shape) if xs[i].ndim else ()
                out_shape = _outputs(fn, xs)[o].shape
                where_out = np.unravel_index(r, out_shape) if out_shape else ()
                msg = (
                    f"gradcheck: Jacobian mismatch for output {o} element {tuple(int(v) for v in where_out)} "
                    f"with respect to {_input_label(xs, i)}, element {tuple(int(v) for v in where_in)}: "
                    f"analytic {a[r, k]:.10g}, numeric {n[r, k]:.10g} (atol={atol}, rtol={rtol}); "
                    f"{int(bad.sum())} of {bad.size} entries differ"
                    + ("; a nan: is the input inside the function's domain?" if np.isnan(a[r, k]) or np.isnan(n[r, k])
                       else "")
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """True if the second derivatives of ``fn`` (through ``create_graph=True``) match finite
    differences of its first derivatives.

    Checks the function (x, v) -> v^T J_fn(x), i.e. gradcheck applied to ``grad(fn(x), x,
    grad_outputs=v, create_graph=True)``. ``grad_outputs`` (v) are random (from ``seed``) unless given.
    """
    xs = _prepare(inputs)
    n_in = len(xs)
    outs = _outputs(fn, xs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        vs = tuple(Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs)
    else:
        given = grad_outputs if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
        vs = _prepare(given)
    wrt = [i for i, x in enumerate(xs) if x._requires_grad]

    def first_derivatives(*args: Tensor) -> tuple[Tensor, ...]:
        x_args, v_args = args[:n_in], args[n_in:]
        with enable_grad():  # also when gradcheck evaluates this under no_grad for differences
            return _first(x_args, v_args)

    def _first(x_args: Sequence[Tensor], v_args: Sequence[Tensor]) -> tuple[Tensor, ...]:
        out = _outputs(fn, x_args)
        live = [(o, v) for o, v in zip(out, v_args) if o._requires_grad]
        targets = [x_args[i] for i in wrt]
        if not live:
            return tuple(Tensor(np.zeros(t.shape)) for t in targets)
        gs = grad([o for o, _ in live], targets, grad_outputs=[v for _, v in live],
                  create_graph=True, allow_unused=True)
        return tuple(Tensor(np.zeros(t.shape)) if g is None else g for g, t in zip(gs, targets))

    return gradcheck(first_derivatives, xs + vs, eps, atol, rtol, raise_exception)
