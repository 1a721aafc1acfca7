"""draw_graph(scalars=True): one box per element, one operation per result element, edges from
the elements each is computed from; refused above a size limit and on a freed graph."""

import re
from collections import Counter

import numpy as np
import pytest

import viz
from autograd_lite import Tensor
from mlp import MSE, Dense, NeuralNetwork, Sigmoid


def labels(source: str) -> dict[str, str]:
    """DOT id -> label text."""
    return dict(re.findall(r'^\s*(\w+) \[label="(.*?)"', source, flags=re.M))


def edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)$", source, flags=re.M)


def box(source: str, name: str) -> str:
    """The DOT id of the box whose label starts with ``name``."""
    found = [k for k, v in labels(source).items() if v.startswith("{ " + name + " |")]
    assert len(found) == 1, (name, found)
    return found[0]


def consumers(source: str, dot_id: str) -> list[str]:
    """The labels of the operations an element feeds."""
    names = labels(source)
    return sorted(names[b] for a, b in edges(source) if a == dot_id)


def linear_layer() -> tuple[Tensor, Tensor, Tensor]:
    """tanh(X W + b) summed, for a batch of two rows, kept for drawing after backward."""
    X = np.array([[1.0, 2.0], [0.0, -1.0]])  # the 0 makes some products 0: edges must stay
    W = Tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True, name="W")
    b = Tensor([0.1, -0.2, 0.3], requires_grad=True, name="b")
    loss = (X @ W + b).tanh().sum()
    loss.backward(retain_graph=True)
    return loss, W, b


def test_each_bias_element_feeds_one_addition_per_row_and_its_gradient_is_their_sum():
    loss, W, b = linear_layer()
    src = viz.draw_graph(loss, scalars=True).source
    for j in range(3):
        assert consumers(src, box(src, f"b[{j}]")) == ["+", "+"]  # one per row of the batch
        assert f"grad {b.grad.data[j]:.4g}" in labels(src)[box(src, f"b[{j}]")]
    h = np.array([[1.0, 2.0], [0.0, -1.0]]) @ W.data + b.data
    row_grads = 1 - np.tanh(h) ** 2
    assert b.grad.data[2] == pytest.approx(row_grads[:, 2].sum())


def test_each_weight_feeds_one_dot_product_per_row_even_where_the_input_is_zero():
    loss, W, _ = linear_layer()
    src = viz.draw_graph(loss, scalars=True).source
    for i in range(2):
        for j in range(3):
            assert consumers(src, box(src, f"W[{i}, {j}]")) == ["@", "@"]
    names = labels(src)
    dots = [k for k, v in names.items() if v == "@"]
    assert len(dots) == 6  # one per element of X W
    assert all(sum(1 for _, z in edges(src) if z == d) == 2 for d in dots)  # a column of W each


def test_a_sum_reads_every_element_and_the_output_shows_value_and_gradient():
    loss, _, _ = linear_layer()
    src = viz.draw_graph(loss, scalars=True).source
    names = labels(src)
    (total,) = [k for k, v in names.items() if v == "sum"]
    assert sum(1 for _, z in edges(src) if z == total) == 6
    out = [v for k, v in names.items() if "darkolivegreen1" in re.search(rf"^\s*{k} \[.*$", src, re.M).group(0)]
    assert out == [f"{{ data {loss.item():.4g} | grad 1 }}"]


def test_micrograd_neuron_draws_as_micrograd_does(neuron):
    x1, x2, w1, w2, b = (Tensor(v, requires_grad=True, name=n) for v, n in
                         [(2.0, "x1"), (0.0, "x2"), (-3.0, "w1"), (1.0, "w2"), (6.8813735870195432, "b")])
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward(retain_graph=True)
    src = viz.draw_graph(o, scalars=True).source
    assert Counter(v for v in labels(src).values() if not v.startswith("{")) == {"*": 2, "+": 2, "tanh": 1}
    assert labels(src)[box(src, "w2")] == "{ w2 | data 1 | grad 0 }"
    assert consumers(src, box(src, "w2")) == ["*"]  # times x2 = 0: the edge is there all the same


def test_a_maximum_over_an_axis_reads_every_element_it_reduces_and_relu_keeps_its_negative_inputs():
    x = Tensor([[1.0, 5.0, 2.0], [-4.0, 3.0, 3.0]], requires_grad=True, name="x")
    out = x.relu().max(axis=1)
    src = viz.draw_graph(out, scalars=True).source
    names = labels(src)
    maxima = [k for k, v in names.items() if v == "max"]
    assert len(maxima) == 2
    assert all(sum(1 for _, z in edges(src) if z == m) == 3 for m in maxima)
    assert consumers(src, box(src, "x[1, 0]")) == ["threshold"]  # relu of -4: still drawn


def test_a_scalar_broadcast_against_a_vector_feeds_every_product():
    s = Tensor(2.0, requires_grad=True, name="s")
    v = Tensor([1.0, 2.0, 3.0], requires_grad=True, name="v")
    src = viz.draw_graph((s * v).sum(), scalars=True).source
    assert consumers(src, box(src, "s")) == ["*", "*", "*"]
    assert consumers(src, box(src, "v[1]")) == ["*"]


def test_a_slice_and_a_reshape_connect_the_elements_they_move():
    x = Tensor(np.arange(6.0), requires_grad=True, name="x")
    y = x.reshape(2, 3)[:, 1:]  # x[1], x[2], x[4], x[5]
    src = viz.draw_graph(y.sum(), scalars=True).source
    names = labels(src)
    reshapes_used = {x_id: consumers(src, box(src, f"x[{x_id}]")) for x_id in range(6)}
    assert all(v == ["reshape"] for v in reshapes_used.values())
    slices = [k for k, v in names.items() if v == "[]"]
    assert len(slices) == 4 and all(sum(1 for _, z in edges(src) if z == s) == 1 for s in slices)


def test_graphs_of_too_many_numbers_are_refused_with_what_to_do():
    x = Tensor(np.ones((10, 10)), requires_grad=True)
    with pytest.raises(viz.GraphTooLarge, match=r"holds 300 numbers.*max_scalars=150.*scalars=False"):
        viz.draw_graph((x * 2).exp(), scalars=True)
    drawn = viz.draw_graph((x * 2).exp(), scalars=True, max_scalars=None).source
    assert drawn.count("->") == 300  # x -> *, * -> exp (the product shows nothing), exp -> its box


def test_a_graph_freed_by_backward_is_refused_with_the_fix(neuron):
    o, _ = neuron  # backward() without retain_graph
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        viz.draw_graph(o, scalars=True)


def test_layers_cannot_be_grouped_in_the_scalar_view():
    net = NeuralNetwork(MSE()).add(Dense(2, 1)).add(Sigmoid())
    loss = net.loss_function(net.forward(np.ones((1, 2))), np.ones((1, 1)))
    with pytest.raises(ValueError, match="scalars=True draws numbers, not layers"):
        viz.draw_graph(loss, model=net, group_by_module=True, scalars=True)


def test_the_scalar_view_renders(tmp_path):
    loss, _, _ = linear_layer()
    path = viz.render(viz.draw_graph(loss, scalars=True, legend=True), tmp_path / "scalars.svg")
    # 9 parameters; X W, + b and tanh: 6 operations and 6 boxes each; the sum and its box; the legend's 4
    assert open(path, encoding="utf-8").read().count("<g id=\"node") == 9 + 3 * 12 + 2 + 4
