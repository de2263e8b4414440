"""A fresh virtual environment: `pip install ./python` (the engine was built into the package
by `npm run build:python`), then the examples of python/README.md and of the README's Python
section, run from an unrelated temporary directory with no Node 24 on PATH (the package finds
the one `npm ci` pinned, as it records at build time)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import ROOT

BLOCK = re.compile(r"```python\n# (run|file): ([\w.]+)\n(.*?)```", re.S)
EXPECTED = {
    "quickstart.py": ["demo__echo", "Progress(", "False", "connected", "the tool failed: demo__fail"],
    "batch.py": ["MCPProtocolError", "45", "yes to Proceed?", "(decline)"],
    "threads.py": ["100 ['0', '1', '2']"],
    "serve_and_call.py": ["MCP clients can connect to http://127.0.0.1:", "'summary': 'Sunny, 21°C'"],
    "readme_python.py": ["hello from Python"],
}


def examples() -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for doc in (ROOT / "python" / "README.md", ROOT / "README.md"):
        found += BLOCK.findall(doc.read_text())
    return found


def test_the_documents_examples_are_all_checked() -> None:
    runs = {name for kind, name, _ in examples() if kind == "run"}
    assert runs == set(EXPECTED)


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    home = tmp_path_factory.mktemp("fresh-venv")
    venv.EnvBuilder(with_pip=True).create(home)
    python = str(home / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT / "python")], check=True, timeout=300)
    return python


def test_pip_install_then_the_examples_from_an_unrelated_directory(fresh_python: str, tmp_path: Path) -> None:
    work = tmp_path / "somewhere-else"
    work.mkdir()
    for _, name, code in examples():
        (work / name).write_text(code)
    # No node of the checkout on PATH: only the system's (too old here, or none).
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not p.startswith(str(ROOT)))
    env = {**os.environ, "PATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("MCP_CORE_NODE", None)
    env.pop("MCP_CORE_ENGINE", None)
    installed = subprocess.run([fresh_python, "-c", "import mcp_core, sys; print(mcp_core.__file__)"], cwd=work, env=env, capture_output=True, text=True, check=True)
    assert str(ROOT) not in installed.stdout  # the installed copy, not the checkout
    for kind, name, _ in examples():
        if kind != "run":
            continue
        done = subprocess.run([fresh_python, name], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
        for expected in EXPECTED[name]:
            assert expected in done.stdout, f"{name} printed:\n{done.stdout}"


def test_the_package_has_no_dependencies_and_is_typed() -> None:
    text = (ROOT / "python" / "pyproject.toml").read_text()
    assert "dependencies = []" in text and 'requires-python = ">=3.10"' in text
    assert (ROOT / "python" / "mcp_core" / "py.typed").exists()
    assert sys.version_info >= (3, 10)


def test_the_package_type_checks_strictly_for_python_3_10() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--cache-dir", os.devnull, str(ROOT / "python" / "mcp_core")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
