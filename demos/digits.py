"""A small CNN and an MLP learn scikit-learn's 8x8 handwritten digits, side by side.

    python -m demos.digits

The 1,797 digits of ``sklearn.datasets.load_digits`` (shipped inside scikit-learn, no
download), scaled to [0, 1] as (samples, 1, 8, 8) images, split 80/20 with the classes in the
same proportions in both parts. The CNN: Conv2D(1 -> 8, 3x3, padding 1), ReLU, MaxPool2D(2),
Flatten, Dense(128 -> 10); the MLP: Flatten, Dense(64 -> 64), ReLU, Dense(64 -> 10). Both
learn with softmax cross-entropy and Adam, from the same seed, and their test accuracy is
printed side by side; then the pictures: the CNN's filters and the feature maps of one test
digit, the confusion matrices, the misclassified digits, and the loss and accuracy curves.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

import viz
from mlp import Adam, Conv2D, CrossEntropy, Dense, Flatten, MaxPool2D, NeuralNetwork, ReLU

from ._cli import output_folder, parser, positive_float, positive_int, print_pictures

DIGITS = 1797


def load_data(seed: int = 0, test_fraction: float = 0.2, limit: int | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's digits as (X_train, X_test, y_train, y_test): images of shape (n, 1, 8, 8)
    in [0, 1] (the pixels are 0..16), labels 0..9; a stratified split (each class in the same
    proportion in both parts) drawn with ``seed``. ``limit`` keeps the first so many digits."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise SystemExit("demos.digits needs scikit-learn (its load_digits): pip install -e \".[digits]\"") from None
    digits = load_digits()
    X = (digits.images / 16.0)[:, None, :, :]
    y = digits.target
    if limit is not None:
        X, y = X[:limit], y[:limit]
    return train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=seed)


def build_cnn(filters: int) -> NeuralNetwork:
    """conv (``filters`` 3x3, padding 1) -> ReLU -> max-pool 2 -> dense 10, on 8x8 images."""
    net = NeuralNetwork(CrossEntropy())
    for layer in (Conv2D(1, filters, 3, padding=1), ReLU(), MaxPool2D(2), Flatten(), Dense(filters * 4 * 4, 10)):
        net.add(layer)
    return net


def build_mlp(hidden: int) -> NeuralNetwork:
    """The 64 pixels -> ``hidden`` ReLU units -> 10 scores."""
    net = NeuralNetwork(CrossEntropy())
    for layer in (Flatten(), Dense(64, hidden), ReLU(), Dense(hidden, 10)):
        net.add(layer)
    return net


def fit(net: NeuralNetwork, data: tuple, args: argparse.Namespace) -> dict:
    """Train ``net`` with the arguments' settings; returns the per-epoch training loss, test
    accuracy after each epoch, and the training time (the accuracy checks included)."""
    X_train, X_test, y_train, y_test = data
    accuracy: list[float] = []
    start = time.perf_counter()
    loss = net.train(X_train, y_train, epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size,
                     shuffle=True, optimizer=Adam, verbose=False, compile=not args.eager,
                     callbacks=lambda epoch, _, n: accuracy.append(n.evaluate(X_test, y_test, accuracy=True).accuracy))
    return {"loss": loss, "accuracy": accuracy, "seconds": time.perf_counter() - start}


def fraction(text: str) -> float:
    """A share of the digits for the test part: strictly between 0 and 1."""
    value = positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be below 1, got {value:g}")
    return value


def at_least_twenty(text: str) -> int:
    """Enough digits for two of each class in a stratified split."""
    value = positive_int(text)
    if not 20 <= value <= DIGITS:
        raise argparse.ArgumentTypeError(f"must be between 20 and {DIGITS} (two of each class at least), got {value}")
    return value


def arguments() -> argparse.ArgumentParser:
    p = parser("digits", __doc__)
    p.add_argument("--epochs", type=positive_int, default=30, help="passes over the training digits "
                   "(default: %(default)s)")
    p.add_argument("--lr", type=positive_float, default=0.01, help="Adam's learning rate (default: %(default)s)")
    p.add_argument("--batch-size", type=positive_int, default=32, help="digits per step (default: %(default)s)")
    p.add_argument("--filters", type=positive_int, default=8, help="the CNN's 3x3 filters (default: %(default)s)")
    p.add_argument("--hidden", type=positive_int, default=64, help="the MLP's hidden units (default: %(default)s)")
    p.add_argument("--test-fraction", type=fraction, default=0.2,
                   help="share of the digits held out to test, stratified (default: %(default)s)")
    p.add_argument("--limit", type=at_least_twenty, default=DIGITS,
                   help="use the first so many digits only, for a quick run (default: all %(default)s)")
    p.add_argument("--eager", action="store_true",
                   help="train step by step through the graph instead of al.compile's replayed steps, the same "
                        "numbers, slower (default: off)")
    return p


PICTURES = ("filters.png", "feature_maps.png", "confusion_matrix.png", "misclassified.png", "learning_curves.png")


def main(argv: list[str] | None = None) -> int:
    p = arguments()
    args = p.parse_args(argv)
    n_test = math.ceil(args.test_fraction * args.limit)  # as scikit-learn's split counts them
    if min(n_test, args.limit - n_test) < 10:
        p.error(f"--limit {args.limit} with --test-fraction {args.test_fraction:g} leaves {n_test} digits to test "
                f"and {args.limit - n_test} to train; a stratified split needs at least one of each of the 10 "
                "classes in both: raise --limit or bring --test-fraction nearer 0.5")
    out = output_folder(args.out, ("cnn.npz", *PICTURES))
    data = load_data(args.seed, args.test_fraction, args.limit)
    X_train, X_test, y_train, y_test = data
    print(f"digits: {len(X_train) + len(X_test):,} images of 8x8 (scikit-learn's load_digits), {len(X_train):,} to "
          f"train, {len(X_test):,} to test (stratified, seed {args.seed})")
    print(f"Adam lr {args.lr}, batch {args.batch_size}, {args.epochs} epochs, float64, "
          f"{'eager' if args.eager else 'compiled'} steps\n")

    models, results = {}, {}
    for name, build, size in (("CNN", build_cnn, args.filters), ("MLP", build_mlp, args.hidden)):
        np.random.seed(args.seed)
        models[name] = build(size)
        results[name] = fit(models[name], data, args)
    cnn = models["CNN"]
    print(cnn.summary() + "\n")

    predictions = {name: net.predict(X_test, classes=True) for name, net in models.items()}
    rows = [("model", "parameters", "train time", "final loss", "test accuracy")]
    for name, net in models.items():
        r = results[name]
        rows.append((name, f"{net.num_parameters():,}", f"{r['seconds']:.2f} s", f"{r['loss'][-1]:.4f}",
                     f"{r['accuracy'][-1]:.1%}"))
    widths = [max(len(row[c]) for row in rows) for c in range(5)]
    for row in rows:
        print("  ".join([row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]))
    wrong = {name: int(np.sum(p != y_test)) for name, p in predictions.items()}
    both = int(np.sum((predictions["CNN"] != y_test) & (predictions["MLP"] != y_test)))
    print(f"\nmisclassified of {len(y_test)}: CNN {wrong['CNN']}, MLP {wrong['MLP']} (by both: {both})")

    model_path = cnn.save(os.path.join(out, "cnn.npz"))
    same = np.array_equal(NeuralNetwork.from_file(model_path).predict(X_test), cnn.predict(X_test))
    print(f"the CNN saved to {model_path}; NeuralNetwork.from_file gives the same outputs: {'yes' if same else 'NO'}")

    example = int(np.flatnonzero(y_test == y_test[0])[0])
    paths = [os.path.join(out, name) for name in PICTURES]
    viz.plot_filters(cnn.layers[0], path=paths[0], title=f"The CNN's {args.filters} learned 3x3 filters")
    viz.plot_feature_maps(cnn, X_test[example], layers=(1, 2), path=paths[1], label=f"a {y_test[example]}",
                          title=f"Feature maps of a test digit ({y_test[example]}): after ReLU, after max-pooling")
    viz.plot_confusion_matrix(y_test, predictions, path=paths[2], title="Confusion matrices on the test digits")
    viz.plot_misclassified(X_test, y_test, predictions, path=paths[3], title="Test digits misclassified")
    viz.plot_learning_curves(results, path=paths[4], title="Training loss and test accuracy per epoch")
    print_pictures(paths)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
