"""Packaging: environment.yml matches pyproject.toml; the console script and public names exist."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tomllib
from book_support import need_tool

import affacrnn

ROOT = Path(__file__).resolve().parent.parent


def _norm(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_norm(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_norm(r) for r in extra if not r.startswith("affacrnn[")}  # an extra naming others
    lines = (ROOT / "environment.yml").read_text().splitlines()
    pip_items = [l.strip()[2:] for l in lines if l.strip().startswith("- ") and l.startswith("      ")]
    listed = {_norm(x) for x in pip_items if not x.startswith("-e")}
    assert listed == declared
    assert any(x.startswith('-e ".[dev]"') for x in pip_items)


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "affacrnn.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "corpora" in out.stdout


def test_public_surface():
    for name in ("load_corpus", "load_audio", "AffacrnnError", "ParameterError", "CorpusError", "AudioError"):
        assert hasattr(affacrnn, name)
    assert issubclass(affacrnn.ParameterError, ValueError)
    assert issubclass(affacrnn.CorpusError, affacrnn.AffacrnnError)


def test_ci_runs_both_readme_commands_read_from_the_readme():
    """.ci/run never copies a command: it reads both marked blocks through .ci/readme_command.py."""
    import subprocess
    import sys

    ci = (ROOT / ".ci" / "run").read_text()
    for marker in ("main-command", "test-command"):
        assert f"python .ci/readme_command.py {marker}" in ci
    readme = (ROOT / "README.md").read_text()
    for marker, expect in (("main-command", 'python -m pip install -e ".[dev]" && affacrnn book --html build/book'),
                           ("test-command", "python -m pytest")):
        block = re.search(rf"<!-- {marker} -->\s*```bash\n(.+?)\n```", readme, re.S).group(1).strip()
        out = subprocess.run([sys.executable, str(ROOT / ".ci" / "readme_command.py"), marker], capture_output=True,
                             text=True, check=True).stdout.strip()
        assert out == block == expect
    code = "\n".join(line for line in ci.splitlines() if not line.lstrip().startswith("#"))  # comments may name them
    assert "python -m pytest" not in code and "affacrnn book" not in code.split("readme_command.py")[0]


def test_readme_command_refuses_a_missing_marker(tmp_path):
    import subprocess
    import sys

    (tmp_path / "README.md").write_text("# no markers\n```bash\npython -m pytest\n```\n")
    proc = subprocess.run([sys.executable, str(ROOT / ".ci" / "readme_command.py"), "test-command",
                           str(tmp_path / "README.md")], capture_output=True, text=True)
    assert proc.returncode == 1 and "<!-- test-command -->" in proc.stderr and proc.stderr.count("\n") == 1


#: Import name -> distribution name, where they differ.
_DISTRIBUTIONS = {"sklearn": "scikit-learn", "IPython": "ipython", "espeakng_loader": "espeakng-loader",
                  "dask": "dask", "jupyter_client": "jupyter-client",
                  "jupyter_server": "jupyter-server", "lazy_loader": "lazy-loader"}


def test_dependencies_are_what_the_package_imports():
    """Every library the package imports is declared; every core dependency is imported by it."""
    import ast

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    name = lambda req: re.split(r"[<>=\[ ]", req, maxsplit=1)[0].lower()  # noqa: E731
    core = {name(r) for r in project["dependencies"]}
    extras = {name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    imported = set()
    for path in [*(ROOT / "affacrnn").rglob("*.py"), *(ROOT / "reproduction").rglob("*.py")]:  # both ship
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {_DISTRIBUTIONS.get(m, m).lower() for m in imported
                   if m not in sys.stdlib_module_names and m not in ("affacrnn", "reproduction")}
    assert third_party - core - extras == set(), "declare these in pyproject.toml"
    assert core - third_party == set(), "the package never imports these core dependencies: drop them or use them"


def test_peak_memory_is_measured_per_call():
    import numpy as np

    from affacrnn.provenance import peak_memory_mb, reset_peak_memory

    block = np.ones(64 * 1024 * 1024 // 8)  # 64 MiB, touched
    del block
    need_tool(reset_peak_memory(), "this OS cannot reset a process's peak memory (/proc/self/clear_refs)")
    before = peak_memory_mb()
    block = np.ones(128 * 1024 * 1024 // 8)
    after = peak_memory_mb()
    del block
    assert after - before >= 100
