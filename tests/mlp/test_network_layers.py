"""NeuralNetwork with any layer and any input rank: shapes from a trial forward, incompatible
stacks refused naming the layer and the shapes, class outputs, float32, from_file."""

import json
import re
import warnings

import numpy as np
import pytest

from autograd_lite import Tensor
from mlp import (
    BCE,
    MSE,
    Adam,
    AvgPool2D,
    Conv2D,
    CrossEntropy,
    Dense,
    Evaluation,
    Flatten,
    MaxPool2D,
    Module,
    NeuralNetwork,
    Parameter,
    ReLU,
    Sigmoid,
    Tanh,
)


def images(n=48, seed=0):
    """n 8x8 one-channel images of three classes: a bright row, a bright column, a bright square."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 0.3, (n, 1, 8, 8))
    y = np.arange(n) % 3
    for i, c in enumerate(y):
        r, k = rng.integers(1, 6, 2)
        if c == 0:
            X[i, 0, r, :] += 1
        elif c == 1:
            X[i, 0, :, k] += 1
        else:
            X[i, 0, r:r + 2, k:k + 2] += 1
    return X, y


def cnn(loss=None, seed=0):
    np.random.seed(seed)
    net = NeuralNetwork(loss or CrossEntropy())
    for layer in (Conv2D(1, 4, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(4 * 4 * 4, 3)):
        net.add(layer)
    return net


CNN_SUMMARY = """NeuralNetwork: 5 layers, loss CrossEntropy()
#  layer                           output shape      parameters
0  Conv2D(1 -> 4, 3x3, padding 1)  (batch, 4, 8, 8)          40
1  ReLU()                          (batch, 4, 8, 8)           0
2  MaxPool2D(2x2)                  (batch, 4, 4, 4)           0
3  Flatten()                       (batch, 64)                0
4  Dense(64 -> 3)                  (batch, 3)               195
Total parameters: 235"""


def test_summary_shows_each_layers_output_shape_and_parameters():
    net = cnn()
    unknown = net.summary()
    assert "?" in unknown and "summary(input_shape=(1, 8, 8))" in unknown  # a CNN does not know H and W
    assert net.summary(input_shape=(1, 8, 8)) == CNN_SUMMARY
    X, y = images()
    net.train(X, y, epochs=1, learning_rate=0.01, batch_size=16, verbose=False)
    assert net.summary() == CNN_SUMMARY  # the data's sample shape is remembered
    assert net.output_shapes() == [(1, 4, 8, 8), (1, 4, 8, 8), (1, 4, 4, 4), (1, 64), (1, 3)]


def test_summary_of_a_dense_network_needs_no_input_shape():
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1))
    assert net.summary().splitlines()[1:4] == ["#  layer          output shape  parameters",
                                               "0  Dense(2 -> 3)  (batch, 3)             9",
                                               "1  Sigmoid()      (batch, 3)             0"]


INCOMPATIBLE = [
    ([Conv2D(1, 4, 3), ReLU(), Flatten(), Dense(100, 3)],
     r"^train\(\): layer 3 \(Dense\(100 -> 3\)\) cannot take the output of layer 2 \(Flatten\(\)\): expects 100 "
     r"input features \(the last axis\), got 144 \(input shape \(48, 144\)\)$"),
    ([Conv2D(1, 4, 3), Flatten(), Conv2D(4, 2, 3)],
     r"^train\(\): layer 2 \(Conv2D\(4 -> 2, 3x3\)\) cannot take the output of layer 1 \(Flatten\(\)\): expects a "
     r"4-d input \(batch, channels, height, width\), got shape \(48, 144\); flat rows\?"),
    ([Conv2D(3, 4, 3)],
     r"^train\(\): layer 0 \(Conv2D\(3 -> 4, 3x3\)\) cannot take X: expects 3 input channels, got 1 \(input shape "
     r"\(48, 1, 8, 8\)\)$"),
    ([Conv2D(1, 4, 5), MaxPool2D(2), Conv2D(4, 4, 3)],
     r"^train\(\): layer 2 \(Conv2D\(4 -> 4, 3x3\)\) cannot take the output of layer 1 \(MaxPool2D\(2x2\)\): the 3x3 "
     r"kernel is larger than the input's 2x2 images \(input shape \(48, 4, 2, 2\)\)$"),
    ([Dense(64, 3)],
     r"^train\(\): layer 0 \(Dense\(64 -> 3\)\) cannot take X: expects 64 input features \(the last axis\), got 8 "
     r"\(input shape \(48, 1, 8, 8\)\)$"),
]


@pytest.mark.parametrize(("layers", "message"), INCOMPATIBLE, ids=range(len(INCOMPATIBLE)))
def test_an_incompatible_stack_is_refused_naming_the_layer_and_the_shapes(layers, message):
    X, y = images()
    net = NeuralNetwork(CrossEntropy())
    for layer in layers:
        net.add(layer)
    before = net.state_dict()
    with pytest.raises(ValueError, match=message):
        net.train(X, y, epochs=1, learning_rate=0.1, verbose=False)
    assert all(np.array_equal(v, before[k]) for k, v in net.state_dict().items())
    with pytest.raises(ValueError, match=message.replace("train", "summary").replace("48", "1")):
        net.summary(input_shape=(1, 8, 8))
    with pytest.raises(ValueError, match=message.replace("train", "output_shapes").replace("48", "1")):
        net.output_shapes((1, 8, 8))


def test_a_cnn_learns_from_four_dimensional_input():
    X, y = images(96)
    net = cnn()
    history = net.train(X, y, epochs=30, learning_rate=0.01, batch_size=16, shuffle=True, optimizer=Adam,
                        verbose=False)
    assert history[-1] < 0.2 * history[0]
    assert net.evaluate(X, y, accuracy=True).accuracy == 1.0


def test_compiled_cnn_training_gives_the_same_numbers():
    X, y = images()
    runs = []
    for compiled in (False, True):
        net = cnn()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "cannot be compiled" fallback
            np.random.seed(1)
            history = net.train(X, y, epochs=3, learning_rate=0.01, batch_size=16, shuffle=True, optimizer=Adam,
                                verbose=False, compile=compiled)
        runs.append((history, net.predict(X)))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_float32_training_end_to_end():
    X, y = images()
    net = cnn().float()
    seen = []
    for layer in net.layers:
        layer.register_forward_hook(lambda m, args, out: seen.append((args[0].dtype, out.dtype)))
    history = net.train(X, y, epochs=3, learning_rate=0.01, batch_size=16, optimizer=Adam, verbose=False)
    assert {d for pair in seen for d in pair} == {np.dtype(np.float32)}
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in net.parameters())
    assert net.predict(X).dtype == np.float32 and net.predict_proba(X).dtype == np.float32
    assert X.dtype == np.float64 and net.forward(X).dtype == np.float32  # forward takes data as train() does
    assert net(X.tolist()).dtype == np.float32
    reference = cnn().train(X, y, epochs=3, learning_rate=0.01, batch_size=16, optimizer=Adam, verbose=False)
    np.testing.assert_allclose(history, reference, rtol=1e-4)  # the same training, to float32's precision
    assert "Total parameters: 235 (float32)" in net.summary()


def test_astype_refuses_other_dtypes_and_mixed_parameters_are_named():
    with pytest.raises(TypeError, match=r"NeuralNetwork.astype\(\): the dtype must be float64 or float32, got 'int32'"):
        cnn().astype("int32")
    net = cnn()
    net.layers[0].float()
    with pytest.raises(TypeError, match=r"parameters of several dtypes \['float32', 'float64'\]"):
        net.dtype  # noqa: B018
    assert Parameter(np.ones(2, np.float32)).dtype == np.float32 and Parameter([1, 2]).dtype == np.float64


# ------------------------------------------------------------------------------ classes and probabilities
def test_predict_classes_and_probabilities_for_cross_entropy():
    X, y = images()
    net = cnn()
    scores = net.predict(X)
    np.testing.assert_array_equal(net.predict(X, classes=True), scores.argmax(axis=1))
    proba = net.predict_proba(X)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(proba, e / e.sum(axis=1, keepdims=True), rtol=1e-14)
    result = net.evaluate(X, y, accuracy=True)
    assert isinstance(result, Evaluation)
    assert result.accuracy == np.mean(scores.argmax(axis=1) == y)
    assert result.loss == net.evaluate(X, y)
    assert net.evaluate(X, np.eye(3)[y], accuracy=True).accuracy == result.accuracy  # one-hot targets


def test_predict_classes_and_probabilities_for_bce():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = (X[:, :1] > 0).astype(float)
    np.random.seed(0)
    net = NeuralNetwork(BCE()).add(Dense(2, 4)).add(Tanh()).add(Dense(4, 1)).add(Sigmoid())
    p = net.predict(X)
    np.testing.assert_array_equal(net.predict(X, classes=True), (p[:, 0] >= 0.5).astype(int))
    np.testing.assert_array_equal(net.predict_proba(X), np.hstack([1 - p, p]))
    assert net.evaluate(X, y, accuracy=True).accuracy == np.mean((p >= 0.5) == (y >= 0.5))


def test_probabilities_of_an_mse_network_are_refused():
    net = NeuralNetwork(MSE()).add(Dense(2, 1))
    with pytest.raises(TypeError, match=r"MSE\(\) does not make the network's outputs probabilities of classes; "
                                        r"predict_proba needs a network trained with CrossEntropy"):
        net.predict_proba(np.ones((3, 2)))


# ------------------------------------------------------------------------------ files
def test_from_file_rebuilds_a_cnn_bit_for_bit(tmp_path):
    X, y = images()
    net = cnn().float()
    net.train(X, y, epochs=2, learning_rate=0.01, batch_size=16, optimizer=Adam, verbose=False)
    path = net.save(tmp_path / "cnn.npz")
    np.random.seed(7)
    state = np.random.get_state()[1].copy()
    other = NeuralNetwork.from_file(path)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # the caller's random stream is untouched
    assert [repr(m) for m in other.layers] == [repr(m) for m in net.layers]
    assert isinstance(other.loss_function, CrossEntropy) and other.dtype == np.float32
    assert other.summary() == net.summary()  # the input shape is in the file
    np.testing.assert_array_equal(other.predict(X), net.predict(X))
    built = cnn().float().load(path)  # into a network built by hand, as before
    np.testing.assert_array_equal(built.predict(X), net.predict(X))


@pytest.mark.parametrize("layer", [Conv2D(2, 3, (3, 2), stride=(2, 1), padding=(0, 1)), MaxPool2D(3, stride=(1, 2)),
                                   AvgPool2D((2, 1)), Flatten(), Dense(3, 4), Tanh(), Sigmoid(), ReLU()],
                         ids=repr)
def test_every_layer_type_round_trips(layer, tmp_path):
    net = NeuralNetwork(BCE(eps=1e-9)).add(layer)
    path = net.save(tmp_path / "one.npz")
    other = NeuralNetwork.from_file(path)
    assert repr(other.layers[0]) == repr(layer) and other.layers[0].config() == layer.config()
    assert other.loss_function.eps == 1e-9
    for (name, p), (_, q) in zip(net.named_parameters(), other.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


class Scale(Module):
    """A layer of the user's own: x * s, s learned."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.s = Parameter(np.full(size, 2.0))

    def forward(self, x):
        return x * self.s

    def config(self):
        return {"size": self.size}

    def __repr__(self):
        return f"Scale({self.size})"


class Opaque(Module):
    def forward(self, x):
        return x


def test_from_file_with_a_layer_class_of_ones_own(tmp_path):
    path = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Scale(3)).save(tmp_path / "own.npz")
    with pytest.raises(ValueError, match=r"from_file\(\): layer 1 of .* is a Scale \(Scale\(3\)\), a class from_file "
                                         r"does not know; pass it: NeuralNetwork.from_file\(path, layers=\{'Scale': "
                                         r"Scale\}\)"):
        NeuralNetwork.from_file(path)
    net = NeuralNetwork.from_file(path, layers={"Scale": Scale})
    np.testing.assert_array_equal(net.layers[1].s.data, [2.0, 2.0, 2.0])
    path = NeuralNetwork(MSE()).add(Opaque()).save(tmp_path / "opaque.npz")
    with pytest.raises(ValueError, match=r"layer 0 of .*, Opaque\(\), recorded no settings \(its class defines no "
                                         r"config\(\)\); build the network yourself and call net.load\(path\)"):
        NeuralNetwork.from_file(path, layers={"Opaque": Opaque})


def test_a_file_of_the_earlier_format_loads_but_cannot_be_rebuilt(tmp_path):
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid())
    arrays = {name: p.data for name, p in net.named_parameters()}
    np.savez(tmp_path / "old.npz", __architecture__=np.array(json.dumps(["Dense(2 -> 3)", "Sigmoid()"])), **arrays)
    other = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).load(tmp_path / "old.npz")
    np.testing.assert_array_equal(other.layers[0].weight.data, net.layers[0].weight.data)
    with pytest.raises(ValueError, match=re.escape("was written by an older version, which recorded the layers' names "
                                                   "only (['Dense(2 -> 3)', 'Sigmoid()']); build that network "
                                                   "yourself and call net.load(path)")):
        NeuralNetwork.from_file(tmp_path / "old.npz")


def test_loading_a_cnn_into_another_architecture_is_refused(tmp_path):
    path = cnn().save(tmp_path / "cnn.npz")
    net = NeuralNetwork(CrossEntropy()).add(Conv2D(1, 8, 3, padding=1))
    with pytest.raises(ValueError, match=r"holds a network \['Conv2D\(1 -> 4, 3x3, padding 1\)', 'ReLU\(\)'"):
        net.load(path)


def test_a_tensor_input_keeps_its_graph():
    net = cnn()
    x = Tensor(images(4)[0], requires_grad=True)
    net.forward(x).sum().backward()
    assert x.grad.shape == (4, 1, 8, 8)
