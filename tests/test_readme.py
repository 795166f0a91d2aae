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


def _readme_b2b_payload() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("B2B example (`fixtures/payloads/b2b.json`", 1)[1].split("```json\n", 1)[1].split("```")[0]


def test_readme_python_example_passes_the_french_ctc_rules() -> None:
    """The README's first Python example is a French B2B invoice that the French CTC rules accept (BR-FR-*)."""
    import facturx_engine as fx

    namespace: dict[str, object] = {}
    block = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)[0]
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own documentation
    xml = namespace["xml"]
    assert isinstance(xml, bytes)
    report = fx.validate(xml, factur_x=True, rules=("fr-ctc",))
    assert report.valid and any(use.key.startswith("fr-ctc") for use in report.rule_sets), str(report)


def test_readme_b2b_payload_is_the_fixture_and_passes_fr_ctc_from_the_cli(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``generate --from payload`` then ``validate --rules fr-ctc`` on the README's B2B payload: exit 0, no error."""
    import json

    from facturx_engine.cli import commands as cli

    block = _readme_b2b_payload()
    assert json.loads(block) == json.loads((ROOT / "fixtures" / "payloads" / "b2b.json").read_text(encoding="utf-8"))
    src, pdf = tmp_path / "b2b.json", tmp_path / "b2b.pdf"
    src.write_text(block, encoding="utf-8")
    assert cli.main(["generate", str(src), "--from", "payload", "-o", str(pdf)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    code = cli.main(["validate", str(pdf), "--rules", "fr-ctc"])
    out = capsys.readouterr().out
    assert code == 0 and "rule set: FR-CTC" in out and "1 valid, 0 invalid" in out, out
