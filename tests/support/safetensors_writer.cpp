#include "support/safetensors_writer.hpp"

#include <cstring>
#include <fstream>

namespace rerank::testing {

void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsTensor>& tensors,
                       const std::function<void(nlohmann::json&)>& header_patch) {
  nlohmann::json header = nlohmann::json::object();
  header["__metadata__"] = {{"format", "pt"}};
  std::string data;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
    data += t.bytes;
  }
  if (header_patch) header_patch(header);
  const std::string h = header.dump();
  const std::uint64_t n = h.size();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&n), 8);
  out << h << data;
}

std::string f32_bytes(const std::vector<float>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

std::string u16_bytes(const std::vector<std::uint16_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 2);
}

std::string bf16_bytes(const std::vector<float>& v) {
  std::vector<std::uint16_t> upper(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &v[i], 4);
    upper[i] = static_cast<std::uint16_t>(bits >> 16);
  }
  return u16_bytes(upper);
}

}  // namespace rerank::testing
