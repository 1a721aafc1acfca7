"""A learner's own training loop, in micrograd's style and in PyTorch's, trains the seed's XOR
network to the same weights as mlp.SGD (issue 10: both used to break silently)."""

import numpy as np
import pytest

import autograd_lite as al
from mlp import MSE, SGD, Dense, NeuralNetwork, Sigmoid
from mlp.datasets import xor

LR, EPOCHS = 0.5, 200


def network() -> NeuralNetwork:
    np.random.seed(3)
    return NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())


def train(step) -> list[np.ndarray]:
    """Per-sample training with ``step(params)`` doing the update after backward."""
    X, y = xor()
    net = network()
    params = net.parameters()
    for _ in range(EPOCHS):
        for xi, yi in zip(X, y):
            for p in params:
                p.grad = None
            net.loss_function(net.forward(xi[None]), yi[None]).backward()
            step(params)
    return [p.data.copy() for p in params]


def micrograd_style(params) -> None:
    for p in params:
        p.data -= LR * p.grad  # micrograd writes exactly this


def pytorch_style(params) -> None:
    with al.no_grad():
        for p in params:
            p -= LR * p.grad


def mlp_sgd() -> list[np.ndarray]:
    X, y = xor()
    net = network()
    net.train(X, y, epochs=EPOCHS, learning_rate=LR, optimizer=SGD, verbose=False)
    return [p.data.copy() for p in net.parameters()]


@pytest.mark.parametrize("step", [micrograd_style, pytorch_style], ids=["micrograd", "pytorch"])
def test_handwritten_loop_matches_mlp_sgd(step):
    expected = mlp_sgd()
    got = train(step)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert not np.allclose(expected[0], network().parameters()[0].data)  # it did train


def test_the_pytorch_style_update_keeps_parameters_leaves():
    net = network()
    params = net.parameters()
    X, y = xor()
    net.loss_function(net.forward(X), y).backward()
    pytorch_style(params)
    assert all(p.is_leaf and p.requires_grad and type(p.data) is np.ndarray for p in params)
    micrograd_style(params)
    assert all(type(p.data) is np.ndarray for p in params)  # a Tensor assigned to .data is unwrapped
