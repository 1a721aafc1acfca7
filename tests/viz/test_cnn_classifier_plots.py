"""The CNN and classifier pictures: real PNGs of the documented sizes, drawing what they are given."""

import numpy as np
import pytest
from matplotlib.image import imread

import viz
from mlp import Conv2D, CrossEntropy, Dense, Flatten, MaxPool2D, NeuralNetwork, ReLU


def png_size(path):
    image = imread(path)
    assert image.std() > 0.01  # not a blank canvas
    return image.shape[1], image.shape[0]


@pytest.fixture(scope="module")
def cnn():
    np.random.seed(0)
    net = NeuralNetwork(CrossEntropy())
    for layer in (Conv2D(1, 8, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(128, 10)):
        net.add(layer)
    return net


def test_filters_show_every_weight_on_one_scale(cnn, tmp_path):
    fig = viz.plot_filters(cnn.layers[0], path=tmp_path / "filters.png")
    assert png_size(tmp_path / "filters.png") == (1290, 200)
    panels = [ax for ax in fig.axes if ax.get_title().startswith("filter")]
    assert len(panels) == 8
    w = cnn.layers[0].weight.data
    np.testing.assert_array_equal(panels[2].images[0].get_array(), w[2, 0])
    assert panels[2].images[0].get_clim() == (-np.abs(w).max(), np.abs(w).max())
    assert [t.get_text() for t in panels[0].texts][:2] == [f"{w[0, 0, 0, 0]:.2f}", f"{w[0, 0, 0, 1]:.2f}"]


def test_feature_maps_are_the_layers_outputs(cnn, tmp_path):
    image = np.random.default_rng(0).uniform(size=(1, 8, 8))
    maps = viz.feature_maps(cnn, image, (1, 2))
    assert maps[1].shape == (8, 8, 8) and maps[2].shape == (8, 4, 4)
    np.testing.assert_allclose(maps[2], cnn.layers[2](cnn.layers[1](cnn.layers[0](image[None]))).data[0])
    fig = viz.plot_feature_maps(cnn, image, (1, 2), path=tmp_path / "maps.png")
    assert png_size(tmp_path / "maps.png") == (1170, 290)
    assert sum(1 for ax in fig.axes if ax.get_visible() and ax.images) == 1 + 16
    with pytest.raises(ValueError, match=r"layer 3 \(Flatten\(\)\) gives shape \(1, 128\), not maps"):
        viz.feature_maps(cnn, image, (3,))


def test_confusion_matrix_counts_and_panels(tmp_path):
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    a = np.array([0, 1, 1, 1, 2, 2, 0])
    np.testing.assert_array_equal(viz.confusion_matrix(y, a), [[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    fig = viz.plot_confusion_matrix(y, {"A": a, "B": y}, path=tmp_path / "cm.png")
    assert png_size(tmp_path / "cm.png") == (1040, 480)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["A: 71.4% right (2 wrong)", "B: 100.0% right (0 wrong)"]


def test_misclassified_shows_the_images_any_model_got_wrong(tmp_path):
    images = np.random.default_rng(0).uniform(size=(30, 1, 8, 8))
    y = np.arange(30) % 10
    a, b = y.copy(), y.copy()
    a[[3, 17]] = 0
    b[[17, 25]] = 1
    fig = viz.plot_misclassified(images, y, {"CNN": a, "MLP": b}, path=tmp_path / "wrong.png")
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["true 3\nCNN 0 ✗\nMLP 3", "true 7\nCNN 0 ✗\nMLP 1 ✗", "true 5\nCNN 5\nMLP 1 ✗"]
    assert png_size(tmp_path / "wrong.png") == (400, 180)
    viz.plot_misclassified(images, y, {"CNN": y}, path=tmp_path / "none.png")
    assert png_size(tmp_path / "none.png") == (400, 180)


def test_learning_curves_plot_both_panels(tmp_path):
    histories = {"CNN": {"loss": [1.0, 0.5, 0.2], "accuracy": [0.8, 0.9, 0.95]},
                 "MLP": {"loss": [1.2, 0.6, 0.3], "accuracy": [0.7, 0.85, 0.9]}}
    fig = viz.plot_learning_curves(histories, path=tmp_path / "curves.png")
    assert png_size(tmp_path / "curves.png") == (1100, 420)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in acc_ax.lines] == ["CNN (last 95.0%)", "MLP (last 90.0%)"]
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), [1.2, 0.6, 0.3])
