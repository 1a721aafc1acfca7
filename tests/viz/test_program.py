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


def test_draw_program_refuses_what_is_not_compiled():
    with pytest.raises(TypeError, match="expected a compiled function"):
        viz.draw_program(lambda x: x)
