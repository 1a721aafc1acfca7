"""The demos: each runs end to end with small sizes, prints the numbers the library computes,
writes real pictures, and turns a bad command-line value into a usage error."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from demos import compare_gradients, digits, graph, moons, xor
from mlp import BCE, MSE, Adam, Dense, NeuralNetwork, ReLU, Sigmoid
from mlp.datasets import make_moons
from mlp.datasets import xor as xor_data

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMOS = [xor, compare_gradients, graph, moons, digits]


def written(folder) -> dict[str, int]:
    return {os.path.relpath(os.path.join(d, f), folder): os.path.getsize(os.path.join(d, f))
            for d, _, files in os.walk(folder) for f in files}


def xor_table(out: str) -> list[tuple[float, float, float]]:
    """(target, prediction, error) of each row of the demo's table."""
    rows = re.findall(r"^\| \[\d, \d\]\s+\|\s+(\d)\s+\|\s+([\d.]+)\s+\| ([\d.]+)\s+\|", out, re.M)
    return [(float(t), float(p), float(e)) for t, p, e in rows]


def test_xor_prints_the_networks_own_predictions(tmp_path, capsys):
    assert xor.main(["--out", str(tmp_path), "--epochs", "300", "--lr", "0.5", "--tour"]) == 0
    out = capsys.readouterr().out
    np.random.seed(0)  # the same training through the library, apart from the demo
    X, y = xor_data()
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    history = net.train(X, y, epochs=300, learning_rate=0.5, verbose=False)
    predictions = net.predict(X).ravel()
    table = xor_table(out)
    assert [t for t, _, _ in table] == [0, 1, 1, 0]
    assert [p for _, p, _ in table] == [float(f"{p:.3f}") for p in predictions]
    assert [e for _, _, e in table] == [float(f"{abs(p - t):.3f}") for p, t in zip(predictions, y.ravel())]
    assert "(1,200 compiled steps, al.compile); the same training eagerly: " in out
    assert "losses equal to 0e+00" in out  # compiled and eager: the same numbers
    assert f"final loss {history[-1]:.6f}\n" in out
    solved = bool(np.all(np.abs(predictions - y.ravel()) < 0.1))
    assert f"every prediction within 0.1 of its target: {'yes' if solved else 'no'}" in out
    files = written(tmp_path)
    for name in ("training_loss.png", "decision_boundary.png", "hidden_activations.png", "weight_dynamics.png",
                 "training_step_graph.svg"):
        assert files[name] > 1000, name
    assert files["compiled_step_program.svg"] > 1000
    assert sum(1 for f in files if f.startswith("tour")) == 13  # one frame per op: affine, 4 in sigmoid, twice; mse 3


def test_xor_with_adam_and_batches_of_three(tmp_path, capsys):
    assert xor.main(["--out", str(tmp_path), "--epochs", "1000", "--optimizer", "adam", "--batch-size", "3"]) == 0
    out = capsys.readouterr().out
    assert "(2,000 compiled steps" in out  # batches of 3 and 1 in each epoch of four points
    assert all(error < 0.1 for _, _, error in xor_table(out))
    assert "every prediction within 0.1 of its target: yes" in out


def largest_differences(out: str) -> tuple[float, float]:
    found = re.search(r"autodiff vs manual (\S+) \(tolerance 1e-10\), autodiff vs finite differences (\S+) ", out)
    return float(found[1]), float(found[2])


def test_compare_gradients_agrees(tmp_path, capsys):
    assert compare_gradients.main(["--out", str(tmp_path), "--batch", "4"]) == 0
    out = capsys.readouterr().out
    assert out.count("layers.0.weight") == 3 and "<- disagrees" not in out
    manual, numeric = largest_differences(out)
    assert manual <= 1e-10 and numeric <= 1e-6
    assert out.split("\n\npictures:")[0].splitlines()[-1] == "agree"
    assert written(tmp_path)["gradient_differences.png"] > 1000


def test_compare_gradients_counts_a_nan_difference_as_a_disagreement(tmp_path, capsys, monkeypatch):
    def nan_differences(net, X, y):
        return {name: np.full(p.shape, np.nan) for name, p in net.named_parameters()}

    monkeypatch.setattr(compare_gradients, "finite_differences", nan_differences)
    assert compare_gradients.main(["--out", str(tmp_path), "--batch", "2"]) == 1
    out = capsys.readouterr().out
    manual, numeric = largest_differences(out)
    assert manual <= 1e-10 and np.isnan(numeric)
    assert out.count("<- disagrees") == 4 + 6 + 6  # every parameter of the three networks
    assert out.split("\n\npictures:")[0].splitlines()[-1] == "DISAGREE"


def test_the_worse_of_two_differences_is_nan_if_either_is():
    assert np.isnan(compare_gradients.worse(0.0, float("nan")))
    assert np.isnan(compare_gradients.worse(float("nan"), 1.0))
    assert compare_gradients.worse(1e-3, 1e-5) == 1e-3 and compare_gradients.worse(0.0, np.inf) == np.inf


def test_graph(tmp_path, capsys):
    assert graph.main(["--out", str(tmp_path), "--xor-epochs", "5"]) == 0
    assert "d o/d x1 = -1.5000" in capsys.readouterr().out
    files = written(tmp_path)
    assert files["neuron.svg"] > 1000 and files["xor_loss.svg"] > 1000
    assert sorted(f for f in files if f.startswith("neuron_tour")) == [
        os.path.join("neuron_tour", f"step_0{k}.svg") for k in range(1, 6)]


def test_moons_prints_the_networks_own_accuracy_and_loss(tmp_path, capsys):
    assert moons.main(["--out", str(tmp_path), "--samples", "40", "--epochs", "30"]) == 0
    out = capsys.readouterr().out
    X, y = make_moons(40, noise=0.1, rng=0)  # the same training through the library, apart from the demo
    np.random.seed(0)
    net = NeuralNetwork(BCE())
    for layer in (Dense(2, 16), ReLU(), Dense(16, 16), ReLU(), Dense(16, 1), Sigmoid()):
        net.add(layer)
    history = net.train(X, y, epochs=30, learning_rate=0.01, batch_size=16, shuffle=True, optimizer=Adam,
                        verbose=False)
    accuracy = float(np.mean((net.predict(X) > 0.5) == y))
    assert f"final loss {history[-1]:.5f}; training accuracy {accuracy:.1%}\n" in out
    assert written(tmp_path)["decision_boundary.png"] > 1000
    assert "did not fall" not in out


def test_moons_says_why_when_the_loss_does_not_fall(tmp_path, capsys):
    """lr=50 saturated the sigmoid: loss 50, accuracy 50%, and no word of why."""
    assert moons.main(["--out", str(tmp_path), "--samples", "40", "--epochs", "20", "--lr", "50"]) == 0
    out = capsys.readouterr().out
    assert "the loss did not fall" in out and "Try a smaller --lr (default 0.01)" in out
    assert moons.main(["--out", str(tmp_path), "--samples", "40", "--epochs", "5", "--lr", "0.00001"]) == 0
    out = capsys.readouterr().out  # a tiny rate: the advice is the other way
    assert "the loss hardly fell" in out and "Try more --epochs or a larger --lr" in out and "smaller" not in out


def test_runs_as_a_module_from_the_checkout(tmp_path):
    done = subprocess.run([sys.executable, "-m", "demos.compare_gradients", "--out", str(tmp_path), "--batch", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "\nagree\n" in done.stdout


def test_a_bad_value_on_the_command_line_is_a_usage_error_not_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "demos.compare_gradients", "--out", str(tmp_path), "--batch", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: python -m demos.compare_gradients")
    assert done.stderr.endswith("error: argument --batch: must be at least 1, got 0\n")


@pytest.mark.parametrize(
    ("demo", "argv", "message"),
    [
        (xor, ["--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
        (xor, ["--epochs", "-5"], "argument --epochs: must be at least 1, got -5"),
        (xor, ["--epochs", "2.5"], "argument --epochs: expected a positive whole number, got '2.5'"),
        (xor, ["--lr", "0"], "argument --lr: must be greater than 0, got 0"),
        (xor, ["--lr", "-0.1"], "argument --lr: must be greater than 0, got -0.1"),
        (xor, ["--lr", "nan"], "argument --lr: must be a finite number, got 'nan'"),
        (xor, ["--hidden", "0"], "argument --hidden: must be at least 1, got 0"),
        (xor, ["--batch-size", "0"], "argument --batch-size: must be at least 1, got 0"),
        (xor, ["--seed", "-1"], "argument --seed: must be between 0 and 2**32 - 1 (numpy's range), got -1"),
        (xor, ["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
        (compare_gradients, ["--batch", "0"], "argument --batch: must be at least 1, got 0"),
        (compare_gradients, ["--batch", "-3"], "argument --batch: must be at least 1, got -3"),
        (graph, ["--xor-epochs", "0"], "argument --xor-epochs: must be at least 1, got 0"),
        (graph, ["--format", "pdf"], "argument --format: invalid choice: 'pdf'"),
        (moons, ["--samples", "1"], "argument --samples: must be at least 2 (one point per moon), got 1"),
        (moons, ["--samples", "-4"], "argument --samples: must be at least 1, got -4"),
        (moons, ["--noise", "-0.1"], "argument --noise: must be 0 or more, got -0.1"),
        (moons, ["--noise", "inf"], "argument --noise: must be a finite number, got 'inf'"),
        (moons, ["--hidden", "0"], "argument --hidden: must be at least 1, got 0"),
        (moons, ["--epochs", "-1"], "argument --epochs: must be at least 1, got -1"),
        (moons, ["--lr", "0"], "argument --lr: must be greater than 0, got 0"),
        (moons, ["--batch-size", "0"], "argument --batch-size: must be at least 1, got 0"),
    ],
)
def test_bad_values_are_usage_errors(demo, argv, message, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--out", str(out), *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: python -m demos.{demo.__name__.split('.')[-1]}")
    assert message in err
    assert not out.exists()  # refused before anything ran


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.__name__)
def test_out_must_not_be_a_file(demo, tmp_path, capsys):
    (tmp_path / "taken").write_text("keep me")
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--out", str(tmp_path / "taken")])
    assert exit_.value.code == 2
    assert f"argument --out: '{tmp_path / 'taken'}' is a file, not a folder" in capsys.readouterr().err
    assert (tmp_path / "taken").read_text() == "keep me"


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.__name__)
def test_out_inside_a_file_or_empty_is_a_usage_error(demo, tmp_path, capsys):
    (tmp_path / "taken").write_text("keep me")
    for out, message in ((tmp_path / "taken" / "sub", f"is inside '{tmp_path / 'taken'}', which is a file"),
                         ("", "an empty name")):
        with pytest.raises(SystemExit) as exit_:
            demo.main(["--out", str(out)])
        assert exit_.value.code == 2 and message in capsys.readouterr().err


A_PICTURE = {xor: "training_loss.png", compare_gradients: "gradient_differences.png", graph: "neuron.svg",
             moons: "decision_boundary.png", digits: "cnn.npz"}


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.__name__)
def test_a_folder_where_a_picture_goes_is_refused_before_any_work(demo, tmp_path):
    # the demo trained first, then failed on its last line with an IsADirectoryError traceback
    (tmp_path / A_PICTURE[demo]).mkdir()
    with pytest.raises(SystemExit, match=f"'{tmp_path / A_PICTURE[demo]}' exists and is not a file.*--out"):
        demo.main(["--out", str(tmp_path)])
    assert os.listdir(tmp_path) == [A_PICTURE[demo]]  # nothing written: it stopped before the work


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.__name__)
def test_a_folder_that_cannot_be_written_is_refused_before_any_work(demo, tmp_path, monkeypatch):
    monkeypatch.setattr("demos._cli.os.access", lambda path, mode: False)  # (root may write anywhere)
    with pytest.raises(SystemExit, match="cannot write into this folder"):
        demo.main(["--out", str(tmp_path)])


def test_xor_says_when_the_eager_run_was_faster(tmp_path, capsys):
    xor.main(["--out", str(tmp_path), "--epochs", "2"])  # compiling 8 steps costs more than it saves
    line = next(t for t in capsys.readouterr().out.splitlines() if t.startswith("trained in"))
    assert re.fullmatch(r"trained in \d+ ms \(8 compiled steps, al.compile\); the same training eagerly: \d+ ms "
                        r"\(\d+\.\dx faster: on so short a run compiling costs more than it saves\), losses equal to "
                        r"0e\+00", line), line


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.__name__)
def test_every_option_has_help_that_gives_its_default(demo):
    for action in demo.arguments()._actions:
        if action.dest != "help":
            assert action.help and ("%(default)s" in action.help or "(default: off)" in action.help), \
                action.option_strings
