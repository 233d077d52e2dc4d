# The optional CUDA backend (src/engine/cuda/). RERANK_CUDA defaults to ON when an nvcc is
# found; without one (or with -DRERANK_CUDA=OFF) the project builds exactly as before and
# `--device cuda` fails with Error(NotSupported) at run time.
include(CheckLanguage)
check_language(CUDA)
if(CMAKE_CUDA_COMPILER AND NOT RERANK_SANITIZE)
  # Sanitizer flags are added for every language (cmake/Sanitizers.cmake) and nvcc rejects
  # them, so sanitizer builds leave CUDA off unless asked.
  set(_rerank_cuda_default ON)
else()
  set(_rerank_cuda_default OFF)
endif()
option(RERANK_CUDA "Build the CUDA backend (needs nvcc and cuBLASLt)" ${_rerank_cuda_default})

if(RERANK_CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    message(FATAL_ERROR "RERANK_CUDA=ON but no CUDA compiler was found: set CMAKE_CUDA_COMPILER or -DRERANK_CUDA=OFF")
  endif()
  # The NVIDIA GPUs people rent, as machine code: T4 (sm_75, fp32 only: no bf16 tensor
  # cores), A100 (sm_80), A10/RTX 30 (sm_86), L4/RTX 40 (sm_89), H100/H200 (sm_90), plus
  # sm_90's PTX, which the driver compiles for newer GPUs. Kernels that need sm_80 compile to
  # a trap below it and the host refuses bf16 there (engine/cuda_precision_support). The five
  # cost ~22 s of nvcc on 2 cores against ~7 s for sm_90 alone (docs/cuda.md), so CI builds
  # them all. -DCMAKE_CUDA_ARCHITECTURES=90 builds one.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 75-real 80-real 86-real 89-real 90)
  endif()
  # nvcc is the slowest compiler in the build: cache it too when the project uses ccache.
  if(RERANK_CCACHE AND NOT CMAKE_CUDA_COMPILER_LAUNCHER)
    set(CMAKE_CUDA_COMPILER_LAUNCHER ${RERANK_CCACHE})
  endif()
  enable_language(CUDA)
  # CMake 3.25 (Debian 12) knows no C++20 dialect flag for nvcc, and CUDA targets inherit
  # CXX_STANDARD 20; nvcc >= 12 takes -std=c++20, so teach CMake the flag.
  if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
  find_package(CUDAToolkit REQUIRED)
  message(STATUS "rerank: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, sm ${CMAKE_CUDA_ARCHITECTURES})")
else()
  message(STATUS "rerank: CUDA backend OFF")
endif()

# Adds the backend to rerank_engine (called from src/CMakeLists.txt after the layers exist).
# The layer glob (cmake/Layers.cmake) leaves cuda/ folders out; here host code (.cpp, built
# by the C++ compiler) and kernels (.cu, built by nvcc) are added together.
function(rerank_add_cuda_backend target)
  file(GLOB_RECURSE cuda_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/engine/cuda/*.cu
       ${PROJECT_SOURCE_DIR}/src/engine/cuda/*.cpp)
  target_sources(${target} PRIVATE ${cuda_srcs})
  # Static cudart: binaries need only the driver plus libcublasLt at run time.
  target_link_libraries(${target} PUBLIC CUDA::cudart_static CUDA::cublasLt)
  target_compile_definitions(${target} PRIVATE RERANK_HAVE_CUDA=1)
  # -O3 for all kernels; no --use_fast_math: the fp32 path must match the CPU within 1e-4,
  # so fast intrinsics are used explicitly (__expf etc.) only in the bf16 kernels.
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-O3 --expt-relaxed-constexpr -Xcompiler=-Wall>)
  set_target_properties(${target} PROPERTIES CUDA_SEPARABLE_COMPILATION OFF)
endfunction()
