"""The case table of the PyTorch sweep (``test_torch_sweep.py``): every public op and composite
beside its PyTorch twin.

A :class:`Case` pairs our call with torch's, gives each argument an input domain (random values
kept off the points where the op has no derivative: 0 for abs, ties for max, the bounds of clip)
and lists the tuples of input shapes it runs on: every one of the sweep's seven shapes for an
elementwise op, every pair of them that broadcasts for a binary one, the shapes where an axis or
an index makes sense for the rest. Arguments that are not differentiated (a mask, class indices,
a constant operand) come from ``consts`` and reach both sides as keyword arguments: numpy arrays
for ours, torch tensors for theirs. Ops without a derivative (comparisons, argmax...) are cases
with ``differentiable=False``: their values are compared (bool and integer results exactly), and
their result must not require grad although every input does.

Each disagreement with PyTorch found so far is a :class:`Known` entry on its case: the matching
checks are strict xfails, so they stay tracked and turn the run red (XPASS) once the engine is
fixed; then the entry goes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as TF

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite import functional as F

Shape = tuple[int, ...]
Domain = Callable[[np.random.Generator, Shape], np.ndarray]

# The shapes: a scalar, vectors, matrices and 3-d tensors that broadcast with them.
SHAPES: list[Shape] = [(), (1,), (3,), (2, 3), (1, 3), (4, 1, 3), (2, 3, 4)]


def broadcasts(*shapes: Shape) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


PAIRS: list[tuple[Shape, Shape]] = [p for p in itertools.product(SHAPES, SHAPES) if broadcasts(*p)]
SAME: list[tuple[Shape, Shape]] = [(s, s) for s in SHAPES]

# The checks run for each (case, shapes): float64 against torch, then the float32 dtype rules.
VALUE, GRAD, HVP = "value", "grad", "hvp"
F32_VALUE, F32_BACKWARD, F32_CREATE_GRAPH, F32_RETAIN_GRAD, F32_GRAD = (
    "f32_value", "f32_backward", "f32_create_graph", "f32_retain_grad", "f32_grad")
F32 = (F32_VALUE, F32_BACKWARD, F32_CREATE_GRAPH, F32_RETAIN_GRAD, F32_GRAD)
CHECKS = (VALUE, GRAD, HVP, *F32)


# ------------------------------------------------------------------------------ domains

def uniform(lo: float = -2.0, hi: float = 2.0) -> Domain:
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def away(point: float = 0.0, gap: float = 0.2, spread: float = 1.8) -> Domain:
    """Values within ``gap + spread`` of ``point`` but at least ``gap`` from it (a kink, a pole)."""
    def draw(rng: np.random.Generator, shape: Shape) -> np.ndarray:
        return point + rng.choice([-1.0, 1.0], shape) * (gap + rng.uniform(0, spread, shape))
    return draw


def outside(*points: float, gap: float = 0.1, lo: float = -2.0, hi: float = 2.0) -> Domain:
    """Uniform in [lo, hi], values within ``gap`` of any of ``points`` moved away from it."""
    def draw(rng: np.random.Generator, shape: Shape) -> np.ndarray:
        x = rng.uniform(lo, hi, shape)
        for p in points:
            near = np.abs(x - p) < gap
            x = np.where(near, p + np.where(x >= p, 2, -2) * gap, x)
        return x
    return draw


def no_ties(offset: float = 0.0) -> Domain:
    """Distinct values on a grid 0.2 apart (+ jitter < 0.05), in random order: no ties for
    max/min. ``offset=0.1`` interleaves with ``offset=0``: no ties between the two either."""
    def draw(rng: np.random.Generator, shape: Shape) -> np.ndarray:
        n = int(np.prod(shape))
        grid = rng.permutation(n) * 0.2 - 1.0 + offset + rng.uniform(0, 0.05, n)
        return grid.reshape(shape)
    return draw


# ------------------------------------------------------------------------------ the Case


@dataclass(frozen=True)
class Known:
    """A disagreement with PyTorch: ``checks`` fail (for the shapes ``when`` accepts)."""

    checks: tuple[str, ...]
    reason: str
    when: Callable[[tuple[Shape, ...]], bool] | None = None

    def matches(self, check: str, shapes: tuple[Shape, ...]) -> bool:
        return check in self.checks and (self.when is None or self.when(shapes))


@dataclass(frozen=True)
class Case:
    """One op or composite: ours(*tensors, **consts) beside theirs(*torch_tensors, **consts)."""

    name: str
    ours: Callable[..., Any]
    theirs: Callable[..., Any]
    shapes: Sequence[tuple[Shape, ...]]
    domains: Sequence[Domain]
    consts: Callable[[np.random.Generator, tuple[Shape, ...]], dict[str, Any]] | None = None
    known: Sequence[Known] = ()
    smoke: bool = False  # also checked, on its first shapes, by the default (not slow) run
    differentiable: bool = True  # False: values only (and the result must never require grad)
    f32: bool = True  # False: the case converts dtypes itself, so float32 in is not float32 out

    def reason(self, check: str, shapes: tuple[Shape, ...]) -> str | None:
        """The xfail reason of this check on these shapes, or None when it should pass."""
        for k in self.known:
            if k.matches(check, shapes):
                return k.reason
        return None


def late(module: Any, name: str) -> Callable[..., Any]:
    """``module.name``, looked up at each call from this file: the coverage test sees the call."""
    return lambda *args, **kwargs: getattr(module, name)(*args, **kwargs)


def unary(name: str, ours: Callable, theirs: Callable, domain: Domain | None = None,
          shapes: Sequence[Shape] = SHAPES, **kw: Any) -> Case:
    return Case(name, ours, theirs, [(s,) for s in shapes], [domain or uniform()], **kw)


def binary(name: str, ours: Callable, theirs: Callable, domains: Sequence[Domain] | None = None,
           pairs: Sequence[tuple[Shape, ...]] = PAIRS, **kw: Any) -> Case:
    return Case(name, ours, theirs, list(pairs), list(domains or [uniform(), uniform()]), **kw)


def constant(shape_of: Callable[[tuple[Shape, ...]], Shape], domain: Domain | None = None,
             name: str = "c") -> Callable:
    """A ``consts`` function giving one random float array ``name`` of shape ``shape_of(shapes)``."""
    draw = domain or uniform()
    return lambda rng, shapes: {name: draw(rng, shape_of(shapes))}


def ndim_at_least(n: int) -> list[Shape]:
    return [s for s in SHAPES if len(s) >= n]


def _first(shapes: tuple[Shape, ...]) -> Shape:
    return shapes[0]


def _broadcast(shapes: tuple[Shape, ...]) -> Shape:
    return np.broadcast_shapes(*shapes)


# ------------------------------------------------------------------------------ known disagreements
# Each is a strict xfail on the cases it affects ("issue 10: ..."): fix the engine, see XPASS, drop it.


def known(*checks: str, reason: str, when: Callable[[tuple[Shape, ...]], bool] | None = None) -> Known:
    return Known(tuple(checks), "issue 10: " + reason, when)


# None are left: the list (and three found by this sweep) were fixed in the engine.


# ------------------------------------------------------------------------------ the table

CASES: list[Case] = []


def add(*cases: Case) -> None:
    CASES.extend(cases)


# --- arithmetic: operators, reflected operators, numbers and numpy operands
add(
    binary("x+y", lambda x, y: x + y, lambda x, y: x + y, smoke=True),
    binary("x-y", lambda x, y: x - y, lambda x, y: x - y),
    binary("x*y", lambda x, y: x * y, lambda x, y: x * y, smoke=True),
    binary("x/y", lambda x, y: x / y, lambda x, y: x / y, [uniform(), away(gap=0.5)]),
    binary("x**y", lambda x, y: x ** y, lambda x, y: x ** y, [uniform(0.3, 2.0), uniform()], smoke=True),
    binary("al.pow(x,y)", late(al, "pow"), torch.pow, [uniform(0.3, 2.0), uniform()]),
    binary("x.pow(y)", lambda x, y: x.pow(y), lambda x, y: x.pow(y), [uniform(0.3, 2.0), uniform()]),
    unary("x+2.5", lambda x: x + 2.5, lambda x: x + 2.5),
    unary("2.5+x", lambda x: 2.5 + x, lambda x: 2.5 + x),
    unary("2.5-x", lambda x: 2.5 - x, lambda x: 2.5 - x),
    unary("x-2.5", lambda x: x - 2.5, lambda x: x - 2.5),
    unary("2.5*x", lambda x: 2.5 * x, lambda x: 2.5 * x),
    unary("x/2.5", lambda x: x / 2.5, lambda x: x / 2.5),
    unary("2.5/x", lambda x: 2.5 / x, lambda x: 2.5 / x, away(gap=0.5)),
    unary("-x", lambda x: -x, lambda x: -x),
    unary("+x", lambda x: +x, lambda x: +x),
    unary("x*x.detach()", lambda x: x * x.detach(), lambda x: x * x.detach()),
)
# The same ops by name: al.add(x, y) and x.add(y) (torch.add, Tensor.add...).
for _name, _theirs, _domains in [("add", torch.add, None), ("sub", torch.sub, None), ("mul", torch.mul, None),
                                 ("div", torch.div, [uniform(), away(gap=0.5)])]:
    add(
        binary(f"al.{_name}(x,y)", late(al, _name), _theirs, _domains),
        binary(f"x.{_name}(y)", lambda x, y, n=_name: getattr(x, n)(y), _theirs, _domains),
        unary(f"x.{_name}(2.5)", lambda x, n=_name: getattr(x, n)(2.5), lambda x, f=_theirs: f(x, 2.5)),
    )
add(
    unary("al.neg(x)", late(al, "neg"), torch.neg),
    unary("x.neg()", lambda x: x.neg(), torch.neg),
)
# A number first: kept as a Python number, so a float32 x stays float32 (as 2.5 + x, torch.add(2.5, x)).
add(
    unary("al.add(2.5,x)", lambda x: al.add(2.5, x), lambda x: torch.add(2.5, x)),
    unary("al.sub(2.5,x)", lambda x: al.sub(2.5, x), lambda x: 2.5 - x),
    unary("al.mul(2.5,x)", lambda x: al.mul(2.5, x), lambda x: torch.mul(2.5, x)),
    unary("al.div(2.5,x)", lambda x: al.div(2.5, x), lambda x: 2.5 / x, away(gap=0.5)),
    unary("al.pow(2.0,x)", lambda x: al.pow(2.0, x), lambda x: torch.pow(2.0, x)),
)
# A numpy array on the left of an operator: numpy defers to the Tensor's reflected method.
_C_BCAST = constant(_first)
add(*(
    unary(f"C{op}x", fn, fn, domain, consts=_C_BCAST)
    for op, fn, domain in [
        ("+", lambda x, c: c + x, None), ("-", lambda x, c: c - x, None), ("*", lambda x, c: c * x, None),
        ("/", lambda x, c: c / x, away(gap=0.5)),
    ]
))
add(unary("x*C(broadcast)", lambda x, c: x * c, lambda x, c: x * c,
          consts=lambda rng, shapes: {"c": rng.uniform(-2, 2, (2,) + shapes[0])}))

# --- powers with a number exponent, the reflected power, and a constant array exponent
add(
    unary("x**2", lambda x: x ** 2, lambda x: x ** 2),
    unary("x**3", lambda x: x ** 3, lambda x: x ** 3),
    unary("x**0.5", lambda x: x ** 0.5, lambda x: x ** 0.5, uniform(0.2, 2.0)),
    unary("x**-1", lambda x: x ** -1, lambda x: x ** -1, away(gap=0.4)),
    unary("x**-1.5", lambda x: x ** -1.5, lambda x: x ** -1.5, uniform(0.3, 2.0)),
    unary("x**1", lambda x: x ** 1, lambda x: x ** 1, away(gap=0.2)),
    unary("x**0", lambda x: x ** 0, lambda x: x ** 0, away(gap=0.2)),
    unary("x.pow(3)", lambda x: x.pow(3), lambda x: x.pow(3)),
    unary("al.pow(x,2.5)", lambda x: al.pow(x, 2.5), lambda x: torch.pow(x, 2.5), uniform(0.2, 2.0)),
    unary("2.0**x", lambda x: 2.0 ** x, lambda x: 2.0 ** x, smoke=True),
    unary("C**x", lambda x, c: c ** x, lambda x, c: c ** x, consts=constant(_first, uniform(0.3, 2.0))),
    unary("al.pow(x,P)", lambda x, p: al.pow(x, p), lambda x, p: torch.pow(x, p), uniform(0.3, 2.0),
          consts=lambda rng, shapes: {"p": rng.choice([0.0, 1.0, 2.0, 3.0, -1.0, 0.5], shapes[0])}),
)

# --- elementwise functions: al.f(x), x.f() and, for composites, functional.f(x)
_ELEMENTWISE = [
    ("exp", torch.exp, uniform()),
    ("log", torch.log, uniform(0.2, 3.0)),
    ("log1p", torch.log1p, uniform(-0.6, 2.0)),
    ("sqrt", torch.sqrt, uniform(0.2, 3.0)),
    ("abs", torch.abs, away()),
    ("sin", torch.sin, uniform(-3.0, 3.0)),
    ("cos", torch.cos, uniform(-3.0, 3.0)),
    ("tanh", torch.tanh, uniform()),
    ("sigmoid", torch.sigmoid, uniform(-4.0, 4.0)),
    ("relu", torch.relu, away()),
]
for _name, _theirs, _domain in _ELEMENTWISE:
    _known: list[Known] = []
    add(
        unary(f"al.{_name}", late(al, _name), _theirs, _domain, smoke=_name == "exp", known=_known),
        unary(f"x.{_name}()", lambda x, n=_name: getattr(x, n)(), _theirs, _domain, known=_known),
    )
add(
    unary("al.softplus", late(al, "softplus"), TF.softplus, uniform(-4.0, 4.0)),
    unary("x.softplus()", lambda x: x.softplus(), TF.softplus, uniform(-4.0, 4.0)),
    unary("abs(x)", lambda x: abs(x), torch.abs, away()),  # Tensor.__abs__
    *(unary(f"F.{n}", late(F, n), fn, dom, known=k) for n, fn, dom, k in [
        ("relu", torch.relu, away(), []), ("sigmoid", torch.sigmoid, uniform(-4.0, 4.0), []),
        ("tanh", torch.tanh, uniform(), []), ("softplus", TF.softplus, uniform(-4.0, 4.0), []),
    ]),
)
# far tails: finite values and gradients at +-1000 (relative precision where they underflow slowly)
_TAILS = away(gap=20.0, spread=780.0)
add(
    unary("al.sigmoid(tails)", late(al, "sigmoid"), torch.sigmoid, _TAILS, known=[]),
    unary("al.softplus(tails)", late(al, "softplus"), TF.softplus, _TAILS),
    unary("al.exp(-|big|)", lambda x: al.exp(-x), lambda x: torch.exp(-x), uniform(20.0, 700.0)),
)

# --- logaddexp: ordinary values, the tails, a number operand. The tails stop at |x - y| < 355:
# beyond, PyTorch's second derivative squares 1 + e^(y - x) to inf and gives nan (ours stays
# exact there: test_primitives.test_logaddexp_second_derivative_in_the_tails).
_LAE_TAILS = away(gap=20.0, spread=157.0)
add(
    binary("al.logaddexp(x,y)", late(al, "logaddexp"), torch.logaddexp, smoke=True),
    binary("x.logaddexp(y)", lambda x, y: x.logaddexp(y), lambda x, y: x.logaddexp(y)),
    binary("al.logaddexp(tails)", late(al, "logaddexp"), torch.logaddexp, [_LAE_TAILS, _LAE_TAILS]),
    unary("al.logaddexp(0,x)", lambda x: al.logaddexp(0.0, x),
          lambda x: torch.logaddexp(torch.zeros((), dtype=x.dtype), x), _LAE_TAILS),
)

# --- maximum / minimum (no ties: interleaved grids), with a number operand, clip, threshold
_INTERLEAVED = [no_ties(0.0), no_ties(0.1)]
add(
    binary("al.maximum(x,y)", late(al, "maximum"), torch.maximum, _INTERLEAVED, smoke=True),
    binary("al.minimum(x,y)", late(al, "minimum"), torch.minimum, _INTERLEAVED),
    binary("x.maximum(y)", lambda x, y: x.maximum(y), lambda x, y: x.maximum(y), _INTERLEAVED),
    binary("x.minimum(y)", lambda x, y: x.minimum(y), lambda x, y: x.minimum(y), _INTERLEAVED),
    unary("al.maximum(x,0.3)", lambda x: al.maximum(x, 0.3),
          lambda x: torch.maximum(x, torch.tensor(0.3, dtype=x.dtype)), outside(0.3)),
    unary("al.minimum(C,x)", lambda x, c: al.minimum(c, x), lambda x, c: torch.minimum(c, x), no_ties(0.0),
          consts=constant(_first, no_ties(0.1))),
    unary("x.clip(-0.5,0.5)", lambda x: x.clip(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), outside(-0.5, 0.5)),
    unary("x.clip(min=-0.5)", lambda x: x.clip(min=-0.5), lambda x: x.clamp(min=-0.5), outside(-0.5)),
    unary("x.clip(max=0.5)", lambda x: x.clip(max=0.5), lambda x: x.clamp(max=0.5), outside(0.5)),
    unary("x.clamp(-0.5,0.5)", lambda x: x.clamp(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), outside(-0.5, 0.5)),
    unary("al.clip(x,-0.5,0.5)", lambda x: al.clip(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), outside(-0.5, 0.5)),
    unary("al.clip(x,max=0.5)", lambda x: al.clip(x, max=0.5), lambda x: x.clamp(max=0.5), outside(0.5)),
    unary("al.threshold(x,0.1,-1)", lambda x: al.threshold(x, 0.1, -1.0), lambda x: TF.threshold(x, 0.1, -1.0),
          outside(0.1)),
    unary("al.threshold(x,0.3,0.3)", lambda x: al.threshold(x, 0.3, 0.3), lambda x: TF.threshold(x, 0.3, 0.3),
          outside(0.3)),
    unary("x.threshold(-0.2,0.5)", lambda x: x.threshold(-0.2, 0.5), lambda x: TF.threshold(x, -0.2, 0.5),
          outside(-0.2)),
)

# --- where: a boolean mask (array or bool Tensor), tensor or number branches
_MASK = lambda rng, shapes: {"c": rng.uniform(size=_broadcast(shapes)) > 0.5}  # noqa: E731
add(
    binary("al.where(C,x,y)", lambda x, y, c: al.where(c, x, y), lambda x, y, c: torch.where(c, x, y),
           consts=_MASK, smoke=True),
    binary("al.where(Tensor(C),x,y)", lambda x, y, c: al.where(Tensor(c), x, y),
           lambda x, y, c: torch.where(c, x, y), consts=_MASK),
    unary("al.where(C,x,0.5)", lambda x, c: al.where(c, x, 0.5),
          lambda x, c: torch.where(c, x, torch.tensor(0.5, dtype=x.dtype)), consts=_MASK),
    unary("al.where(x>0,x,x*x)", lambda x: al.where(x > 0, x, x * x), lambda x: torch.where(x > 0, x, x * x), away()),
)

# --- matmul: 1-d, 2-d, batched, broadcast batches, 1-d with n-d, numpy operands
MATMUL_PAIRS: list[tuple[Shape, Shape]] = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((1, 3), (3, 2)),
    ((4, 2, 3), (3, 5)), ((2, 3), (4, 3, 5)), ((4, 2, 3), (4, 3, 5)), ((2, 1, 2, 3), (3, 3, 2)),
    ((1, 2, 3), (4, 3, 2)), ((3,), (4, 3, 5)), ((4, 2, 3), (3,)),
]
add(
    binary("x@y", lambda x, y: x @ y, lambda x, y: x @ y, pairs=MATMUL_PAIRS, smoke=True),
    binary("al.matmul(x,y)", late(al, "matmul"), torch.matmul, pairs=MATMUL_PAIRS),
    unary("C@x", lambda x, c: c @ x, lambda x, c: c @ x, shapes=[(3,), (3, 4), (2, 3, 4)],
          consts=constant(lambda shapes: (2, shapes[0][0] if len(shapes[0]) == 1 else shapes[0][-2]))),
    unary("x@C", lambda x, c: x @ c, lambda x, c: x @ c, shapes=[(3,), (2, 3), (4, 1, 3)],
          consts=constant(lambda shapes: (3, 2))),
    binary("x.matmul(y)", lambda x, y: x.matmul(y), torch.matmul, pairs=MATMUL_PAIRS),
)
# ``obj @ x`` calls x.__rmatmul__(obj) when obj has no @ for Tensors: a list does (a numpy array
# goes through numpy's matmul ufunc instead, as C@x above). A list is float64: no float32 checks.
_LEFT = constant(lambda shapes: (2, shapes[0][0] if len(shapes[0]) == 1 else shapes[0][-2]))
add(
    unary("x.__rmatmul__(C)", lambda x, c: x.__rmatmul__(c), lambda x, c: c @ x, shapes=[(3,), (3, 4), (2, 3, 4)],
          consts=_LEFT),
    unary("list@x", lambda x, c: c.tolist() @ x, lambda x, c: c @ x, shapes=[(3,), (3, 4), (2, 3, 4)],
          consts=_LEFT, f32=False),
    unary("x@list", lambda x, c: x @ c.tolist(), lambda x, c: x @ c, shapes=[(3,), (2, 3), (4, 1, 3)],
          consts=constant(lambda shapes: (3, 2)), f32=False),
)

# --- affine: x @ W + b as one primitive
AFFINE_SHAPES = [(x, (3, 5), (5,)) for x in [(3,), (2, 3), (1, 3), (4, 2, 3)]]
add(
    Case("al.affine(x,W,b)", late(al, "affine"), lambda x, w, b: x @ w + b, AFFINE_SHAPES, [uniform()] * 3, smoke=True),
    Case("al.affine(x,W)", late(al, "affine"), lambda x, w: x @ w, [s[:2] for s in AFFINE_SHAPES], [uniform()] * 2),
)


# --- reductions over every axis form, keepdims or not
def axis_ok(shape: Shape, axis: Any) -> bool:
    """Both numpy and torch accept ``axis`` for ``shape`` (a 0-d tensor takes axis 0 and -1)."""
    if axis is None:
        return True
    axes = (axis,) if isinstance(axis, int) else axis
    n = len(shape)
    bound = max(n, 1)
    if not all(-bound <= a < bound for a in axes):
        return False
    return len({a % bound for a in axes}) == len(axes)


def _torch_dims(x: torch.Tensor, axis: Any) -> Any:
    return tuple(range(x.ndim)) if axis is None else axis


def _torch_reduce(name: str) -> Callable:
    fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "min": torch.amin}[name]
    return lambda x, axis, keepdims: fn(x, dim=_torch_dims(x, axis), keepdim=keepdims)


def _torch_logsumexp(x: torch.Tensor, axis: Any, keepdims: bool) -> torch.Tensor:
    dims = _torch_dims(x, axis)
    return torch.logsumexp(x, dim=dims if dims != () else 0, keepdim=keepdims)


REDUCE_AXES: list[Any] = [None, 0, -1, 1, (0, -1), (-1, 1), (2, 0), (0, 1, 2)]
_REDUCTIONS = [("sum", uniform()), ("mean", uniform()), ("max", no_ties()), ("min", no_ties()),
               ("logsumexp", uniform(-3.0, 3.0))]
for _name, _domain in _REDUCTIONS:
    _theirs_reduce = _torch_logsumexp if _name == "logsumexp" else _torch_reduce(_name)
    for _axis, _keep in itertools.product(REDUCE_AXES, [False, True]):
        add(unary(
            f"al.{_name}(x,axis={_axis},keepdims={_keep})".replace(" ", ""),
            lambda x, n=_name, a=_axis, k=_keep: getattr(al, n)(x, a, k),
            lambda x, f=_theirs_reduce, a=_axis, k=_keep: f(x, a, k),
            _domain, [s for s in SHAPES if axis_ok(s, _axis)],
            smoke=(_name, _axis, _keep) == ("sum", -1, False),
        ))
    # the Tensor methods, positional and with PyTorch's keyword names
    add(
        unary(f"x.{_name}()", lambda x, n=_name: getattr(x, n)(),
              lambda x, f=_theirs_reduce: f(x, None, False), _domain),
        unary(f"x.{_name}(-1)", lambda x, n=_name: getattr(x, n)(-1),
              lambda x, f=_theirs_reduce: f(x, -1, False), _domain),
    )
    if _name != "logsumexp":
        add(unary(f"x.{_name}(dim=(0,-1),keepdim=True)", lambda x, n=_name: getattr(x, n)(dim=(0, -1), keepdim=True),
                  lambda x, f=_theirs_reduce: f(x, (0, -1), True), _domain, ndim_at_least(2)))
add(unary("F.logsumexp(x,axis=-1)", lambda x: F.logsumexp(x, -1), lambda x: torch.logsumexp(x, -1)))
# PyTorch's names for max and min over axes: amax and amin (methods), every axis form
for _name in ["amax", "amin"]:
    _theirs_reduce = _torch_reduce(_name[1:])
    add(
        unary(f"x.{_name}()", lambda x, n=_name: getattr(x, n)(),
              lambda x, f=_theirs_reduce: f(x, None, False), no_ties()),
        *(unary(f"x.{_name}({_axis},{_keep})".replace(" ", ""),
                lambda x, n=_name, a=_axis, k=_keep: getattr(x, n)(a, k),
                lambda x, f=_theirs_reduce, a=_axis, k=_keep: f(x, a, k), no_ties(),
                [s for s in SHAPES if axis_ok(s, _axis)])
          for _axis, _keep in [(0, False), (-1, True), ((0, -1), False), ((2, 0), True)]),
        unary(f"x.{_name}(dim=-1,keepdim=True)", lambda x, n=_name: getattr(x, n)(dim=-1, keepdim=True),
              lambda x, f=_theirs_reduce: f(x, -1, True), no_ties(), ndim_at_least(1)),
    )

# --- softmax and log_softmax along an axis (a 0-d tensor has axis 0 / -1 in torch)
for _name, _theirs in [("softmax", torch.softmax), ("log_softmax", torch.log_softmax)]:
    for _axis in [-1, 0, 1]:
        _shapes = [s for s in SHAPES if axis_ok(s, _axis)]
        add(unary(f"al.{_name}(x,axis={_axis})", lambda x, n=_name, a=_axis: getattr(al, n)(x, a),
                  lambda x, f=_theirs, a=_axis: f(x, a), uniform(-3.0, 3.0), _shapes,
                  smoke=(_name, _axis) == ("softmax", -1)))
    add(
        unary(f"x.{_name}()", lambda x, n=_name: getattr(x, n)(), lambda x, f=_theirs: f(x, -1)),
        unary(f"F.{_name}(x)", late(F, _name), lambda x, f=_theirs: f(x, -1)),
        unary(f"al.{_name}(big)", lambda x, n=_name: getattr(al, n)(x), lambda x, f=_theirs: f(x, -1),
              uniform(-800.0, 800.0)),
    )
add(unary("al.logsumexp(big)", lambda x: al.logsumexp(x, -1), lambda x: torch.logsumexp(x, -1),
          uniform(-800.0, 800.0), ndim_at_least(1)))


# --- shapes: reshape, transposes (every permutation, every sign), broadcast, (un)squeeze
def _reverse(n: int) -> tuple[int, ...]:
    return tuple(range(n))[::-1]


add(
    unary("x.reshape(reversed)", lambda x: x.reshape(x.shape[::-1]), lambda x: x.reshape(tuple(x.shape)[::-1])),
    unary("x.reshape(-1)", lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    unary("x.reshape(1,*shape)", lambda x: x.reshape(1, *x.shape), lambda x: x.reshape(1, *x.shape)),
    unary("al.reshape(x,(size,1))", lambda x: al.reshape(x, (x.size, 1)), lambda x: x.reshape(x.numel(), 1)),
    unary("x.view(-1,1)", lambda x: x.view(-1, 1), lambda x: x.reshape(-1, 1)),
    unary("x.flatten()", lambda x: x.flatten(), lambda x: x.flatten()),
    unary("x.T", lambda x: x.T, lambda x: torch.permute(x, _reverse(x.ndim))),
    unary("x.transpose()", lambda x: x.transpose(), lambda x: torch.permute(x, _reverse(x.ndim))),
    unary("al.transpose(x)", late(al, "transpose"), lambda x: torch.permute(x, _reverse(x.ndim))),
    unary("x.transpose(0,-1)", lambda x: x.transpose(0, -1), lambda x: x.transpose(0, -1), shapes=ndim_at_least(1)),
    unary("x.transpose(-1,0)", lambda x: x.transpose(-1, 0), lambda x: x.transpose(-1, 0), shapes=ndim_at_least(1)),
    unary("x.swapaxes(0,1)", lambda x: x.swapaxes(0, 1), lambda x: x.swapaxes(0, 1), shapes=ndim_at_least(2)),
    unary("x.swapaxes(-1,-2)", lambda x: x.swapaxes(-1, -2), lambda x: x.swapaxes(-1, -2), shapes=ndim_at_least(2)),
    unary("x.transpose((2,0,1))", lambda x: x.transpose((2, 0, 1)), lambda x: x.permute(2, 0, 1),
          shapes=ndim_at_least(3)),
    unary("x.transpose(1,2,0)", lambda x: x.transpose(1, 2, 0), lambda x: x.permute(1, 2, 0), shapes=ndim_at_least(3)),
)
for _n in range(4):
    _shapes = [s for s in SHAPES if len(s) == _n]
    for _perm in itertools.permutations(range(_n)):
        for _signs in itertools.product([False, True], repeat=_n):
            _axes = tuple(a - _n if neg else a for a, neg in zip(_perm, _signs))
            add(
                unary(f"al.transpose(x,{_axes})".replace(" ", ""), lambda x, a=_axes: al.transpose(x, a),
                      lambda x, a=_axes: torch.permute(x, a), shapes=_shapes, smoke=_axes == (1, 0)),
                unary(f"x.permute{_axes}".replace(" ", ""), lambda x, a=_axes: x.permute(*a),
                      lambda x, a=_axes: torch.permute(x, a), shapes=_shapes),
            )
# the al. functions of the shape helpers
add(
    unary("al.permute(x,2,0,1)", lambda x: al.permute(x, 2, 0, 1), lambda x: x.permute(2, 0, 1),
          shapes=[s for s in SHAPES if len(s) == 3]),
    unary("al.permute(x,(-1,0))", lambda x: al.permute(x, (-1, 0)), lambda x: x.permute(-1, 0),
          shapes=[s for s in SHAPES if len(s) == 2]),
    unary("al.permute(x,reversed)", lambda x: al.permute(x, _reverse(x.ndim)), lambda x: x.permute(_reverse(x.ndim))),
    unary("al.swapaxes(x,0,-1)", lambda x: al.swapaxes(x, 0, -1), lambda x: x.swapaxes(0, -1),
          shapes=ndim_at_least(1)),
    unary("al.swapaxes(x,-2,1)", lambda x: al.swapaxes(x, -2, 1), lambda x: x.swapaxes(-2, 1),
          shapes=ndim_at_least(2)),
    unary("al.flatten(x)", late(al, "flatten"), torch.flatten),
)


# --- pad: numpy's widths (an int, one (before, after) pair for every axis, or one per axis);
# torch's F.pad takes pairs from the last axis backwards, written out by hand for each case.
def _each_axis(before: int, after: int) -> Callable:
    return lambda x: (before, after) * x.ndim


_PADS: list[tuple[str, Any, Callable[[Any], tuple[int, ...]], list[Shape]]] = [
    ("1", 1, _each_axis(1, 1), ndim_at_least(1)),
    ("0", 0, _each_axis(0, 0), ndim_at_least(1)),
    ("(1,2)", (1, 2), _each_axis(1, 2), ndim_at_least(1)),
    ("((2,0),)", ((2, 0),), _each_axis(2, 0), ndim_at_least(1)),
    ("[(2,1)]", [(2, 1)], lambda x: (2, 1), [(1,), (3,)]),
    ("((0,1),(2,0))", ((0, 1), (2, 0)), lambda x: (2, 0, 0, 1), [(2, 3), (1, 3)]),
    ("((1,),(2,))", ((1,), (2,)), lambda x: (2, 2, 1, 1), [(2, 3), (1, 3)]),
    ("((1,0),(0,0),(2,1))", ((1, 0), (0, 0), (2, 1)), lambda x: (2, 1, 0, 0, 1, 0), [(4, 1, 3), (2, 3, 4)]),
    ("((0,),(1,),(2,))", ((0,), (1,), (2,)), lambda x: (2, 2, 1, 1, 0, 0), [(4, 1, 3), (2, 3, 4)]),
]
for _label, _width, _torch_pad, _shapes in _PADS:
    add(unary(f"al.pad(x,{_label})", lambda x, w=_width: al.pad(x, w), lambda x, p=_torch_pad: TF.pad(x, p(x)),
              shapes=_shapes, smoke=_label == "(1,2)"))
# followed by a nonlinear op, so that the gradient depends on x and the VJP's own VJP runs
add(unary("al.pad(x,(1,2)).sin()", lambda x: al.pad(x, (1, 2)).sin(), lambda x: TF.pad(x, (1, 2) * x.ndim).sin(),
          shapes=ndim_at_least(1)))


def _targets(shape: Shape) -> list[Shape]:
    """Shapes that ``shape`` broadcasts to (bigger ones only)."""
    return [t for t in dict.fromkeys(SHAPES + [(2,) + shape]) if t != shape and len(t) >= len(shape)
            and broadcasts(shape, t) and np.broadcast_shapes(shape, t) == t]


for _shape in SHAPES:
    for _target in _targets(_shape):
        add(unary(f"al.broadcast_to(x{_shape},{_target})".replace(" ", ""), lambda x, t=_target: al.broadcast_to(x, t),
                  lambda x, t=_target: torch.broadcast_to(x, t), shapes=[_shape]))
add(
    unary("x.broadcast_to(2,*shape)", lambda x: x.broadcast_to(2, *x.shape), lambda x: x.expand(2, *x.shape)),
    unary("x.expand((3,2,*shape))", lambda x: x.expand((3, 2, *x.shape)), lambda x: x.expand(3, 2, *x.shape)),
)
for _axis in [0, -1, 1, "ndim", "-ndim-1"]:
    def _resolve(x: Any, a: Any = _axis) -> int:
        return {"ndim": x.ndim, "-ndim-1": -x.ndim - 1}.get(a, a)
    _ok = [s for s in SHAPES if -len(s) - 1 <= (_axis if isinstance(_axis, int) else 0) <= len(s)]
    add(unary(f"al.expand_dims(x,{_axis})", lambda x, r=_resolve: al.expand_dims(x, r(x)),
              lambda x, r=_resolve: x.unsqueeze(r(x)), shapes=_ok))
add(
    unary("x.expand_dims(0)", lambda x: x.expand_dims(0), lambda x: x.unsqueeze(0)),
    unary("x.unsqueeze(-1)", lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1)),
    unary("al.squeeze(x)", late(al, "squeeze"), torch.squeeze, shapes=SHAPES + [(1, 1), (2, 1, 1, 3)]),
    unary("x.squeeze()", lambda x: x.squeeze(), lambda x: x.squeeze(), shapes=[(1,), (1, 3), (4, 1, 3)]),
    unary("x.squeeze(0)", lambda x: x.squeeze(0), lambda x: x.squeeze(0), shapes=[(1,), (1, 3)]),
    unary("x.squeeze(-2)", lambda x: x.squeeze(-2), lambda x: x.squeeze(-2), shapes=[(4, 1, 3)]),
    unary("al.squeeze(x,1)", lambda x: al.squeeze(x, 1), lambda x: x.squeeze(1), shapes=[(4, 1, 3)]),
    unary("al.squeeze(x,(0,-1))", lambda x: al.squeeze(x, (0, -1)), lambda x: x.squeeze((0, -1)),
          shapes=[(1, 1), (1, 2, 1)]),
)


# --- copies and dtype conversions (torch's .to): the gradient comes back in the input's dtype.
# Down to float32 and back up, so that both directions run in float64 and in float32; the
# float64 gradient through float32 is V rounded to float32, as torch's.
add(
    unary("x.clone()", lambda x: x.clone(), lambda x: x.clone()),
    unary("al.clone(x)", late(al, "clone"), torch.clone),
    unary("x.astype(float32)", lambda x: x.astype(np.float32), lambda x: x.to(torch.float32)),
    unary("x.astype('float32')", lambda x: x.astype("float32"), lambda x: x.to(torch.float32)),
    unary("x.to(float32)", lambda x: x.to(np.float32), lambda x: x.to(torch.float32)),
    unary("x.float()", lambda x: x.float(), lambda x: x.float()),
    unary("x.astype(float64).astype(float32)", lambda x: x.astype(np.float64).astype(np.float32),
          lambda x: x.to(torch.float64).to(torch.float32)),
    unary("x.double().float()", lambda x: x.double().float(), lambda x: x.double().float()),
    unary("x.to(float64).sin().to(float32)", lambda x: x.to(np.float64).sin().to(np.float32),
          lambda x: x.to(torch.float64).sin().to(torch.float32)),
    unary("x.float().double()", lambda x: x.float().double(), lambda x: x.float().double(), f32=False),
    unary("x.float().astype(float64)", lambda x: x.float().astype(np.float64),
          lambda x: x.float().to(torch.float64), f32=False),
    binary("x.float()*y", lambda x, y: x.float() * y, lambda x, y: x.float() * y, f32=False, known=[
        known(VALUE, reason="a float32 tensor times a 0-d float64 tensor is float64 here (numpy's promotion: "
              "a 0-d tensor is a numpy float64 scalar); torch treats 0-d tensors as scalars: float32",
              when=lambda shapes: shapes[1] == () and shapes[0] != ()),
        known(GRAD, HVP, reason="the gradient reaching a float32 intermediate from a float64 consumer stays "
              "float64 (x.float() * y gives x the gradient V * y unrounded); torch rounds it to the "
              "intermediate's float32 first (differences ~3e-8 relative)"),
    ]),
    unary("x.astype(int64)", lambda x: x.astype(np.int64), lambda x: x.to(torch.int64), uniform(-3.0, 3.0),
          differentiable=False),
    unary("x.to(bool)", lambda x: x.to(bool), lambda x: x.to(torch.bool), differentiable=False),
)


# --- indexing: basic, advanced (repeats), boolean masks, Tensor indices, iteration
def _ix(arr: Any) -> Callable:
    """An index array as a numpy array for ours and a torch tensor for theirs (same function)."""
    return lambda x: arr if isinstance(x, Tensor) else torch.as_tensor(np.asarray(arr))


_INDEXES: list[tuple[str, Callable[[Any], Any], Callable[[Shape], bool]]] = [
    ("[()]", lambda x: (), lambda s: True),
    ("[...]", lambda x: ..., lambda s: True),
    ("[None]", lambda x: None, lambda s: True),
    ("[None,...,None]", lambda x: (None, ..., None), lambda s: True),
    ("[0]", lambda x: 0, lambda s: len(s) >= 1),
    ("[-1]", lambda x: -1, lambda s: len(s) >= 1),
    ("[1:]", lambda x: slice(1, None), lambda s: len(s) >= 1),
    ("[::2]", lambda x: slice(None, None, 2), lambda s: len(s) >= 1),
    ("[...,0]", lambda x: (..., 0), lambda s: len(s) >= 1),
    ("[...,None,1:3]", lambda x: (..., None, slice(1, 3)), lambda s: len(s) >= 1),
    ("[:,1:]", lambda x: (slice(None), slice(1, None)), lambda s: len(s) >= 2),
    ("[0,...,-1]", lambda x: (0, ..., -1), lambda s: len(s) >= 2),
    ("[-1,None,:2]", lambda x: (-1, None, slice(None, 2)), lambda s: len(s) >= 2),
    ("[[0,0,-1]]", lambda x: _ix([0, 0, -1])(x), lambda s: len(s) >= 1),
    ("[[[0,-1],[0,0]]]", lambda x: _ix([[0, -1], [0, 0]])(x), lambda s: len(s) >= 1),
    ("[:,[2,0,2,2]]", lambda x: (slice(None), _ix([2, 0, 2, 2])(x)), lambda s: len(s) >= 2 and s[1] >= 3),
    ("[[0,0],[1,1]]", lambda x: (_ix([0, 0])(x), _ix([1, 1])(x)), lambda s: len(s) >= 2 and s[1] >= 2),
    ("[..., [1,0,1]]", lambda x: (..., _ix([1, 0, 1])(x)), lambda s: len(s) >= 1 and s[-1] >= 2),
    ("[[0,-1],1:]", lambda x: (_ix([0, -1])(x), slice(1, None)), lambda s: len(s) >= 2),
]
for _label, _index, _applies in _INDEXES:
    add(unary(f"x{_label}", lambda x, i=_index: x[i(x)], lambda x, i=_index: x[i(x)],
              shapes=[s for s in SHAPES if _applies(s)], smoke=_label == "[[0,0,-1]]"))
    if _label in ("[...]", "[0]", "[...,None,1:3]", "[[0,0,-1]]", "[:,[2,0,2,2]]"):  # t.getitem(index): the same op
        add(unary(f"x.getitem({_label[1:-1]})", lambda x, i=_index: x.getitem(i(x)), lambda x, i=_index: x[i(x)],
                  shapes=[s for s in SHAPES if _applies(s)]))
add(
    unary("x[::-1]", lambda x: x[::-1], lambda x: torch.flip(x, (0,)), shapes=ndim_at_least(1)),
    unary("x[mask]", lambda x, m: x[m], lambda x, m: x[m], shapes=ndim_at_least(1),
          consts=lambda rng, shapes: {"m": rng.uniform(size=shapes[0]) > 0.4}),
    unary("x[row_mask]", lambda x, m: x[m], lambda x, m: x[m], shapes=ndim_at_least(1),
          consts=lambda rng, shapes: {"m": np.arange(shapes[0][0]) % 2 == 0}),
    unary("x[Tensor(idx)]", lambda x, i: x[Tensor(i)], lambda x, i: x[i], shapes=ndim_at_least(1),
          consts=lambda rng, shapes: {"i": rng.integers(0, shapes[0][0], 5)}),
    unary("x[Tensor(mask)]", lambda x, m: x[Tensor(m)], lambda x, m: x[m], shapes=ndim_at_least(1),
          consts=lambda rng, shapes: {"m": rng.uniform(size=shapes[0]) > 0.4}),
    # indexing followed by a nonlinear op: the gradient (a scatter-add of g) depends on x, so the
    # Hessian-vector product runs the scatter-add's own VJP (indexing again)
    unary("x[[0,0,-1]].sin()", lambda x: x[_ix([0, 0, -1])(x)].sin(), lambda x: x[_ix([0, 0, -1])(x)].sin(),
          shapes=ndim_at_least(1)),
    unary("x[:,1:]**2", lambda x: x[:, 1:] ** 2, lambda x: x[:, 1:] ** 2, shapes=ndim_at_least(2)),
    unary("x[mask].exp()", lambda x, m: x[m].exp(), lambda x, m: x[m].exp(), shapes=ndim_at_least(1),
          consts=lambda rng, shapes: {"m": rng.uniform(size=shapes[0]) > 0.4}),
    unary("al.stack(list(x))", lambda x: al.stack(list(x)), lambda x: torch.stack(list(x)),
          shapes=ndim_at_least(1)),
)


# --- concatenate and stack
def _grown(shape: Shape, axis: int, n: int) -> Shape:
    s = list(shape)
    s[axis] = n
    return tuple(s)


for _axis in [0, -1, 1]:
    _triples = [(s, _grown(s, _axis, 1), _grown(s, _axis, 2)) for s in SHAPES if axis_ok(s, _axis) and s]
    add(Case(f"al.concatenate([x,y,z],{_axis})", lambda x, y, z, a=_axis: al.concatenate([x, y, z], a),
             lambda x, y, z, a=_axis: torch.cat([x, y, z], a), _triples, [uniform()] * 3,
             smoke=_axis == -1))
    _pairs = [(s, s) for s in SHAPES if -len(s) - 1 <= _axis <= len(s)]
    add(binary(f"al.stack([x,y],{_axis})", lambda x, y, a=_axis: al.stack([x, y], a),
               lambda x, y, a=_axis: torch.stack([x, y], a), pairs=_pairs))
add(
    unary("al.concatenate([x,C])", lambda x, c: al.concatenate([x, c]), lambda x, c: torch.cat([x, c]),
          shapes=ndim_at_least(1), consts=constant(_first)),
    Case("al.stack([x,y,x])", lambda x, y: al.stack([x, y, x], -1), lambda x, y: torch.stack([x, y, x], -1),
         SAME, [uniform()] * 2),
)

# --- in-place changes of a non-leaf (h = x * 1.0), recorded as PyTorch records them: the value,
# and the gradients with respect to x and to the operands (y, or v written at an index). One
# function serves both engines. Only sequences PyTorch can backpropagate through: pow_ saves its
# result, so nothing changes h after it.
def _changed(*steps: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``h = x * 1.0``, then each step changes h in place (given h and the operand)."""
    def run(x: Any, y: Any) -> Any:
        h = x * 1.0
        for step in steps:
            step(h, y)
        return h
    return run


def _iadd(h: Any, y: Any) -> None:
    h += y


def _isub(h: Any, y: Any) -> None:
    h -= y


def _imul(h: Any, y: Any) -> None:
    h *= y


def _itruediv(h: Any, y: Any) -> None:
    h /= y


def _ipow(h: Any, y: Any) -> None:
    h **= y


def _number(step: Callable[[Any, Any], None], c: float) -> Callable[[Any, Any], None]:
    return lambda h, y: step(h, c)


def _method(name: str) -> Callable[[Any, Any], Any]:
    return lambda h, y: getattr(h, name)(y)


# (x, y) with y broadcasting to x's shape: an in-place change cannot change h's shape
INTO: list[tuple[Shape, Shape]] = [(a, b) for a, b in PAIRS if np.broadcast_shapes(a, b) == a]
_BASE = uniform(0.3, 2.0)  # powers of h: a positive base
add(
    binary("h+=y", _changed(_iadd), _changed(_iadd), pairs=INTO, smoke=True),
    binary("h-=y", _changed(_isub), _changed(_isub), pairs=INTO),
    binary("h*=y", _changed(_imul), _changed(_imul), pairs=INTO),
    binary("h/=y", _changed(_itruediv), _changed(_itruediv), [uniform(), away(gap=0.5)], INTO),
    binary("h**=y", _changed(_ipow), _changed(_ipow), [_BASE, uniform()], INTO),
    binary("h.add_(y)", _changed(_method("add_")), _changed(_method("add_")), pairs=INTO),
    binary("h.sub_(y)", _changed(_method("sub_")), _changed(_method("sub_")), pairs=INTO),
    binary("h.mul_(y)", _changed(_method("mul_")), _changed(_method("mul_")), pairs=INTO),
    binary("h.div_(y)", _changed(_method("div_")), _changed(_method("div_")), [uniform(), away(gap=0.5)], INTO),
    binary("h.pow_(y)", _changed(_method("pow_")), _changed(_method("pow_")), [_BASE, uniform()], INTO),
    binary("h*=y;h+=y;h-=2.5;h/=1.5", _changed(_imul, _iadd, _number(_isub, 2.5), _number(_itruediv, 1.5)),
           _changed(_imul, _iadd, _number(_isub, 2.5), _number(_itruediv, 1.5)), pairs=INTO),
    binary("h+=y;h*=-1.5;h**=2", _changed(_iadd, _number(_imul, -1.5), _number(_ipow, 2)),
           _changed(_iadd, _number(_imul, -1.5), _number(_ipow, 2)), pairs=INTO),
    unary("h+=2.5", lambda x: _changed(_number(_iadd, 2.5))(x, None), lambda x: _changed(_number(_iadd, 2.5))(x, None)),
    unary("h.pow_(3)", lambda x: _changed(_number(_method("pow_"), 3))(x, None),
          lambda x: _changed(_number(_method("pow_"), 3))(x, None)),
)


def _written(index: Callable[[Any], Any], fresh: bool = False) -> Callable[[Any, Any], Any]:
    """``h[index] = v`` on ``h = x * 1.0``; ``fresh``: on zeros that do not require grad."""
    def run(x: Any, v: Any) -> Any:
        h = x.detach() * 0.0 if fresh else x * 1.0
        h[index(x)] = v
        return h
    return run


def _const(value: Any) -> Callable[[Any], Any]:
    return lambda x: value


_SETITEMS: list[tuple[str, Callable[[Any], Any], list[tuple[Shape, Shape]]]] = [
    ("[0]", _const(0), [((3,), ()), ((2, 3), (3,)), ((2, 3), (1,)), ((4, 1, 3), (1, 3)), ((2, 3, 4), (4,))]),
    ("[:,1:]", _const((slice(None), slice(1, None))), [((2, 3), (2, 2)), ((2, 3), (2,)), ((2, 3, 4), (2, 4))]),
    ("[...,::2]", _const((..., slice(None, None, 2))), [((3,), (2,)), ((2, 3), (2, 1)), ((2, 3, 4), ())]),
    ("[[0,-1]]", lambda x: _ix([0, -1])(x), [((3,), (2,)), ((3,), ()), ((2, 3), (3,)), ((2, 3, 4), (2, 3, 4))]),
    ("[:,[2,0]]", lambda x: (slice(None), _ix([2, 0])(x)), [((2, 3), (2, 2)), ((2, 3, 4), (4,))]),
    ("[row_mask]", lambda x: _ix(np.arange(x.shape[0]) % 2 == 0)(x),
     [((3,), (2,)), ((2, 3), (3,)), ((4, 1, 3), (2, 1, 3))]),
]
for _label, _index, _pairs in _SETITEMS:
    add(binary(f"h{_label}=v", _written(_index), _written(_index), pairs=_pairs, smoke=_label == "[0]"),
        binary(f"zeros{_label}=v", _written(_index, fresh=True), _written(_index, fresh=True), pairs=_pairs))


def _setitem_method(x: Any, v: Any) -> Any:
    h = x * 1.0
    if isinstance(h, Tensor):
        h.setitem((..., 0), v)  # the method behind h[..., 0] = v
    else:
        h[..., 0] = v
    return h


add(binary("h.setitem((...,0),v)", _setitem_method, _setitem_method,
           pairs=[((3,), ()), ((2, 3), (2,)), ((2, 3, 4), (3,))]))


def _write_where_positive(x: Any) -> Any:
    h = x * 1.0
    h[x > 0] = 0.5  # a mask computed from x, a number written: no gradient where it is written
    return h


def _change_a_row(x: Any, y: Any) -> Any:
    h = x * 1.0
    h[0] += y  # h[0] is read, changed and written back (PyTorch: a view changed in place)
    return h


def _copied(fresh: bool) -> Callable[[Any, Any], Any]:
    def run(x: Any, y: Any) -> Any:
        h = x.detach() * 0.0 if fresh else x * 1.0
        h.copy_(y)  # the gradient goes to y (summed where y broadcasts), none to x
        return h
    return run


def _copy_constant(x: Any, c: Any) -> Any:
    h = x * 1.0
    h.copy_(c)
    return h


add(
    unary("h[x>0]=0.5", _write_where_positive, _write_where_positive, away()),
    binary("h[0]+=y", _change_a_row, _change_a_row, pairs=[((3,), ()), ((2, 3), (3,)), ((2, 3, 4), (1, 4))]),
    binary("h.copy_(y)", _copied(False), _copied(False), pairs=INTO),
    binary("zeros.copy_(y)", _copied(True), _copied(True), pairs=INTO),
    unary("h.copy_(C)", _copy_constant, _copy_constant, consts=constant(_first)),
)


# --- losses: every reduction; targets constant or differentiated
_PROB = uniform(0.05, 0.95)
for _red in ["mean", "sum", "none"]:
    add(
        binary(f"al.mse(x,T,{_red})", lambda x, t, r=_red: al.mse(x, t, reduction=r),
               lambda x, t, r=_red: TF.mse_loss(x, t, reduction=r), pairs=SAME),
        unary(f"al.mse(x,C,{_red})", lambda x, c, r=_red: al.mse(x, c, reduction=r),
              lambda x, c, r=_red: TF.mse_loss(x, c, reduction=r), consts=constant(_first)),
        binary(f"al.bce(p,T,{_red})", lambda p, t, r=_red: al.bce(p, t, reduction=r),
               lambda p, t, r=_red: TF.binary_cross_entropy(p, t, reduction=r), [_PROB, uniform(0, 1)], SAME),
        unary(f"al.bce(p,C,{_red})", lambda p, c, r=_red: al.bce(p, c, reduction=r),
              lambda p, c, r=_red: TF.binary_cross_entropy(p, c, reduction=r), _PROB,
              consts=constant(_first, uniform(0, 1))),
        binary(f"al.bce_with_logits(x,T,{_red})", lambda x, t, r=_red: al.bce_with_logits(x, t, reduction=r),
               lambda x, t, r=_red: TF.binary_cross_entropy_with_logits(x, t, reduction=r),
               [uniform(-4, 4), uniform(0, 1)], SAME),
        unary(f"al.bce_with_logits(x,C,{_red})", lambda x, c, r=_red: al.bce_with_logits(x, c, reduction=r),
              lambda x, c, r=_red: TF.binary_cross_entropy_with_logits(x, c, reduction=r), uniform(-4, 4),
              consts=constant(_first, uniform(0, 1))),
    )
add(
    binary("F.mse", late(F, "mse"), TF.mse_loss, pairs=SAME),
    binary("F.bce", late(F, "bce"), TF.binary_cross_entropy, [_PROB, uniform(0, 1)], SAME),
    binary("F.bce_with_logits", late(F, "bce_with_logits"), TF.binary_cross_entropy_with_logits, pairs=SAME),
    unary("al.bce_with_logits(tails,C)", lambda x, c: al.bce_with_logits(x, c),
          lambda x, c: TF.binary_cross_entropy_with_logits(x, c), _TAILS, consts=constant(_first, uniform(0, 1))),
)


def _classes_to_dim1(x: torch.Tensor) -> torch.Tensor:
    """Ours has classes on the last axis; torch on axis 1 (or 0 for one unbatched row)."""
    return x.movedim(-1, 1) if x.ndim >= 2 else x


def _torch_ce(x: torch.Tensor, t: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    if t.is_floating_point():  # probabilities: the same layout as the logits
        t = _classes_to_dim1(t)
    return TF.cross_entropy(_classes_to_dim1(x), t, reduction=reduction)


_CE_SHAPES = ndim_at_least(1)
_INDICES = lambda rng, shapes: {"i": rng.integers(0, shapes[0][-1], shapes[0][:-1])}  # noqa: E731
for _red in ["mean", "sum", "none"]:
    add(
        unary(f"al.cross_entropy(x,idx,{_red})", lambda x, i, r=_red: al.cross_entropy(x, i, reduction=r),
              lambda x, i, r=_red: _torch_ce(x, i, r), shapes=_CE_SHAPES, consts=_INDICES,
              smoke=_red == "mean"),
        unary(f"al.cross_entropy(x,P,{_red})", lambda x, p, r=_red: al.cross_entropy(x, p, reduction=r),
              lambda x, p, r=_red: _torch_ce(x, p, r), shapes=_CE_SHAPES,
              consts=constant(_first, uniform(0, 1), name="p")),
        binary(f"al.cross_entropy(x,T,{_red})", lambda x, t, r=_red: al.cross_entropy(x, t, reduction=r),
               lambda x, t, r=_red: _torch_ce(x, t, r), [uniform(), uniform(0, 1)], [(s, s) for s in _CE_SHAPES]),
    )
add(
    unary("al.cross_entropy(x,one_hot(idx))", lambda x, i: al.cross_entropy(x, al.one_hot(i, x.shape[-1])),
          lambda x, i: _torch_ce(x, i), shapes=_CE_SHAPES, consts=_INDICES),
    unary("F.cross_entropy(x,F.one_hot(idx))", lambda x, i: F.cross_entropy(x, F.one_hot(i, x.shape[-1])),
          lambda x, i: _torch_ce(x, i), shapes=_CE_SHAPES, consts=_INDICES),
    unary("al.cross_entropy(x,Tensor(idx))", lambda x, i: al.cross_entropy(x, Tensor(i)),
          lambda x, i: _torch_ce(x, i), shapes=_CE_SHAPES, consts=_INDICES),
)


# --- not differentiable: comparisons, logical ops, sign, isfinite / isnan, argmax / argmin.
# Values only, over the same shapes and broadcasting pairs; the results never require grad.
def grid(*values: float) -> Domain:
    """Values drawn from ``values`` only: ties between the operands, and special values."""
    return lambda rng, shape: rng.choice(np.array(values), shape)


_TIED = grid(-1.0, -0.5, -0.0, 0.0, 0.5, 1.0)  # -0.0 == 0.0
_SPECIAL = grid(-np.inf, -1.5, -0.0, 0.0, 0.5, 2.0, np.inf, np.nan)
_NOT_NAN = grid(-np.inf, -1.5, -0.0, 0.0, 0.5, 2.0, np.inf)


def value_only(name: str, ours: Callable, theirs: Callable, domains: Sequence[Domain], **kw: Any) -> Case:
    """A case of an op without a derivative: one shape per input, every pair when there are two."""
    if len(domains) == 1:
        return unary(name, ours, theirs, domains[0], differentiable=False, **kw)
    return binary(name, ours, theirs, domains, differentiable=False, **kw)


_COMPARISONS: list[tuple[str, Callable, Callable]] = [
    ("less", torch.lt, lambda x, y: x < y),
    ("less_equal", torch.le, lambda x, y: x <= y),
    ("greater", torch.gt, lambda x, y: x > y),
    ("greater_equal", torch.ge, lambda x, y: x >= y),
    ("equal", torch.eq, lambda x, y: x == y),
    ("not_equal", torch.ne, lambda x, y: x != y),
]
for _name, _theirs, _operator in _COMPARISONS:
    _symbol = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">=", "equal": "==",
               "not_equal": "!="}[_name]
    add(
        value_only(f"al.{_name}(x,y)", late(al, _name), _theirs, [_TIED, _SPECIAL]),
        value_only(f"x.{_name}(y)", lambda x, y, n=_name: getattr(x, n)(y), _theirs, [_TIED, _TIED]),
        value_only(f"x{_symbol}y", _operator, _operator, [_TIED, _TIED], smoke=_name == "less"),
        value_only(f"x{_symbol}0.5", lambda x, f=_operator: f(x, 0.5), lambda x, f=_operator: f(x, 0.5), [_TIED]),
        value_only(f"0.5{_symbol}x", lambda x, f=_operator: f(0.5, x), lambda x, f=_operator: f(0.5, x), [_TIED]),
    )
for _name in ["logical_and", "logical_or"]:
    add(
        value_only(f"al.{_name}(x,y)", late(al, _name), getattr(torch, _name), [_SPECIAL, _TIED]),
        value_only(f"x.{_name}(y)", lambda x, y, n=_name: getattr(x, n)(y), getattr(torch, _name), [_TIED, _SPECIAL]),
    )
add(
    value_only("(x>0)&(y<0.5)", lambda x, y: (x > 0) & (y < 0.5), lambda x, y: (x > 0) & (y < 0.5), [_TIED, _TIED]),
    value_only("(x>0)|(y<0.5)", lambda x, y: (x > 0) | (y < 0.5), lambda x, y: (x > 0) | (y < 0.5), [_TIED, _TIED]),
    value_only("~(x>0)", lambda x: ~(x > 0), lambda x: ~(x > 0), [_TIED]),
    value_only("al.logical_not(x)", late(al, "logical_not"), torch.logical_not, [_SPECIAL]),
    value_only("x.logical_not()", lambda x: x.logical_not(), torch.logical_not, [_SPECIAL]),
    # sign(nan): numpy's nan here, 0 in torch (a documented difference, pinned in the test file)
    value_only("al.sign(x)", late(al, "sign"), torch.sign, [_NOT_NAN]),
    value_only("x.sign()", lambda x: x.sign(), torch.sign, [_NOT_NAN]),
    value_only("al.isfinite(x)", late(al, "isfinite"), torch.isfinite, [_SPECIAL]),
    value_only("x.isfinite()", lambda x: x.isfinite(), torch.isfinite, [_SPECIAL]),
    value_only("al.isnan(x)", late(al, "isnan"), torch.isnan, [_SPECIAL]),
    value_only("x.isnan()", lambda x: x.isnan(), torch.isnan, [_SPECIAL]),
)
for _name in ["argmax", "argmin"]:
    _theirs = getattr(torch, _name)
    add(
        value_only(f"al.{_name}(x)", late(al, _name), _theirs, [no_ties()]),
        value_only(f"x.{_name}()", lambda x, n=_name: getattr(x, n)(), _theirs, [no_ties()]),
        *(value_only(f"al.{_name}(x,{_axis})", lambda x, n=_name, a=_axis: getattr(al, n)(x, a),
                     lambda x, f=_theirs, a=_axis: f(x, a), [no_ties()],
                     shapes=[s for s in SHAPES if axis_ok(s, _axis)])
          for _axis in [0, -1, 1]),
        value_only(f"x.{_name}(axis=-1)", lambda x, n=_name: getattr(x, n)(axis=-1),
                   lambda x, f=_theirs: f(x, dim=-1), [no_ties()]),
    )

_dupes = sorted({c.name for c in CASES if [d.name for d in CASES].count(c.name) > 1})
assert not _dupes, f"cases share a name: {_dupes}"
