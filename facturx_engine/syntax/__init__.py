"""syntax: see facturx_engine/__init__.py for the layers."""
