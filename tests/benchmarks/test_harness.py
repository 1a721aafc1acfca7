"""The conditions every benchmark script sets for itself before numpy is imported."""

import json
import os
import subprocess
import sys

import pytest

from tests.benchmarks.helpers import BENCH, ROOT

PROBE = """
import json, os, sys
sys.path.insert(0, {bench!r})
import _harness as H
H.set_threads(1)
import numpy
print(json.dumps({{"coretype": os.environ.get("OPENBLAS_CORETYPE"), "blas_threads": os.environ["OPENBLAS_NUM_THREADS"],
                  "cpus": sorted(os.sched_getaffinity(0)), "blas": H.blas()}}))
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this platform")
def test_one_thread_means_one_cpu_and_numpys_own_choice_of_blas_kernels():
    env = {**os.environ, "OPENBLAS_CORETYPE": "Haswell"}
    done = subprocess.run([sys.executable, "-c", PROBE.format(bench=BENCH)], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["coretype"] is None and got["blas_threads"] == "1"
    assert len(got["cpus"]) == 1  # XLA's runtime threads cannot take a second core
    assert "OPENBLAS_CORETYPE=Haswell unset" in got["blas"] and f"pinned to CPU {got['cpus'][0]}" in got["blas"]
