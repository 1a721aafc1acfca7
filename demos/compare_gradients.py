"""The point of the project: backward() gives the gradients the calculus done by hand gives.

    python -m demos.compare_gradients

For each network, every parameter's gradient three ways: autograd_lite's backward(), the
seed's hand-derived backprop (mlp.manual), and central finite differences of the loss.
Exits with status 1 if autodiff and manual differ by more than 1e-10, or autodiff and the
finite differences by more than 1e-6 (float64), or if any difference is not a number (NaN or
infinite): a gradient that cannot be computed is not an agreement.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograd_lite.files import write_atomically
from mlp import BCE, MSE, CrossEntropy, Dense, NeuralNetwork, ReLU, Sigmoid, Tanh, manual
from mlp.datasets import xor

from ._cli import output_folder, parser, positive_int, print_pictures

MANUAL_TOLERANCE = 1e-10
NUMERIC_TOLERANCE = 1e-6


def networks(rng: np.random.Generator, batch: int) -> list[tuple[str, str, NeuralNetwork, np.ndarray, np.ndarray]]:
    """The XOR net of the seed, and a 4-8-8-3 net mixing ReLU and Tanh, with BCE and with cross-entropy."""
    X, y = xor()
    seed_net = NeuralNetwork(MSE()).add(Dense(2, 3)).add(Sigmoid()).add(Dense(3, 1)).add(Sigmoid())
    X4 = rng.standard_normal((batch, 4))
    bce_net = NeuralNetwork(BCE())
    for layer in (Dense(4, 8), ReLU(), Dense(8, 8), Tanh(), Dense(8, 3), Sigmoid()):
        bce_net.add(layer)
    ce_net = NeuralNetwork(CrossEntropy())
    for layer in (Dense(4, 8), Tanh(), Dense(8, 8), ReLU(), Dense(8, 3)):
        ce_net.add(layer)
    return [
        ("XOR 2-3-1, Sigmoid, MSE", "XOR/MSE", seed_net, X, y),
        ("4-8-8-3, ReLU/Tanh/Sigmoid, BCE", "4-8-8-3/BCE", bce_net, X4,
         (rng.uniform(size=(batch, 3)) > 0.5).astype(float)),
        ("4-8-8-3, Tanh/ReLU, cross-entropy", "4-8-8-3/CE", ce_net, X4, rng.integers(0, 3, batch)),
    ]


def autodiff(net: NeuralNetwork, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    net.zero_grad()
    net.loss_function(net.forward(X), y).backward()
    return {name: p.grad.data.copy() for name, p in net.named_parameters()}


def finite_differences(net: NeuralNetwork, X: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> dict[str, np.ndarray]:
    """d loss / d p ~ (loss(p + eps) - loss(p - eps)) / 2 eps, one weight at a time."""
    grads = {}
    for name, p in net.named_parameters():
        g = np.zeros(p.shape)
        for idx in np.ndindex(*p.shape):
            saved = p.data[idx]
            p.data[idx] = saved + eps
            up = net.evaluate(X, y)
            p.data[idx] = saved - eps
            down = net.evaluate(X, y)
            p.data[idx] = saved
            g[idx] = (up - down) / (2 * eps)
        grads[name] = g
    return grads


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def worse(a: float, b: float) -> float:
    """The larger of two differences, where NaN (a difference that could not be computed, as
    from a NaN gradient) beats every number: Python's ``max(0.0, nan)`` is 0.0."""
    return a if math.isnan(a) or a > b else b


def arguments() -> argparse.ArgumentParser:
    p = parser("compare_gradients", __doc__)
    p.add_argument("--batch", type=positive_int, default=16,
                   help="samples in the batch of the 4-8-8-3 nets (default: %(default)s)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = arguments().parse_args(argv)
    out = output_folder(args.out, ("gradient_differences.png",))
    np.random.seed(args.seed)
    rng = np.random.default_rng(args.seed)

    worst_manual = worst_numeric = 0.0
    rows: list[tuple[str, float, float]] = []
    for title, tag, net, X, y in networks(rng, args.batch):
        auto, t_auto = timed(autodiff, net, X, y)
        (_, hand), t_hand = timed(manual.gradients, net, X, y)
        numeric, t_num = timed(finite_differences, net, X, y)
        print(f"\n{title}  (loss {net.evaluate(X, y):.6f}, batch of {len(X)})")
        print(f"  {'parameter':<16} {'shape':<8} {'|auto - manual|':>16} {'|auto - numeric|':>17} {'relative':>10}")
        for name, g in auto.items():
            d_manual = float(np.max(np.abs(g - hand[name])))
            d_numeric = float(np.max(np.abs(g - numeric[name])))
            relative = d_numeric / max(float(np.max(np.abs(numeric[name]))), 1e-12)
            worst_manual, worst_numeric = worse(worst_manual, d_manual), worse(worst_numeric, d_numeric)
            rows.append((f"{tag} {name}", d_manual, d_numeric))
            flag = "" if d_manual <= MANUAL_TOLERANCE and d_numeric <= NUMERIC_TOLERANCE else "  <- disagrees"
            print(f"  {name:<16} {str(g.shape):<8} {d_manual:>16.2e} {d_numeric:>17.2e} {relative:>10.2e}{flag}")
        print(f"  time: autodiff {t_auto * 1e3:.2f} ms, manual {t_hand * 1e3:.2f} ms, "
              f"finite differences {t_num * 1e3:.1f} ms")

    ok = worst_manual <= MANUAL_TOLERANCE and worst_numeric <= NUMERIC_TOLERANCE  # False for NaN
    print(f"\nlargest differences: autodiff vs manual {worst_manual:.2e} (tolerance {MANUAL_TOLERANCE:.0e}), "
          f"autodiff vs finite differences {worst_numeric:.2e} (tolerance {NUMERIC_TOLERANCE:.0e})")
    print("agree" if ok else "DISAGREE")
    path = plot_differences(rows, os.path.join(out, "gradient_differences.png"))
    print_pictures([path])
    return 0 if ok else 1


def plot_differences(rows: list[tuple[str, float, float]], path: str) -> str:
    """Each parameter's largest difference from the manual and from the numeric gradient, log scale."""
    fig = Figure(figsize=(9, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    floor, ceiling = 1e-19, 1e-4  # exact zeros drawn at the left edge, NaN and inf at the right

    def placed(d: float) -> float:
        return ceiling if not math.isfinite(d) else min(max(d, floor), ceiling)

    ax.scatter([placed(r[1]) for r in rows], y, marker="o", color="#2ca02c", label="|autodiff - manual|")
    ax.scatter([placed(r[2]) for r in rows], y, marker="s", color="#1f77b4",
               label="|autodiff - finite differences|")
    ax.axvline(MANUAL_TOLERANCE, color="#2ca02c", linestyle="--", linewidth=1, label="tolerance vs manual")
    ax.axvline(NUMERIC_TOLERANCE, color="#1f77b4", linestyle="--", linewidth=1, label="tolerance vs finite differences")
    ax.set_xscale("log")
    ax.set_xlim(floor / 3, ceiling * 3)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("largest absolute difference over the parameter's entries, float64\n"
                  "(0 is drawn at 1e-19; NaN, inf and anything above 1e-4 at 1e-4)")
    ax.set_title("backward() against hand-derived backprop and finite differences")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    write_atomically(path, lambda tmp: fig.savefig(tmp, format="png"))  # a reader never sees half a picture
    return path


if __name__ == "__main__":
    sys.exit(main())
