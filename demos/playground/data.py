"""The playground's data: the generated sets, an uploaded CSV, the train/test split and the
input features (x1, x2, x1², x2², x1x2, sin x1, sin x2) the network sees.

>>> data = make_dataset(Settings(dataset="circle", noise=10))
>>> data.train_points.shape, data.test_points.shape, data.classes
((100, 2), (100, 2), 2)
>>> features(data.train_points, ("x1", "x1sq")).shape
(100, 2)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mlp import datasets

from .settings import Settings

N_SAMPLES = 200  # points in a generated set, before the split
MAX_CSV_ROWS = 5_000  # more would make every epoch slow in a page meant to move
CSV_COLUMNS = ("x1", "x2", "label")

_FEATURE_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1sq": lambda p: p[:, 0] ** 2,
    "x2sq": lambda p: p[:, 1] ** 2,
    "x1x2": lambda p: p[:, 0] * p[:, 1],
    "sinx1": lambda p: np.sin(p[:, 0]),
    "sinx2": lambda p: np.sin(p[:, 1]),
}


class DataError(ValueError):
    """Data the playground cannot use; the message says what is wrong and how to fix it."""


@dataclass(frozen=True)
class Dataset:
    """Points in the plane with class indices, split into training and test sets.

    ``train_labels`` / ``test_labels`` are int arrays of shape (n,). ``test_points`` is empty
    for the seed's 4-point XOR, which trains and is scored on the same 4 points.
    """

    train_points: np.ndarray
    train_labels: np.ndarray
    test_points: np.ndarray
    test_labels: np.ndarray
    classes: int

    @property
    def points(self) -> np.ndarray:
        return np.concatenate([self.train_points, self.test_points])

    @property
    def has_test(self) -> bool:
        return len(self.test_points) > 0

    def extent(self, margin: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
        """The (x1, x2) ranges of all the points, widened by ``margin`` of their span on each side:
        the plane the heatmaps cover, whatever the data (the seed app's was fixed to [-0.5, 1.5])."""
        low, high = self.points.min(axis=0), self.points.max(axis=0)
        pad = margin * np.maximum(high - low, 1e-9)
        return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))


def features(points: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The network's input: one column per feature name, computed from (x1, x2) points."""
    if not names:
        raise DataError("pick at least one input feature")
    return np.column_stack([_FEATURE_FUNCTIONS[n](points) for n in names])


def generate(settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """The points and class indices (shape (n,)) of a generated data set, from the seed."""
    noise = settings.noise / 100
    seed = settings.seed
    makers: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
        "xor4": datasets.xor,
        "xor": lambda: datasets.xor_quadrants(N_SAMPLES, noise, seed),
        "circle": lambda: datasets.circle(N_SAMPLES, noise, seed),
        "gaussians": lambda: datasets.gaussians(N_SAMPLES, noise, seed),
        "spiral": lambda: datasets.spiral(N_SAMPLES, noise, seed, classes=settings.classes),
        "moons": lambda: datasets.make_moons(N_SAMPLES, noise, seed),
        "blobs": lambda: datasets.blobs(N_SAMPLES, noise, seed, classes=settings.classes),
    }
    if settings.dataset not in makers:
        raise DataError(f"no generator for the data set {settings.dataset!r}")
    X, y = makers[settings.dataset]()
    return X, y.ravel().astype(int)


def split(points: np.ndarray, labels: np.ndarray, train_percent: int, seed: int) -> Dataset:
    """Shuffle (by ``seed``) and keep ``train_percent`` % for training, at least one point each side."""
    order = np.random.default_rng(seed).permutation(len(points))
    n_train = min(max(1, round(len(points) * train_percent / 100)), len(points) - 1)
    train, test = order[:n_train], order[n_train:]
    return Dataset(points[train], labels[train], points[test], labels[test], int(labels.max()) + 1)


def make_dataset(settings: Settings, upload: tuple[np.ndarray, np.ndarray] | None = None) -> Dataset:
    """The data set the settings describe; ``upload`` holds the points of a CSV file (see
    :func:`parse_csv`) when the data set is "csv"."""
    if settings.dataset == "xor4":  # 4 points: all of them are needed to learn XOR, none left to test
        X, y = generate(settings)
        return Dataset(X, y, X[:0], y[:0], 2)
    if settings.dataset == "csv":
        if upload is None:
            raise DataError("upload a CSV file with the columns x1, x2, label in the sidebar")
        X, y = upload
    else:
        X, y = generate(settings)
    return split(X, y, settings.train_percent, settings.seed)


def _number(text: str, row: int, column: str) -> float:
    if not text.strip():
        raise DataError(f"row {row}, column {column} is empty: every row needs x1, x2 and a label")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"row {row}, column {column}: {text.strip()!r} is not a number") from None
    if not np.isfinite(value):
        raise DataError(f"row {row}, column {column} is {text.strip()}: every value must be a finite number "
                        "(remove or fill that row)")
    return value


def parse_csv(content: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Points (n, 2) and class indices (n,) from a CSV file of x1, x2, label.

    A header line ``x1,x2,label`` is optional. Labels are whole numbers; they are renumbered
    0, 1, ... in increasing order. Raises :class:`DataError` naming the row and column of the
    first problem (text, NaN, a missing value, one class only, wrong columns, too many rows).
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("the file is not UTF-8 text; save it as CSV (comma-separated values)") from None
    rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    if not rows:
        raise DataError("the file is empty: it needs the columns x1, x2, label and at least 4 rows")
    header = [cell.strip().lower() for cell in rows[0]]
    first_row = 1
    if header == list(CSV_COLUMNS):
        rows, first_row = rows[1:], 2
    elif any(_is_text(cell) for cell in header):
        raise DataError(f"the columns must be x1, x2, label (in that order), got {', '.join(rows[0])}")
    if len(rows) < 4:
        raise DataError(f"only {len(rows)} data rows: at least 4 are needed (some to train on, some to test)")
    if len(rows) > MAX_CSV_ROWS:
        raise DataError(f"{len(rows):,} rows: the playground takes at most {MAX_CSV_ROWS:,}, to stay quick")
    values = np.empty((len(rows), 3))
    for i, row in enumerate(rows):
        number = i + first_row
        if len(row) != 3:
            raise DataError(f"row {number} has {len(row)} values; each row needs 3: x1, x2, label")
        values[i] = [_number(cell, number, name) for cell, name in zip(row, CSV_COLUMNS)]
    labels = values[:, 2]
    fractional = np.flatnonzero(labels != np.round(labels))
    if fractional.size:
        i = int(fractional[0])
        raise DataError(f"row {i + first_row}: the label {labels[i]:g} is not a whole number (labels are classes: "
                        "0, 1, 2...)")
    classes, indices = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise DataError(f"every row has the label {classes[0]:g}: a classifier needs at least two classes")
    if len(classes) > 10:
        raise DataError(f"{len(classes)} different labels: the playground draws at most 10 classes")
    return values[:, :2], indices.astype(int)


def _is_text(cell: str) -> bool:
    try:
        float(cell)
        return False
    except ValueError:
        return True
