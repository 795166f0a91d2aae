"""Packaging: the sdist carries every file its tests read, the wheel every file the package reads,
and both declare the MIT license as an SPDX expression (PEP 639) with its text.

The distributions are built offline, in a child process, by the installed setuptools (the build
backend of ``pyproject.toml``, also in the dev extras) from a copy of the files git would commit:
what is not committed cannot be what makes the list right. Building takes seconds (``slow``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LEFT_OUT = {".ci/run", ".gitignore"}
"""Committed files the sdist leaves out: they serve a git clone (CI), not a build or the tests."""
MAPPED = {"facturx_engine._schemas": "schemas", "facturx_engine._schematron": "schematron"}
"""Packages whose folder is elsewhere in the repository (``[tool.setuptools.package-dir]``)."""
PACKAGE_DIRS = {"facturx_engine/": "facturx_engine/",
                **{f"{folder}/": package.replace(".", "/") + "/" for package, folder in MAPPED.items()}}
"""Source folder -> its place in the wheel."""
SETUPTOOLS = (77, 0)
"""The first setuptools that reads ``license = "MIT"`` (an SPDX expression) and ``license-files``."""


def _source_files() -> list[str]:
    """The files git would commit (tracked, or new and not ignored), relative to the repository."""
    try:
        done = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                              capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (an unpacked sdist?): the distributions are checked from the repository")
    return sorted(name for name in done.stdout.decode("utf-8").split("\0") if name and (ROOT / name).is_file())


def _build(kind: str, source: Path, out: Path) -> Path:
    """``build_sdist`` or ``build_wheel`` of setuptools on ``source``, in a child process."""
    if tuple(int(p) for p in version("setuptools").split(".")[:2]) < SETUPTOOLS:
        pytest.skip(f"setuptools {version('setuptools')} cannot build this project (>= 77 needed: "
                    "pip install -e '.[dev]')")
    script = f"import sys\nfrom setuptools import build_meta\nprint(build_meta.build_{kind}(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", script, str(out)], cwd=source, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.splitlines()[-1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist built from a copy of the committed files."""
    copy = tmp_path_factory.mktemp("source")
    for name in _source_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((ROOT / name).read_bytes())
    return _build("sdist", copy, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def unpacked(sdist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist's tree, unpacked."""
    out = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+ (3.14 filters so by default)
            archive.extractall(out, filter="data")
        else:
            archive.extractall(out)
    [tree] = out.iterdir()
    return tree


def test_pyproject_declares_mit_as_spdx_and_ships_the_text() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = config["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert not any(c.startswith("License ::") for c in project["classifiers"])  # PEP 639: the expression only
    assert f"setuptools>={SETUPTOOLS[0]}" in config["build-system"]["requires"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "the facturx_engine authors" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND" in text


def test_every_package_is_in_the_packages_list() -> None:
    """``[tool.setuptools] packages`` is written by hand (schemas/ and schematron/ are mapped into the
    package): a subpackage missing there is missing from the wheel."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "facturx_engine").rglob("__init__.py")}
    assert set(setuptools["packages"]) == found | set(MAPPED)
    assert MAPPED.items() <= setuptools["package-dir"].items()


def test_sdist_carries_every_committed_file_but_ci(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile()}
        metadata = archive.extractfile(f"{sdist.name.removesuffix('.tar.gz')}/PKG-INFO")
        assert metadata is not None
        headers = metadata.read().decode("utf-8")
    generated = {"PKG-INFO", "setup.cfg"} | {m for m in members if m.startswith("facturx_engine_oss.egg-info/")}
    assert members - generated == set(_source_files()) - LEFT_OUT
    assert "License-Expression: MIT\n" in headers and "License-File: LICENSE\n" in headers


def test_wheel_built_from_the_sdist_carries_every_file_of_the_package(
        unpacked: Path, tmp_path: Path) -> None:
    wheel = _build("wheel", unpacked, tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())
    info = f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info/"
    expected = {PACKAGE_DIRS[folder] + name.removeprefix(folder) for name in _source_files()
                for folder in PACKAGE_DIRS if name.startswith(folder)}
    assert {m for m in members if not m.startswith(info)} == expected
    assert f"{info}licenses/LICENSE" in members


def test_tests_run_from_the_unpacked_sdist(unpacked: Path) -> None:
    """Every test module imports there (its helpers and fixtures are in the sdist), and the tests
    that read the README, docs/ and the package's sources pass there."""
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    collected = subprocess.run([*command, "--collect-only"], cwd=unpacked, env=env, capture_output=True,
                               text=True, timeout=600)
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    ran = subprocess.run([*command, "tests/test_readme.py", "tests/test_termdoc.py", "tests/test_architecture.py"],
                         cwd=unpacked, env=env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
