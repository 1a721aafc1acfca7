"""backward_tour: one frame per backward step."""

import re

import numpy as np

import viz
from autograd_lite import Tensor


def test_one_frame_per_op_node_in_topological_order(tmp_path, no_system_dot):
    x1, w1 = Tensor(2.0, requires_grad=True, name="x1"), Tensor(-3.0, requires_grad=True, name="w1")
    x2, w2 = Tensor(0.0, requires_grad=True, name="x2"), Tensor(1.0, requires_grad=True, name="w2")
    b = Tensor(6.8813735870195432, requires_grad=True, name="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    paths = viz.backward_tour(o, tmp_path / "tour", format="svg")
    assert [p.rsplit("/", 1)[1] for p in paths] == [f"step_0{k}.svg" for k in range(1, 6)]
    titles = [re.search(r"backward step \d of 5: VJP of &#39;(\w+)&#39;", open(p).read()).group(1) for p in paths]
    assert titles[0] == "tanh" and sorted(titles[1:]) == ["add", "add", "mul", "mul"]
    last = open(paths[-1]).read()
    assert "grad &#45;1.5000" in last and "(so far)" not in last  # SVG writes "-" as &#45;
    first = open(paths[0]).read()
    assert "grad ?" in first and first.count('fill="orange"') == 1
    assert x1.grad is None  # the tour does not touch .grad


def test_shared_leaf_shows_a_partial_sum(tmp_path, no_system_dot):
    x = Tensor(0.5, requires_grad=True, name="x")
    y = (x * x).exp() + x
    paths = viz.backward_tour(y, tmp_path, format="svg")
    texts = [open(p).read() for p in paths]
    assert any("(so far)" in t for t in texts)
    assert f"grad {1 + 2 * 0.5 * np.exp(0.25):.4f}" in texts[-1]
