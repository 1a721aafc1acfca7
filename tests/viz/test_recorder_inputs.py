"""TrainingRecorder: a mistake in its arguments is reported when the recorder is made (or, for
names only a network can check, at the first epoch), saying what to write instead."""

import numpy as np
import pytest

import viz
from mlp import MSE, Dense, NeuralNetwork, Sigmoid
from mlp.datasets import xor


def xor_net():
    return NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())


def test_a_network_passed_as_weights_says_where_the_network_goes():
    with pytest.raises(TypeError, match=r"^TrainingRecorder: the first argument, weights, is the list of weights to "
                                        r"follow \(e.g. \['layers.0.weight\[0, 1\]'\]\), not the network: train\(\) "
                                        r"hands the network to the recorder. Write TrainingRecorder\(\)"):
        viz.TrainingRecorder(xor_net())


@pytest.mark.parametrize(("weights", "error", "message"), [
    (42, TypeError, r"weights must be a list of names such as \['layers.0.weight\[0, 1\]'\], got 42"),
    ([0, 1], TypeError, r"each weight is a name such as 'layers.0.weight\[0, 1\]', got 0 \(int\)"),
    (["layers.0.weight[a]"], ValueError, r"cannot read 'layers.0.weight\[a\]': write a parameter name and "
                                         r"whole-number indices"),
    (["layers.0.weight[0, 1"], ValueError, r"cannot read 'layers.0.weight\[0, 1'"),
])
def test_weights_that_are_not_names_are_refused_when_the_recorder_is_made(weights, error, message):
    with pytest.raises(error, match=message):
        viz.TrainingRecorder(weights)


@pytest.mark.parametrize("every", [0, -5, 2.5, True])
def test_every_must_be_a_positive_integer(every):
    with pytest.raises(ValueError, match=rf"every must be a positive integer \(record every n epochs\), got {every!r}"):
        viz.TrainingRecorder(every=every)


@pytest.mark.parametrize("spec", ["layers.0.weight[2, 0]", "layers.0.weight[1]", "layers.2.bias[0, 0]"])
def test_an_index_that_is_not_one_entry_is_refused_at_the_first_epoch(spec):
    X, y = xor()
    net = xor_net()
    with pytest.raises(IndexError, match=r"does not name one entry of layers\.\d\.\w+, of shape \(\d+,( \d)?\)"):
        net.train(X, y, epochs=1, learning_rate=0.1, verbose=False, callbacks=viz.TrainingRecorder([spec]))


def test_one_name_as_a_string_follows_that_weight():
    X, y = xor()
    net = xor_net()
    rec = viz.TrainingRecorder("layers.0.weight[1, 2]")
    net.train(X, y, epochs=2, learning_rate=0.1, verbose=False, callbacks=rec)
    assert list(rec.trajectories) == ["layers.0.weight[1, 2]"]
    assert rec.trajectories["layers.0.weight[1, 2]"][-1] == net.layers[0].weight.data[1, 2]
    assert np.isfinite(rec.trajectories["layers.0.weight[1, 2]"]).all()
