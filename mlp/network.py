"""NeuralNetwork: the seed's container (add, train, predict), trained by autograd_lite's backward().

>>> nn = NeuralNetwork(loss_function=MSE())
>>> nn.add(Dense(input_size=2, output_size=3))
>>> nn.add(Sigmoid())
>>> nn.add(Dense(input_size=3, output_size=1))
>>> nn.add(Sigmoid())
>>> history = nn.train(X, y, epochs=10000, learning_rate=0.1)   # per-sample SGD, as the seed
>>> nn.predict(X)                                               # numpy array, shape (4, 1)
"""

from __future__ import annotations

import functools
import html
import math
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from autograd_lite import Tensor, no_grad
from autograd_lite import compile as al_compile

from . import checks, serialize
from .checks import Callback
from .loss import Loss
from .module import Module, as_input, positive_int
from .optimizers import SGD, Optimizer
from .shapes import batch_shape, run_checked


class _ProgressBar:
    """tqdm's bar over the epochs, the loss in its postfix. The postfix is formatted only when
    the bar may redraw (tqdm redraws at most every 0.1 s): a short epoch costs microseconds."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.next_label = 0.0
        self.loss: float | None = None

    def epoch_done(self, loss: float) -> None:
        self.loss = loss
        now = time.monotonic()
        if now >= self.next_label:
            self.bar.set_postfix_str(f"loss {loss:.4g}", refresh=False)
            self.next_label = now + 0.1
        self.bar.update(1)

    def close(self) -> None:
        """The last epoch's loss in the final picture of the bar, then close it."""
        if self.loss is not None:
            self.bar.set_postfix_str(f"loss {self.loss:.4g}", refresh=False)
        self.bar.close()


def _progress_bar(epochs: int, progress: bool | None) -> _ProgressBar | None:
    """A bar over ``epochs`` (None: tqdm decides, by whether stderr is a terminal or a notebook)."""
    try:
        with warnings.catch_warnings():  # in Jupyter without ipywidgets tqdm warns, then draws no bar
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
    except ImportError:  # tqdm is a dependency; without it (a bare copy of mlp/) there is no bar
        return None
    bar = tqdm(total=epochs, unit="epoch", desc="train", disable=None if progress is None else not progress,
               leave=True, dynamic_ncols=True)
    return None if bar.disable else _ProgressBar(bar)


class Evaluation(NamedTuple):
    """What ``evaluate(X, y, accuracy=True)`` returns: the mean loss and the fraction of
    samples whose predicted class is their target's."""

    loss: float
    accuracy: float


def _on_an_instance(method: Callable[..., Any]) -> Any:
    """A method that needs an instance: called on the class, it says what to do instead of
    Python's "missing 1 required positional argument"."""

    class Descriptor:
        def __get__(self, obj: Any, cls: type) -> Any:
            if obj is not None:
                return method.__get__(obj, cls)

            @functools.wraps(method)
            def called_on_the_class(*args: Any, **kwargs: Any) -> Any:
                if args and isinstance(args[0], cls):  # NeuralNetwork.load(net, path): fine
                    return method(*args, **kwargs)
                raise TypeError(
                    f"{cls.__name__}.{method.__name__}() is called on a network, not on the class: build the network "
                    f"with the same layers first, then call net.{method.__name__}(path), e.g.\n"
                    f"    net = {cls.__name__}(loss_function=MSE()).add(Dense(2, 3)).add(Sigmoid())...\n"
                    f"    net.{method.__name__}(path)\n"
                    f"or rebuild the network from the file alone: {cls.__name__}.from_file(path)"
                )

            return called_on_the_class

    return Descriptor()


class TrainingDiverged(RuntimeError):
    """The loss stopped being finite. The weights are those from before the failing step;
    ``history`` holds the per-epoch losses of the epochs that completed."""

    def __init__(self, message: str, epoch: int, history: list[float]) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.history = history


def _numbers_as(X: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Numeric data in ``dtype`` (not copied when it is already); anything else as it is, for
    the layers to refuse by name."""
    return X.astype(dtype, copy=False) if X.dtype.kind in "fiub" else X


class NeuralNetwork(Module):
    """A stack of layers trained on a loss, with the seed's API.

    Args:
        loss_function: an ``mlp.loss`` instance (MSE, BCE, CrossEntropy); needed by train/evaluate.
    """

    def __init__(self, loss_function: Loss | None = None) -> None:
        super().__init__()
        self.layers: list[Module] = []
        self.loss_function = loss_function
        self.optimizer: Optimizer | None = None
        self._input_shape: tuple[int, ...] | None = None

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """The shape of one input sample: the one last trained on (or set, or read from a saved
        file), else the first layer's own (``Dense``: ``(input_size,)``), else None."""
        if self._input_shape is not None:
            return self._input_shape
        return self.layers[0].input_shape if self.layers else None

    @input_shape.setter
    def input_shape(self, shape: Sequence[int] | None) -> None:
        self._input_shape = None if shape is None else tuple(int(n) for n in shape)

    @property
    def loss_function(self) -> Loss | None:
        """The loss that train() minimises: an instance such as ``MSE()`` (or any function
        ``f(prediction, target)`` returning a one-element Tensor)."""
        return self._loss_function

    @loss_function.setter
    def loss_function(self, loss: Loss | None) -> None:
        if isinstance(loss, type):
            raise TypeError(
                f"loss_function must be a loss object, got the class {loss.__name__}: write {loss.__name__}() "
                "with parentheses"
            )
        if loss is not None and not callable(loss):
            raise TypeError(
                f"loss_function must be a loss such as MSE(), BCE() or CrossEntropy(), got {loss!r} "
                f"({type(loss).__name__})"
            )
        self._loss_function = loss

    # ------------------------------------------------------------------ building and running
    def add(self, layer: Module) -> NeuralNetwork:
        """Append a layer; returns the network, so calls can be chained."""
        if isinstance(layer, type) and issubclass(layer, Module):
            raise TypeError(f"add(): got the class {layer.__name__}, not a layer: write {layer.__name__}(...) with "
                            "parentheses, e.g. add(Sigmoid()) or add(Dense(2, 3))")
        if not isinstance(layer, Module):
            raise TypeError(f"add(): expected a layer (an mlp Module), got {type(layer).__name__}")
        self.layers.append(layer)
        return self

    def forward(self, x: Any) -> Tensor:
        """The output for a batch ``x`` (array-like or Tensor), recording the graph. Numbers
        that are not a Tensor are taken in the parameters' dtype, as train() and predict() take
        them (a float32 network gives float32 outputs for float64 data)."""
        if not self.layers:
            raise RuntimeError("the network has no layers: add() some first")
        if not isinstance(x, Tensor):
            first = next(self.named_parameters(), None)  # one, not all: this runs every step
            x = as_input(x if first is None else _numbers_as(np.asarray(x), first[1].dtype))
        for layer in self.layers:
            x = layer(x)
        return x

    def _as_batch(self, X: Any) -> Any:
        """Inputs in the parameters' dtype (a float32 network computes in float32); parameters
        of mixed dtypes are refused (``dtype``)."""
        if isinstance(X, Tensor):
            return X
        return _numbers_as(np.asarray(X), self.dtype)

    def predict(self, X: Any, classes: bool = False) -> np.ndarray:
        """The output for ``X`` as a numpy array, without recording any graph.

        With ``classes=True``, the predicted class of each sample instead, shape (samples,):
        the index of the largest output, or for one output 1 where it is at least 0.5 (the
        loss decides: with BCE each output is a label of its own).
        """
        with no_grad():
            out = self.forward(as_input(self._as_batch(X))).data
        if not classes:
            return out
        return self._classifier("predict(classes=True)").classes(out)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for ``X``, shape (samples, classes): the softmax of the scores for
        a CrossEntropy network; (1 - p, p) for a BCE network with one output p."""
        with no_grad():
            out = self.forward(as_input(self._as_batch(X))).data
        return self._classifier("predict_proba()").probabilities(out)

    def evaluate(self, X: Any, y: Any, accuracy: bool = False) -> float | Evaluation:
        """The loss on (X, y), without recording any graph; with ``accuracy=True`` an
        ``Evaluation(loss, accuracy)``, accuracy being the fraction of samples whose predicted
        class (see ``predict``) is their target's (class indices, one-hot rows or 0/1 labels)."""
        loss_fn = self.loss_for("evaluate()")
        with no_grad():
            out = self.forward(as_input(self._as_batch(X)))
            if isinstance(loss_fn, Loss):
                loss_fn.check_output(out.shape, "evaluate()")
            loss = float(loss_fn(out, y).item())
        if not accuracy:
            return loss
        classifier = self._classifier("evaluate(accuracy=True)")
        y = np.asarray(y.data if isinstance(y, Tensor) else y)
        hits = classifier.classes(out.data) == classifier.target_classes(y, out.shape)
        return Evaluation(loss, float(np.mean(hits)))

    def _classifier(self, caller: str) -> Loss:
        """The loss, which says what the outputs mean (classes, probabilities)."""
        loss = self.loss_function
        if not isinstance(loss, Loss):
            raise TypeError(f"{caller}: the network's loss_function ({loss!r}) does not say what its outputs mean; "
                            "give it a loss such as CrossEntropy() or BCE()")
        return loss

    # ------------------------------------------------------------------ training
    def train(  # type: ignore[override]
        self,
        X: Any = True,
        y: Any = None,
        epochs: int | None = None,
        learning_rate: float | None = None,
        batch_size: int = 1,
        shuffle: bool = False,
        optimizer: Optimizer | type[Optimizer] | None = None,
        verbose: bool = False,
        callbacks: Callback | Sequence[Callback] | None = None,
        compile: bool = False,  # noqa: A002  (PyTorch's and Keras's name for it)
        progress: bool | None = None,
    ) -> list[float]:
        """Fit the network to (X, y); returns the mean loss of each epoch.

        The defaults reproduce the seed: per-sample SGD (``batch_size=1``) in data order.

        Args:
            X: inputs, one row per sample: shape (samples, features) for Dense networks,
                (samples, channels, height, width) for Conv2D ones; any shape the first layer takes.
            y: targets, one row per sample (class indices for CrossEntropy).
            epochs: passes over the data.
            learning_rate: the step size; may be omitted when ``optimizer`` is an instance (given
                with one, it replaces the instance's ``lr``, for this and later steps).
            batch_size: samples per step; the last batch may be smaller.
            shuffle: visit the samples in a new random order (numpy's global state) every epoch.
            optimizer: an Optimizer class (made with ``learning_rate``) or instance; SGD by default.
            verbose: print the loss about ten times over the run, as the seed did (in place of
                the progress bar).
            callbacks: functions called as ``f(epoch, loss, network)`` after every epoch (epoch from 1).
            compile: run each step (forward, loss, backward) as a compiled program
                (``autograd_lite.compile``): the same numbers, faster on small networks. The
                optimizer steps eagerly, after it.
            progress: a progress bar with the epoch, the loss and the time left (tqdm: a widget
                in Jupyter, a text bar in a terminal). None (the default) shows it in a terminal
                or a notebook, not where stderr goes to a file or a pipe, nor with ``verbose``.

        Before the first step the data, the settings and the optimizer are checked, and the
        network and the loss run once over all of X without a graph: a layer that cannot take
        what the one before gives is named with the shapes, and whatever the loss refuses (a
        target of the wrong shape, a class index out of range, a BCE prediction outside
        [0, 1]) is refused with the data's shapes. A Softmax last, before CrossEntropy, warns
        (softmax twice); so does an optimizer instance that misses some parameters.

        X is converted to the parameters' dtype: after ``net.astype(np.float32)`` (or
        ``net.float()``) the whole step, forward, backward and update, runs in float32.

        Raises:
            ValueError: for bad data or settings (or an optimizer over another network's
                parameters), before any training step.
            TypeError: for missing targets or epochs, callbacks that are not functions, or a
                learning rate that is not a number.
            TrainingDiverged: if the loss stops being finite; the weights stay as they were
                before that step.

        ``nn.train()`` with no data (or ``nn.train(False)``) is PyTorch's mode switch instead.
        """
        if isinstance(X, bool) and y is None and epochs is None:
            return Module.train(self, X)  # type: ignore[return-value]
        if y is None:
            raise TypeError("train(): no targets: give them after the inputs, train(X, y, epochs=..., "
                            "learning_rate=...)")
        Xa, ya = checks.check_data(self, X, y)
        if epochs is None:
            raise TypeError("train(): give the number of passes over the data, epochs=... (a positive integer)")
        epochs = positive_int(epochs, "epochs", "train()")
        batch_size = positive_int(batch_size, "batch_size", "train()")
        compile = checks.flag(compile, "compile")
        shuffle = checks.flag(shuffle, "shuffle")
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"train(): progress must be True, False or None, got {progress!r}")
        hooks = checks.callbacks_list(callbacks)
        opt = checks.make_optimizer(self, optimizer, learning_rate)
        checks.check_compatible(self, Xa, ya)
        self.optimizer = opt

        step = self._step_function(compile)
        history: list[float] = []
        every = max(1, epochs // 10)
        width = len(str(epochs))
        bar = None if verbose or progress is False else _progress_bar(epochs, progress)
        try:
            for epoch in range(1, epochs + 1):
                order = np.random.permutation(len(Xa)) if shuffle else None
                try:
                    mean = self._run_epoch(Xa, ya, opt, int(batch_size), order, step)
                except _Diverged as d:
                    raise TrainingDiverged(
                        f"training stopped at epoch {epoch} (step {d.step}): the loss became {d.value}. "
                        "The weights are those from before this step; try a smaller learning rate.",
                        epoch,
                        history,
                    ) from None
                history.append(mean)
                for hook in hooks:
                    hook(epoch, mean, self)
                if bar is not None:
                    bar.epoch_done(mean)
                elif verbose and (epoch % every == 0 or epoch == 1):
                    print(f"epoch {epoch:>{width}}/{epochs}  loss {mean:.6f}", flush=True)
        finally:
            if bar is not None:
                bar.close()
        return history

    def train_one_epoch(self, X: Any, y: Any, learning_rate: float) -> float:
        """One pass of per-sample SGD in data order (the seed's method); returns the mean loss."""
        Xa, ya = checks.check_data(self, X, y)
        opt = checks.make_optimizer(self, SGD, learning_rate)
        checks.check_compatible(self, Xa, ya)
        try:
            return self._run_epoch(Xa, ya, opt, 1, None, self._step_function(False))
        except _Diverged as d:
            raise TrainingDiverged(f"the loss became {d.value} at step {d.step}", 1, []) from None

    def _step_function(self, compiled: bool) -> Callable[[np.ndarray, np.ndarray], Tensor]:
        """One training step without the update: the loss of a batch, backpropagated."""
        loss_fn = self.loss_function

        def step(xb: np.ndarray, yb: np.ndarray) -> Tensor:
            loss = loss_fn(self.forward(as_input(xb)), yb)  # xb is in the parameters' dtype already
            loss.backward()
            return loss

        return al_compile(step) if compiled else step

    def _run_epoch(self, X: np.ndarray, y: np.ndarray, opt: Optimizer, batch_size: int,
                   order: np.ndarray | None, step: Callable[[np.ndarray, np.ndarray], Tensor]) -> float:
        n = len(X)
        total = 0.0
        for k, start in enumerate(range(0, n, batch_size), 1):
            if order is None:
                xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            else:
                idx = order[start:start + batch_size]
                xb, yb = X[idx], y[idx]
            opt.zero_grad()
            value = step(xb, yb).item()
            if not math.isfinite(value):
                raise _Diverged(k, value)
            opt.step()
            total += value * len(xb)
        return total / n

    def loss_for(self, caller: str) -> Loss:
        """The loss_function, or a RuntimeError saying that ``caller`` needs one."""
        if self.loss_function is None:
            raise RuntimeError(f"{caller}: the network has no loss_function: NeuralNetwork(loss_function=MSE())")
        return self.loss_function

    # ------------------------------------------------------------------ description
    def output_shapes(self, input_shape: Sequence[int] | None = None) -> list[tuple[int, ...]]:
        """Each layer's output shape for a batch of one sample of ``input_shape`` (default: the
        network's ``input_shape``), from a trial forward without a graph. A layer that cannot
        take what the one before gives is refused, naming it and the shapes."""
        return self._shapes(input_shape, "output_shapes()")

    def _shapes(self, input_shape: Sequence[int] | None, caller: str) -> list[tuple[int, ...]]:
        shape = self.input_shape if input_shape is None else tuple(input_shape)
        if shape is None:
            raise ValueError(f"{caller}: the network does not know its input's shape yet; give one sample's shape, "
                             "e.g. output_shapes((1, 8, 8)) for 8x8 images of one channel")
        with no_grad():
            trial = as_input(np.zeros((1, *shape), dtype=self.dtype))
            return [tuple(out.shape) for out in run_checked(self.layers, trial, caller, keep=True)]

    def summary(self, input_shape: Sequence[int] | None = None) -> str:
        """A table of the layers, their output shapes and parameter counts (as Keras's).

        The shapes come from a trial forward of one sample of ``input_shape`` (default: the
        network's ``input_shape``: the data last trained on, or the first layer's own); without
        one, they are left as "?". In Jupyter the network shows this table as HTML.
        """
        title, rows, footer = self._summary_parts(input_shape)
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        lines = [title]
        for r in rows:
            lines.append("  ".join([r[0].rjust(widths[0]), r[1].ljust(widths[1]), r[2].ljust(widths[2]),
                                    r[3].rjust(widths[3])]))
        return "\n".join(lines + footer)

    def _summary_parts(self, input_shape: Sequence[int] | None) -> tuple[str, list[tuple[str, ...]], list[str]]:
        """summary()'s title, rows (a header row first) and closing lines."""
        known = input_shape is not None or self.input_shape is not None
        shapes = [batch_shape(s) for s in self._shapes(input_shape, "summary()")] if known and self.layers else None
        rows = [("#", "layer", "output shape", "parameters")]
        for i, layer in enumerate(self.layers):
            rows.append((str(i), repr(layer), shapes[i] if shapes else "?", f"{layer.num_parameters():,}"))
        total = f"Total parameters: {self.num_parameters():,}"
        footer = [total if self.dtype == np.float64 else f"{total} ({self.dtype})"]
        if self.layers and not known:
            footer.append("(output shapes: give one sample's shape, summary(input_shape=(1, 8, 8)), or train first)")
        return f"NeuralNetwork: {len(self.layers)} layers, loss {self.loss_function!r}", rows, footer

    def _repr_html_(self) -> str:
        """Jupyter's view of the network: summary() as an HTML table."""
        try:
            title, rows, footer = self._summary_parts(None)
        except ValueError as e:  # a layer refuses what the one before gives: say so in place of the table
            return f"<pre>{html.escape(repr(self))}\n{html.escape(str(e))}</pre>"
        cell = "padding: 1px 10px 1px 0; text-align: {}; font-family: monospace; font-size: 12px"
        align = ("right", "left", "left", "right")
        head = "".join(f'<th style="{cell.format(a)}">{html.escape(h)}</th>' for h, a in zip(rows[0], align))
        body = "".join("<tr>" + "".join(f'<td style="{cell.format(a)}">{html.escape(v)}</td>' for v, a in zip(r, align))
                       + "</tr>" for r in rows[1:])
        notes = "".join(f"<div>{html.escape(line)}</div>" for line in footer)
        return (f'<div class="autograd-lite-network"><div><b>{html.escape(title)}</b></div>'
                f'<table style="border-collapse: collapse"><tr>{head}</tr>{body}</table>{notes}</div>')

    def __repr__(self) -> str:
        return f"NeuralNetwork({', '.join(repr(layer) for layer in self.layers)}; loss={self.loss_function!r})"

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike) -> str:
        """Write the parameters and the architecture (every layer's class and settings, the
        loss, the input shape, the dtype) to ``path`` (.npz), atomically: the file is written
        beside its destination, synced, then renamed over it. Returns the path.
        ``NeuralNetwork.from_file(path)`` rebuilds the network from it."""
        return serialize.save(self, path)

    @_on_an_instance
    def load(self, path: str | os.PathLike) -> NeuralNetwork:
        """Read parameters saved by :meth:`save` into this network (same architecture).

        Everything is read and checked before any parameter changes: a missing, corrupt or
        mismatched file raises and leaves the network as it was. Call it on a network built
        with the same layers: ``net.load(path)``; or rebuild one from the file alone with
        ``NeuralNetwork.from_file(path)``.
        """
        return serialize.load(self, path)

    @classmethod
    def from_file(cls, path: str | os.PathLike, layers: Mapping[str, type[Module]] | None = None) -> NeuralNetwork:
        """The network saved in ``path``, rebuilt without building its architecture by hand:
        its layers (mlp's layer classes, and your own given as ``layers={"Name": Class}``,
        built from their ``config()``), loss, dtype, input shape and parameter values.

        >>> net.save("model.npz")
        >>> same = NeuralNetwork.from_file("model.npz")
        """
        return serialize.from_file(cls, path, layers)


class _Diverged(Exception):
    def __init__(self, step: int, value: float) -> None:
        self.step, self.value = step, value
