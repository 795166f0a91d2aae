"""The public surface: everything public is exported, sorted, and importable from the package."""

import facturx_engine as fx


def test_all_public_names_are_exported_and_sorted() -> None:
    public = {n for n, v in vars(fx).items() if not n.startswith("_") and not isinstance(v, type(fx))}
    public -= {"annotations"}
    assert set(fx.__all__) == public
    assert fx.__all__ == sorted(fx.__all__, key=str.casefold)
