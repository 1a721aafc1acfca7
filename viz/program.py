"""A compiled step's program (``al.compile``), drawn: what a replay runs, one numpy call per box.

>>> step = al.compile(train_step); step(x, y); step(x, y)     # two traces, then compiled
>>> viz.draw_program(step)                                     # forward and backward, in order

Inputs (the call's arguments) are green, parameters (read on every call) light blue, each
operation a grey ellipse in the order it runs, and each parameter's gradient (accumulated into
``.grad``) an orange box. Constants (shapes, numbers) are folded into the operations' labels.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

import autograd_lite as al

from .graph import GraphDrawing, GraphTooLarge, _dot_string

#: draw_program refuses programs with more operations than this unless told otherwise. A program's
#: backward pass reads values and parameters from far back in its forward pass, and each such long
#: edge crosses every rank in between, so the layout (dot's, in graphviz-pure or Graphviz) grows much
#: faster than the program: measured with graphviz-pure, an MLP training step of 213 operations renders
#: in 0.9 s, 255 in 2 s, 297 in 5 s; a chain of tanh of 244 in 0.4 s, 364 in 5 s, 484 in 81 s.
MAX_PROGRAM_OPS = 250

INPUT_COLOUR = "darkolivegreen1"
PARAMETER_COLOUR = "lightblue"
GRADIENT_COLOUR = "orange"


def _program(step: Any) -> Any:
    if isinstance(step, al.CompiledFunction):
        programs = list(step.programs.values())
        if not programs:
            raise ValueError(
                "draw_program: this compiled function has no program yet: it compiles on its second call with "
                "the same argument shapes (or it fell back to eager: see its warning)"
            )
        if len(programs) > 1:
            raise ValueError(f"draw_program: this compiled function has {len(programs)} programs (one per argument "
                             "signature); draw one of them: draw_program(step.programs[signature])")
        return programs[0]
    if hasattr(step, "trace") and hasattr(step, "source"):
        return step
    raise TypeError(f"draw_program: expected a compiled function (al.compile(fn)) or one of its programs, got "
                    f"{type(step).__name__}")


def draw_program(step: Any, rankdir: str = "TB", max_nodes: int | None = MAX_PROGRAM_OPS) -> GraphDrawing:
    """Draw the program a compiled step replays (see the module docstring).

    Args:
        step: ``al.compile(fn)`` after it compiled (or one of its ``programs``).
        rankdir: Graphviz's direction ("TB": top to bottom, the order the calls run).
        max_nodes: refuse programs with more operations than this (None: any size, but rendering a
            program of a few hundred operations more than the default can take many minutes).
    """
    program = _program(step)
    trace = program.trace
    if max_nodes is not None and len(program.operations) > max_nodes:
        raise GraphTooLarge(f"draw_program: the program has {len(program.operations)} operations, more than "
                            f"max_nodes={max_nodes}: rendering it could take minutes (the layout grows much faster "
                            "than the program); pass max_nodes=None to draw it all anyway")
    lines = []
    producer: dict[int, str] = {}
    for index, slot, _ in trace.args:
        producer[slot] = f"in{index}"
        shape = getattr(trace.values[slot], "shape", ())
        lines.append(f"in{index} [label={_dot_string(f'argument {index} | {shape}')} fillcolor={INPUT_COLOUR}]")
    for k, (leaf, slot) in enumerate(trace.leaves):
        producer[slot] = f"param{k}"
        label = f"{leaf.name or f'parameter {k}'} | {leaf.shape}"
        lines.append(f"param{k} [label={_dot_string(label)} fillcolor={PARAMETER_COLOUR}]")
    edges = []
    for k, (prim, refs, prefs, slot) in program.operations:
        constants = [_constant_text(trace, r) for r in refs if r[0] != "v"]
        names = _param_names(prim, len(refs))
        constants += [_named(names[i] if i < len(names) else None, _constant_text(trace, r))
                      for i, r in enumerate(prefs) if r[0] != "v"]
        constants += ["const" for r in _slots(refs + prefs) if r in program.folded]
        label = prim.label + (f"\n{', '.join(c for c in constants if c)}" if any(constants) else "")
        lines.append(f"op{k} [label={_dot_string(label)} shape=ellipse fillcolor=gray90]")
        for ref in _slots(refs + prefs):
            if ref in producer:
                edges.append(f"{producer[ref]} -> op{k}")
        producer[slot] = f"op{k}"
    for k, (kind, (where, index), ref) in enumerate(trace.events):
        if kind != "grad":
            continue
        target = f"argument {index}" if where == "arg" else (trace.leaves[index][0].name or f"parameter {index}")
        lines.append(f"grad{k} [label={_dot_string(f'{target}.grad +=')} fillcolor={GRADIENT_COLOUR}]")
        for slot in _slots((ref,)):
            if slot in producer:
                edges.append(f"{producer[slot]} -> grad{k}")
    g = GraphDrawing(
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
                    "label": f"compiled program: {len(program.operations)} numpy calls", "labelloc": "t"},
        node_attr={"shape": "record", "style": "filled", "fontname": "Helvetica", "fontsize": "10", "height": "0.3"},
        edge_attr={"arrowsize": "0.6"},
        format="svg",
    )
    g.body.extend(f"\t{line}\n" for line in lines + edges)
    return g


@functools.cache
def _param_names(prim: Any, operands: int) -> tuple[str | None, ...]:
    """The names of a row's parameters after its operands, from its forward's signature (None
    where numpy's own function has none to read): ``axes``, ``keepdims`` for ``mean``."""
    try:
        names = list(inspect.signature(prim.forward).parameters)[operands:]
    except (TypeError, ValueError):
        return ()
    return tuple(None if name in ("param", "params", "args") else name for name in names)


def _named(name: str | None, text: str) -> str:
    return text if name is None else f"{name}={text}"


def _slots(refs: tuple) -> list[int]:
    out: list[int] = []
    for kind, value in refs:
        if kind == "v":
            out.append(value)
        elif kind in ("t", "l"):
            out.extend(_slots(value))
    return out


def _constant_text(trace: Any, ref: tuple) -> str:
    """A short label for a constant operand: numbers, shapes and dtypes shown, arrays by shape."""
    kind, value = ref
    if kind in ("t", "l"):
        parts = [_constant_text(trace, r) if r[0] != "v" else "·" for r in value]
        return "(" + ", ".join(parts) + ")"
    c = trace.constants[value]
    if isinstance(c, np.dtype):  # float64, not repr's dtype('float64')
        return c.name
    if hasattr(c, "shape") and getattr(c, "ndim", 0) > 0:
        return f"array{c.shape}"
    text = repr(c.item() if hasattr(c, "item") else c)
    return text if len(text) <= 16 else text[:13] + "..."
