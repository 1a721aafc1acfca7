"""viz.draw_program: the program a compiled step replays."""

import re

import numpy as np
import pytest

import autograd_lite as al
import viz
from mlp import MSE, Dense, NeuralNetwork, Sigmoid
from mlp.datasets import xor


def compiled_xor_step():
    X, y = xor()
    np.random.seed(0)
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    for name, p in net.named_parameters():
        p.name = name

    def step(xb, yb):
        loss = net.loss_function(net.forward(xb), yb)
        loss.backward()
        return loss

    compiled = al.compile(step)
    return compiled, X, y, net


def test_a_compiled_step_is_drawn_call_by_call():
    step, X, y, net = compiled_xor_step()
    with pytest.raises(ValueError, match="no program yet.*second call"):
        viz.draw_program(step)
    for i in range(2):
        net.zero_grad()
        step(X[i:i + 1], y[i:i + 1])
    src = viz.draw_program(step).source
    (program,) = step.programs.values()
    calls = sum(1 for line in program.source.splitlines() if "= F" in line)
    assert f"compiled program: {calls} numpy calls" in src and calls == len(program.operations)
    assert src.count("shape=ellipse") == calls
    for name in ("layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"):
        assert f"{name}.grad +=" in src
    assert len(re.findall(r"argument \d", src)) >= 2
    # a row's parameters are named from its forward (this read "mean\nNone, False"); operands by value
    assert 'label="mean\\naxes=None, keepdims=False"' in src and 'label="**\\n2"' in src


def test_draw_program_refuses_what_is_not_compiled():
    with pytest.raises(TypeError, match="expected a compiled function"):
        viz.draw_program(lambda x: x)


def test_a_long_program_is_refused_by_default_with_how_to_draw_it_anyway():
    v = al.Tensor(np.ones(4), requires_grad=True, name="v")

    def chain(x):
        h = al.Tensor(x) * v
        for _ in range(45):
            h = (h * 1.01).tanh()
        loss = h.sum()
        loss.backward()
        return loss

    step = al.compile(chain)
    step(np.ones(4))
    step(np.ones(4))
    (program,) = step.programs.values()
    ops = len(program.operations)
    assert ops > viz.program.MAX_PROGRAM_OPS == 250
    with pytest.raises(viz.GraphTooLarge, match=rf"has {ops} operations, more than max_nodes=250: rendering it could "
                                                r"take minutes .*pass max_nodes=None to draw it all anyway"):
        viz.draw_program(step)
    source = viz.draw_program(step, max_nodes=None).source
    assert source.count("shape=ellipse") == ops
    assert 'label="astype\\ndtype=float64, source=float64"' in source and "dtype(" not in source  # dtypes by name
