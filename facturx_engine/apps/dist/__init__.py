"""Distributed batches on Dask: validate, convert and generate documents on a cluster (issue 16).

:func:`run` (in :mod:`facturx_engine.apps.dist.run`) is the entry point; Dask is imported only when a
run starts (the ``dist`` extra: ``pip install "facturx-engine-oss[dist]"``).
"""

from __future__ import annotations

from facturx_engine.apps.dist.run import Summary, run, run_distributed

__all__ = ["Summary", "run", "run_distributed"]
