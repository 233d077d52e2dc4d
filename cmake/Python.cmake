# The Python package (python/): a pybind11 module over librerank.so plus a pure-Python layer.
# Built when Debian's Python 3 headers and pybind11 are found (RERANK_PYTHON defaults to
# that); -DRERANK_PYTHON=OFF leaves it out.
#
# The interpreter is Debian's /usr/bin/python3 when present: python3-pybind11, python3-pytest
# and python3-numpy are installed for it, and a pyenv or conda python3 earlier on PATH would
# build a module that interpreter cannot import. -DPython3_EXECUTABLE=... chooses another.
if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3)
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
set(PYBIND11_FINDPYTHON ON)
if(Python3_FOUND)
  find_package(pybind11 CONFIG QUIET)
endif()
set(rerank_python_default OFF)
if(Python3_FOUND AND pybind11_FOUND)
  set(rerank_python_default ON)
endif()
option(RERANK_PYTHON "Build the Python package (needs python3-dev and pybind11-dev)" ${rerank_python_default})
if(RERANK_PYTHON AND NOT (Python3_FOUND AND pybind11_FOUND))
  message(FATAL_ERROR "RERANK_PYTHON needs Python 3 headers (python3-dev) and pybind11 (pybind11-dev)")
endif()
if(NOT RERANK_PYTHON)
  message(STATUS "rerank: the Python package is not built (no Python 3 headers or pybind11)")
endif()
