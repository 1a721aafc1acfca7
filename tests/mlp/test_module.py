"""Module and Parameter: naming, gradients, modes, state dictionaries."""

import numpy as np
import pytest

from mlp import MSE, Dense, NeuralNetwork, Parameter, Sigmoid
from mlp.module import Module


def small_net() -> NeuralNetwork:
    return NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1))


def test_named_parameters_in_definition_order():
    names = [n for n, _ in small_net().named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]


def test_parameter_is_a_float64_tensor_that_requires_grad():
    p = Parameter([1, 2, 3])
    assert p.requires_grad and p.dtype == np.float64 and p.is_leaf


def test_zero_grad_clears_every_gradient():
    net = small_net()
    net.loss_function(net.forward(np.ones((2, 2))), np.ones((2, 1))).backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_modes_reach_every_layer():
    net = small_net()
    net.eval()
    assert not net.training and not any(layer.training for layer in net.layers)
    net.train()
    assert net.training and all(layer.training for layer in net.layers)


def test_state_dict_is_a_copy():
    net = small_net()
    state = net.state_dict()
    state["layers.0.weight"][0, 0] = 123.0
    assert net.layers[0].weight.data[0, 0] != 123.0


def test_load_state_dict_round_trip():
    a, b = small_net(), small_net()
    b.load_state_dict(a.state_dict())
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_load_state_dict_checks_shapes_before_changing_anything():
    net = small_net()
    before = net.state_dict()
    state = net.state_dict()
    state["layers.0.bias"] = np.zeros(3)
    state["layers.2.weight"] = np.zeros((4, 1))  # wrong shape, after a good entry
    with pytest.raises(ValueError, match=r"layers.2.weight has shape \(4, 1\) in the state, \(3, 1\) in the model"):
        net.load_state_dict(state)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_reports_missing_and_unexpected_keys():
    net = small_net()
    state = net.state_dict()
    del state["layers.0.bias"]
    state["extra"] = np.zeros(1)
    with pytest.raises(KeyError, match="missing.*layers.0.bias.*unexpected.*extra"):
        net.load_state_dict(state)


def test_custom_module():
    class Scale(Module):
        def __init__(self):
            super().__init__()
            self.w = Parameter(np.ones(2))

        def forward(self, x):
            return x * self.w

    m = Scale()
    assert [n for n, _ in m.named_parameters()] == ["w"]
    assert m.num_parameters() == 2
    np.testing.assert_array_equal(m(np.array([2.0, 3.0])).data, [2.0, 3.0])


def test_a_shared_parameter_is_listed_once_and_stepped_once():
    """A layer used twice (tied weights) is one set of Parameters: parameters() lists each once,
    as PyTorch's, so an optimizer steps the shared weight once per step, by the summed gradient."""
    shared = Dense(2, 2, rng=0)
    net = NeuralNetwork(MSE()).add(shared).add(Sigmoid()).add(shared)
    assert [n for n, _ in net.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    X, y = np.array([[0.5, -1.0]]), np.array([[1.0, 0.0]])
    net.loss_function(net.forward(X), y).backward()  # both uses add into one .grad
    expected = shared.weight.data - 0.1 * shared.weight.grad.data
    net.zero_grad()
    net.train(X, y, epochs=1, learning_rate=0.1, progress=False)
    np.testing.assert_allclose(shared.weight.data, expected, rtol=1e-12)
    assert [id(p) for p in net.parameters()] == [id(shared.weight), id(shared.bias)]
    assert net.num_parameters() == 6
