"""The course's notebooks (``NN_*.ipynb``), and ``run.py``, the command that executes them and saves
their outputs (``python demos/notebooks/run.py``)."""
