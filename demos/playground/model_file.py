"""The trained model as a file: ``NeuralNetwork.save`` to download, ``load`` to upload it back."""

from __future__ import annotations

import os
import tempfile

from .training import Run

FILE_NAME = "playground-model.npz"


def model_bytes(run: Run) -> bytes:
    """The bytes ``run.net.save()`` writes: the weights and the architecture (.npz)."""
    with tempfile.TemporaryDirectory() as folder:
        path = run.net.save(os.path.join(folder, FILE_NAME))
        with open(path, "rb") as f:
            return f.read()


def load_model(run: Run, content: bytes, name: str = FILE_NAME) -> str | None:
    """Load uploaded ``content`` (a file called ``name``) into the run; returns None, or what went
    wrong (the run is then unchanged): not a model file, or a network of another shape."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, FILE_NAME)
        with open(path, "wb") as f:
            f.write(content)
        try:
            run.load(path)
        except (ValueError, KeyError, OSError) as e:
            message = str(e).replace(repr(path), repr(name))  # the person knows their file, not our copy
            return (f"{message.rstrip('.')}. A model loads into a network of the same layers: set the features, "
                    "hidden layers and activation in the sidebar as they were when it was saved (its link restores "
                    "them).")
    return None
