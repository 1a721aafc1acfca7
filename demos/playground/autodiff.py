"""What only this playground shows: the autodiff behind a training step.

* :func:`step_graph`: the computation graph of one training step on the current batch, forward
  and backward, with values and gradients, one cluster per layer (``viz.draw_graph``);
* :func:`tour`: the backward pass of that step, one picture per VJP (``viz.backward_tour``);
* :func:`compare_gradients`: every parameter's gradient by autodiff, by the seed's hand-derived
  backprop (``mlp.manual``) and by central differences, with the largest differences.

Graphs are drawn for small networks only (:func:`too_big_to_draw` says why not, and how to
turn the drawing on).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

import viz
from autograd_lite import Tensor
from demos.compare_gradients import autodiff as autodiff_gradients
from demos.compare_gradients import finite_differences
from mlp import NeuralNetwork, manual

from .training import Run

MAX_DRAWN_LAYERS = 3  # hidden layers
MAX_DRAWN_NEURONS = 16  # in any layer


def too_big_to_draw(run: Run) -> str | None:
    """Why the graph of a step is not drawn for this network, or None if it is small enough."""
    hidden = run.settings.hidden
    if len(hidden) <= MAX_DRAWN_LAYERS and max(hidden, default=0) <= MAX_DRAWN_NEURONS:
        return None
    return (f"This network has {len(hidden)} hidden layers of up to {max(hidden)} neurons; the graph of a step is "
            f"drawn for at most {MAX_DRAWN_LAYERS} hidden layers of at most {MAX_DRAWN_NEURONS} neurons, beyond which "
            "its boxes are too many to read and slow to lay out. To see it, use fewer layers or neurons in the "
            "sidebar, or tick \"Draw it anyway\".")


def current_batch(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """The batch the next training step will use: the first ``batch`` training samples (the
    playground trains in a fixed order)."""
    n = min(run.settings.batch, len(run.train_X))
    return run.train_X[:n], run.train_y[:n]


def _step_loss(run: Run) -> Tensor:
    """Forward and backward of one step on the current batch, the graph kept for drawing."""
    X, y = current_batch(run)
    with viz.record_modules(run.net):  # which operations each layer made, for the clusters
        loss = run.net.loss_function(run.net.forward(X), y)
    loss.name = "loss"
    run.net.zero_grad()
    loss.backward(retain_graph=True)
    return loss


def step_graph(run: Run, max_values: int = 4, rankdir: str = "TB") -> viz.GraphDrawing:
    """The computation graph of one training step on the current batch: values (forward) and
    gradients (backward) of every tensor with at most ``max_values`` numbers, grouped by layer.
    The parameters' ``.grad`` are cleared afterwards: no step is taken."""
    loss = _step_loss(run)
    drawing = viz.draw_graph(loss, model=run.net, group_by_module=True, rankdir=rankdir, max_values=max_values,
                             legend=True)
    run.net.zero_grad()
    return drawing


def tour(run: Run, out_dir: str, max_values: int = 4, rankdir: str = "TB") -> list[str]:
    """The backward pass of that step as SVG frames in ``out_dir``, one per operation; returns the paths."""
    loss = _step_loss(run)
    paths = viz.backward_tour(loss, out_dir, format="svg", model=run.net, group_by_module=True,
                              max_values=max_values, rankdir=rankdir)
    run.net.zero_grad()
    return paths


def plain_network(run: Run) -> NeuralNetwork:
    """The run's layers (shared, not copied) under the loss without its L1/L2 penalty: what
    ``mlp.manual`` knows how to differentiate."""
    net = NeuralNetwork(loss_function=run.base_loss)
    for layer in run.net.layers:
        net.add(layer)
    return net


@dataclass(frozen=True)
class Comparison:
    """Gradients of the training loss three ways, by parameter name, and each method's time."""

    autodiff: dict[str, np.ndarray]
    manual: dict[str, np.ndarray]
    numerical: dict[str, np.ndarray]
    seconds: dict[str, float]

    def rows(self) -> list[dict[str, object]]:
        """One row per parameter: shape, largest |gradient|, largest |autodiff - manual| and
        |autodiff - numerical|."""
        return [{"parameter": name, "shape": str(g.shape), "largest |gradient|": float(np.abs(g).max()),
                 "autodiff − manual": float(np.abs(g - self.manual[name]).max()),
                 "autodiff − numerical": float(np.abs(g - self.numerical[name]).max())}
                for name, g in self.autodiff.items()]

    def largest_differences(self, count: int = 5) -> list[dict[str, object]]:
        """The ``count`` single weights where autodiff and the numerical estimate differ most,
        with all three values."""
        found = []
        for name, g in self.autodiff.items():
            for index in np.ndindex(*g.shape):
                found.append((abs(g[index] - self.numerical[name][index]), name, index))
        found.sort(key=lambda item: -item[0])
        return [{"weight": f"{name}[{', '.join(map(str, index))}]" if index else name,
                 "autodiff": float(self.autodiff[name][index]), "manual": float(self.manual[name][index]),
                 "numerical": float(self.numerical[name][index]), "autodiff − numerical": float(diff)}
                for diff, name, index in found[:count]]


def compare_gradients(run: Run) -> Comparison:
    """Gradients of the training-set loss (no penalty) at the current weights, by the engine's
    ``backward()``, by ``mlp.manual`` and by central differences (``demos.compare_gradients``)."""
    net = plain_network(run)
    X, y = run.train_X, run.train_y
    timings = {}
    start = time.perf_counter()
    auto = autodiff_gradients(net, X, y)
    timings["autodiff"] = time.perf_counter() - start
    start = time.perf_counter()
    _, by_hand = manual.gradients(net, X, y)
    timings["manual"] = time.perf_counter() - start
    start = time.perf_counter()
    numeric = finite_differences(net, X, y)
    timings["numerical"] = time.perf_counter() - start
    net.zero_grad()
    return Comparison(auto, by_hand, numeric, timings)
