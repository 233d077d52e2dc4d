"""The documented offline install (docs/python.md) into a fresh virtual environment:

    python3 -m venv --system-site-packages .venv
    .venv/bin/pip install --no-build-isolation ./python

run unchanged (with RERANK_BUILD_DIR naming the build tree CTest already built, so `make
python` inside setup.py reuses it). The installed package must import from the venv, load the
librerank.so copied next to its module (not the build tree's), and score."""

import os
import pathlib
import subprocess
import sys

import pytest

from conftest import REPO

CHECK = """
import pathlib, rerank
package = pathlib.Path(rerank.__file__).resolve().parent
maps = [line.split()[-1] for line in open('/proc/self/maps') if 'librerank.so' in line]
assert maps and all(pathlib.Path(m).resolve().parent == package for m in maps), (package, maps)
print(package)
print(rerank.Reranker('bm25').rank('red fox', ['a red fox', 'a blue whale']).top_k(1)[0].text)
"""


def test_pip_install_into_a_venv_offline(tmp_path):
    build_dir = os.environ.get("RERANK_BUILD_DIR")
    if not build_dir:
        pytest.skip("RERANK_BUILD_DIR is not set (CTest sets it to the build tree)")
    venv = tmp_path / ".venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", RERANK_BUILD_DIR=build_dir)
    # Debian's interpreter (the one pybind11 and numpy are installed for), whatever runs pytest.
    python = "/usr/bin/python3" if pathlib.Path("/usr/bin/python3").exists() else sys.executable
    subprocess.run([python, "-m", "venv", "--system-site-packages", str(venv)], check=True, env=env)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-build-isolation", str(REPO / "python")],
                             env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    check = subprocess.run([str(venv / "bin" / "python"), "-c", CHECK], env=env, cwd=tmp_path,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr[-3000:]
    package, top = check.stdout.split("\n")[:2]
    assert pathlib.Path(package).is_relative_to(venv), package
    assert top == "a red fox"
