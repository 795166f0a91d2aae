"""Whether the rule sets installed per user (CEN EN 16931 CII, KoSIT XRechnung: ``facturx-engine artefacts
install``) are there, for the tests that need them: they are skipped, loudly, where they are not (CI installs
them, see ``.ci/run``)."""

from __future__ import annotations

import pytest

from facturx_engine import artefacts


def _installed() -> bool:
    for extra in artefacts.EXTRA_SCHEMATRON.values():
        manifest = artefacts.load_extra_manifest(extra.package)
        path = artefacts.extra_dir(manifest) / extra.path
        if artefacts.file_state(path, manifest["files"][extra.path]) != "installed":
            return False
    return True


EXTRA_INSTALLED = _installed()
NOT_INSTALLED = ("!!! CEN EN 16931 CII / XRECHNUNG RULE SETS NOT INSTALLED: run `facturx-engine artefacts install` "
                 f"(or set {artefacts.DATA_ENV} to a folder where they are) -- TEST SKIPPED !!!")
needs_extra = pytest.mark.skipif(not EXTRA_INSTALLED, reason=NOT_INSTALLED)
