"""How classifiers did: confusion matrices, the samples they got wrong, learning curves.

Each function takes one model's results or several (a mapping name -> results, drawn side
by side), builds a matplotlib Figure without pyplot and, with ``path=``, writes it atomically
in the format the extension names (.png, .svg or .pdf, as ``viz.plots``). PNG sizes:

* ``plot_confusion_matrix``: 520 x 480 pixels per model;
* ``plot_misclassified``: 110 x 140 pixels per image, ten to a row (at most 40 images);
* ``plot_learning_curves``: 1100 x 420 pixels (training loss and test accuracy per epoch).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .plots import DPI, _figure, _plot_format, _same_length, _save

CONFUSION_PANEL = (520, 480)
IMAGE_PANEL = (110, 140)
IMAGES_PER_ROW = 10
CURVES_SIZE = (11.0, 4.2)
MODEL_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _class_indices(who: str, name: str, values: Any, classes: int | None = None, limit: str = "") -> np.ndarray:
    """``values`` as a flat int array of class indices, one per sample; refuses a label that is
    negative, fractional or, with ``classes``, ``classes`` or more (``limit`` says why), naming
    the first one and its position: cast to int, a -1 or a 0.5 would count as another class."""
    a = np.asarray(getattr(values, "data", values))
    if sum(d > 1 for d in a.shape) > 1:
        raise ValueError(f"{who}: {name} has shape {a.shape}: give one class index per sample (for one-hot rows "
                         "or scores, their argmax(axis=1))")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{who}: {name} must hold class indices (whole numbers), got dtype {a.dtype}")
    a = a.ravel()
    if a.dtype.kind == "f":
        fractional = np.flatnonzero(~np.isfinite(a) | (a != np.round(a)) | (np.abs(a) >= 2.0**53))  # past 2**53: no int
        if fractional.size:
            i = fractional[0]
            raise ValueError(f"{who}: {name}[{i}] is {a[i]}, not a class index: labels are whole numbers 0, 1, 2... "
                             "(for outputs or scores, take their argmax, or predict(X, classes=True))")
    a = a.astype(int)
    negative = np.flatnonzero(a < 0)
    if negative.size:
        i = negative[0]
        raise ValueError(f"{who}: {name}[{i}] is {a[i]}: class labels are indices 0, 1, 2..., never negative "
                         "(number the classes from 0)")
    too_large = np.flatnonzero(a >= classes) if classes is not None else ()
    if len(too_large):
        i = too_large[0]
        raise ValueError(f"{who}: {name}[{i}] is {a[i]}, but {limit}")
    return a


def _named(who: str, predictions: Any, y_true: np.ndarray, what: str, classes: int | None = None, limit: str = "",
           **more: np.ndarray) -> dict[str, np.ndarray]:
    """One array of predicted classes, or a mapping name -> array, as a dict name -> class
    indices; each must be as long as ``y_true`` and the ``more`` arrays (named first in the error)."""
    if isinstance(predictions, Mapping):
        given = [(str(k), f"predictions[{k!r}]", v) for k, v in predictions.items()]
    else:
        given = [("model", "predictions", predictions)]
    if not given:
        raise ValueError(f"{who}: predictions is empty: give an array of predicted classes, or a mapping "
                         "name -> array for several models")
    models = {key: _class_indices(who, label, v, classes, limit) for key, label, v in given}
    _same_length(who, what, {**more, "y_true": y_true, **{label: models[key] for key, label, _ in given}})
    return models


def confusion_matrix(y_true: Any, y_pred: Any, classes: int | None = None) -> np.ndarray:
    """counts[t, p]: how many samples of class t were predicted as p.

    Labels are class indices 0, 1, 2... (whole-number floats such as 1.0 too); ``classes``
    (default: the largest label + 1) is the matrix's size."""
    if classes is not None and (isinstance(classes, bool) or not isinstance(classes, numbers.Integral)
                                or classes < 1):
        raise ValueError(f"confusion_matrix: classes must be a positive whole number (the number of classes) or "
                         f"None, got {classes!r}")
    limit = (f"classes={classes} allows labels 0..{(classes or 0) - 1} only; pass a larger classes (or none: the "
             "largest label + 1)")
    t = _class_indices("confusion_matrix", "y_true", y_true, classes, limit)
    p = _class_indices("confusion_matrix", "y_pred", y_pred, classes, limit)
    _same_length("confusion_matrix", "one prediction per true label", {"y_true": t, "y_pred": p})
    n = classes or int(max(t.max(initial=0), p.max(initial=0))) + 1
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (t, p), 1)
    return counts


def plot_confusion_matrix(y_true: Any, predictions: Any, path: str | os.PathLike | None = None,
                          title: str = "Confusion matrix", class_names: Sequence[str] | None = None) -> Any:
    """Counts of (true class, predicted class) for each model, the diagonal (right) in blue
    and the mistakes in red, each cell's count written in it; each panel's title gives the
    model's accuracy."""
    who = "plot_confusion_matrix"
    file_format = _plot_format(who, path)
    given = len(class_names) if class_names else None
    limit = f"class_names names {given} classes (labels 0..{(given or 0) - 1}); give one name per class"
    y_true = _class_indices(who, "y_true", y_true, given, limit)
    models = _named(who, predictions, y_true, "one prediction per true label", given, limit)
    classes = given or int(max(y_true.max(initial=0), *(p.max(initial=0) for p in models.values()))) + 1
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
    _save(fig, path, file_format)
    return fig


def plot_misclassified(images: Any, y_true: Any, predictions: Any, path: str | os.PathLike | None = None,
                       title: str = "Misclassified", max_images: int = 40) -> Any:
    """The images some model got wrong (at most ``max_images``, in data order), each titled
    with its true class and, per model, the predicted one (a wrong one marked with ✗)."""
    who = "plot_misclassified"
    file_format = _plot_format(who, path)
    x = np.asarray(getattr(images, "data", images), dtype=float)
    y_true = _class_indices(who, "y_true", y_true)
    models = _named(who, predictions, y_true, "one label per image", images=x)
    x = x.reshape(len(x), *x.shape[-2:])  # (N, H, W): one channel shown
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
    _save(fig, path, file_format)
    return fig


def plot_learning_curves(histories: Mapping[str, Mapping[str, Sequence[float]]],
                         path: str | os.PathLike | None = None, title: str = "Learning curves") -> Any:
    """Per model, the mean training loss of each epoch (left, log scale) and the test accuracy
    after each epoch (right), the final values in the legends.

    ``histories`` maps a model's name to ``{"loss": [...], "accuracy": [...]}``.
    """
    file_format = _plot_format("plot_learning_curves", path)
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
    _save(fig, path, file_format)
    return fig
