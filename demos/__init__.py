"""Runnable demos: ``python -m demos.xor``, ``demos.compare_gradients``, ``demos.graph``, ``demos.moons``.

Each takes ``--out DIR`` (default ``out/<name>``) and ``--seed``, prints a short result and
where its pictures went, and uses only the public APIs of autograd_lite, mlp and viz.
"""
