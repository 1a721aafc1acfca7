"""demos.digits: a CNN and an MLP on scikit-learn's digits, at small size (and at full size, slow)."""

import re

import numpy as np
import pytest

from demos import digits
from mlp import Adam, NeuralNetwork

from .test_demos import written

pytest.importorskip("sklearn")

SMALL = ["--limit", "200", "--epochs", "2"]


def table(out: str) -> dict[str, tuple[str, float, float]]:
    """model -> (parameters, final loss, test accuracy) from the printed table."""
    rows = re.findall(r"^(CNN|MLP)\s+([\d,]+)\s+[\d.]+ s\s+([\d.]+)\s+([\d.]+)%$", out, re.M)
    return {name: (params, float(loss), float(acc) / 100) for name, params, loss, acc in rows}


def test_load_data_is_a_stratified_split_of_images_in_0_1():
    X_train, X_test, y_train, y_test = digits.load_data(seed=0)
    assert X_train.shape == (1437, 1, 8, 8) and X_test.shape == (360, 1, 8, 8)
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert np.abs(np.bincount(y_test, minlength=10) - 36).max() <= 1  # each class's share in both parts
    again = digits.load_data(seed=0)
    np.testing.assert_array_equal(again[1], X_test)


def test_small_run_prints_what_the_library_computes(tmp_path, capsys):
    assert digits.main(["--out", str(tmp_path), *SMALL]) == 0
    out = capsys.readouterr().out
    assert "digits: 200 images of 8x8" in out and "160 to train, 40 to test" in out
    printed = table(out)
    data = digits.load_data(0, 0.2, 200)  # the same training through the library, apart from the demo
    for name, build, size in (("CNN", digits.build_cnn, 8), ("MLP", digits.build_mlp, 64)):
        np.random.seed(0)
        net = build(size)
        history = net.train(data[0], data[2], epochs=2, learning_rate=0.01, batch_size=32, shuffle=True,
                            optimizer=Adam, verbose=False)
        accuracy = net.evaluate(data[1], data[3], accuracy=True).accuracy
        assert printed[name] == (f"{net.num_parameters():,}", round(history[-1], 4), round(accuracy, 3)), name
    assert "NeuralNetwork.from_file gives the same outputs: yes" in out
    assert "(batch, 8, 4, 4)" in out  # the CNN's summary
    files = written(tmp_path)
    for name in ("filters.png", "feature_maps.png", "confusion_matrix.png", "misclassified.png",
                 "learning_curves.png", "cnn.npz"):
        assert files[name] > 1000, name
    np.testing.assert_array_equal(NeuralNetwork.from_file(tmp_path / "cnn.npz").layers[0].weight.shape, (8, 1, 3, 3))


@pytest.mark.slow  # the library's own test of compile=True on a CNN is fast (tests/mlp/test_network_layers.py)
def test_eager_and_compiled_training_print_the_same_numbers(tmp_path, capsys):
    digits.main(["--out", str(tmp_path / "a"), *SMALL])
    compiled = capsys.readouterr().out
    digits.main(["--out", str(tmp_path / "b"), *SMALL, "--eager"])
    eager = capsys.readouterr().out
    assert table(compiled) == table(eager) and "eager steps" in eager


@pytest.mark.parametrize(("argv", "message"), [
    (["--test-fraction", "1"], "argument --test-fraction: must be below 1, got 1"),
    (["--test-fraction", "0"], "argument --test-fraction: must be greater than 0, got 0"),
    (["--limit", "10"], "argument --limit: must be between 20 and 1797 (two of each class at least), got 10"),
    (["--filters", "0"], "argument --filters: must be at least 1, got 0"),
    (["--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
])
def test_bad_values_are_usage_errors(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        digits.main(["--out", str(tmp_path / "out"), *argv])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_defaults_reach_97_percent_for_both_models(tmp_path, capsys):
    assert digits.main(["--out", str(tmp_path)]) == 0
    printed = table(capsys.readouterr().out)
    assert printed["CNN"][2] >= 0.97 and printed["MLP"][2] >= 0.97, printed
