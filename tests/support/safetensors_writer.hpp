// Writes safetensors files for tests: hand-made tensors (any dtype, raw bytes) and, through
// `header_patch`, deliberately broken headers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rerank::testing {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;  // "F32", "F16", "BF16", ...
  std::vector<std::int64_t> shape;
  std::string bytes;  // little-endian data
};

// `header_patch` may edit the header before it is written.
void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsTensor>& tensors,
                       const std::function<void(nlohmann::json&)>& header_patch = {});

std::string f32_bytes(const std::vector<float>& v);
std::string u16_bytes(const std::vector<std::uint16_t>& v);
// The upper halves of `v`'s fp32 bit patterns: exact for values already rounded to bf16.
std::string bf16_bytes(const std::vector<float>& v);

}  // namespace rerank::testing
