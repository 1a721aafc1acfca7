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


@pytest.mark.parametrize(("layers", "error", "message"), [
    ([], ValueError, r"layers must name at least one layer: indices into model.layers, 0..4 for this network"),
    ((1, 7), ValueError, r"layers are indices into model.layers, 0..4 for this network, got 7"),
    ((-1,), ValueError, r"layers are indices into model.layers, 0..4 for this network, got -1"),
    ((1.5,), TypeError, r"layers are whole numbers \(indices into model.layers, 0..4 for this network\), "
                        r"got 1.5 \(float\)"),
    (("conv",), TypeError, r"layers are whole numbers .*, got 'conv' \(str\)"),
    (1, TypeError, r"layers must be a list of layer indices such as \[1, 2\] \(indices into model.layers, 0..4 "
                   r"for this network\), got 1 \(int\)"),
])
@pytest.mark.parametrize("show", [viz.feature_maps, viz.plot_feature_maps])
def test_feature_maps_refuse_layers_that_name_no_layer(cnn, show, layers, error, message):
    image = np.zeros((1, 8, 8))
    with pytest.raises(error, match=rf"^{show.__name__}: {message}"):
        show(cnn, image, layers)


@pytest.mark.parametrize(("y_true", "y_pred", "classes", "error", "message"), [
    ([0, 1, -1], [0, 1, 1], None, ValueError, r"y_true\[2\] is -1: class labels are indices 0, 1, 2..., never "
                                              r"negative \(number the classes from 0\)"),
    ([0, 1, 1], [0, 0.5, 1], None, ValueError, r"y_pred\[1\] is 0.5, not a class index: labels are whole numbers"),
    ([0, 1, 1], [0, 1, np.nan], None, ValueError, r"y_pred\[2\] is nan, not a class index"),
    ([0, 1e20], [0, 1], 3, ValueError, r"y_true\[1\] is 1e\+20, not a class index"),  # not wrapped to a negative
    ([0, 1, 2], [0, 1, 1], 2, ValueError, r"y_true\[2\] is 2, but classes=2 allows labels 0..1 only; pass a larger "
                                          r"classes \(or none: the largest label \+ 1\)"),
    ([0, 1, 1], [0, 1], None, ValueError, r"y_true and y_pred must have the same length \(one prediction per true "
                                          r"label\), got y_true of length 3 and y_pred of length 2$"),
    ([0, 1], ["0", "1"], None, TypeError, r"y_pred must hold class indices \(whole numbers\), got dtype <U1"),
    (np.eye(3), [0, 1, 2], None, ValueError, r"y_true has shape \(3, 3\): give one class index per sample \(for "
                                             r"one-hot rows or scores, their argmax\(axis=1\)\)"),
    ([0, 1], [0, 1], 0, ValueError, r"classes must be a positive whole number \(the number of classes\) or None, "
                                    r"got 0"),
])
def test_confusion_matrix_refuses_labels_that_are_not_class_indices(y_true, y_pred, classes, error, message):
    with pytest.raises(error, match=rf"^confusion_matrix: {message}"):
        viz.confusion_matrix(y_true, y_pred, classes)


def test_confusion_matrix_still_counts_whole_number_labels():
    np.testing.assert_array_equal(viz.confusion_matrix([0, 1, 1], [0, 1, 0]), [[1, 0], [1, 1]])
    np.testing.assert_array_equal(viz.confusion_matrix(np.array([[0.0], [2.0]]), [0, 2], classes=4),
                                  [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(viz.confusion_matrix(np.array([1, 0], dtype=np.uint8), [True, False]),
                                  [[1, 0], [0, 1]])
    np.testing.assert_array_equal(viz.confusion_matrix([], []), [[0]])


def test_classifier_plots_refuse_mismatched_or_invalid_labels(tmp_path):
    y = np.array([0, 1, 2, 1])
    with pytest.raises(ValueError, match=r"^plot_confusion_matrix: y_true and predictions\['B'\] must have the same "
                                         r"length \(one prediction per true label\), got y_true of length 4 and "
                                         r"predictions\['B'\] of length 3$"):
        viz.plot_confusion_matrix(y, {"A": y, "B": y[:3]}, path=tmp_path / "cm.png")
    with pytest.raises(ValueError, match=r"^plot_confusion_matrix: predictions\[1\] is 3, but class_names names 3 "
                                         r"classes \(labels 0..2\); give one name per class$"):
        viz.plot_confusion_matrix(y, [0, 3, 2, 1], class_names=["a", "b", "c"], path=tmp_path / "cm.png")
    with pytest.raises(ValueError, match=r"^plot_misclassified: y_true\[0\] is -1: class labels are indices"):
        viz.plot_misclassified(np.zeros((4, 1, 8, 8)), [-1, 1, 2, 1], y, path=tmp_path / "wrong.png")
    with pytest.raises(ValueError, match=r"^plot_misclassified: images, y_true and predictions\['CNN'\] must have "
                                         r"the same length \(one label per image\), got images of length 3 \(shape "
                                         r"\(3, 1, 8, 8\)\), y_true of length 4 and predictions\['CNN'\] of length 4$"):
        viz.plot_misclassified(np.zeros((3, 1, 8, 8)), y, {"CNN": y}, path=tmp_path / "wrong.png")
    assert not list(tmp_path.iterdir())
