// libFuzzer target for safetensors headers: arbitrary bytes as a model.safetensors file (in a
// memfd, opened by path as the loader opens files). Opening must validate every offset and
// byte count or throw rerank::Error; every tensor it accepts must then convert to fp32 (F32,
// F16, BF16) inside the mapping. Any other exception, crash or sanitizer report is a bug.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/safetensors.hpp"
#include "rerank/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd_create("fuzz.safetensors", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd, data + written, size - written);
    if (n <= 0) std::abort();
    written += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    const auto checkpoint = rerank::io::Checkpoint::open_files({path});
    for (const std::string& name : checkpoint->names()) {
      const rerank::io::TensorInfo* t = checkpoint->find(name);
      if (t == nullptr) std::abort();
      try {
        const std::vector<float> values = checkpoint->load_f32(name, t->shape);
        if (static_cast<std::int64_t>(values.size()) != t->numel()) std::abort();
      } catch (const rerank::Error&) {
        // another dtype (I64, Other, ...): refused by name, as the loader does
      }
    }
  } catch (const rerank::Error&) {
  }
  ::close(fd);
  return 0;
}
