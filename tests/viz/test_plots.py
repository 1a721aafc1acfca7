"""The four training plots and the recorder: real PNGs of the documented sizes."""

import numpy as np
import pytest
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.image import imread

import viz
from mlp import MSE, Adam, CrossEntropy, Dense, NeuralNetwork, Sigmoid, Tanh
from mlp.datasets import xor


@pytest.fixture(scope="module")
def trained():
    X, y = xor()
    np.random.seed(0)
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    rec = viz.TrainingRecorder(every=5, X_for_activations=X)
    history = net.train(X, y, epochs=200, learning_rate=0.5, verbose=False, callbacks=rec)
    return net, X, y, history, rec


def png_size(path):
    image = imread(path)
    assert image.std() > 0.01  # not a blank canvas
    return image.shape[1], image.shape[0]


def test_loss_plot(trained, tmp_path):
    _, _, _, history, _ = trained
    fig = viz.plot_loss(history, path=tmp_path / "loss.png")
    assert png_size(tmp_path / "loss.png") == (800, 500)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epoch" and "loss" in ax.get_ylabel() and ax.get_title()


def test_decision_boundary_plot(trained, tmp_path):
    net, X, y, _, _ = trained
    fig = viz.plot_decision_boundary(net, X, y, path=tmp_path / "boundary.png")
    assert png_size(tmp_path / "boundary.png") == (700, 600)
    assert len(fig.axes) == 2  # the plot and its colour bar


def test_hidden_activation_plot_has_one_panel_per_unit(trained, tmp_path):
    net, X, y, _, _ = trained
    fig = viz.plot_hidden_activations(net, X, y, layer=0, path=tmp_path / "hidden.png")
    assert png_size(tmp_path / "hidden.png") == (990, 360)
    assert [ax.get_title() for ax in fig.axes[:3]] == ["hidden unit 1", "hidden unit 2", "hidden unit 3"]


def test_weight_dynamics_plot_from_the_recorder(trained, tmp_path):
    _, _, _, history, rec = trained
    assert rec.epochs[:3] == [1, 5, 10] and rec.epochs[-1] == 200
    assert rec.losses == [history[e - 1] for e in rec.epochs]
    assert list(rec.trajectories)[:2] == ["W1[0,0]", "W1[0,1]"] and len(rec.trajectories) == 9
    assert rec.activations[-1].shape == (4, 3)
    fig = viz.plot_weight_dynamics(rec, path=tmp_path / "weights.png")
    assert png_size(tmp_path / "weights.png") == (800, 500)
    assert fig.axes[0].lines[0].get_xdata()[-1] == 200


def test_weight_dynamics_draws_no_two_lines_alike_past_ten():
    """matplotlib's cycle has 10 colours: the 11th weight was drawn as the 1st."""
    fig = viz.plot_weight_dynamics({f"w{i}": [0.0, float(i)] for i in range(25)})
    looks = [(line.get_color(), line.get_linestyle()) for line in fig.axes[0].lines]
    assert len(set(looks)) == 25
    assert looks[0] == ("C0", "-") and looks[10] == ("C0", "--")


def test_recorder_follows_named_weights():
    X, y = xor()
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1))
    rec = viz.TrainingRecorder(weights=["layers.0.weight[1,2]", "layers.2.bias[0]"])
    net.train(X, y, epochs=3, learning_rate=0.1, verbose=False, callbacks=rec)
    assert list(rec.trajectories) == ["layers.0.weight[1,2]", "layers.2.bias[0]"]
    assert rec.trajectories["layers.0.weight[1,2]"][-1] == net.layers[0].weight.data[1, 2]


def test_plots_need_two_dimensional_inputs(trained):
    net, _, _, _, _ = trained
    with pytest.raises(ValueError, match=r"2-D inputs"):
        viz.plot_decision_boundary(net, np.ones((4, 3)), np.ones((4, 1)))


@pytest.fixture(scope="module")
def three_classes():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [1.5, 2.5]])
    X = np.concatenate([rng.normal(c, 0.7, (30, 2)) for c in centres])
    y = np.repeat(np.arange(3), 30)
    np.random.seed(0)
    net = NeuralNetwork(CrossEntropy()).add(Dense(2, 16)).add(Tanh()).add(Dense(16, 3))
    net.train(X, y, epochs=100, learning_rate=0.02, batch_size=16, optimizer=Adam, verbose=False)
    return net, X, y


def test_decision_boundary_regions_and_points_share_each_class_colour(three_classes, tmp_path):
    net, X, y = three_classes
    fig = viz.plot_decision_boundary(net, X, y, path=tmp_path / "three.png")
    assert png_size(tmp_path / "three.png") == (700, 600)
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    points = {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}
    predicted = net.predict(X, classes=True)
    assert np.mean(predicted == y) > 0.9
    for cls in range(3):
        region = mesh.cmap(mesh.norm(cls))  # the colour of the region predicted as cls
        np.testing.assert_allclose(points[f"class {cls}"].get_facecolor()[0][:3], region[:3])
    assert len({tuple(points[f"class {c}"].get_facecolor()[0]) for c in range(3)}) == 3


@pytest.mark.parametrize(("units", "size", "grid"), [
    (6, (990, 720), (2, 3)),
    pytest.param(20, (1100, 960), (4, 5), marks=pytest.mark.slow),  # smaller panels beyond 16 units
    pytest.param(64, (1760, 1920), (8, 8), marks=pytest.mark.slow),  # the 21,120-px strip of issue 12
])
def test_hidden_activations_wrap_into_a_grid(units, size, grid, tmp_path):
    X, y = xor()
    np.random.seed(0)
    net = NeuralNetwork(MSE()).add(Dense(2, units)).add(Sigmoid()).add(Dense(units, 1))
    fig = viz.plot_hidden_activations(net, X, y, path=tmp_path / "grid.png", resolution=30)
    assert png_size(tmp_path / "grid.png") == size
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert len(panels) == units
    rows = sorted({round(ax.get_position().y0, 3) for ax in panels})
    columns = sorted({round(ax.get_position().x0, 3) for ax in panels})
    assert (len(rows), len(columns)) == grid


@pytest.mark.parametrize("plot", [viz.plot_decision_boundary, viz.plot_hidden_activations])
def test_plots_refuse_labels_of_another_length_than_the_inputs(trained, plot, tmp_path):
    net, X, y, _, _ = trained
    with pytest.raises(ValueError, match=rf"^{plot.__name__}: X and y must have the same length \(one label per "
                                         r"row of X\), got X of length 4 \(shape \(4, 2\)\) and y of length 3 "
                                         r"\(shape \(3, 1\)\)$"):
        plot(net, X, y[:3], path=tmp_path / "short.png")
    assert not (tmp_path / "short.png").exists()


@pytest.mark.parametrize(("name", "magic"), [("loss.svg", b"<?xml"), ("loss.pdf", b"%PDF"), ("loss.png", b"\x89PNG"),
                                             ("LOSS.SVG", b"<?xml"), ("loss", b"\x89PNG")])
def test_a_plot_is_written_in_the_format_its_extension_names(name, magic, tmp_path):
    viz.plot_loss([1, 0.5, 0.2], path=tmp_path / name)
    data = (tmp_path / name).read_bytes()
    assert data.startswith(magic)
    assert (b"<svg" in data) == name.lower().endswith(".svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # that path, no other, no temporary file


def test_a_plot_refuses_an_extension_it_does_not_write_before_drawing(trained, tmp_path):
    net, X, y, *_ = trained

    def model(points):
        raise AssertionError("drew the boundary before checking the path")

    message = (r"plot_decision_boundary: cannot write '.*boundary\.jpg': the format follows the file's extension, "
               r"which must be one of \.svg, \.png, \.pdf; got '\.jpg'")
    with pytest.raises(ValueError, match=message):
        viz.plot_decision_boundary(model, X, y, path=tmp_path / "boundary.jpg")
    with pytest.raises(ValueError, match=r"plot_loss: cannot write .*got '\.gif'"):
        viz.plot_loss([1, 0.5], path=tmp_path / "loss.gif")
    with pytest.raises(ValueError, match=r"plot_confusion_matrix: cannot write .*got '\.jpeg'"):
        viz.plot_confusion_matrix([0, 1], [0, 1], path=tmp_path / "matrix.jpeg")
    assert list(tmp_path.iterdir()) == []
