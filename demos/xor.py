"""The seed's experiment: a 2-3-1 sigmoid network learns XOR by per-sample SGD on MSE.

    python -m demos.xor                                  # the seed's settings, its four plots
    python -m demos.xor --tour                           # plus one frame per backward step
    python -m demos.xor --optimizer adam --batch-size 4 --epochs 1000 --lr 0.1   # the faster route
    python -m demos.xor --no-compile                     # eager steps only

Prints the seed's table (input, target, prediction, error) beside the seed's published
predictions, and the training time: each step compiled (al.compile), and the same training
run eagerly, to show that the numbers are the same and how much time compiling saves; writes
the four plots, the graph of one training step and the program a compiled step replays.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable

import numpy as np

import autograd_lite as al
import viz
from mlp import MSE, SGD, Adam, Dense, NeuralNetwork, RMSProp, Sigmoid
from mlp.datasets import xor

from ._cli import output_folder, parser, positive_float, positive_int, print_pictures

SEED_PREDICTIONS = [0.057, 0.932, 0.913, 0.082]  # the seed README's table
OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSProp}


def arguments() -> argparse.ArgumentParser:
    p = parser("xor", __doc__)
    p.add_argument("--epochs", type=positive_int, default=10_000,
                   help="passes over the four points (default: %(default)s)")
    p.add_argument("--lr", type=positive_float, default=0.1, help="learning rate (default: %(default)s)")
    p.add_argument("--hidden", type=positive_int, default=3, help="hidden units (default: %(default)s)")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd",
                   help="the update rule (default: %(default)s)")
    p.add_argument("--batch-size", type=positive_int, default=1,
                   help="samples per step; 1 is the seed's per-sample SGD (default: %(default)s)")
    p.add_argument("--tour", action="store_true",
                   help="also write the backward tour of one training step (default: off)")
    p.add_argument("--no-compile", dest="compile", action="store_false",
                   help="train with eager steps only, skipping the compiled run and its comparison (default: off)")
    return p


def network(hidden: int) -> NeuralNetwork:
    """The seed's network, built as the seed's README builds it."""
    nn = NeuralNetwork(loss_function=MSE())
    nn.add(Dense(input_size=2, output_size=hidden))
    nn.add(Sigmoid())
    nn.add(Dense(input_size=hidden, output_size=1))
    nn.add(Sigmoid())
    return nn


def training_step(nn: NeuralNetwork) -> Callable[[np.ndarray, np.ndarray], al.Tensor]:
    """What one training step computes before the update: the loss, backpropagated."""

    def step(xb: np.ndarray, yb: np.ndarray) -> al.Tensor:
        loss = nn.loss_function(nn.forward(xb), yb)
        loss.backward()
        return loss

    return step


PLOTS = ("training_loss.png", "decision_boundary.png", "hidden_activations.png", "weight_dynamics.png")


def _seconds(t: float) -> str:
    """A duration readable at any length: 3.48 s, 0.21 s, 12 ms."""
    return f"{t:.2f} s" if t >= 0.1 else f"{t * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    out = output_folder(args.out, (*PLOTS, "training_step_graph.svg", "compiled_step_program.svg"))

    X, y = xor()
    recorder = viz.TrainingRecorder(every=max(1, args.epochs // 500))
    print(f"XOR: 2-{args.hidden}-1 sigmoid network, MSE, {args.optimizer.upper()} lr={args.lr}, "
          f"batch size {args.batch_size}, {args.epochs} epochs, seed {args.seed}")
    settings = dict(epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size,
                    optimizer=OPTIMIZERS[args.optimizer], verbose=False)
    runs = {}
    for compiled in ((True, False) if args.compile else (False,)):
        np.random.seed(args.seed)
        net = network(args.hidden)
        start = time.perf_counter()
        history = net.train(X, y, compile=compiled, callbacks=recorder if compiled or not args.compile else None,
                            **settings)
        runs[compiled] = (net, history, time.perf_counter() - start)
    nn, history, seconds = runs[args.compile]
    predictions = nn.predict(X).ravel()

    steps = args.epochs * math.ceil(len(X) / args.batch_size)  # the last batch of an epoch may be smaller
    if args.compile:
        eager_net, eager_history, eager_seconds = runs[False]
        same = max(abs(a - b) for a, b in zip(history, eager_history))
        ratio = eager_seconds / seconds
        speed = (f"{ratio:.1f}x slower" if ratio >= 1 else
                 f"{1 / ratio:.1f}x faster: on so short a run compiling costs more than it saves")
        print(f"trained in {_seconds(seconds)} ({steps:,} compiled steps, al.compile); the same training eagerly: "
              f"{_seconds(eager_seconds)} ({speed}), losses equal to {same:.0e}")
    else:
        print(f"trained in {_seconds(seconds)} ({steps:,} steps)")
    print(f"final loss {history[-1]:.6f}\n")
    print("| Input    | Target | Prediction | Error  | Seed's prediction |")
    print("| :------: | :----: | :--------: | :----: | :---------------: |")
    for xi, target, pred, seed_pred in zip(X, y.ravel(), predictions, SEED_PREDICTIONS):
        print(f"| [{xi[0]:.0f}, {xi[1]:.0f}]   |   {target:.0f}    |   {pred:.3f}    | {abs(pred - target):.3f}  "
              f"|       {seed_pred:.3f}       |")
    solved = bool(np.all(np.abs(predictions - y.ravel()) < 0.1))
    print(f"\nevery prediction within 0.1 of its target: {'yes' if solved else 'no'}")

    paths = [os.path.join(out, name) for name in PLOTS]
    viz.plot_loss(history, path=paths[0], ylabel="mean MSE per epoch")
    viz.plot_decision_boundary(nn, X, y, path=paths[1])
    viz.plot_hidden_activations(nn, X, y, path=paths[2])
    viz.plot_weight_dynamics(recorder, path=paths[3])

    # One training step of the seed (sample [0, 1]), kept with retain_graph so that the drawing
    # shows every value and gradient.
    nn.zero_grad()
    recording = viz.record_modules(nn)  # note which operations each layer makes, to group the drawings
    loss = nn.loss_function(nn.forward(X[1:2]), y[1:2])
    loss.name = "loss"
    loss.backward(retain_graph=True)
    paths.append(viz.render(loss, os.path.join(out, "training_step_graph.svg"), model=nn, group_by_module=True,
                            rankdir="TB", max_values=6))
    if args.tour:
        tour = viz.backward_tour(nn.loss_function(nn.forward(X[1:2]), y[1:2]), os.path.join(out, "tour"),
                                 model=nn, group_by_module=True, rankdir="TB", max_values=6)
        paths.append(f"{os.path.join(out, 'tour')}{os.sep} ({len(tour)} frames)")
    recording.remove()
    nn.zero_grad()
    if args.compile:  # the program a compiled step replays: one numpy call per box
        for name, p in nn.named_parameters():
            p.name = name
        step = al.compile(training_step(nn))
        for i in range(2):  # compiled on its second call
            step(X[i:i + 1], y[i:i + 1])
        nn.zero_grad()
        paths.append(viz.render(viz.draw_program(step), os.path.join(out, "compiled_step_program.svg")))

    print_pictures(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
