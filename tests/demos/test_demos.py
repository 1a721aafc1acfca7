"""Smoke tests: every demo runs end to end with small sizes and writes real pictures."""

import os
import subprocess
import sys

import numpy as np
import pytest

from demos import compare_gradients, graph, moons, xor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def written(folder) -> dict[str, int]:
    return {os.path.relpath(os.path.join(d, f), folder): os.path.getsize(os.path.join(d, f))
            for d, _, files in os.walk(folder) for f in files}


def test_xor(tmp_path, capsys):
    assert xor.main(["--out", str(tmp_path), "--epochs", "300", "--lr", "0.5", "--tour"]) == 0
    out = capsys.readouterr().out
    assert "| [0, 1]   |   1    |" in out and "0.932" in out and "trained in" in out
    files = written(tmp_path)
    for name in ("training_loss.png", "decision_boundary.png", "hidden_activations.png", "weight_dynamics.png",
                 "training_step_graph.svg"):
        assert files[name] > 1000, name
    assert sum(1 for f in files if f.startswith("tour")) == 15  # one frame per op of the step's graph


def test_xor_with_adam_and_batches(tmp_path, capsys):
    assert xor.main(["--out", str(tmp_path), "--epochs", "1000", "--optimizer", "adam", "--batch-size", "4"]) == 0
    assert "every prediction within 0.1 of its target: yes" in capsys.readouterr().out


def test_compare_gradients_agrees(tmp_path, capsys):
    assert compare_gradients.main(["--out", str(tmp_path), "--batch", "4"]) == 0
    out = capsys.readouterr().out
    assert out.count("layers.0.weight") == 3 and "agree" in out and "DISAGREE" not in out
    assert written(tmp_path)["gradient_differences.png"] > 1000


def test_compare_gradients_counts_a_nan_difference_as_a_disagreement(tmp_path, capsys, monkeypatch):
    def nan_differences(net, X, y):
        return {name: np.full(p.shape, np.nan) for name, p in net.named_parameters()}

    monkeypatch.setattr(compare_gradients, "finite_differences", nan_differences)
    assert compare_gradients.main(["--out", str(tmp_path), "--batch", "2"]) == 1
    out = capsys.readouterr().out
    assert "autodiff vs finite differences nan (tolerance 1e-06)" in out
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


def test_moons(tmp_path, capsys):
    assert moons.main(["--out", str(tmp_path), "--samples", "40", "--epochs", "30"]) == 0
    assert "training accuracy" in capsys.readouterr().out
    assert written(tmp_path)["decision_boundary.png"] > 1000


@pytest.mark.parametrize("name", ["compare_gradients"])
def test_runs_as_a_module_from_the_checkout(tmp_path, name):
    done = subprocess.run([sys.executable, "-m", f"demos.{name}", "--out", str(tmp_path), "--batch", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "agree" in done.stdout
