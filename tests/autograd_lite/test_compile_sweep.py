"""al.compile against eager on seeded random programs (``torch_programs.py``, no PyTorch needed).

Each program is compiled three ways: its loss, ``al.grad`` of it and its last values as
results, with half of its inputs passed as arguments and the others captured as parameters
that an update changes between calls; ``loss.backward()`` into ``.grad``, with half of its
inputs captured as parameters whose ``.grad`` accumulates over the calls; and with arguments
of three kinds (Tensors with and without grad, plain arrays). Each is called five times on
new values of the same shapes, and must run the function itself only for its two traces (the
other three calls replay); every result, gradient and ``.grad``, checked after the last call,
must be eager's bit for bit (container, type, dtype, shape, strides, bytes: the sign of zero
included), in float64 and float32. Odd seeds draw shapes large enough for buffers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Tensor

from ..conftest import run_slow
from . import torch_programs as tp

CALLS = 5  # two traces, then three replays
#: Shapes whose values reach al.compile's buffers (4 KiB: 512 float64 or 1,024 float32 elements)
LARGE_SHAPES = [(), (64,), (16, 64), (1, 64), (16, 1), (2, 16, 64)]
#: With the default run's 40: seed 61 hands out a view of a buffered value
EXTRA_SEEDS = (61,)


def same(got: Any, want: Any, what: str) -> None:
    assert type(got) is type(want), f"{what}: {type(got).__name__} against eager's {type(want).__name__}"
    assert got.dtype == want.dtype and np.shape(got) == np.shape(want), f"{what}: dtype or shape"
    assert np.ndim(got) == 0 or got.strides == want.strides, f"{what}: strides {got.strides}, eager's {want.strides}"
    assert np.asarray(got).tobytes() == np.asarray(want).tobytes(), f"{what}: {got} against eager's {want}"


def same_results(got: Any, want: Any, what: str) -> None:
    """Results alike: the same containers, Nones where eager has them, Tensors with the same data."""
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want), f"{what}: {got!r} against eager's {want!r}"
        for k, (g, w) in enumerate(zip(got, want)):
            same_results(g, w, f"{what}[{k}]")
    elif want is None:
        assert got is None, f"{what}: {got!r} where eager gives None"
    else:
        assert isinstance(got, Tensor), f"{what}: {got!r}"
        same(got.data, want.data, what)


def inputs_at(program: tp.Program, call: int, dtype: type) -> list[np.ndarray]:
    """The program's inputs moved along its directions: new values, the same shapes."""
    return [np.asarray(a + 0.37 * call * d, dtype=dtype) for a, d in zip(program.inputs, program.directions)]


def program_for(seed: int) -> tp.Program:
    """Odd seeds draw large shapes, so that buffers are in play."""
    return tp.generate(seed) if seed % 2 == 0 else tp.generate(seed, LARGE_SHAPES, 4096)


def counted(fn: Callable[..., Any]) -> tuple[al.CompiledFunction, list[int]]:
    """``fn`` compiled (strict), and a list that grows by one each time fn itself runs."""
    runs: list[int] = []

    def run(*args: Any) -> Any:
        runs.append(1)
        return fn(*args)

    return al.compile(run, strict=True), runs


def interleaved(args: tuple, captured: dict[int, Tensor]) -> list:
    """A program's inputs: the captured parameters at their positions (``captured`` maps
    position -> parameter), the arguments in order at the others."""
    rest = iter(args)
    return [captured[i] if i in captured else next(rest) for i in range(len(args) + len(captured))]


def check_grad_program(seed: int, dtype: type) -> tuple[list, int]:
    """Loss, al.grad and the program's last values as results; returns the programs it
    compiled and how many times the function itself ran."""
    program = program_for(seed)
    n = len(program.inputs)
    passed = list(range(0, n, 2))
    captured = {i: Tensor(np.zeros_like(program.inputs[i], dtype=dtype), requires_grad=True) for i in range(1, n, 2)}

    def fn(*args):
        leaves = interleaved(args, captured)
        loss, values = tp.run(program, tp.AL, leaves, lambda w: w)
        grads = al.grad(loss, leaves, allow_unused=True)
        # the values no step used, handed out too: views (a slice, a transpose) of intermediates among them
        return (loss, *grads, *(values[i].detach() for i in program.sinks))

    compiled, runs = counted(fn)
    calls = []
    for call in range(CALLS):
        arrays = inputs_at(program, call, dtype)
        for i, p in captured.items():
            p.data = arrays[i]  # an update between calls: the replay reads it
        got = compiled(*(Tensor(arrays[i], requires_grad=True) for i in passed))
        calls.append((got, fn(*(Tensor(arrays[i], requires_grad=True) for i in passed))))
    for call, (got, want) in enumerate(calls):  # after every call: no later call may change what one handed out
        same_results(got, want, f"program {seed} ({np.dtype(dtype)}), call {call}")
    return list(compiled.programs.values()), len(runs)


def check_backward_program(seed: int, dtype: type) -> tuple[list, int]:
    """loss.backward() into .grad: of fresh argument tensors, and of captured parameters whose
    .grad accumulates over the calls (no zero_grad); returns the programs and the runs."""
    program = program_for(seed)
    n = len(program.inputs)
    passed = list(range(0, n, 2))
    start = inputs_at(program, 0, dtype)
    ours_captured, eager_captured = ({i: Tensor(start[i], requires_grad=True) for i in range(1, n, 2)}
                                     for _ in range(2))

    def fn_for(captured):
        def fn(*args):
            loss, _ = tp.run(program, tp.AL, interleaved(args, captured), lambda w: w)
            loss.backward()
            return loss
        return fn

    compiled, runs = counted(fn_for(ours_captured))
    eager_fn = fn_for(eager_captured)
    calls = []
    for call in range(CALLS):
        arrays = inputs_at(program, call, dtype)
        ours = [Tensor(arrays[i], requires_grad=True) for i in passed]
        eager = [Tensor(arrays[i], requires_grad=True) for i in passed]
        calls.append((compiled(*ours), eager_fn(*eager), ours, eager))
    for call, (loss, loss_eager, ours, eager) in enumerate(calls):  # after every call, as above
        where = f"program {seed} ({np.dtype(dtype)}), call {call}"
        same(loss.data, loss_eager.data, f"{where}, loss")
        for k, (x, y) in enumerate(zip(ours, eager)):
            same_results(x.grad, y.grad, f"{where}, argument {k}'s .grad")
    for i in ours_captured:
        same_results(ours_captured[i].grad, eager_captured[i].grad, f"program {seed}, parameter {i}'s .grad")
    return list(compiled.programs.values()), len(runs)


def check_mixed_program(seed: int, dtype: type) -> tuple[list, int]:
    """Arguments of three kinds in turn: a Tensor that requires grad, a plain array (made a
    Tensor inside the function: as_tensor shares an array, and makes a 0-d one a new numpy
    number) and a Tensor that does not; returns the programs and the runs."""
    program = program_for(seed)
    kinds = [i % 3 for i in range(len(program.inputs))]

    def fn(*args):
        leaves = [a if isinstance(a, Tensor) else al.as_tensor(a) for a in args]
        loss, _ = tp.run(program, tp.AL, leaves, lambda w: w)
        wanted = [leaf for leaf, kind in zip(leaves, kinds) if kind == 0]
        return (loss, *al.grad(loss, wanted, allow_unused=True)) if loss.requires_grad else (loss,)

    def arguments(arrays):
        return [Tensor(a, requires_grad=True) if kind == 0 else a.copy() if kind == 1 else Tensor(a)
                for a, kind in zip(arrays, kinds)]

    compiled, runs = counted(fn)
    calls = []
    for call in range(CALLS):
        arrays = inputs_at(program, call, dtype)
        calls.append((compiled(*arguments(arrays)), fn(*arguments(arrays))))
    for call, (got, want) in enumerate(calls):
        same_results(got, want, f"program {seed} ({np.dtype(dtype)}), call {call}")
    return list(compiled.programs.values()), len(runs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("check", [check_grad_program, check_backward_program, check_mixed_program])
def test_compiled_random_programs_give_the_eager_numbers(request, check, dtype):
    seeds = range(400) if run_slow(request.config) else (*range(40), *EXTRA_SEEDS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own, the same in both
        outcomes = {seed: check(seed, dtype) for seed in seeds}
    traced_again = {seed: runs for seed, (programs, runs) in outcomes.items() if len(programs) != 1 or runs != 2}
    assert not traced_again, f"programs that did not replay calls 3 to {CALLS} (seed: runs of the function)"
    assert sum(bool(programs[0].buffers) for programs, _ in outcomes.values()) >= len(seeds) // 8  # some buffered
