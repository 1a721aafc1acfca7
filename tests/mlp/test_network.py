"""NeuralNetwork: the seed's Quick Start, training options, errors, save/load."""

import gc
import multiprocessing
import os
import re
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from mlp import (
    BCE,
    MSE,
    SGD,
    Adam,
    CrossEntropy,
    Dense,
    NeuralNetwork,
    ReLU,
    RMSProp,
    Sigmoid,
    Softmax,
    Tanh,
    TrainingDiverged,
)
from mlp.datasets import make_moons, xor


def seed_quick_start(seed: int) -> tuple[np.ndarray, list[float]]:
    """The seed README's Quick Start, word for word but for nn. -> mlp. and the seed call:
    the predictions and the per-epoch losses."""
    from mlp.activations import Sigmoid
    from mlp.layers import Dense
    from mlp.loss import MSE
    from mlp.network import NeuralNetwork

    np.random.seed(seed)
    X, y = xor()
    nn = NeuralNetwork(loss_function=MSE())
    nn.add(Dense(input_size=2, output_size=3))
    nn.add(Sigmoid())
    nn.add(Dense(input_size=3, output_size=1))
    nn.add(Sigmoid())
    history = nn.train(X, y, epochs=10000, learning_rate=0.1, verbose=False)
    return nn.predict(X), history


def test_seed_0_gives_the_numbers_the_readme_shows():
    """The Quick Start's printed predictions and the final loss that it and demos.xor print."""
    predictions, history = seed_quick_start(0)
    assert predictions.shape == (4, 1)
    assert predictions.round(3).ravel().tolist() == [0.013, 0.966, 0.965, 0.043]
    assert f"{history[-1]:.6f}" == "0.001081" and len(history) == 10000


@pytest.mark.slow
def test_seed_quick_start_solves_xor_for_nine_of_ten_seeds():
    _, y = xor()
    # 10 runs of 40,000 steps: use both cores. Workers come from a fork server, not forked from
    # this process: in CI it has imported jax (the benchmarks' peers), whose threads a fork breaks
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        predictions = [p for p, _ in pool.map(seed_quick_start, range(10))]
    solved = [bool(np.all(np.abs(p - y) < 0.1)) for p in predictions]
    assert sum(solved) >= 9, f"solved for seeds {[s for s, ok in enumerate(solved) if ok]}"


def xor_net(loss=None) -> NeuralNetwork:
    return NeuralNetwork(loss or MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())


def test_train_returns_the_mean_loss_of_each_epoch():
    X, y = xor()
    np.random.seed(0)
    net = xor_net()
    before = net.state_dict()
    history = net.train(X, y, epochs=3, learning_rate=0.1, verbose=False)
    assert len(history) == 3 and all(isinstance(v, float) for v in history)
    # epoch 1 loss: the mean of the four per-sample losses, each taken before its own SGD step
    check = xor_net()
    check.load_state_dict(before)
    losses = []
    for i in range(4):
        losses.append(check.evaluate(X[i:i + 1], y[i:i + 1]))
        check.train_one_epoch(X[i:i + 1], y[i:i + 1], 0.1)
    assert history[0] == pytest.approx(np.mean(losses), rel=1e-12)


def test_defaults_are_per_sample_sgd_in_data_order():
    X, y = xor()
    np.random.seed(1)
    a = xor_net()
    b = xor_net()
    b.load_state_dict(a.state_dict())
    a.train(X, y, epochs=5, learning_rate=0.1, verbose=False)
    for _ in range(5):
        b.train_one_epoch(X, y, learning_rate=0.1)
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_adam_with_batches_of_four_separates_xor_within_1000_epochs():
    X, y = xor()
    solved = 0
    for seed in range(10):
        np.random.seed(seed)
        net = xor_net()
        net.train(X, y, epochs=1000, learning_rate=0.1, batch_size=4, optimizer=Adam, verbose=False)
        solved += bool(np.all((net.predict(X) > 0.5) == (y > 0.5)))
    assert solved >= 9


def test_relu_net_with_bce_and_adam_fits_two_moons():
    X, y = make_moons(100, noise=0.1, rng=0)
    np.random.seed(0)
    net = NeuralNetwork(BCE())
    for layer in (Dense(2, 16), ReLU(), Dense(16, 16), ReLU(), Dense(16, 1), Sigmoid()):
        net.add(layer)
    net.train(X, y, epochs=500, learning_rate=0.01, batch_size=16, shuffle=True, optimizer=Adam, verbose=False)
    assert np.mean((net.predict(X) > 0.5) == y) == 1.0


def test_seeded_runs_give_identical_numbers():
    X, y = make_moons(40, noise=0.2, rng=1)

    def run():
        np.random.seed(5)
        net = NeuralNetwork(BCE()).add(Dense(2, 8)).add(Tanh()).add(Dense(8, 1)).add(Sigmoid())
        return net.train(X, y, epochs=20, learning_rate=0.01, batch_size=8, shuffle=True, optimizer=Adam,
                         verbose=False), net.predict(X)

    (h1, p1), (h2, p2) = run(), run()
    assert h1 == h2
    np.testing.assert_array_equal(p1, p2)


@pytest.mark.parametrize("optimizer", [SGD, RMSProp, Adam])
def test_optimizer_class_or_instance(optimizer):
    X, y = xor()
    np.random.seed(0)
    net = xor_net()
    h1 = net.train(X, y, epochs=50, learning_rate=0.05, batch_size=4, optimizer=optimizer, verbose=False)
    assert h1[-1] < h1[0]
    np.random.seed(0)
    net2 = xor_net()
    h2 = net2.train(X, y, epochs=50, batch_size=4, optimizer=optimizer(net2.parameters(), lr=0.05), verbose=False)
    assert h1 == h2


def test_predict_returns_numpy_without_a_graph():
    X, _ = xor()
    net = xor_net()
    out = net.predict(X)
    assert isinstance(out, np.ndarray) and out.shape == (4, 1)
    assert not net.forward(X).is_leaf  # forward records, predict does not


def test_callbacks_receive_epoch_loss_and_network():
    X, y = xor()
    seen = []
    net = xor_net()
    history = net.train(X, y, epochs=3, learning_rate=0.1, verbose=False,
                        callbacks=lambda epoch, loss, network: seen.append((epoch, loss, network)))
    assert [e for e, _, _ in seen] == [1, 2, 3]
    assert [v for _, v, _ in seen] == history
    assert all(n is net for _, _, n in seen)


def test_verbose_prints_the_seeds_ten_lines_and_no_bar(capsys):
    X, y = xor()
    xor_net().train(X, y, epochs=1000, learning_rate=0.1, batch_size=4, verbose=True, progress=True)
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert 10 <= len(lines) <= 11
    assert lines[-1].startswith("epoch 1000/1000  loss ")
    assert err == ""


def test_the_progress_bar_shows_epochs_loss_and_time_left(capsys):
    X, y = xor()
    history = xor_net().train(X, y, epochs=300, learning_rate=0.1, batch_size=4, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    last = err.replace("\r", "\n").strip().splitlines()[-1]  # the bar's final state
    assert last.startswith("train: 100%") and "300/300" in last and "epoch/s" in last
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", last)  # elapsed < left, as tqdm shows them
    shown = float(re.search(r"loss ([0-9.e+-]+)", last).group(1))
    assert shown == pytest.approx(history[-1], rel=1e-3)  # the loss of the last epoch, to the digits shown


def test_by_default_no_bar_where_stderr_is_not_a_terminal(capsys):
    X, y = xor()
    xor_net().train(X, y, epochs=50, learning_rate=0.1)
    assert capsys.readouterr() == ("", "")
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        xor_net().train(X, y, epochs=5, learning_rate=0.1, progress="yes")


def test_jupyter_shows_the_summary_as_a_table():
    X, y = xor()
    net = xor_net()
    net.train(X, y, epochs=1, learning_rate=0.1)
    page = net._repr_html_()
    assert page.count("<tr>") == 1 + 4  # the header and one row per layer
    for text in ("Dense(2 -&gt; 3)", "Sigmoid()", "(batch, 3)", "(batch, 1)", "Total parameters: 13", "MSE()"):
        assert text in page, text
    broken = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Dense(4, 1))
    broken.input_shape = (2,)
    assert "cannot take" in broken._repr_html_()  # the reason, in place of a table


def test_evaluate_and_summary():
    X, y = xor()
    net = xor_net()
    assert net.evaluate(X, y) == pytest.approx(np.mean((net.predict(X) - y) ** 2))
    text = net.summary()
    assert "Dense(2 -> 3)" in text and "Sigmoid()" in text and "Total parameters: 13" in text


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "message"),
    [
        (np.ones((4, 2)), np.ones((3, 1)), {}, r"X has 4 samples but y has 3"),
        (np.ones((4, 5)), np.ones((4, 1)), {},
         r"^train\(\): layer 0 \(Dense\(2 -> 3\)\) cannot take X: expects 2 input features \(the last axis\), got 5 "
         r"\(input shape \(4, 5\)\)$"),
        (np.array([[0, 0], [np.nan, 1], [1, 0], [1, 1]]), np.ones((4, 1)), {}, r"X contains nan at index \(1, 0\)"),
        (np.ones((4, 2)), np.array([[0], [1], [np.inf], [0]]), {}, r"y contains inf at index \(2, 0\)"),
        (np.ones((4, 2)), np.ones((4, 1)), {"learning_rate": 0}, "learning_rate must be a positive number"),
        (np.ones((4, 2)), np.ones((4, 1)), {"learning_rate": -0.1}, "learning_rate must be a positive number"),
        (np.ones((4, 2)), np.ones((4, 1)), {"epochs": 0}, "epochs must be a positive integer"),
        (np.ones((4, 2)), np.ones((4, 1)), {"epochs": 2.5}, "epochs must be a positive integer"),
        (np.ones((4, 2)), np.ones(4), {},
         r"train\(\): MSE\(\) cannot compare the network's output for X, shape \(4, 1\), with y, shape \(4,\): "
         r"reshape y to \(4, 1\), e.g. y.reshape\(4, 1\)$"),
        (np.ones((4, 2)), np.ones((4, 1)), {"learning_rate": np.inf}, "learning_rate must be a positive number"),
        (np.ones(4), np.ones((4, 1)), {}, r"X must have a samples axis and at least one more, shape \(samples, "
                                          r"features\) or \(samples, channels, height, width\), got shape \(4,\)"),
        (np.ones((4, 2)), np.float64(1.0), {}, r"^train\(\): y must hold one target per sample, 4 for X's 4 samples "
                                               r"\(shape \(4,\) or \(4, ...\)\), got the single value 1.0 \(shape "
                                               r"\(\)\)$"),
    ],
    ids=["lengths", "input-size", "nan-X", "inf-y", "lr-zero", "lr-negative", "epochs-zero", "epochs-float",
         "target-shape", "lr-inf", "X-1d", "y-0d"],
)
def test_bad_input_is_refused_before_any_training_step(X, y, kwargs, message):
    net = xor_net()
    before = net.state_dict()
    args = {"epochs": 10, "learning_rate": 0.1, "verbose": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        net.train(X, y, **args)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


@pytest.mark.parametrize("setting", ["shuffle", "compile"])
def test_switches_must_be_true_or_false(setting):
    """shuffle="no" is a true string: it shuffled."""
    X, y = xor()
    net = xor_net()
    before = net.state_dict()
    with pytest.raises(TypeError, match=rf"^train\(\): {setting} must be True or False, got 'no'$"):
        net.train(X, y, epochs=2, learning_rate=0.1, verbose=False, **{setting: "no"})
    assert unchanged(net, before)
    net.train(X, y, epochs=1, learning_rate=0.1, verbose=False, **{setting: np.bool_(False)})


def unchanged(net: NeuralNetwork, before: dict) -> bool:
    return all(np.array_equal(value, before[name]) for name, value in net.state_dict().items())


def test_train_without_targets_says_how_to_call_it():
    X, _ = xor()
    with pytest.raises(TypeError, match=r"^train\(\): no targets: give them after the inputs, "
                                        r"train\(X, y, epochs=\.\.\., learning_rate=\.\.\.\)$"):
        xor_net().train(X)


def test_train_without_epochs_says_what_to_give():
    X, y = xor()
    with pytest.raises(TypeError, match=r"give the number of passes over the data, epochs=\.\.\."):
        xor_net().train(X, y, learning_rate=0.1)


@pytest.mark.parametrize("loss", [MSE, CrossEntropy])
def test_a_loss_class_instead_of_an_instance_is_refused_where_it_is_given(loss):
    message = rf"loss_function must be a loss object, got the class {loss.__name__}: write {loss.__name__}\(\)"
    with pytest.raises(TypeError, match=message):
        NeuralNetwork(loss_function=loss)
    net = xor_net()
    with pytest.raises(TypeError, match=message):
        net.loss_function = loss
    assert isinstance(net.loss_function, MSE)


def test_a_layer_class_instead_of_a_layer_is_refused_by_add():
    net = NeuralNetwork(MSE())
    with pytest.raises(TypeError, match=r"add\(\): got the class Sigmoid, not a layer: write Sigmoid\(\.\.\.\) with "
                                        r"parentheses"):
        net.add(Sigmoid)
    assert net.layers == []


def test_a_loss_that_is_not_callable_is_refused():
    with pytest.raises(TypeError, match=r"loss_function must be a loss such as MSE\(\), BCE\(\) or CrossEntropy\(\), "
                                        r"got 'mse' \(str\)"):
        NeuralNetwork("mse")


@pytest.mark.parametrize("callbacks", [42, [print, 42], "epoch"])
def test_callbacks_that_are_not_functions_are_refused_before_any_step(callbacks):
    X, y = xor()
    net = xor_net()
    before = net.state_dict()
    with pytest.raises(TypeError, match=r"train\(\): callbacks must be a function f\(epoch, loss, network\) or a list "
                                        rf"of them, got {re.escape(repr(callbacks))}$"):
        net.train(X, y, epochs=2, learning_rate=0.1, verbose=False, callbacks=callbacks)
    assert unchanged(net, before)


def test_bce_after_a_network_with_no_sigmoid_is_refused_before_any_step():
    X, y = make_moons(100, noise=0.1, rng=0)
    net = NeuralNetwork(BCE()).add(Dense(2, 8)).add(ReLU()).add(Dense(8, 1))
    before = net.state_dict()
    with pytest.raises(ValueError, match=r"train\(\): BCE\(\) refused the network's output for X, shape \(100, 1\), "
                                         r"and y, shape \(100, 1\): bce: predictions must be probabilities in "
                                         r"\[0, 1\], got -?[\d.]+ at index \(\d+, 0\); end the network with a sigmoid "
                                         r"\(a Sigmoid layer\), or give the raw scores to bce_with_logits instead$"):
        net.train(X, y, epochs=5, learning_rate=0.01, verbose=False)
    assert unchanged(net, before)


def test_a_bad_class_index_in_any_sample_is_refused_before_any_step():
    """The whole data set is checked (in chunks of 4096 rows), not only the first sample."""
    X = np.random.default_rng(0).standard_normal((5000, 2))
    y = np.zeros(5000, dtype=int)
    y[4500] = 3
    net = NeuralNetwork(CrossEntropy()).add(Dense(2, 3))
    before = net.state_dict()
    with pytest.raises(ValueError, match=r"train\(\): CrossEntropy\(\) refused the network's output for X, shape "
                                         r"\(5000, 3\), and y, shape \(5000,\): cross_entropy: class index 3 is out "
                                         r"of range for 3 classes \(0..2\)"):
        net.train(X, y, epochs=1, learning_rate=0.1, batch_size=100, verbose=False)
    assert unchanged(net, before)


def test_softmax_before_cross_entropy_warns_of_a_double_softmax():
    X, y = xor()
    net = NeuralNetwork(CrossEntropy()).add(Dense(2, 4)).add(Tanh()).add(Dense(4, 2)).add(Softmax())
    with pytest.warns(UserWarning, match=r"the last layer is a Softmax, and CrossEntropy applies softmax itself "
                                         r"\(it takes raw scores\): softmax is applied twice") as record:
        net.train(X, y.ravel().astype(int), epochs=1, learning_rate=0.1, verbose=False)
    assert record[0].filename == __file__  # pointed at the call to train()


def test_cross_entropy_on_raw_scores_does_not_warn():
    X, y = xor()
    net = NeuralNetwork(CrossEntropy()).add(Dense(2, 4)).add(Tanh()).add(Dense(4, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.train(X, y.ravel().astype(int), epochs=1, learning_rate=0.1, verbose=False)


def test_an_optimizer_over_another_networks_parameters_is_refused():
    X, y = xor()
    net, other = xor_net(), xor_net()
    before, other_before = net.state_dict(), other.state_dict()
    with pytest.raises(ValueError, match=r"train\(\): the optimizer Adam\(lr=0.01\) was built over other parameters, "
                                         r"none of this network's, so training would change nothing here; build it "
                                         r"over this network's, Adam\(net.parameters\(\), lr=...\), or pass the class"):
        net.train(X, y, epochs=3, optimizer=Adam(other.parameters(), lr=0.01), verbose=False)
    assert unchanged(net, before) and unchanged(other, other_before)


def test_an_optimizer_missing_some_parameters_warns_and_names_them():
    X, y = xor()
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid())
    opt = SGD(net.parameters(), lr=0.1)  # built before the last add()
    net.add(Dense(3, 1))
    with pytest.warns(UserWarning, match=r"does not hold layers.2.weight, layers.2.bias: these will not be trained") \
            as record:
        net.train(X, y, epochs=1, optimizer=opt, verbose=False)
    assert record[0].filename == __file__


def test_a_later_dense_mismatch_names_the_layer_before_it():
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(4, 1))
    with pytest.raises(ValueError, match=r"^train\(\): layer 2 \(Dense\(4 -> 1\)\) cannot take the output of layer 1 "
                                         r"\(Sigmoid\(\)\): expects 4 input features \(the last axis\), got 3 \(input "
                                         r"shape \(4, 3\)\)$"):
        net.train(np.ones((4, 2)), np.ones((4, 1)), epochs=1, learning_rate=0.1)


def test_a_loss_that_turns_nan_stops_training_and_names_the_epoch():
    X, y = xor()
    np.random.seed(0)
    net = NeuralNetwork(MSE()).add(Dense(2, 8)).add(ReLU()).add(Dense(8, 1))
    message = r"training stopped at epoch \d+ \(step \d\): the loss became (inf|nan)"
    with pytest.raises(TrainingDiverged, match=message) as err, np.errstate(over="ignore", invalid="ignore"):
        net.train(X * 1e3, y, epochs=200, learning_rate=10.0, verbose=False)
    assert err.value.epoch >= 1 and len(err.value.history) == err.value.epoch - 1
    assert all(np.all(np.isfinite(p.data)) for p in net.parameters())


def test_gradients_match_the_hand_derived_backprop():
    from mlp import manual

    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 4))
    cases = [(MSE(), rng.standard_normal((6, 3))), (BCE(), rng.uniform(size=(6, 3))),
             (CrossEntropy(), rng.integers(0, 3, 6))]
    for loss, y in cases:
        np.random.seed(1)
        net = NeuralNetwork(loss).add(Dense(4, 8)).add(ReLU()).add(Dense(8, 8)).add(Tanh()).add(Dense(8, 3))
        if not isinstance(loss, CrossEntropy):
            net.add(Sigmoid())
        value = net.loss_function(net.forward(X), y)
        value.backward()
        manual_loss, manual_grads = manual.gradients(net, X, y)
        assert value.item() == pytest.approx(manual_loss, abs=1e-12)
        assert list(manual_grads) == [n for n, _ in net.named_parameters()]
        for name, p in net.named_parameters():
            np.testing.assert_allclose(p.grad.data, manual_grads[name], rtol=0, atol=1e-10, err_msg=name)


def test_save_and_load_round_trip_bit_for_bit(tmp_path):
    X, y = xor()
    np.random.seed(2)
    net = xor_net()
    net.train(X, y, epochs=20, learning_rate=0.5, verbose=False)
    path = net.save(tmp_path / "model.npz")
    other = xor_net()
    other.load(path)
    np.testing.assert_array_equal(other.predict(X), net.predict(X))
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind


def test_save_replaces_an_existing_file_atomically(tmp_path):
    path = tmp_path / "model.npz"
    xor_net().save(path)
    net = xor_net()
    net.save(path)
    np.testing.assert_array_equal(xor_net().load(path).predict(np.ones((1, 2))), net.predict(np.ones((1, 2))))


def test_save_over_a_folder_is_refused_and_the_folder_kept(tmp_path):
    (tmp_path / "model.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"cannot write '.*model.npz': it is a folder"):
        xor_net().save(tmp_path / "model.npz")
    assert (tmp_path / "model.npz").is_dir() and os.listdir(tmp_path) == ["model.npz"]


def test_a_corrupt_file_raises_and_changes_nothing(tmp_path):
    net = xor_net()
    before = net.state_dict()
    path = tmp_path / "model.npz"
    net.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(ValueError, match="is not a model file written by save"):
        net.load(path)
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="is not a model file written by save"):
        net.load(path)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_a_missing_or_mismatched_file_raises_and_changes_nothing(tmp_path):
    net = xor_net()
    before = net.state_dict()
    with pytest.raises(FileNotFoundError, match="no model file"):
        net.load(tmp_path / "absent.npz")
    bigger = NeuralNetwork(MSE()).add(Dense(2, 4)).add(Sigmoid()).add(Dense(4, 1)).add(Sigmoid())
    bigger.save(tmp_path / "bigger.npz")
    with pytest.raises(ValueError, match=r"holds a network \['Dense\(2 -> 4\)'"):
        net.load(tmp_path / "bigger.npz")
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    with pytest.raises(ValueError, match="no architecture record"):
        net.load(tmp_path / "plain.npz")
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_called_on_the_class_says_to_build_the_network_first(tmp_path):
    path = xor_net().save(tmp_path / "model.npz")
    with pytest.raises(TypeError, match=r"NeuralNetwork.load\(\) is called on a network, not on the class: build "
                                        r"the network with the same layers first, then call net.load\(path\)"):
        NeuralNetwork.load(path)
    net = xor_net()
    assert NeuralNetwork.load(net, path) is net  # the unbound call still works


def test_loading_a_file_that_is_not_a_model_says_so_and_closes_it(tmp_path):
    net = xor_net()
    before = net.state_dict()
    np.save(tmp_path / "array.npy", np.ones(3))
    (tmp_path / "notes.txt").write_text("hello")
    net.save(tmp_path / "model.npz")
    data = (tmp_path / "model.npz").read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    (tmp_path / "folder.npz").mkdir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("array.npy", "notes.txt", "truncated.npz", "folder.npz"):
            with pytest.raises(ValueError, match=rf"^load\(\): '{re.escape(str(tmp_path / name))}' is not a model "
                                                 r"file written by save\(\) \(.+\)$"):
                net.load(tmp_path / name)
        gc.collect()  # a file left open (held by a traceback's frames, say) would warn now
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert unchanged(net, before)


def test_pytorch_style_train_and_eval_switch_modes():
    net = xor_net()
    assert net.train(False) is net and not net.training
    net.train()
    assert net.training


def test_no_derivative_formula_outside_manual():
    """mlp composes engine ops: no backward(), no derivative, no σ(1-σ) anywhere but manual.py."""
    import re

    import mlp

    folder = os.path.dirname(mlp.__file__)
    pattern = re.compile(r"def backward|derivative|\* \(1(\.0)? - |1(\.0)? - \w+ ?\*\* ?2|\.grad *=(?! *None)")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py") and name != "manual.py":
            with open(os.path.join(folder, name)) as f:
                for lineno, line in enumerate(f, 1):
                    assert not pattern.search(line), f"{name}:{lineno}: {line.strip()}"


def test_cross_entropy_on_one_output_is_refused_and_bce_suggested():
    """Softmax over one score is 1: the loss was always 0 and training learned nothing, after
    a hint to reshape y to (10, 1). Refused before any step, by train() and evaluate() alike."""
    rng = np.random.default_rng(0)
    X, labels = rng.standard_normal((10, 2)), rng.integers(0, 2, 10)
    net = NeuralNetwork(CrossEntropy()).add(Dense(2, 3)).add(Tanh()).add(Dense(3, 1))
    before = net.state_dict()
    reason = (r"cross-entropy needs at least 2 outputs per sample, one score per class, but the network gives 1 "
              r"\(output shape \(10, 1\)\): the softmax of one score is always 1, so the loss would always be 0 and "
              r"nothing would be learned. For C classes end the network with C outputs \(y: class indices 0..C-1\); "
              r"for a yes/no target keep one output and use BCE\(\) after a final Sigmoid\(\)$")
    for y in (labels, labels.reshape(10, 1), labels.reshape(10, 1).astype(float)):
        with pytest.raises(ValueError, match=r"^train\(\): " + reason):
            net.train(X, y, epochs=2, learning_rate=0.1, verbose=False)
        with pytest.raises(ValueError, match=r"^evaluate\(\): " + reason):
            net.evaluate(X, y)
    with pytest.raises(ValueError, match=r"^CrossEntropy\(\): " + reason):
        CrossEntropy()(net.forward(X), labels.reshape(10, 1))
    assert unchanged(net, before)
