"""The ``facturx-engine`` command line (the top layer: it may import every other stage)."""

from facturx_engine.cli.commands import main

__all__ = ["main"]
