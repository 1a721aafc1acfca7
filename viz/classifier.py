"""How classifiers did: confusion matrices, the samples they got wrong, learning curves.

Each function takes one model's results or several (a mapping name -> results, drawn side
by side), builds a matplotlib Figure without pyplot and, with ``path=``, writes a PNG
atomically:

* ``plot_confusion_matrix``: 520 x 480 pixels per model;
* ``plot_misclassified``: 110 x 140 pixels per image, ten to a row (at most 40 images);
* ``plot_learning_curves``: 1100 x 420 pixels (training loss and test accuracy per epoch).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .plots import DPI, _figure, _save

CONFUSION_PANEL = (520, 480)
IMAGE_PANEL = (110, 140)
IMAGES_PER_ROW = 10
CURVES_SIZE = (11.0, 4.2)
MODEL_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _named(predictions: Any, name: str = "model") -> dict[str, np.ndarray]:
    """One array of predicted classes, or a mapping name -> array, as a dict."""
    if isinstance(predictions, Mapping):
        return {str(k): np.asarray(v).astype(int).ravel() for k, v in predictions.items()}
    return {name: np.asarray(predictions).astype(int).ravel()}


def confusion_matrix(y_true: Any, y_pred: Any, classes: int | None = None) -> np.ndarray:
    """counts[t, p]: how many samples of class t were predicted as p."""
    t, p = np.asarray(y_true).astype(int).ravel(), np.asarray(y_pred).astype(int).ravel()
    if t.shape != p.shape:
        raise ValueError(f"confusion_matrix: {t.size} targets and {p.size} predictions")
    n = classes or int(max(t.max(initial=0), p.max(initial=0))) + 1
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (t, p), 1)
    return counts


def plot_confusion_matrix(y_true: Any, predictions: Any, path: str | os.PathLike | None = None,
                          title: str = "Confusion matrix", class_names: Sequence[str] | None = None) -> Any:
    """Counts of (true class, predicted class) for each model, the diagonal (right) in blue
    and the mistakes in red, each cell's count written in it; each panel's title gives the
    model's accuracy."""
    models = _named(predictions)
    y_true = np.asarray(y_true).astype(int).ravel()
    classes = len(class_names) if class_names else int(max(y_true.max(), *(p.max() for p in models.values()))) + 1
    names = list(class_names) if class_names else [str(i) for i in range(classes)]
    fig = _figure((CONFUSION_PANEL[0] * len(models) / DPI, CONFUSION_PANEL[1] / DPI))
    axes = fig.subplots(1, len(models), squeeze=False)[0]
    for ax, (name, pred) in zip(axes, models.items()):
        counts = confusion_matrix(y_true, pred, classes)
        right = np.where(np.eye(classes, dtype=bool), counts, 0)
        wrong = np.where(np.eye(classes, dtype=bool), 0, counts)
        ax.imshow(np.ma.masked_equal(right, 0), cmap="Blues", vmin=0, vmax=max(1, counts.max()))
        ax.imshow(np.ma.masked_equal(wrong, 0), cmap="Reds", vmin=0, vmax=max(1, wrong.max()) * 1.5)
        for (t, p), v in np.ndenumerate(counts):
            if v:
                ax.text(p, t, str(v), ha="center", va="center", fontsize=8,
                        color="white" if t == p and v > 0.6 * counts.max() else "black")
        ax.set_xticks(range(classes), names)
        ax.set_yticks(range(classes), names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        accuracy = np.trace(counts) / max(1, counts.sum())
        ax.set_title(f"{name}: {accuracy:.1%} right ({counts.sum() - np.trace(counts)} wrong)", fontsize=11)
    fig.suptitle(title)
    _save(fig, path)
    return fig


def plot_misclassified(images: Any, y_true: Any, predictions: Any, path: str | os.PathLike | None = None,
                       title: str = "Misclassified", max_images: int = 40) -> Any:
    """The images some model got wrong (at most ``max_images``, in data order), each titled
    with its true class and, per model, the predicted one (a wrong one marked with ✗)."""
    models = _named(predictions)
    x = np.asarray(getattr(images, "data", images), dtype=float)
    x = x.reshape(len(x), *x.shape[-2:])  # (N, H, W): one channel shown
    y_true = np.asarray(y_true).astype(int).ravel()
    wrong = np.flatnonzero(np.any([p != y_true for p in models.values()], axis=0))
    shown = wrong[:max_images]
    columns = min(IMAGES_PER_ROW, max(1, len(shown)))
    rows = max(1, math.ceil(len(shown) / columns))
    fig = _figure((max(4.0, IMAGE_PANEL[0] * columns / DPI), (IMAGE_PANEL[1] * rows + 40) / DPI))
    if not len(shown):
        fig.text(0.5, 0.5, "no misclassified images", ha="center", va="center", fontsize=12)
    else:
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax in axes[len(shown):]:
            ax.set_visible(False)
        for ax, i in zip(axes, shown):
            ax.imshow(x[i], cmap="gray_r")
            ax.set_xticks([])
            ax.set_yticks([])
            guesses = "\n".join(f"{name} {p[i]}{' ✗' if p[i] != y_true[i] else ''}" for name, p in models.items())
            ax.set_title(f"true {y_true[i]}\n{guesses}", fontsize=8)
    more = f" (first {len(shown)} of {len(wrong)})" if len(wrong) > len(shown) else f" ({len(wrong)})"
    fig.suptitle(title + more)
    _save(fig, path)
    return fig


def plot_learning_curves(histories: Mapping[str, Mapping[str, Sequence[float]]],
                         path: str | os.PathLike | None = None, title: str = "Learning curves") -> Any:
    """Per model, the mean training loss of each epoch (left, log scale) and the test accuracy
    after each epoch (right), the final values in the legends.

    ``histories`` maps a model's name to ``{"loss": [...], "accuracy": [...]}``.
    """
    fig = _figure(CURVES_SIZE)
    loss_ax, acc_ax = fig.subplots(1, 2)
    for colour, (name, h) in zip(MODEL_COLOURS * 4, histories.items()):
        for ax, key, fmt in ((loss_ax, "loss", "{:.3g}"), (acc_ax, "accuracy", "{:.1%}")):
            values = np.asarray(h.get(key, []), dtype=float)
            if not values.size:
                continue
            epochs = np.arange(1, values.size + 1)
            ax.plot(epochs, values, color=colour, linewidth=1.8, label=f"{name} (last {fmt.format(values[-1])})")
    loss_ax.set_yscale("log")
    loss_ax.set_ylabel("mean training loss per epoch (log scale)")
    acc_ax.set_ylabel("test accuracy")
    acc_ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel("epoch")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="best")
    fig.suptitle(title)
    _save(fig, path)
    return fig
