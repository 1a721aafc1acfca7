"""al.grad runs only the part of the graph between its outputs and its inputs."""

import numpy as np

import autograd_lite as al
from autograd_lite import Tensor


def six_layers(rng):
    x = Tensor(rng.standard_normal((4, 3)))
    weights = [Tensor(rng.standard_normal((3, 3)), requires_grad=True) for _ in range(6)]
    h, nodes = x, []
    for w in weights:
        h = (h @ w).tanh()
        nodes.append(h.grad_fn)
    return h.sum(), weights, nodes


def test_the_gradient_of_the_last_layer_costs_one_layer(rng):
    loss, weights, nodes = six_layers(rng)
    (g,) = al.grad(loss, [weights[-1]])
    # the VJPs that ran dropped their saved values; the first five layers' did not run
    assert nodes[-1].freed and not any(node.freed for node in nodes[:-1])
    loss2, weights2, _ = six_layers(np.random.default_rng(0))
    expected = al.grad(loss2, weights2)[-1]
    np.testing.assert_allclose(g.data, expected.data, rtol=1e-15)


def test_create_graph_records_only_that_part(rng):
    loss, weights, _ = six_layers(rng)
    before = al.creation_number()
    (g,) = al.grad(loss, [weights[-1]], create_graph=True)
    recorded = al.creation_number() - before
    loss_all, weights_all, _ = six_layers(np.random.default_rng(0))
    before = al.creation_number()
    al.grad(loss_all, weights_all, create_graph=True)
    assert recorded * 4 < al.creation_number() - before


def test_grad_with_respect_to_an_intermediate_stops_there():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h * 3.0).sum()
    (gh,) = al.grad(y, [h])
    assert gh.tolist() == [3.0, 3.0] and not h.grad_fn.freed  # exp's VJP did not run


def test_backward_inputs_fills_only_those_leaves():
    a = Tensor([1.0], requires_grad=True)
    b = Tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0] and b.grad is None
