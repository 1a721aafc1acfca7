"""Computation graphs with values and gradients: micrograd's neuron, the XOR network's loss,
and the backward pass of the neuron step by step.

    python -m demos.graph
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import viz
from autograd_lite import Tensor
from mlp import MSE, Dense, NeuralNetwork, Sigmoid
from mlp.datasets import xor

from ._cli import output_folder, parser, positive_int, print_pictures


def neuron() -> tuple[Tensor, dict[str, Tensor]]:
    """micrograd's example: o = tanh(x1 w1 + x2 w2 + b), every intermediate named, kept, and
    retaining its gradient."""
    x1 = Tensor(2.0, requires_grad=True, name="x1")
    x2 = Tensor(0.0, requires_grad=True, name="x2")
    w1 = Tensor(-3.0, requires_grad=True, name="w1")
    w2 = Tensor(1.0, requires_grad=True, name="w2")
    b = Tensor(6.8813735870195432, requires_grad=True, name="b")
    x1w1 = x1 * w1
    x1w1.name = "x1*w1"
    x2w2 = x2 * w2
    x2w2.name = "x2*w2"
    total = x1w1 + x2w2
    total.name = "x1*w1 + x2*w2"
    n = total + b
    n.name = "n"
    o = n.tanh()
    o.name = "o"
    for t in (x1w1, x2w2, total, n, o):  # as in PyTorch, intermediates keep .grad only when asked
        t.retain_grad()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "x1w1": x1w1, "x2w2": x2w2, "total": total, "n": n}


def arguments() -> argparse.ArgumentParser:
    p = parser("graph", __doc__)
    p.add_argument("--format", choices=["svg", "png"], default="svg",
                   help="picture format: %(choices)s (default: %(default)s)")
    p.add_argument("--xor-epochs", type=positive_int, default=1000,
                   help="training before drawing the XOR loss graph (default: %(default)s)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    out = output_folder(args.out, (f"neuron.{args.format}", f"xor_loss.{args.format}"))
    np.random.seed(args.seed)
    paths = []

    o, tensors = neuron()
    o.backward()
    print(f"neuron: o = tanh(x1*w1 + x2*w2 + b) = {o.item():.4f}")
    print("  gradients: " + ", ".join(f"d o/d {k} = {tensors[k].grad.item():.4f}"
                                      for k in ("x1", "w1", "x2", "w2", "b")))
    paths.append(viz.render(o, os.path.join(out, f"neuron.{args.format}"), legend=True))

    tour_root, _ = neuron()
    frames = viz.backward_tour(tour_root, os.path.join(out, "neuron_tour"), format=args.format)
    paths.append(f"{os.path.join(out, 'neuron_tour')}{os.sep} ({len(frames)} frames, one per backward step)")

    X, y = xor()
    net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    net.train(X, y, epochs=args.xor_epochs, learning_rate=0.1, batch_size=4, verbose=False)
    with viz.record_modules(net):  # note which operations each layer makes, to group the drawing
        loss = net.loss_function(net.forward(X), y)
    loss.name = "loss"
    net.zero_grad()  # train() leaves its last step's gradients in .grad: draw this loss's alone
    loss.backward(retain_graph=True)  # retained: the drawing shows every value and gradient
    print(f"XOR network after {args.xor_epochs} epochs: loss {loss.item():.4f} on the 4 points; "
          f"d loss/d b2 = {net.layers[2].bias.grad.item():.4f}")
    paths.append(viz.render(loss, os.path.join(out, f"xor_loss.{args.format}"), model=net, group_by_module=True,
                            rankdir="TB", max_values=4))

    print_pictures(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
