// Reading Hugging Face checkpoints stored as safetensors: one memory-mapped file, or several
// shards listed by model.safetensors.index.json. Every header is validated when a file is
// opened (offsets inside the file, byte counts matching dtype x shape), so a truncated or
// corrupt download fails with the tensor's name before any weight is used.
//
// Thread-safety: a Checkpoint is immutable after open(); const methods may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rerank::io {

enum class TensorDType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool, Other };

// "F16" -> F16, ...; unknown names map to Other (loading such a tensor as float fails).
TensorDType parse_tensor_dtype(const std::string& name);
std::size_t tensor_dtype_size(TensorDType dtype);  // 0 for Other

struct TensorInfo {
  std::string name;
  std::string dtype_name;  // as written in the header ("F16", ...)
  TensorDType dtype = TensorDType::Other;
  std::vector<std::int64_t> shape;
  const std::byte* data = nullptr;  // inside the mapping
  std::size_t nbytes = 0;
  std::filesystem::path file;
  std::int64_t numel() const;
};

// A read-only memory mapping of a whole file (RAII).
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);  // Error(NotFound/ModelFormat)
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// One .safetensors file: header parsed and validated at open.
class SafetensorsFile {
 public:
  // Throws Error(ModelFormat) naming the file (and tensor) on any inconsistency.
  static std::unique_ptr<SafetensorsFile> open(const std::filesystem::path& path);

  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(const std::string& name) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::unique_ptr<MappedFile> map_;
  std::map<std::string, TensorInfo> tensors_;
};

// Every tensor of a checkpoint folder, across shards.
class Checkpoint {
 public:
  // dir/model.safetensors, or the shards named by dir/model.safetensors.index.json.
  // A folder with only pytorch_model.bin is Error(NotSupported) that says what to do.
  static std::unique_ptr<Checkpoint> open(const std::filesystem::path& dir);
  // Just these files (tests, tools).
  static std::unique_ptr<Checkpoint> open_files(const std::vector<std::filesystem::path>& files);

  const TensorInfo* find(const std::string& name) const;
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  std::vector<std::string> names() const;

  // The tensor converted to fp32 (from F32, F16 or BF16 storage). Throws Error(ModelFormat)
  // naming the tensor when it is missing, has another shape or an unsupported dtype.
  std::vector<float> load_f32(const std::string& name, const std::vector<std::int64_t>& expected_shape) const;

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorInfo*> index_;
};

// Converts `count` stored values to fp32 (F32, F16, BF16 only).
void convert_to_f32(TensorDType dtype, const std::byte* src, std::size_t count, float* dst);

std::string shape_to_string(const std::vector<std::int64_t>& shape);

}  // namespace rerank::io
