#include "io/safetensors.hpp"

#include <cpuid.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>

#include <immintrin.h>
#include <nlohmann/json.hpp>

#include "core/json_parse.hpp"
#include "rerank/error.hpp"

namespace fs = std::filesystem;

namespace rerank::io {

namespace {

// The format caps the JSON header at 100 MB; anything larger is corruption.
constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;

[[noreturn]] void format_error(const fs::path& file, const std::string& what) {
  throw Error(ErrorCode::ModelFormat, file.string() + ": " + what +
                                          " (the file is corrupt or truncated; download it again)");
}

float half_to_float_scalar(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1f;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

std::uint16_t load_u16(const std::byte* p) {  // the mapping may be only byte-aligned
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

__attribute__((target("avx,f16c"))) void half_to_float_f16c(const std::byte* src, std::size_t n, float* dst) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) dst[i] = half_to_float_scalar(load_u16(src + 2 * i));
}

// CPUID leaf 1 ECX bit 29, read directly: clang's __builtin_cpu_supports does not know "f16c".
// "avx" also checks that the OS saves the YMM registers.
bool has_f16c() {
  static const bool yes = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0 && __builtin_cpu_supports("avx");
  }();
  return yes;
}

}  // namespace

TensorDType parse_tensor_dtype(const std::string& n) {
  if (n == "F32") return TensorDType::F32;
  if (n == "F16") return TensorDType::F16;
  if (n == "BF16") return TensorDType::BF16;
  if (n == "F64") return TensorDType::F64;
  if (n == "I64") return TensorDType::I64;
  if (n == "I32") return TensorDType::I32;
  if (n == "I16") return TensorDType::I16;
  if (n == "I8") return TensorDType::I8;
  if (n == "U8") return TensorDType::U8;
  if (n == "BOOL") return TensorDType::Bool;
  return TensorDType::Other;
}

std::size_t tensor_dtype_size(TensorDType d) {
  switch (d) {
    case TensorDType::F64:
    case TensorDType::I64: return 8;
    case TensorDType::F32:
    case TensorDType::I32: return 4;
    case TensorDType::F16:
    case TensorDType::BF16:
    case TensorDType::I16: return 2;
    case TensorDType::I8:
    case TensorDType::U8:
    case TensorDType::Bool: return 1;
    case TensorDType::Other: return 0;
  }
  return 0;
}

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void convert_to_f32(TensorDType dtype, const std::byte* src, std::size_t count, float* dst) {
  if (count == 0) return;  // an empty tensor: dst may be null, and memcpy(nullptr, ...) is UB
  switch (dtype) {
    case TensorDType::F32:
      std::memcpy(dst, src, count * 4);
      return;
    case TensorDType::F16: {
      if (has_f16c()) {
        half_to_float_f16c(src, count, dst);
      } else {
        for (std::size_t i = 0; i < count; ++i) dst[i] = half_to_float_scalar(load_u16(src + 2 * i));
      }
      return;
    }
    case TensorDType::BF16: {
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t bits = static_cast<std::uint32_t>(load_u16(src + 2 * i)) << 16;
        std::memcpy(dst + i, &bits, 4);
      }
      return;
    }
    default:
      throw Error(ErrorCode::ModelFormat, "cannot convert this tensor dtype to fp32");
  }
}

MappedFile::MappedFile(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::ModelFormat,
                "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::ModelFormat, path.string() + " is not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw Error(ErrorCode::ModelFormat, "cannot map " + path.string() + ": " + std::strerror(err));
    }
    data_ = static_cast<const std::byte*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const fs::path& path) {
  auto file = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  file->path_ = path;
  file->map_ = std::make_unique<MappedFile>(path);
  const std::size_t size = file->map_->size();
  const std::byte* base = file->map_->data();
  if (size < 8) format_error(path, "only " + std::to_string(size) + " bytes, too short for a safetensors header");
  std::uint64_t header_len = 0;
  std::memcpy(&header_len, base, 8);  // little-endian u64 (x86)
  if (header_len > kMaxHeaderBytes) format_error(path, "header length " + std::to_string(header_len) + " is absurd");
  if (header_len > size - 8) {
    format_error(path, "header needs " + std::to_string(header_len) + " bytes but the file has " +
                           std::to_string(size - 8) + " after the length field");
  }
  const nlohmann::json header =
      parse_json(std::string_view(reinterpret_cast<const char*>(base + 8), header_len), path.string() + ": header",
                 {kMaxJsonDepth, ErrorCode::ModelFormat, ""});
  if (!header.is_object()) format_error(path, "header is not a JSON object");
  const std::byte* data_start = base + 8 + header_len;
  const std::size_t data_size = size - 8 - header_len;

  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string& name = it.key();
    const nlohmann::json& entry = it.value();
    auto bad = [&](const std::string& what) { format_error(path, "tensor '" + name + "': " + what); };
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() || !entry.contains("shape") ||
        !entry["shape"].is_array() || !entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2) {
      bad("header entry lacks dtype, shape or data_offsets");
    }
    TensorInfo info;
    info.name = name;
    info.file = path;
    info.dtype_name = entry["dtype"].get<std::string>();
    info.dtype = parse_tensor_dtype(info.dtype_name);
    std::uint64_t numel = 1;
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0) bad("shape has a negative or non-integer dimension");
      const auto dim = d.get<std::uint64_t>();
      if (dim != 0 && numel > std::numeric_limits<std::uint64_t>::max() / 4 / dim) bad("shape is absurdly large");
      numel *= dim;
      info.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const auto& off = entry["data_offsets"];
    if (!off[0].is_number_unsigned() && !off[0].is_number_integer()) bad("data_offsets are not integers");
    if (!off[1].is_number_unsigned() && !off[1].is_number_integer()) bad("data_offsets are not integers");
    if (off[0].get<std::int64_t>() < 0 || off[1].get<std::int64_t>() < 0) bad("data_offsets are negative");
    const auto begin = off[0].get<std::uint64_t>();
    const auto end = off[1].get<std::uint64_t>();
    if (begin > end) bad("data_offsets are reversed");
    if (end > data_size) {
      bad("data ends at byte " + std::to_string(end) + " of the data section but the file holds only " +
          std::to_string(data_size) + " (truncated download?)");
    }
    const std::size_t esize = tensor_dtype_size(info.dtype);
    if (esize != 0 && end - begin != numel * esize) {
      bad("holds " + std::to_string(end - begin) + " bytes but " + info.dtype_name + " " +
          shape_to_string(info.shape) + " needs " + std::to_string(numel * esize));
    }
    info.data = data_start + begin;
    info.nbytes = end - begin;
    file->tensors_.emplace(name, std::move(info));
  }
  return file;
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::unique_ptr<Checkpoint> Checkpoint::open_files(const std::vector<fs::path>& files) {
  auto ck = std::unique_ptr<Checkpoint>(new Checkpoint());
  for (const fs::path& f : files) {
    ck->files_.push_back(SafetensorsFile::open(f));
    for (const auto& [name, info] : ck->files_.back()->tensors()) {
      if (!ck->index_.emplace(name, &info).second) {
        throw Error(ErrorCode::ModelFormat, "tensor '" + name + "' appears in two shards (" + f.string() + ")");
      }
    }
  }
  return ck;
}

std::unique_ptr<Checkpoint> Checkpoint::open(const fs::path& dir) {
  std::error_code ec;
  const fs::path single = dir / "model.safetensors";
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::exists(single, ec)) return open_files({single});
  if (fs::exists(index, ec)) {
    std::ifstream in(index, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const nlohmann::json j = parse_json(text, index.string(), {kMaxJsonDepth, ErrorCode::ModelFormat, ""});
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
      throw Error(ErrorCode::ModelFormat, index.string() + " has no weight_map object");
    }
    std::set<std::string> shard_names;
    for (const auto& [tensor, shard] : j["weight_map"].items()) {
      if (!shard.is_string()) throw Error(ErrorCode::ModelFormat, index.string() + ": weight_map['" + tensor + "'] is not a file name");
      const std::string s = shard.get<std::string>();
      if (s.find('/') != std::string::npos || s.find("..") != std::string::npos) {
        throw Error(ErrorCode::ModelFormat, index.string() + ": shard name '" + s + "' leaves the folder");
      }
      shard_names.insert(s);
    }
    std::vector<fs::path> files;
    for (const std::string& s : shard_names) {
      if (!fs::exists(dir / s, ec)) {
        throw Error(ErrorCode::ModelFormat, "shard " + (dir / s).string() + " named by " + index.string() +
                                                " is missing (incomplete download?)");
      }
      files.push_back(dir / s);
    }
    auto ck = open_files(files);
    for (const auto& [tensor, shard] : j["weight_map"].items()) {
      const TensorInfo* info = ck->find(tensor);
      if (!info || info->file.filename() != shard.get<std::string>()) {
        throw Error(ErrorCode::ModelFormat, "tensor '" + tensor + "' is not in shard " + shard.get<std::string>() +
                                                " as " + index.string() + " says");
      }
    }
    return ck;
  }
  if (fs::exists(dir / "pytorch_model.bin", ec) || fs::exists(dir / "pytorch_model.bin.index.json", ec)) {
    throw Error(ErrorCode::NotSupported,
                dir.string() + " has only pytorch_model.bin (PyTorch pickle) weights, which rerank does not load "
                               "(pickles can run code). Use a revision of the model that has model.safetensors "
                               "(many Hub repos have a 'refs/pr/N' safetensors conversion), or convert it with "
                               "transformers: model.save_pretrained(dir, safe_serialization=True)");
  }
  throw Error(ErrorCode::NotFound, "no model.safetensors or model.safetensors.index.json in " + dir.string());
}

const TensorInfo* Checkpoint::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, _] : index_) out.push_back(name);
  return out;
}

std::vector<float> Checkpoint::load_f32(const std::string& name, const std::vector<std::int64_t>& expected) const {
  const TensorInfo* info = find(name);
  if (!info) {
    throw Error(ErrorCode::ModelFormat, "tensor '" + name + "' is missing from the checkpoint (expected shape " +
                                            shape_to_string(expected) + ")");
  }
  if (info->shape != expected) {
    throw Error(ErrorCode::ModelFormat, "tensor '" + name + "' in " + info->file.string() + " has shape " +
                                            shape_to_string(info->shape) + " but config.json implies " +
                                            shape_to_string(expected));
  }
  if (info->dtype != TensorDType::F32 && info->dtype != TensorDType::F16 && info->dtype != TensorDType::BF16) {
    throw Error(ErrorCode::ModelFormat, "tensor '" + name + "' is stored as " + info->dtype_name +
                                            "; rerank loads F32, F16 and BF16 weights");
  }
  std::vector<float> out(static_cast<std::size_t>(info->numel()));
  convert_to_f32(info->dtype, info->data, out.size(), out.data());
  return out;
}

}  // namespace rerank::io
