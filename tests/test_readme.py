"""The README's Python example runs as written (so the quickstart cannot go stale)."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_readme_python_blocks_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README has no Python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # noqa: S102 - our own documentation


def test_readme_python_example_passes_mypy_strict(tmp_path: Path) -> None:
    """The first Python block of the README type-checks under ``mypy --strict`` (e.g. ``lines=[...]``, a list)."""
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed: the README's Python example was NOT type-checked")
    block = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)[0]
    example = tmp_path / "readme_example.py"
    example.write_text(block, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(ROOT)}  # the package of this tree, whatever is installed
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(example)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
