"""A 2-16-16-1 ReLU network separates two moons (100 points, noise 0.1) with BCE and Adam.

    python -m demos.moons
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

import viz
from mlp import BCE, Adam, Dense, NeuralNetwork, ReLU, Sigmoid
from mlp.datasets import make_moons

from ._cli import output_folder, parser, print_pictures


def main(argv: list[str] | None = None) -> int:
    p = parser("moons", __doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=100)
    p.add_argument("--noise", type=float, default=0.1)
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--epochs", type=int, default=500)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--batch-size", type=int, default=16)
    args = p.parse_args(argv)
    out = output_folder(args.out)

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

    paths = [os.path.join(out, "decision_boundary.png"), os.path.join(out, "training_loss.png")]
    viz.plot_decision_boundary(net, X, y, path=paths[0], title=f"Two moons: training accuracy {accuracy:.0%}")
    viz.plot_loss(history, path=paths[1], ylabel="mean BCE per epoch")
    print_pictures(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
