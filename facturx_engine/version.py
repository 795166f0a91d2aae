"""The engine's version, stated once: ``facturx_engine.__version__`` re-exports it, and the PDF
stage writes it into the Producer of every Factur-X file it makes."""

from __future__ import annotations

__version__ = "0.1.0"
