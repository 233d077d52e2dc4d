"""``pip install ./python``: the rerank package from this checkout, built offline by the
project's own CMake (no download; Debian's python3-setuptools, python3-wheel, pybind11-dev).

    python3 -m venv --system-site-packages .venv
    .venv/bin/pip install --no-build-isolation ./python

The native part is built by ``make python`` in the checkout (the Makefile holds the one
configure rule), in ``build/`` or ``$RERANK_BUILD_DIR``; an up-to-date build is reused. The
installed package is that build's ``python/rerank`` folder: the pure-Python files, the
``_rerank`` module and the ``librerank.so`` it loads from its own folder.
"""

import os
import pathlib
import re
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent


def project_version() -> str:
    """The version in the top-level CMakeLists.txt's project() (the one place it is written)."""
    cmake = (REPO / "CMakeLists.txt").read_text()
    match = re.search(r"project\(\s*rerank\s+VERSION\s+([0-9.]+)", cmake)
    if not match:
        raise RuntimeError(f"no 'project(rerank VERSION x.y.z)' in {REPO / 'CMakeLists.txt'}")
    return match.group(1)


class BuildWithMake(build_ext):
    """Builds the native module with `make python` instead of compiling sources itself."""

    def build_extension(self, ext):
        if not (REPO / "Makefile").exists():
            raise RuntimeError(f"{REPO} is not a rerank checkout (no Makefile): install from the checkout's python/ folder")
        build_dir = pathlib.Path(os.environ.get("RERANK_BUILD_DIR") or REPO / "build").resolve()
        subprocess.run(["make", "-C", str(REPO), "python", f"BUILD_DIR={build_dir}"], check=True)
        built = build_dir / "python" / "rerank"
        modules = sorted(built.glob("_rerank*.so"))
        libraries = sorted(built.glob("librerank.so*"))
        if len(modules) != 1 or not libraries:
            raise RuntimeError(f"{built} should hold one _rerank module and librerank.so after `make python`")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(modules[0], target)
        for library in libraries:
            shutil.copyfile(library, target.parent / library.name)


setup(
    name="rerank",
    version=project_version(),
    description="Native reranking engine: the rerankers and sentence-transformers CrossEncoder APIs, no torch",
    packages=["rerank"],
    package_dir={"rerank": "rerank"},
    ext_modules=[Extension("rerank._rerank", sources=[])],
    cmdclass={"build_ext": BuildWithMake},
    install_requires=["numpy"],
    python_requires=">=3.9",
    zip_safe=False,
)
