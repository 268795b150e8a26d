"""Build the wheel, install it into a fresh virtual environment and run the installed `lsr`.

Offline: the wheel is built without build isolation, installed with --no-deps, and the
runtime dependencies come from this environment's site-packages through a .pth file
(whose own .pth files, including the editable install of lsr_dsl, are NOT processed),
so the test exercises the installed wheel and nothing else.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import RESPONSES_DIR, ROOT, SPECS_DIR

pytestmark = pytest.mark.slow

COPY = ("pyproject.toml", "README.md", "lsr_dsl", "grammar", "training")


def _run(cmd, **kw):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    # build from a copy so the shared working tree gets no build/ folder
    for name in COPY:
        p = ROOT / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif p.exists():
            shutil.copy2(p, src / name)
    dist = tmp / "dist"
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", str(src), "-w", str(dist)])
    if r.returncode != 0:
        if "No module named" in r.stderr and ("setuptools" in r.stderr or "wheel" in r.stderr):
            pytest.skip(f"cannot build offline: build backend missing: {r.stderr[-300:]}")
        pytest.fail(f"wheel build failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    wheels = list(dist.glob("lsr_dsl-*.whl"))
    assert len(wheels) == 1, list(dist.iterdir())
    wheel = wheels[0]

    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    py = env_dir / "bin" / "python"
    r = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", str(wheel)])
    assert r.returncode == 0, r.stderr[-2000:]
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    import lark

    deps_site = Path(lark.__file__).resolve().parent.parent
    (purelib / "_lsr_test_deps.pth").write_text(str(deps_site) + "\n", encoding="utf-8")
    return {"wheel": wheel, "venv": env_dir, "python": py, "lsr": env_dir / "bin" / "lsr", "cwd": tmp}


def test_wheel_contains_the_grammar(installed):
    with zipfile.ZipFile(installed["wheel"]) as z:
        names = set(z.namelist())
    assert "lsr_dsl/grammar/lsr.lark" in names
    # every module of every subpackage ships (a subpackage left out of pyproject's list would not)
    for src in sorted((ROOT / "lsr_dsl").rglob("*.py")):
        rel = src.relative_to(ROOT).as_posix()
        assert rel in names, f"{rel} is missing from the wheel"
    for src in sorted((ROOT / "training").glob("*.py")):
        assert f"lsr_dsl/training/{src.name}" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    with zipfile.ZipFile(installed["wheel"]) as z:
        ep = next(z.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "lsr = lsr_dsl.cli.main:entry" in ep


def test_installed_package_is_the_wheel(installed):
    code = "import lsr_dsl, lsr_dsl.language.parser as p; print(lsr_dsl.__file__); print(len(p.grammar_text()))"
    r = _run([str(installed["python"]), "-c", code], cwd=installed["cwd"])
    assert r.returncode == 0, r.stderr
    location, grammar_len = r.stdout.split()
    assert Path(location).resolve().is_relative_to(installed["venv"].resolve()), location
    assert not Path(location).resolve().is_relative_to(ROOT)
    assert int(grammar_len) > 100


def test_installed_lsr_compiles_and_checks(installed):
    lsr = str(installed["lsr"])
    r = _run([lsr, "compile", str(SPECS_DIR / "figure1.lsr")], cwd=installed["cwd"])
    assert r.returncode == 0, r.stderr
    assert "ok:" in r.stderr and "figure1" in r.stderr
    r = _run([lsr, "check", str(SPECS_DIR / "figure1.lsr"), str(RESPONSES_DIR / "figure1" / "pass-clean.txt")], cwd=installed["cwd"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("score 1.0000")
    r = _run([lsr, "check", str(SPECS_DIR / "figure1.lsr"), str(RESPONSES_DIR / "figure1" / "fail-commas.txt")], cwd=installed["cwd"])
    assert r.returncode == 1


def test_installed_lsr_reports_bad_input(installed, tmp_path):
    bad = tmp_path / "bad.lsr"
    bad.write_text("no_comma and lowercase\n", encoding="utf-8")
    r = _run([str(installed["lsr"]), "compile", str(bad)], cwd=installed["cwd"])
    assert r.returncode == 2
    assert f"{bad}:1:10: error:" in r.stderr and "Traceback" not in r.stderr
