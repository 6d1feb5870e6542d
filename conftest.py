"""Every test process starts as a notebook's second cell does on Colab: Unsloth first.

``pytest`` runs its files on as many workers as the machine has cores (pytest-xdist, a whole
file to a worker: see pyproject.toml). Two torch processes on two cores, each with a thread per
core, run many times slower than one (shared/stack-notes.md), so each worker, and each notebook
kernel it starts, computes on one thread.
"""

import os


def pytest_configure(config):
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return  # the xdist controller: it hands out files and runs no test itself
    if hasattr(config, "workerinput"):  # before torch is imported, here or in a kernel
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    from helpers.local.cpu_unsloth import patch_trl_as_on_a_gpu

    patch_trl_as_on_a_gpu()  # before any test imports trl or transformers, as on Colab


def pytest_collection_modifyitems(items):
    """Files with a slow test first, so that pytest-xdist starts them first and the run does not
    end waiting on one worker's minute-long dry run (a stable sort: each file keeps its order)."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)
