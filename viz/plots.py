"""The seed's four training plots: loss curve, decision boundary, hidden activations, weight
dynamics; and a recorder that collects what they need through ``train(callbacks=...)``.

Every function builds a matplotlib Figure without pyplot (safe with any backend, no window
opens), returns it, and with ``path=`` also writes it there, atomically, in the format the
extension names: .png, .svg or .pdf (no extension: PNG; any other is refused). PNG sizes:

* ``plot_loss`` and ``plot_weight_dynamics``: 800 x 500 pixels;
* ``plot_decision_boundary``: 700 x 600 pixels;
* ``plot_hidden_activations``: 330 x 360 pixels per hidden unit in one row for up to four
  units (three units: 990 x 360); more units wrap into a grid of at most eight columns, with
  panels of 220 x 240 pixels beyond sixteen units (64 units: 8 x 8 panels, 1760 x 1920).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from autograd_lite.files import write_atomically

from .renderer import FORMATS

DPI = 100
LOSS_SIZE = (8.0, 5.0)
BOUNDARY_SIZE = (7.0, 6.0)
UNIT_PANEL_PIXELS = (330, 360)  # whole pixels: 3.3 in * 3 units would round down to 989
SMALL_UNIT_PANEL_PIXELS = (220, 240)  # beyond SMALL_PANELS_AFTER units
SMALL_PANELS_AFTER = 16
MAX_UNIT_COLUMNS = 8
WEIGHTS_SIZE = (8.0, 5.0)

POINT_COLOURS = ("#1f77b4", "#d62728")  # class 0 blue, class 1 red (as the boundary's colour map)
BOUNDARY_CMAP = "RdBu_r"


def class_colours(n: int) -> list[Any]:
    """One colour per class, the same in regions and points: blue and red for two classes (the
    ends of the boundary's colour map), matplotlib's tab10 (tab20 beyond ten) for more."""
    if n <= 2:
        return list(POINT_COLOURS[:max(n, 1)])
    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _figure(size: tuple[float, float], constrained: bool = True) -> Figure:
    """A Figure of ``size`` inches at DPI; laid out by matplotlib's constrained layout, or by
    hand (``constrained=False``: for grids of many panels, where that layout takes seconds)."""
    fig = Figure(figsize=size, dpi=DPI, layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    return fig


def _plot_format(who: str, path: str | os.PathLike | None) -> str | None:
    """The format to write ``path`` in, from its extension: png, svg or pdf (no extension: png),
    as ``viz.render`` follows it; None for no path. Called before drawing, so that any other
    extension (``loss.jpg``) is refused at once, not after the work."""
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{who}: path is the file to write, a str or path, got {type(path).__name__}")
    ext = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if ext and ext not in FORMATS:
        raise ValueError(f"{who}: cannot write {os.fspath(path)!r}: the format follows the file's extension, "
                         f"which must be one of {', '.join('.' + f for f in FORMATS)}; got '.{ext}'")
    return ext or "png"


def _save(fig: Figure, path: str | os.PathLike | None, file_format: str | None) -> None:
    """Write ``fig`` to ``path`` atomically in ``file_format`` (see :func:`_plot_format`)."""
    if path is not None:
        write_atomically(os.fspath(path), lambda tmp: fig.savefig(tmp, format=file_format, dpi=DPI))


def _predict(model: Any, points: np.ndarray) -> np.ndarray:
    out = model.predict(points) if hasattr(model, "predict") else model(points)
    return np.asarray(getattr(out, "data", out), dtype=float)


def _grid(X: np.ndarray, resolution: int, margin: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"these plots need 2-D inputs (samples, 2), got X of shape {X.shape}")
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _same_length(who: str, what: str, arrays: Mapping[str, np.ndarray]) -> None:
    """Refuse ``arrays`` (name -> array) of different lengths, naming the first and those whose
    length differs from it, with each length and, beyond one dimension, its shape; ``what`` says
    what the lengths pair ("one label per row of X")."""
    lengths = {name: len(a) if a.ndim else 1 for name, a in arrays.items()}
    first = next(iter(lengths))
    differ = [name for name in lengths if name == first or lengths[name] != lengths[first]]
    if len(differ) > 1:
        described = [f"{name} of length {lengths[name]}" + (f" (shape {arrays[name].shape})"
                                                            if arrays[name].ndim > 1 else "") for name in differ]
        raise ValueError(
            f"{who}: {', '.join(differ[:-1])} and {differ[-1]} must have the same length ({what}), got "
            f"{', '.join(described[:-1])} and {described[-1]}"
        )


def _points_and_labels(who: str, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """X as a float array and y as class labels, one label per row of X."""
    X = np.asarray(getattr(X, "data", X), dtype=float)
    y = np.asarray(getattr(y, "data", y))
    _same_length(who, "one label per row of X", {"X": X, "y": y})
    return X, _labels(y)


def _labels(y: Any) -> np.ndarray:
    y = np.asarray(getattr(y, "data", y))
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(-1).round().astype(int)


def _scatter(ax: Any, X: np.ndarray, labels: np.ndarray, colours: list[Any] | None = None) -> None:
    """The points, coloured by class with ``colours`` (default: :func:`class_colours` of the labels)."""
    colours = colours or class_colours(int(labels.max()) + 1)
    for cls in np.unique(labels):
        pts = X[labels == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=60 if len(X) <= 20 else 25, color=colours[int(cls) % len(colours)],
                   edgecolors="black", linewidths=0.8, label=f"class {cls}", zorder=3)


def plot_loss(history: Sequence[float], path: str | os.PathLike | None = None, title: str = "Training loss",
              ylabel: str = "mean loss per epoch", log_scale: bool = True) -> Figure:
    """The per-epoch loss that ``train()`` returns, on a log scale by default."""
    file_format = _plot_format("plot_loss", path)
    values = np.asarray(history, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError("plot_loss: history must be a non-empty list of numbers")
    fig = _figure(LOSS_SIZE)
    ax = fig.add_subplot()
    epochs = np.arange(1, values.size + 1)
    ax.plot(epochs, values, color="#1f77b4", linewidth=1.8)
    if log_scale and np.all(values > 0):
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel + (" (log scale)" if ax.get_yscale() == "log" else ""))
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.annotate(f"final {values[-1]:.4g}", xy=(epochs[-1], values[-1]), xytext=(-10, 12),
                textcoords="offset points", ha="right", fontsize=10)
    _save(fig, path, file_format)
    return fig


def plot_decision_boundary(model: Any, X: Any, y: Any, path: str | os.PathLike | None = None,
                           title: str = "Decision boundary", resolution: int = 200, margin: float = 0.5) -> Figure:
    """The model's output over a grid around the data (colour), the 0.5 level (black line),
    and the data points coloured by class. With several outputs, the predicted class: each
    class's region in a light shade of the colour its points have."""
    file_format = _plot_format("plot_decision_boundary", path)
    X, labels = _points_and_labels("plot_decision_boundary", X, y)
    xx, yy, points = _grid(X, resolution, margin)
    out = _predict(model, points)
    fig = _figure(BOUNDARY_SIZE)
    ax = fig.add_subplot()
    if out.ndim == 1 or out.shape[1] == 1:
        zz = out.reshape(xx.shape)
        filled = ax.contourf(xx, yy, zz, levels=np.linspace(0, 1, 21) if zz.min() >= 0 and zz.max() <= 1 else 20,
                             cmap=BOUNDARY_CMAP, alpha=0.85)
        ax.contour(xx, yy, zz, levels=[0.5], colors="black", linewidths=1.5)
        fig.colorbar(filled, ax=ax, label="network output")
        colours = None
    else:
        classes = out.shape[1]
        colours = class_colours(classes)
        zz = out.argmax(axis=1).reshape(xx.shape)
        # each grid cell coloured by its class: contourf would draw the labels between two
        # classes (a thin band of class 1 between 0 and 2) where its interpolation passes them
        filled = ax.pcolormesh(xx, yy, zz, cmap=ListedColormap(colours), vmin=-0.5, vmax=classes - 0.5,
                               shading="nearest", alpha=0.35, rasterized=True)
        fig.colorbar(filled, ax=ax, label="predicted class", ticks=range(classes))
    _scatter(ax, X, labels, colours)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    ax.legend(loc="upper right", framealpha=0.9)
    _save(fig, path, file_format)
    return fig


def _hidden_layers(model: Any, layer: int) -> list[Any]:
    """The layers up to the ``layer``-th layer with parameters (0-based) and the parameter-free
    layers after it (its activation): a hidden layer, whatever the types."""
    layers = list(model.layers)
    learned = [i for i, m in enumerate(layers) if m.num_parameters()]
    if not 0 <= layer < len(learned):
        raise ValueError(
            f"plot_hidden_activations: layer must be in 0..{len(learned) - 1} (the layers with parameters), got "
            f"{layer}"
        )
    end = learned[layer + 1] if layer + 1 < len(learned) else len(layers)
    return layers[:end]


def hidden_activations(model: Any, X: Any, layer: int = 0) -> np.ndarray:
    """The outputs of the ``layer``-th hidden layer (its layer with parameters and the activation
    after it) for X, one row per sample."""
    from autograd_lite import no_grad

    out = np.asarray(getattr(X, "data", X), dtype=float)
    with no_grad():
        for m in _hidden_layers(model, layer):
            out = m(out)
    return np.asarray(out.data).reshape(len(out.data), -1)


def plot_hidden_activations(model: Any, X: Any, y: Any, layer: int = 0, path: str | os.PathLike | None = None,
                            resolution: int = 120, margin: float = 0.5) -> Figure:
    """One panel per unit of a hidden layer: its activation over the input plane, with the data
    points on top. Shows how each unit cuts the plane, which the next layer recombines.

    Up to four units sit in one row; more wrap into a grid (at most eight columns), with
    smaller panels beyond sixteen units (see the module docstring for the sizes)."""
    file_format = _plot_format("plot_hidden_activations", path)
    X, labels = _points_and_labels("plot_hidden_activations", X, y)
    xx, yy, points = _grid(X, resolution, margin)
    acts = hidden_activations(model, points, layer)
    units = acts.shape[1]
    columns = units if units <= 4 else min(MAX_UNIT_COLUMNS, math.ceil(math.sqrt(units)))
    rows = math.ceil(units / columns)
    panel = UNIT_PANEL_PIXELS if units <= SMALL_PANELS_AFTER else SMALL_UNIT_PANEL_PIXELS
    width, height = panel[0] * columns, panel[1] * rows
    fig = _figure((width / DPI, height / DPI), constrained=rows == 1)
    if rows > 1:  # margins in pixels: labels left and below, the title above, the colour bar right
        fig.subplots_adjust(left=55 / width, right=1 - 110 / width, bottom=45 / height, top=1 - 60 / height,
                            wspace=0.15, hspace=0.3)
    grid = fig.subplots(rows, columns, squeeze=False)
    axes = list(grid.ravel()[:units])
    for ax in grid.ravel()[units:]:
        ax.set_visible(False)
    small = units > SMALL_PANELS_AFTER
    lo, hi = float(acts.min()), float(acts.max())
    if lo >= 0.0 and hi <= 1.0:  # sigmoid units: the full [0, 1] range, comparable across panels
        lo, hi = 0.0, 1.0
    levels = np.linspace(lo, hi + 1e-12 * max(1.0, abs(hi)), 21)
    image = None
    for u, ax in enumerate(axes):
        image = ax.contourf(xx, yy, acts[:, u].reshape(xx.shape), levels=levels, cmap="viridis")
        _scatter(ax, X, labels)
        ax.set_title(f"unit {u + 1}" if small else f"hidden unit {u + 1}", fontsize=9 if small else None)
        if u // columns == rows - 1 or u + columns >= units:  # the bottom panel of each column
            ax.set_xlabel("$x_1$")
        else:
            ax.tick_params(labelbottom=False)
        if u % columns == 0:
            ax.set_ylabel("$x_2$")
        else:
            ax.tick_params(labelleft=False)
        if small:
            ax.tick_params(labelsize=7)
        ax.set_aspect("equal", adjustable="box")
    if rows == 1:
        fig.colorbar(image, ax=axes, label="activation", shrink=0.85)
    else:
        fig.colorbar(image, cax=fig.add_axes((1 - 90 / width, 0.25, 16 / width, 0.5)), label="activation")
    fig.suptitle(f"Hidden layer {layer + 1} activations", y=1 - 12 / (panel[1] * rows), va="top")
    _save(fig, path, file_format)
    return fig


LINE_STYLES = ("-", "--", ":", "-.")


def plot_weight_dynamics(trajectories: Mapping[str, Sequence[float]] | TrainingRecorder,
                         path: str | os.PathLike | None = None, title: str = "Weight dynamics",
                         epochs: Sequence[int] | None = None) -> Figure:
    """Each named weight's value over the epochs.

    ``trajectories`` is a mapping name -> values, or a :class:`TrainingRecorder` (whose
    recorded epochs then label the x axis); ``epochs`` gives the x values of a mapping
    (default 1, 2, 3...).
    """
    file_format = _plot_format("plot_weight_dynamics", path)
    if isinstance(trajectories, TrainingRecorder):
        epochs = trajectories.epochs if epochs is None else epochs
        trajectories = trajectories.trajectories
    if not trajectories:
        raise ValueError("plot_weight_dynamics: no trajectories given")
    fig = _figure(WEIGHTS_SIZE)
    ax = fig.add_subplot()
    for i, (name, values) in enumerate(trajectories.items()):
        values = np.asarray(values, dtype=float)
        x = np.arange(1, values.size + 1) if epochs is None else np.asarray(epochs)[: values.size]
        # the 10 colours of matplotlib's cycle, then again dashed, dotted...: no two lines alike up to 40
        style = LINE_STYLES[i // 10 % len(LINE_STYLES)]
        ax.plot(x, values, linewidth=1.6, label=name, color=f"C{i % 10}", linestyle=style)
    ax.set_xlabel("epoch")
    ax.set_ylabel("weight value")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9, frameon=False)
    _save(fig, path, file_format)
    return fig


def _parse_weight(spec: Any) -> tuple[str, str, tuple[int, ...]]:
    """``"layers.0.weight[1, 2]"`` -> (spec, ``"layers.0.weight"``, (1, 2)); no brackets: a scalar."""
    if not isinstance(spec, str):
        raise TypeError(
            f"TrainingRecorder: each weight is a name such as 'layers.0.weight[0, 1]', got {spec!r} "
            f"({type(spec).__name__})"
        )
    name, bracket, index = spec.partition("[")
    try:
        if bracket and not index.endswith("]"):
            raise ValueError
        idx = tuple(int(i) for i in index[:-1].split(",")) if bracket else ()
    except ValueError:
        raise ValueError(
            f"TrainingRecorder: cannot read {spec!r}: write a parameter name and whole-number indices, "
            "such as 'layers.0.weight[0, 1]'"
        ) from None
    return spec, name.strip(), idx


class TrainingRecorder:
    """A ``train(callbacks=...)`` hook that records what the plots need.

    >>> rec = TrainingRecorder(X_for_activations=X)
    >>> history = net.train(X, y, epochs=1000, learning_rate=0.1, callbacks=rec)
    >>> plot_weight_dynamics(rec.trajectories)

    Args:
        weights: which scalar weights to follow, as ``"layers.0.weight[0, 1]"`` strings
            (parameter name and index). Default: every entry of the layers' ``weight``
            parameters, named ``W1[0,0]``, ``W2[1,0]``... (the first 12 if there are more).
        every: record every ``every`` epochs.
        X_for_activations: if given, the first hidden layer's activations on it are recorded too.

    Attributes:
        epochs, losses: the epochs recorded and their mean losses.
        trajectories: weight name -> values, one per recorded epoch.
        activations: the hidden activations, one array per recorded epoch.
    """

    def __init__(self, weights: Sequence[str] | None = None, every: int = 1, X_for_activations: Any = None) -> None:
        if hasattr(weights, "named_parameters"):
            raise TypeError(
                "TrainingRecorder: the first argument, weights, is the list of weights to follow (e.g. "
                "['layers.0.weight[0, 1]']), not the network: train() hands the network to the recorder. Write "
                "TrainingRecorder() (or TrainingRecorder(X_for_activations=X)) and pass it as "
                "net.train(..., callbacks=recorder)"
            )
        if isinstance(weights, str):
            weights = [weights]
        if weights is not None and not isinstance(weights, Iterable):
            raise TypeError(f"TrainingRecorder: weights must be a list of names such as ['layers.0.weight[0, 1]'], "
                            f"got {weights!r}")
        # (spec, parameter name, index) per weight, read once here so that a typo fails at once
        self._requested = None if weights is None else [_parse_weight(spec) for spec in weights]
        if not isinstance(every, (int, np.integer)) or isinstance(every, bool) or every < 1:
            raise ValueError(
                f"TrainingRecorder: every must be a positive integer (record every n epochs), got {every!r}"
            )
        self.every = int(every)
        self.X = None if X_for_activations is None else np.asarray(X_for_activations, dtype=float)
        self.epochs: list[int] = []
        self.losses: list[float] = []
        self.trajectories: dict[str, list[float]] = {}
        self.activations: list[np.ndarray] = []
        self._readers: list[tuple[str, Callable[[], float]]] | None = None

    def _make_readers(self, network: Any) -> list[tuple[str, Callable[[], float]]]:
        params = dict(network.named_parameters())
        readers = []
        if self._requested is not None:
            for spec, name, idx in self._requested:
                if name not in params:
                    raise KeyError(f"TrainingRecorder: no parameter {name!r}; there are {list(params)}")
                shape = params[name].shape
                if len(idx) != len(shape) or any(not -n <= i < n for i, n in zip(idx, shape)):
                    raise IndexError(
                        f"TrainingRecorder: {spec!r} does not name one entry of {name}, of shape {shape}: give "
                        f"{len(shape)} index(es), each within the shape"
                    )
                readers.append((spec, lambda p=params[name], i=idx: float(p.data[i])))
            return readers
        weights = [p for name, p in network.named_parameters() if name.rsplit(".", 1)[-1] == "weight"]
        for k, w in enumerate(weights, 1):
            for idx in np.ndindex(*w.shape):
                readers.append((f"W{k}[{','.join(map(str, idx))}]", lambda p=w, i=idx: float(p.data[i])))
                if len(readers) == 12:
                    return readers
        return readers

    def __call__(self, epoch: int, loss: float, network: Any) -> None:
        if self._readers is None:
            self._readers = self._make_readers(network)
        if epoch % self.every and epoch != 1:
            return
        self.epochs.append(epoch)
        self.losses.append(loss)
        for name, read in self._readers:
            self.trajectories.setdefault(name, []).append(read())
        if self.X is not None:
            self.activations.append(hidden_activations(network, self.X, 0))
