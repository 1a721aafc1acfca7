"""Every public op and composite against PyTorch 2.13 (issue 10): value, gradient, Hessian-vector
product in float64 to 1e-9 relative / 1e-10 absolute, and the dtype rules in float32.

The cases (our call, torch's, input domains, shapes) are in ``torch_cases.py``; the random
programs with reuse in ``torch_programs.py``. Each case runs on every one of its input shapes:

* value: ``ours(*x)`` against ``theirs(*x)``, same shape and dtype;
* grad: ``out.backward(V)`` (the gradient of ``(out * V).sum()``) for a random V, every input;
* hvp: ``g = grad(out, x, V, create_graph=True)``, then ``grad((g * U).sum(), x)``, both compared;
* float32: outputs and every kind of gradient (plain backward, ``create_graph``, ``retain_grad()``
  on an intermediate, ``al.grad``) are float32 for float32 inputs, the values close to torch's.

Every gradient must also have its tensor's shape and dtype. A disagreement found is recorded
on its case as a strict xfail ("issue 10: ..."). The bulk is marked slow (CI runs it); a plain
run checks the table's coverage, one shape of a few representative cases and a few programs.
"""

from __future__ import annotations

import functools
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor
from autograd_lite import functional as F

torch = pytest.importorskip("torch")

from ..conftest import run_slow  # noqa: E402
from . import torch_cases as tc  # noqa: E402  (imports torch: after the skip)
from . import torch_programs as tp  # noqa: E402

RTOL, ATOL = 1e-9, 1e-10  # the bar, float64
F32_RTOL, F32_ATOL = 1e-4, 1e-5  # float32 against torch's float32


# ------------------------------------------------------------------------------ inputs


def _to_torch(consts: dict[str, Any]) -> dict[str, Any]:
    """The constants for torch's side: arrays as tensors (a copy), anything else as it is."""
    return {k: torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v for k, v in consts.items()}


@dataclass
class Draw:
    """One (case, shapes) draw: the inputs, the constants, the output cotangent V, the input directions U."""

    arrays: list[np.ndarray]
    consts: dict[str, Any]
    V: np.ndarray
    U: list[np.ndarray]

    def torch_consts(self) -> dict[str, Any]:
        return _to_torch(self.consts)


def draw(case: tc.Case, shapes: tuple, dtype: Any = np.float64) -> Draw:
    """Seeded by the case and shapes only: a failure reproduces alone (``-k``) and in the full run."""
    rng = np.random.default_rng(zlib.crc32(f"{case.name}|{shapes}".encode()))
    arrays = [np.asarray(d(rng, s), dtype=np.float64) for d, s in zip(case.domains, shapes)]
    consts = {k: np.asarray(v) if isinstance(v, np.generic) else v
              for k, v in (case.consts(rng, shapes) if case.consts else {}).items()}
    with torch.no_grad():  # torch's output shape, for V
        out = case.theirs(*map(torch.from_numpy, arrays), **_to_torch(consts))
    out_shape = tuple(out.shape)
    V = rng.standard_normal(out_shape)
    U = [rng.standard_normal(a.shape) for a in arrays]

    def cast(a: Any) -> Any:
        return a.astype(dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a

    return Draw([cast(a) for a in arrays], {k: cast(v) for k, v in consts.items()}, cast(V), [cast(u) for u in U])


# ------------------------------------------------------------------------------ both sides


def _zeros_for_none(gs: Sequence[Any], arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    out = []
    for g, a in zip(gs, arrays):
        if g is None:
            out.append(np.zeros_like(a))
        elif isinstance(g, Tensor):
            out.append(g.data)
        else:
            out.append(g.detach().numpy(force=True))  # force: torch answers some zeros with a ZeroTensor
    return out


def _check_like(gs: Sequence[Any], xs: Sequence[Tensor], what: str) -> None:
    """Every gradient has its tensor's shape and dtype."""
    for i, (g, x) in enumerate(zip(gs, xs)):
        if g is None:
            continue
        assert isinstance(g, Tensor), f"{what}[{i}] is a {type(g).__name__}"
        assert g.shape == x.shape, f"{what}[{i}]: shape {g.shape} for a tensor of shape {x.shape}"
        assert g.dtype == x.dtype, f"{what}[{i}]: dtype {g.dtype} for a tensor of dtype {x.dtype}"


def ours_forward(case: tc.Case, d: Draw) -> tuple[list[Tensor], Tensor]:
    xs = [Tensor(a, requires_grad=True) for a in d.arrays]
    return xs, case.ours(*xs, **d.consts)


def theirs_forward(case: tc.Case, d: Draw) -> tuple[list[Any], Any]:
    ts = [torch.tensor(a, requires_grad=True) for a in d.arrays]
    return ts, case.theirs(*ts, **d.torch_consts())


def ours_hvp(xs: list[Tensor], out: Tensor, V: np.ndarray, U: list[np.ndarray]) -> tuple[tuple, tuple]:
    """(first-order gradients under create_graph, Hessian-vector products); None where unused."""
    gs = al.grad(out, xs, grad_outputs=V, create_graph=True, allow_unused=True)
    terms = [(g * Tensor(u)).sum() for g, u in zip(gs, U) if g is not None and g.requires_grad]
    if not terms:  # the gradient is constant: the Hessian is 0
        return gs, (None,) * len(xs)
    return gs, al.grad(functools.reduce(lambda a, b: a + b, terms), xs, allow_unused=True)


def theirs_hvp(ts: list[Any], out: Any, V: np.ndarray, U: list[np.ndarray]) -> tuple[tuple, tuple]:
    gs = torch.autograd.grad(out, ts, grad_outputs=torch.from_numpy(V), create_graph=True, allow_unused=True)
    terms = [(g * torch.from_numpy(u)).sum() for g, u in zip(gs, U) if g is not None and g.requires_grad]
    if not terms:
        return gs, (None,) * len(ts)
    return gs, torch.autograd.grad(sum(terms), ts, allow_unused=True)


def assert_close(ours: Sequence[np.ndarray], theirs: Sequence[np.ndarray], what: str,
                 rtol: float = RTOL, atol: float = ATOL) -> None:
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, strict=True, err_msg=f"{what}[{i}]")


# ------------------------------------------------------------------------------ parametrization


def _sid(shapes: tuple) -> str:
    return "|".join(str(s).replace(" ", "") for s in shapes)


def _shapes_for(case: tc.Case, check: str) -> list[tuple]:
    """Every shape in float64; float32's dtype rules on the first, a middle and the last shapes."""
    shapes = list(case.shapes)
    if check in tc.F32 and len(shapes) > 3:
        shapes = [shapes[0], shapes[len(shapes) // 2], shapes[-1]]
    return shapes


def params(check: str, slow: bool) -> list[Any]:
    """One pytest param per (case, shapes), a strict xfail where a disagreement is known.

    Without ``slow`` only the smoke cases' first shapes, and one skipped param that says how
    many more there are: collecting the ~13,000 slow params just to skip them would take
    longer than the default run is allowed to.
    """
    out, more = [], 0
    for case in tc.CASES:
        for i, shapes in enumerate(_shapes_for(case, check)):
            smoke = case.smoke and i == 0
            if not (smoke or slow):
                more += 1
                continue
            marks = [] if smoke else [pytest.mark.slow]
            reason = case.reason(check, shapes)
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(case, shapes, id=f"{case.name}-{_sid(shapes)}", marks=marks))
    if more:
        out.append(pytest.param(None, None, id="more", marks=pytest.mark.skip(
            reason=f"{more} more (case, shapes) of the sweep: run with --slow or AUTOGRAD_LITE_SLOW=1 (CI does)")))
    return out


PROGRAM_SEEDS = 300
SMOKE_SEEDS = 4


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the sweep's tests (``@sweep(check)``) and the random programs, slow ones only
    when they will run."""
    slow = run_slow(metafunc.config)
    check = getattr(metafunc.function, "sweep_check", None)
    if check is not None:
        metafunc.parametrize(("case", "shapes"), params(check, slow))
    elif "seed" in metafunc.fixturenames:
        seeds = [pytest.param(s, marks=[] if s < SMOKE_SEEDS else [pytest.mark.slow])
                 for s in range(PROGRAM_SEEDS if slow else SMOKE_SEEDS)]
        if not slow:
            seeds.append(pytest.param(None, id="more", marks=pytest.mark.skip(
                reason=f"{PROGRAM_SEEDS - SMOKE_SEEDS} more programs: run with --slow (CI does)")))
        metafunc.parametrize("seed", seeds)


def sweep(check: str) -> Callable[[Callable], Callable]:
    """Mark a test as one check of the sweep: pytest_generate_tests gives it every (case, shapes)."""
    def mark(fn: Callable) -> Callable:
        fn.sweep_check = check  # type: ignore[attr-defined]
        return fn
    return mark


# ------------------------------------------------------------------------------ float64 against torch


@sweep(tc.VALUE)
def test_value(case, shapes):
    d = draw(case, shapes)
    _, out = ours_forward(case, d)
    with torch.no_grad():
        _, ref = theirs_forward(case, d)
    assert isinstance(out, Tensor)
    assert_close([out.data], [ref.detach().numpy()], "value")


@sweep(tc.GRAD)
def test_grad(case, shapes):
    d = draw(case, shapes)
    xs, out = ours_forward(case, d)
    out.backward(d.V)
    ts, ref = theirs_forward(case, d)
    ref.backward(torch.from_numpy(d.V))
    _check_like([x.grad for x in xs], xs, "grad")
    assert_close(_zeros_for_none([x.grad for x in xs], d.arrays), _zeros_for_none([t.grad for t in ts], d.arrays),
                 "grad")


@sweep(tc.HVP)
def test_hvp(case, shapes):
    d = draw(case, shapes)
    xs, out = ours_forward(case, d)
    gs, hs = ours_hvp(xs, out, d.V, d.U)
    ts, ref = theirs_forward(case, d)
    gt, ht = theirs_hvp(ts, ref, d.V, d.U)
    _check_like(gs, xs, "create_graph grad")
    _check_like(hs, xs, "hvp")
    assert_close(_zeros_for_none(gs, d.arrays), _zeros_for_none(gt, d.arrays), "create_graph grad")
    assert_close(_zeros_for_none(hs, d.arrays), _zeros_for_none(ht, d.arrays), "hvp")


# ------------------------------------------------------------------------------ float32: dtype preserved


def _assert_float32(ts: Sequence[Any], what: str) -> None:
    for i, t in enumerate(ts):
        if t is not None:
            assert t.dtype == np.float32, f"{what}[{i}] is {t.dtype}, not float32"


@sweep(tc.F32_VALUE)
def test_float32_value(case, shapes):
    d = draw(case, shapes, np.float32)
    _, out = ours_forward(case, d)
    with torch.no_grad():
        _, ref = theirs_forward(case, d)
    assert ref.dtype == torch.float32  # the case's torch side keeps float32 too
    _assert_float32([out], "output")
    assert_close([out.data], [ref.detach().numpy()], "float32 value", F32_RTOL, F32_ATOL)


@sweep(tc.F32_BACKWARD)
def test_float32_backward(case, shapes):
    d = draw(case, shapes, np.float32)
    xs, out = ours_forward(case, d)
    out.backward(d.V)
    _check_like([x.grad for x in xs], xs, "grad")
    ts, ref = theirs_forward(case, d)
    ref.backward(torch.from_numpy(d.V))
    assert_close(_zeros_for_none([x.grad for x in xs], d.arrays), _zeros_for_none([t.grad for t in ts], d.arrays),
                 "float32 grad", F32_RTOL, F32_ATOL)


@sweep(tc.F32_CREATE_GRAPH)
def test_float32_create_graph(case, shapes):
    d = draw(case, shapes, np.float32)
    xs, out = ours_forward(case, d)
    out.backward(d.V, create_graph=True)
    _check_like([x.grad for x in xs], xs, "create_graph grad")
    terms = [(x.grad * Tensor(u)).sum() for x, u in zip(xs, d.U) if x.grad is not None and x.grad.requires_grad]
    if terms:
        hs = al.grad(functools.reduce(lambda a, b: a + b, terms), xs, allow_unused=True)
        _check_like(hs, xs, "hvp")


@sweep(tc.F32_RETAIN_GRAD)
def test_float32_retain_grad(case, shapes):
    d = draw(case, shapes, np.float32)
    leaves = [Tensor(a, requires_grad=True) for a in d.arrays]
    mids = [x * 1.0 for x in leaves]  # intermediates (float32 still) that keep their gradient
    for m in mids:
        m.retain_grad()
    out = case.ours(*mids, **d.consts)
    out.retain_grad()
    out.backward(d.V)
    _check_like([m.grad for m in mids], mids, "retained grad of an input")
    _check_like([out.grad], [out], "retained grad of the output")
    _check_like([x.grad for x in leaves], leaves, "leaf grad")


@sweep(tc.F32_GRAD)
def test_float32_al_grad(case, shapes):
    d = draw(case, shapes, np.float32)
    xs, out = ours_forward(case, d)
    _check_like(al.grad(out, xs, grad_outputs=d.V, retain_graph=True, allow_unused=True), xs, "al.grad")
    _check_like(al.grad(out, xs, grad_outputs=d.V, create_graph=True, allow_unused=True), xs,
                "al.grad(create_graph=True)")
    mids = [Tensor(a, requires_grad=True) * 1.0 for a in d.arrays]  # with respect to intermediate tensors
    out = case.ours(*mids, **d.consts)
    _check_like(al.grad(out, mids, grad_outputs=d.V, retain_graph=True, allow_unused=True), mids,
                "al.grad of intermediates")
    _check_like(al.grad(out, mids, grad_outputs=d.V, create_graph=True, allow_unused=True), mids,
                "al.grad(create_graph=True) of intermediates")


# ------------------------------------------------------------------------------ the table covers the API

# Public names that are not operations with a derivative, so have no sweep case:
EXCLUDED_API = {
    "Tensor", "tensor", "as_tensor",  # constructors: every case builds its inputs with them
    "Node", "Primitive", "BackwardStep", "GradcheckError",  # classes of the machinery
    "backward", "grad", "trace_backward",  # the backward passes every check drives
    "gradcheck", "gradgradcheck",  # finite-difference checkers (tests/autograd_lite/test_gradcheck.py)
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",  # grad-mode switches
    "creation_number",  # a counter for drawings
    "functional",  # a module: its own __all__ is covered name by name (F.*)
}
# Tensor attributes that are not differentiable operations:
EXCLUDED_METHODS = {
    "data", "grad", "requires_grad", "shape", "ndim", "size", "dtype", "is_leaf", "grad_fn", "name",  # state
    "numel", "numpy", "item", "tolist",  # reads into numpy / Python
    "requires_grad_", "zero_grad", "retain_grad", "backward",  # graph bookkeeping (used by the checks)
    "argmax", "argmin",  # integer results, no gradient
    "__init__", "__repr__", "__hash__", "__array__", "__float__", "__int__", "__bool__", "__len__",
    "__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__",  # comparisons: bool tensors, no graph
    "__setitem__",  # refused (raises TypeError)
}


def _public_tensor_methods() -> list[str]:
    names = []
    for name, value in vars(Tensor).items():
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        if not (callable(value) or isinstance(value, property)):
            continue
        names.append(name)
    # aliases assigned in the class body (clamp = clip) are in vars() too; inherited object dunders are not
    return [n for n in names if n not in EXCLUDED_METHODS]


def _recording(fn: Callable, name: str, called: set[str]) -> Callable:
    """``fn``, noting ``name`` when called straight from the case table (not from the library)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if os.path.basename(sys._getframe(1).f_code.co_filename) == "torch_cases.py":
            called.add(name)
        return fn(*args, **kwargs)
    return wrapper


def test_every_public_op_has_a_sweep_case(monkeypatch):
    """Run each case's own side once, with every public op instrumented: an op no case calls
    (a new one in al.__all__, functional.__all__ or on Tensor) fails this test."""
    called: set[str] = set()
    required = []
    for name in al.__all__:
        if name not in EXCLUDED_API:
            required.append(f"al.{name}")
            monkeypatch.setattr(tc.al, name, _recording(getattr(al, name), f"al.{name}", called))
    for name in F.__all__:
        required.append(f"F.{name}")
        monkeypatch.setattr(tc.F, name, _recording(getattr(F, name), f"F.{name}", called))
    for name in _public_tensor_methods():
        required.append(f"Tensor.{name}")
        value = vars(Tensor)[name]
        if isinstance(value, property):
            monkeypatch.setattr(Tensor, name, property(_recording(value.fget, f"Tensor.{name}", called)))
        else:
            monkeypatch.setattr(Tensor, name, _recording(value, f"Tensor.{name}", called))
    for case in tc.CASES:
        d = draw(case, case.shapes[0])
        try:
            case.ours(*[Tensor(a, requires_grad=True) for a in d.arrays], **d.consts)
        except Exception:  # a known disagreement may raise (0-d mean over axis 0): the op was called
            pass
    missing = sorted(set(required) - called)
    assert not missing, f"no sweep case in torch_cases.py calls {missing}: add one (or an explained exclusion)"


# ------------------------------------------------------------------------------ random programs with reuse


def test_random_program(seed):
    """Values, gradients (plain and create_graph) and a Hessian-vector product of a random DAG."""
    program = tp.generate(seed)
    xs = [Tensor(a, requires_grad=True) for a in program.inputs]
    loss, values = tp.run(program, tp.AL, xs, Tensor)
    ts = [torch.tensor(a, requires_grad=True) for a in program.inputs]
    ref, ref_values = tp.run(program, tp.TORCH, ts, torch.from_numpy)
    steps = [f"v{len(program.inputs) + i} = {name}{operands}" for i, (name, operands) in enumerate(program.steps)]
    where = f"program {seed}: " + "; ".join(steps)
    assert_close([v.data for v in values], [v.detach().numpy() for v in ref_values], f"{where}\nvalue")
    loss.backward(retain_graph=True)
    ref.backward(retain_graph=True)
    one = np.array(1.0)
    gs, hs = ours_hvp(xs, loss, one, program.directions)
    gt, ht = theirs_hvp(ts, ref, one, program.directions)
    _check_like([x.grad for x in xs], xs, "grad")
    _check_like(gs, xs, "create_graph grad")
    _check_like(hs, xs, "hvp")
    arrays = program.inputs
    expected = _zeros_for_none(gt, arrays)
    assert_close(_zeros_for_none([x.grad for x in xs], arrays), expected, f"{where}\ngrad")
    assert_close(_zeros_for_none(gs, arrays), expected, f"{where}\ncreate_graph grad")
    assert_close(_zeros_for_none(hs, arrays), _zeros_for_none(ht, arrays), f"{where}\nhvp")
