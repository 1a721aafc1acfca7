"""Dense and activation layers."""

import numpy as np
import pytest

from autograd_lite import Tensor
from mlp import Conv2D, Dense, ReLU, Sigmoid, Softmax, Tanh


def test_dense_shapes_and_he_initialisation():
    d = Dense(input_size=200, output_size=300, rng=np.random.default_rng(0))
    assert d.weight.shape == (200, 300) and d.bias.shape == (300,)
    assert d.weights is d.weight  # the seed's name
    np.testing.assert_array_equal(d.bias.data, 0.0)
    assert d.weight.data.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    assert d.weight.requires_grad and d.bias.requires_grad


def test_dense_draws_from_numpys_global_state_like_the_seed():
    np.random.seed(3)
    expected = np.random.randn(2, 3) * np.sqrt(2 / 2)
    np.random.seed(3)
    np.testing.assert_array_equal(Dense(2, 3).weight.data, expected)


def test_dense_with_a_generator_is_reproducible():
    a = Dense(2, 3, rng=np.random.default_rng(7)).weight.data
    b = Dense(2, 3, rng=np.random.default_rng(7)).weight.data
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("x", [[[1.0, 2.0]], np.array([[1.0, 2.0]]), Tensor([[1.0, 2.0]]), np.array([[1, 2]])],
                         ids=["list", "array", "tensor", "int-array"])
def test_layers_accept_lists_arrays_and_tensors(x):
    d = Dense(2, 3, rng=np.random.default_rng(0))
    out = d(x)
    np.testing.assert_allclose(out.data, np.array([[1.0, 2.0]]) @ d.weight.data)
    for layer in (Sigmoid(), ReLU(), Tanh(), Softmax()):
        assert layer(x).shape == (1, 2)


def test_dense_rejects_the_wrong_number_of_features():
    with pytest.raises(ValueError, match=r"^Dense\(2 -> 3\): expects 2 input features \(the last axis\), got 5 \(input "
                                         r"shape \(4, 5\)\)$"):
        Dense(2, 3)(np.ones((4, 5)))


def test_dense_rejects_bad_sizes():
    with pytest.raises(ValueError, match="input_size must be a positive integer"):
        Dense(0, 3)
    with pytest.raises(ValueError, match="output_size"):
        Dense(2, 2.5)
    with pytest.raises(ValueError, match=r"input_size must be a positive integer, got True"):
        Dense(True, 3)


@pytest.mark.parametrize("layer", [lambda rng: Dense(4, 3, rng=rng), lambda rng: Conv2D(2, 3, 3, rng=rng)])
def test_a_seed_or_a_generator_draws_the_initial_weights(layer):
    np.testing.assert_array_equal(layer(7).weight.data, layer(np.random.default_rng(7)).weight.data)
    assert not np.array_equal(layer(7).weight.data, layer(8).weight.data)
    with pytest.raises(TypeError, match=r"rng must be a numpy Generator or a seed \(e\.g\. rng=np\.random"):
        layer("7")


def test_activation_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(Sigmoid()(z).data, 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(ReLU()(z).data, [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(Tanh()(z).data, np.tanh(z))
    np.testing.assert_allclose(Softmax()(z).data.sum(), 1.0)
