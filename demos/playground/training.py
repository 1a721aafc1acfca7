"""Training in the playground: the network the settings describe, and a :class:`Run` that
advances it some epochs at a time (one redraw's worth) with ``NeuralNetwork.train`` and records
what the charts need after every epoch.

>>> run = Run(Settings(), make_dataset(Settings()))
>>> run.advance(100)
100
>>> run.epoch, round(run.history.train_loss[-1], 3)
(100, 0.229)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd_lite as al
from mlp import (
    BCE,
    MSE,
    SGD,
    Adam,
    CrossEntropy,
    Dense,
    Loss,
    NeuralNetwork,
    Optimizer,
    ReLU,
    RMSProp,
    Sigmoid,
    Tanh,
    TrainingDiverged,
)
from viz import TrainingRecorder

from .data import Dataset, features
from .settings import Settings

ACTIVATION_LAYERS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "linear": None}
LOSS_FUNCTIONS = {"mse": MSE, "bce": BCE, "ce": CrossEntropy}
# Settings that need a new network (or new data) when they change; the others apply to the
# running network at once, as in TensorFlow Playground.
GRADIENT_EVERY = 5  # epochs between two measures of the gradient norms (a forward and backward of all the data)
STRUCTURAL_FIELDS = ("dataset", "noise", "train_percent", "classes", "seed", "features", "hidden",
                     "activation", "loss")


def structure(settings: Settings) -> tuple[Any, ...]:
    """What identifies a network and its data: a run is rebuilt when this changes."""
    return tuple(getattr(settings, name) for name in STRUCTURAL_FIELDS)


class Penalized(Loss):
    """``base`` plus ``rate`` times an L1 (sum |w|) or L2 (½ sum w²) penalty on the weight
    matrices (not the biases), written with autograd_lite's operations so that ``backward``
    differentiates it and the computation graph shows it."""

    def __init__(self, base: Loss, weights: list[al.Tensor], kind: str = "none", rate: float = 0.0) -> None:
        self.base, self.weights, self.kind, self.rate = base, weights, kind, rate

    def penalty(self) -> al.Tensor | None:
        if self.kind == "none" or self.rate == 0:
            return None
        terms = [al.abs(w).sum() if self.kind == "l1" else (w * w).sum() * 0.5 for w in self.weights]
        return sum(terms[1:], terms[0]) * self.rate

    def forward(self, y_true: Any, y_pred: Any) -> al.Tensor:
        loss = self.base.forward(y_true, y_pred)
        penalty = self.penalty()
        return loss if penalty is None else loss + penalty

    def __repr__(self) -> str:
        return repr(self.base) if self.penalty() is None else f"{self.base!r} + {self.rate:g} {self.kind.upper()}"


def build_network(settings: Settings, n_inputs: int, classes: int) -> NeuralNetwork:
    """Dense layers of the hidden widths, each followed by the activation (none for "linear"),
    then the output: one sigmoid unit for MSE and BCE, one raw score per class for cross-entropy.
    Weights come from a generator seeded with ``settings.seed``, so a link rebuilds the same start."""
    rng = np.random.default_rng(settings.seed)
    net = NeuralNetwork(loss_function=LOSS_FUNCTIONS[settings.loss]())
    sizes = [n_inputs, *settings.hidden]
    activation = ACTIVATION_LAYERS[settings.activation]
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        net.add(Dense(fan_in, fan_out, rng=rng))
        if activation is not None:
            net.add(activation())
    if settings.loss == "ce":
        net.add(Dense(sizes[-1], classes, rng=rng))
    else:
        net.add(Dense(sizes[-1], 1, rng=rng)).add(Sigmoid())
    return net


def make_optimizer(kind: str, net: NeuralNetwork, lr: float) -> Optimizer:
    """The optimizer named in the settings, over the network's parameters."""
    if kind == "momentum":
        return SGD(net.parameters(), lr=lr, momentum=0.9)
    return {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam}[kind](net.parameters(), lr=lr)


def targets(labels: np.ndarray, loss: str) -> np.ndarray:
    """Class indices as the loss wants them: (n,) ints for cross-entropy, (n, 1) floats in {0, 1}
    for the one-output losses."""
    return labels.astype(int) if loss == "ce" else labels.reshape(-1, 1).astype(np.float64)


def dense_layers(net: NeuralNetwork) -> list[Dense]:
    return [layer for layer in net.layers if isinstance(layer, Dense)]


def layer_names(net: NeuralNetwork) -> list[str]:
    """"hidden 1", "hidden 2", ..., "output": one name per Dense layer."""
    n = len(dense_layers(net))
    return [f"hidden {k}" for k in range(1, n)] + ["output"]


@dataclass
class History:
    """Per completed epoch: the training loss (the mean over the epoch's steps, as ``train()``
    returns it) and the test loss at its end (both with the L1/L2 penalty when there is one, the
    quantity training minimises). Every ``GRADIENT_EVERY`` epochs (``grad_epochs``), the norm of
    each layer's weight gradient of the loss on the whole training set."""

    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    grad_epochs: list[int] = field(default_factory=list)
    grad_norms: dict[str, list[float]] = field(default_factory=dict)


class _NotFinite(Exception):
    """Raised from the per-epoch hook: a weight or the loss stopped being finite."""


class _Stopped(Exception):
    """Raised from the per-epoch hook when :meth:`Run.request_stop` was called."""


class Run:
    """One network learning one data set. ``advance`` trains; everything else reads.

    On divergence (a loss or weight that is not finite) training stops, the weights go back to
    those at the end of the last epoch whose loss was finite, and :attr:`diverged` says so.
    """

    def __init__(self, settings: Settings, data: Dataset) -> None:
        self.settings, self.data = settings, data
        self.train_X = features(data.train_points, settings.features)
        self.test_X = features(data.test_points, settings.features)
        self.train_y = targets(data.train_labels, settings.loss)
        self.test_y = targets(data.test_labels, settings.loss)
        self.net = build_network(settings, self.train_X.shape[1], data.classes)
        self.base_loss: Loss = self.net.loss_function
        self.net.loss_function = Penalized(self.base_loss, [d.weight for d in dense_layers(self.net)],
                                           settings.regularization, settings.reg_rate)
        self.opt = make_optimizer(settings.optimizer, self.net, settings.lr)
        self.epoch = 0
        self.history = History(grad_norms={name: [] for name in layer_names(self.net)})
        self.recorder = TrainingRecorder()  # the first 12 weights, every epoch
        self.diverged: str | None = None
        self.stop_requested = False  # set from another thread: advance() stops at the next epoch's end
        self.dense = dense_layers(self.net)
        self._names = [name for name, _ in self.net.named_parameters()]
        self._params = self.net.parameters()
        self._good = [p.data.copy() for p in self._params]
        self.train_loss, self.test_loss = self.net.evaluate(self.train_X, self.train_y), self._test_loss()

    # ---------------------------------------------------------------- settings that apply live
    def configure(self, settings: Settings) -> None:
        """Apply the learning rate, optimizer, batch size, penalty and epoch target of ``settings``
        to this run (the structural fields must be the same)."""
        if structure(settings) != structure(self.settings):
            raise ValueError("configure(): the network or data changed; build a new Run")
        if settings.optimizer != self.settings.optimizer:
            self.opt = make_optimizer(settings.optimizer, self.net, settings.lr)
        self.opt.lr = settings.lr
        self.net.loss_function.kind = settings.regularization
        self.net.loss_function.rate = settings.reg_rate
        self.settings = settings

    @property
    def finished(self) -> bool:
        return self.epoch >= self.settings.epochs

    # ---------------------------------------------------------------- training
    def advance(self, epochs: int) -> int:
        """Train ``epochs`` more epochs (fewer if the loss diverges or a stop is requested);
        returns how many completed."""
        if epochs <= 0 or self.stop_requested:
            return 0
        start = self.epoch
        self.diverged = None
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # a blow-up is caught below, and said on the page
                self.net.train(self.train_X, self.train_y, epochs=epochs, optimizer=self.opt,
                               batch_size=self.settings.batch, verbose=False, progress=False,
                               callbacks=self._after_epoch)
        except _Stopped:
            pass
        except (TrainingDiverged, _NotFinite):
            self._restore_good()
            self.opt = make_optimizer(self.settings.optimizer, self.net, self.settings.lr)  # its state saw the blow-up
            self.diverged = (
                f"Training diverged in epoch {self.epoch + 1}: the loss stopped being a finite number at learning "
                f"rate {self.settings.lr:g}. The weights are back to those after epoch {self.epoch}, the last with a "
                "finite loss. Lower the learning rate and press Play again, or Reset.")
        return self.epoch - start

    def _after_epoch(self, _epoch: int, mean_loss: float, net: NeuralNetwork) -> None:
        if not all(np.isfinite(p.data).all() for p in self._params):  # train() checks the loss itself
            raise _NotFinite
        self.epoch += 1
        self.train_loss, self.test_loss = mean_loss, self._test_loss()
        h = self.history
        h.epochs.append(self.epoch)
        h.train_loss.append(self.train_loss)
        h.test_loss.append(self.test_loss)
        if self.epoch % GRADIENT_EVERY == 0 or self.epoch == 1:
            self._record_gradient_norms()
        self.recorder(self.epoch, mean_loss, net)
        self._good = [p.data.copy() for p in self._params]
        if self.stop_requested:
            raise _Stopped

    def _record_gradient_norms(self) -> None:
        """‖∂loss/∂W‖ per layer for the whole training set (``al.grad``: no ``.grad`` is touched).
        One step's gradient would tell more about its sample than about the layer."""
        weights = [layer.weight for layer in self.dense]
        loss = self.net.loss_function(self.net.forward(self.train_X), self.train_y)
        gradients = al.grad(loss, weights)
        self.history.grad_epochs.append(self.epoch)
        for norms, g in zip(self.history.grad_norms.values(), gradients):
            norms.append(float(np.linalg.norm(g.data)))

    def _restore_good(self) -> None:
        self.net.load_state_dict(dict(zip(self._names, self._good)))

    def load(self, path: str) -> None:
        """Weights saved by ``NeuralNetwork.save`` (same architecture) replace the current ones;
        raises ValueError (from ``load``) when they do not fit, leaving the run as it was."""
        self.net.load(path)
        self._good = [p.data.copy() for p in self._params]
        self.opt = make_optimizer(self.settings.optimizer, self.net, self.settings.lr)
        self.diverged = None
        self.train_loss, self.test_loss = self.net.evaluate(self.train_X, self.train_y), self._test_loss()

    # ---------------------------------------------------------------- reading
    def _test_loss(self) -> float:
        """The loss (penalty included, as in training) on the whole test set; NaN without one."""
        if not len(self.test_X):
            return float("nan")
        return self.net.evaluate(self.test_X, self.test_y)

    def inputs(self, points: np.ndarray) -> np.ndarray:
        """The network's inputs (the chosen features) at points of the plane."""
        return features(points, self.settings.features)

    def probabilities(self, points: np.ndarray) -> np.ndarray:
        """P(class) for each point of the plane, shape (n, classes): the sigmoid output and its
        complement, or the softmax of the scores."""
        out = self.net.predict(self.inputs(points))
        if out.shape[1] == 1:
            p = np.nan_to_num(out[:, 0], nan=0.5)
            return np.column_stack([1 - p, p])
        with al.no_grad():
            return np.nan_to_num(al.softmax(al.as_tensor(out), -1).data, nan=1 / out.shape[1])

    def accuracy(self, test: bool = False) -> float:
        """The share of points of the training (or test) set whose most likely class is theirs."""
        points, labels = (self.data.test_points, self.data.test_labels) if test else (
            self.data.train_points, self.data.train_labels)
        if len(points) == 0:
            return float("nan")
        return float((self.probabilities(points).argmax(axis=1) == labels).mean())


class Race:
    """The four optimizers side by side: four runs of the same network from the same starting
    weights (one seed) on the same data, with the same learning rate and batch size."""

    KINDS = ("sgd", "momentum", "rmsprop", "adam")

    def __init__(self, settings: Settings, data: Dataset) -> None:
        self.runs = {kind: Run(settings.replace(optimizer=kind), data) for kind in self.KINDS}

    def advance(self, epochs: int) -> None:
        for run in self.runs.values():
            if not run.diverged:
                run.advance(min(epochs, run.settings.epochs - run.epoch))

    @property
    def finished(self) -> bool:
        return all(run.finished or run.diverged for run in self.runs.values())
