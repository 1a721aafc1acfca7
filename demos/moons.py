"""A 2-16-16-1 ReLU network separates two moons (100 points, noise 0.1) with BCE and Adam.

    python -m demos.moons
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import viz
from mlp import BCE, Adam, Dense, NeuralNetwork, ReLU, Sigmoid
from mlp.datasets import make_moons

from ._cli import nonnegative_float, output_folder, parser, positive_float, positive_int, print_pictures


def at_least_two(text: str) -> int:
    """A number of points that gives each moon at least one."""
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2 (one point per moon), got {value}")
    return value


def arguments() -> argparse.ArgumentParser:
    p = parser("moons", __doc__)
    p.add_argument("--samples", type=at_least_two, default=100, help="points, half per moon (default: %(default)s)")
    p.add_argument("--noise", type=nonnegative_float, default=0.1,
                   help="standard deviation of the noise added to the points (default: %(default)s)")
    p.add_argument("--hidden", type=positive_int, default=16,
                   help="units in each of the two hidden layers (default: %(default)s)")
    p.add_argument("--epochs", type=positive_int, default=500, help="passes over the points (default: %(default)s)")
    p.add_argument("--lr", type=positive_float, default=0.01, help="Adam's learning rate (default: %(default)s)")
    p.add_argument("--batch-size", type=positive_int, default=16, help="points per step (default: %(default)s)")
    return p


PICTURES = ("decision_boundary.png", "training_loss.png")


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    out = output_folder(args.out, PICTURES)

    X, y = make_moons(args.samples, noise=args.noise, rng=args.seed)
    np.random.seed(args.seed)
    net = NeuralNetwork(BCE())
    for layer in (Dense(2, args.hidden), ReLU(), Dense(args.hidden, args.hidden), ReLU(), Dense(args.hidden, 1),
                  Sigmoid()):
        net.add(layer)
    print(f"two moons: {args.samples} points, noise {args.noise}; network 2-{args.hidden}-{args.hidden}-1 "
          f"(ReLU, sigmoid output), BCE, Adam lr={args.lr}, batch {args.batch_size}, {args.epochs} epochs")
    start = time.perf_counter()
    history = net.train(X, y, epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size, shuffle=True,
                        optimizer=Adam, verbose=False)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean((net.predict(X) > 0.5) == y))
    print(f"trained in {seconds:.2f} s; final loss {history[-1]:.5f}; training accuracy {accuracy:.1%}")
    default_lr = arguments().get_default("lr")
    if len(history) > 1 and not history[-1] < 0.9 * history[0]:
        if args.lr > default_lr:
            print(f"the loss did not fall (first epoch {history[0]:.5f}, last {history[-1]:.5f}): with lr={args.lr} "
                  "the steps are likely too large; the sigmoid outputs then saturate at 0 or 1, where BCE's "
                  f"gradient vanishes. Try a smaller --lr (default {default_lr})")
        else:
            print(f"the loss hardly fell (first epoch {history[0]:.5f}, last {history[-1]:.5f}): with lr={args.lr} "
                  f"the steps are small for {args.epochs} epochs. Try more --epochs or a larger --lr "
                  f"(default {default_lr})")

    paths = [os.path.join(out, name) for name in PICTURES]
    viz.plot_decision_boundary(net, X, y, path=paths[0], title=f"Two moons: training accuracy {accuracy:.0%}")
    viz.plot_loss(history, path=paths[1], ylabel="mean BCE per epoch")
    print_pictures(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
