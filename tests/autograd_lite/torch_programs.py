"""Seeded random programs for the PyTorch sweep and the compile sweep: DAGs that reuse their values.

A program starts from a few inputs of broadcasting shapes; each step applies an op to earlier
values picked at random (any of them, not only the last: values are reused, sometimes twice in
one step), and the loss sums every value no step consumed, each against a random weight. The ops
are written once for both engines (``ns`` holds the few functions whose names differ), and keep
their inputs in safe domains by construction: logs and roots of x*x + c, exponents of clamped
values, divisions by 1 + y*y, powers of positive bases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor

try:
    import torch
except ImportError:  # the compile sweep (test_compile_sweep.py) runs the programs on ours alone
    torch = None

AL = SimpleNamespace(where=al.where, cat=al.concatenate, stack=al.stack, amax=lambda x, d, k: x.max(d, k),
                     softplus=al.softplus)
TORCH = None if torch is None else SimpleNamespace(
    where=torch.where, cat=torch.cat, stack=torch.stack, amax=lambda x, d, k: x.amax(d, k),
    softplus=torch.nn.functional.softplus)

INPUT_SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1), (4, 1, 3)]
MAX_SIZE = 48


def _shape(v: Any) -> tuple[int, ...]:
    return tuple(v.shape)


def _bcast(a: Any, b: Any) -> bool:
    try:
        np.broadcast_shapes(_shape(a), _shape(b))
    except ValueError:
        return False
    return True


def _matmul_ok(a: Any, b: Any) -> bool:
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb or sa[-1] != (sb[0] if len(sb) == 1 else sb[-2]):
        return False
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        return False
    return True


def _last_axis_joinable(a: Any, b: Any) -> bool:
    sa, sb = _shape(a), _shape(b)
    return len(sa) >= 1 and len(sa) == len(sb) and sa[:-1] == sb[:-1]


@dataclass(frozen=True)
class Op:
    """``fn(ns, *values)``; ``ok(*values)`` says whether it applies to them."""

    fn: Callable[..., Any]
    arity: int
    ok: Callable[..., bool] = lambda *v: True


def _nd(n: int) -> Callable[..., bool]:
    return lambda a: len(_shape(a)) >= n


OPS: dict[str, Op] = {
    # elementwise, safe everywhere
    "tanh": Op(lambda ns, a: a.tanh(), 1),
    "sin": Op(lambda ns, a: a.sin(), 1),
    "cos": Op(lambda ns, a: a.cos(), 1),
    "sigmoid": Op(lambda ns, a: a.sigmoid(), 1),
    "softplus": Op(lambda ns, a: ns.softplus(a), 1),
    "relu": Op(lambda ns, a: a.relu(), 1),
    "abs": Op(lambda ns, a: a.abs(), 1),
    "neg": Op(lambda ns, a: -a, 1),
    "square": Op(lambda ns, a: a ** 2, 1),
    "cube": Op(lambda ns, a: a ** 3, 1),
    "exp": Op(lambda ns, a: a.clamp(-3.0, 3.0).exp(), 1),
    "log": Op(lambda ns, a: (a * a + 1.0).log(), 1),
    "log1p": Op(lambda ns, a: (a * a).log1p(), 1),
    "sqrt": Op(lambda ns, a: (a * a + 0.5).sqrt(), 1),
    "clip": Op(lambda ns, a: a.clamp(-1.0, 1.0), 1),
    "rpow": Op(lambda ns, a: 1.5 ** a.tanh(), 1),
    # binary, broadcasting
    "add": Op(lambda ns, a, b: a + b, 2, _bcast),
    "sub": Op(lambda ns, a, b: a - b, 2, _bcast),
    "mul": Op(lambda ns, a, b: a * b, 2, _bcast),
    "div": Op(lambda ns, a, b: a / (1.0 + b * b), 2, _bcast),
    "pow": Op(lambda ns, a, b: (a * a + 0.5) ** b.tanh(), 2, _bcast),
    "maximum": Op(lambda ns, a, b: a.maximum(b), 2, _bcast),
    "minimum": Op(lambda ns, a, b: a.minimum(b), 2, _bcast),
    "where": Op(lambda ns, a, b: ns.where(a > b, a * b, a - b), 2, _bcast),
    "matmul": Op(lambda ns, a, b: a @ b, 2, _matmul_ok),
    "cat": Op(lambda ns, a, b: ns.cat([a, b], -1), 2, _last_axis_joinable),
    "stack": Op(lambda ns, a, b: ns.stack([a, b], 0), 2, lambda a, b: _shape(a) == _shape(b)),
    # reductions
    "sum": Op(lambda ns, a: a.sum(dim=-1, keepdim=True), 1, _nd(1)),
    "sum_all": Op(lambda ns, a: a.sum(), 1),
    "mean0": Op(lambda ns, a: a.mean(dim=0), 1, _nd(1)),
    "amax": Op(lambda ns, a: ns.amax(a, -1, True), 1, _nd(1)),
    "logsumexp": Op(lambda ns, a: a.logsumexp(-1), 1, _nd(1)),
    "softmax": Op(lambda ns, a: a.softmax(-1), 1, _nd(1)),
    "log_softmax": Op(lambda ns, a: a.log_softmax(-1), 1, _nd(1)),
    # shapes
    "T": Op(lambda ns, a: a.permute(*range(a.ndim)[::-1]), 1, _nd(2)),
    "reshape": Op(lambda ns, a: a.reshape(tuple(a.shape)[::-1]), 1),
    "flatten": Op(lambda ns, a: a.reshape(-1), 1),
    "unsqueeze": Op(lambda ns, a: a.unsqueeze(0), 1, lambda a: len(_shape(a)) < 4),
    "squeeze": Op(lambda ns, a: a.squeeze(), 1, lambda a: 1 in _shape(a)),
    "slice": Op(lambda ns, a: a[..., :2], 1, _nd(1)),
    "index": Op(lambda ns, a: a[0], 1, _nd(1)),
    "expand": Op(lambda ns, a: a.expand(2, *a.shape), 1, lambda a: len(_shape(a)) < 4),
}
NAMES = sorted(OPS)


@dataclass(frozen=True)
class Program:
    """Inputs, then steps (op name, operand positions); the loss weighs the unused values."""

    inputs: list[np.ndarray]
    steps: list[tuple[str, tuple[int, ...]]]
    sinks: list[int]
    weights: list[np.ndarray]
    directions: list[np.ndarray]


def generate(seed: int, shapes: list[tuple[int, ...]] = INPUT_SHAPES, max_size: int = MAX_SIZE) -> Program:
    """A random program, built by running it (ours, no graph) to know each value's shape; its
    inputs have shapes drawn from ``shapes``, and no value has more than ``max_size`` elements."""
    rng = np.random.default_rng(seed)
    n_inputs = int(rng.integers(2, 5))
    inputs = [rng.uniform(-1.5, 1.5, shapes[rng.integers(len(shapes))]) for _ in range(n_inputs)]
    values: list[Any] = [Tensor(a) for a in inputs]
    steps: list[tuple[str, tuple[int, ...]]] = []
    used: set[int] = set()
    n_steps = int(rng.integers(5, 15))
    while len(steps) < n_steps:
        name = NAMES[int(rng.integers(len(NAMES)))]
        op = OPS[name]
        first = int(rng.integers(len(values)))
        if op.arity == 1:
            operands: tuple[int, ...] = (first,)
        else:
            partners = [j for j in range(len(values)) if op.ok(values[first], values[j])]
            if not partners:
                continue
            operands = (first, partners[int(rng.integers(len(partners)))])  # may be `first` again
        if not op.ok(*(values[i] for i in operands)):
            continue
        with al.no_grad():
            out = op.fn(AL, *(values[i] for i in operands))
        if out.size > max_size or out.ndim > 4:
            continue
        values.append(out)
        steps.append((name, operands))
        used.update(operands)
    sinks = [i for i in range(n_inputs, len(values)) if i not in used]
    weights = [rng.standard_normal(values[i].shape) for i in sinks]
    directions = [rng.standard_normal(a.shape) for a in inputs]
    return Program(inputs, steps, sinks, weights, directions)


def run(program: Program, ns: SimpleNamespace, leaves: list[Any],
        const: Callable[[np.ndarray], Any]) -> tuple[Any, list]:
    """The loss and every value, on leaves of one engine (``const`` makes its constants)."""
    values = list(leaves)
    for name, operands in program.steps:
        values.append(OPS[name].fn(ns, *(values[i] for i in operands)))
    loss = None
    for i, w in zip(program.sinks, program.weights):
        term = (values[i] * const(w)).sum()
        loss = term if loss is None else loss + term
    return loss, values
