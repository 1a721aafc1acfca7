"""The playground's Run: training in chunks, what it records, live settings, divergence, the race."""

import numpy as np
import pytest

from demos.playground.data import make_dataset
from demos.playground.settings import Settings
from demos.playground.training import SGD, Adam, Race, RMSProp, Run, build_network, structure
from mlp import CrossEntropy, Dense, ReLU, Sigmoid


def run_of(**changes) -> Run:
    settings = Settings(**changes)
    return Run(settings, make_dataset(settings))


def test_network_follows_the_settings():
    net = build_network(Settings(hidden=(4, 2), activation="relu"), 3, 2)
    assert [repr(layer) for layer in net.layers] == [
        "Dense(3 -> 4)", "ReLU()", "Dense(4 -> 2)", "ReLU()", "Dense(2 -> 1)", "Sigmoid()"]
    ce = build_network(Settings(hidden=(), loss="ce"), 2, 3)
    assert [repr(layer) for layer in ce.layers] == ["Dense(2 -> 3)"] and isinstance(ce.loss_function, CrossEntropy)
    linear = build_network(Settings(hidden=(5,), activation="linear"), 2, 2)
    assert [type(layer) for layer in linear.layers] == [Dense, Dense, Sigmoid]


def test_same_seed_same_start_other_seed_other_start():
    a, b, c = run_of(seed=1), run_of(seed=1), run_of(seed=2)
    np.testing.assert_array_equal(a.net.layers[0].weight.data, b.net.layers[0].weight.data)
    assert not np.allclose(a.net.layers[0].weight.data, c.net.layers[0].weight.data)


def test_advance_trains_and_records_every_epoch():
    run = run_of(hidden=(3, 2))
    before = run.train_loss
    assert run.advance(50) == 50 and run.advance(25) == 25
    h = run.history
    assert run.epoch == 75 and h.epochs == list(range(1, 76))
    assert len(h.train_loss) == 75 and np.isnan(h.test_loss).all()  # no test set for the 4 XOR points
    assert list(h.grad_norms) == ["hidden 1", "hidden 2", "output"] and h.grad_epochs == [1, *range(5, 76, 5)]
    assert all(len(v) == 16 and min(v) > 0 for v in h.grad_norms.values())
    assert run.recorder.epochs == list(range(1, 76)) and len(run.recorder.trajectories) == 12
    assert run.train_loss == h.train_loss[-1] < before
    assert run.advance(0) == 0 and run.epoch == 75


def test_gradient_norms_are_those_of_the_whole_training_set():
    run = run_of(dataset="circle", hidden=(4,), batch=10)
    run.advance(5)
    run.net.zero_grad()
    run.net.loss_function(run.net.forward(run.train_X), run.train_y).backward()
    expected = [np.linalg.norm(d.weight.grad.data) for d in run.dense]
    assert [v[-1] for v in run.history.grad_norms.values()] == pytest.approx(expected)


def test_sigmoid_stacks_show_vanishing_gradients():
    run = run_of(dataset="circle", hidden=(8, 8, 8, 8), activation="sigmoid", batch=20)
    run.advance(1)
    norms = [v[0] for v in run.history.grad_norms.values()]
    assert norms[0] < norms[-1] / 10  # the first layer's gradient is far smaller than the output's


def test_test_loss_is_the_loss_on_the_test_points():
    run = run_of(dataset="circle")
    run.advance(3)
    assert run.test_loss == pytest.approx(run.net.evaluate(run.test_X, run.test_y))


@pytest.mark.slow
def test_the_defaults_learn_xor_within_the_epochs():
    run = run_of()
    run.advance(run.settings.epochs)
    assert run.finished and run.accuracy() == 1.0 and run.train_loss < 0.005
    assert np.isnan(run.accuracy(test=True))


def test_probabilities_are_distributions_over_the_classes():
    for run in (run_of(dataset="blobs", classes=3, loss="ce"), run_of(dataset="circle")):
        p = run.probabilities(run.data.points)
        assert p.shape == (200, run.data.classes)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_live_settings_apply_to_the_running_network():
    run = run_of()
    run.advance(10)
    weights = run.net.layers[0].weight.data.copy()
    run.configure(run.settings.replace(lr=0.03, optimizer="adam", regularization="l2", reg_rate=0.3, epochs=500))
    assert isinstance(run.opt, Adam) and run.opt.lr == 0.03 and run.settings.epochs == 500
    assert run.net.loss_function.kind == "l2" and run.net.loss_function.rate == 0.3
    np.testing.assert_array_equal(run.net.layers[0].weight.data, weights)  # same network, not a new one
    run.configure(run.settings.replace(optimizer="rmsprop"))
    assert isinstance(run.opt, RMSProp)
    run.configure(run.settings.replace(optimizer="momentum"))
    assert isinstance(run.opt, SGD) and run.opt.momentum == 0.9
    with pytest.raises(ValueError, match="build a new Run"):
        run.configure(run.settings.replace(hidden=(5,)))


def test_structure_names_what_needs_a_new_network():
    base = Settings()
    assert structure(base.replace(lr=3.0, batch=7, optimizer="adam", epochs=300)) == structure(base)
    for change in (dict(dataset="circle"), dict(hidden=(3, 3)), dict(features=("x1",)), dict(seed=5),
                   dict(activation="relu"), dict(loss="bce"), dict(noise=5), dict(train_percent=80), dict(classes=3)):
        assert structure(base.replace(**change)) != structure(base), change


@pytest.mark.parametrize("kind, penalty_gradient", [("l2", lambda W: W), ("l1", np.sign)])
def test_the_penalty_adds_its_gradient_to_the_weights_only(kind, penalty_gradient):
    run = run_of(hidden=(4,))
    X, y = run.train_X, run.train_y

    def gradients():
        run.net.zero_grad()
        run.net.loss_function(run.net.forward(X), y).backward()
        return [p.grad.data.copy() for p in run.net.parameters()]

    plain = gradients()
    run.configure(run.settings.replace(regularization=kind, reg_rate=0.1))
    penalized = gradients()
    for p, g0, g1 in zip(run.net.parameters(), plain, penalized):
        expected = 0.1 * penalty_gradient(p.data) if p.ndim == 2 else 0.0  # biases are not penalized
        np.testing.assert_allclose(g1 - g0, expected, atol=1e-12)


def test_divergence_stops_and_keeps_the_last_finite_weights():
    settings = Settings(dataset="circle", activation="linear", loss="ce", lr=10.0, batch=10)
    run = Run(settings, make_dataset(settings))
    done = run.advance(300)
    assert 0 < done < 300 and run.epoch == done and run.diverged is not None
    assert f"in epoch {done + 1}" in run.diverged and f"after epoch {done}" in run.diverged
    assert "Lower the learning rate" in run.diverged
    assert len(run.history.train_loss) == done and np.isfinite(run.train_loss)
    # the weights are those a fresh run has after exactly that many epochs
    again = Run(settings, make_dataset(settings))
    again.advance(done)
    for p, q in zip(run.net.parameters(), again.net.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    run.configure(settings.replace(lr=0.01))  # a smaller step goes on from there
    assert run.advance(5) == 5 and run.diverged is None


def test_loading_weights_replaces_them(tmp_path):
    trained = run_of()
    trained.advance(200)
    path = trained.net.save(tmp_path / "m.npz")
    fresh = run_of()
    fresh.load(path)
    np.testing.assert_array_equal(fresh.net.layers[0].weight.data, trained.net.layers[0].weight.data)
    assert fresh.train_loss == pytest.approx(trained.net.evaluate(trained.train_X, trained.train_y))
    other = run_of(hidden=(4,))
    with pytest.raises(ValueError, match="holds a network"):
        other.load(path)


def test_the_race_starts_four_optimizers_from_the_same_weights():
    settings = Settings(dataset="moons", hidden=(4,), batch=20, epochs=10)
    race = Race(settings, make_dataset(settings))
    starts = [r.net.layers[0].weight.data.copy() for r in race.runs.values()]
    for w in starts[1:]:
        np.testing.assert_array_equal(w, starts[0])
    race.advance(6)
    assert [r.epoch for r in race.runs.values()] == [6] * 4 and not race.finished
    losses = [r.train_loss for r in race.runs.values()]
    assert len(set(losses)) == 4  # four different paths
    race.advance(6)
    assert race.finished and [r.epoch for r in race.runs.values()] == [10] * 4


def test_relu_layers_are_relu():
    assert isinstance(run_of(activation="relu").net.layers[1], ReLU)
