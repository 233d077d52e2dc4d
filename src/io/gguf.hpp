// A minimal reader of GGUF metadata (llama.cpp's model format): the key/value section only,
// enough to rebuild tokenizers from vocabulary-only files (ggml-vocab-*.gguf).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rerank::text {
class Tokenizer;
}

namespace rerank::io {

struct GgufValue {
  enum class Kind { Int, UInt, Float, Bool, String, Array } kind = Kind::Int;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<GgufValue> array;
};

class GgufFile {
 public:
  // Reads the header and metadata of `path`; Error(NotFound / ModelFormat).
  static GgufFile read(const std::filesystem::path& path);
  // Parses metadata from bytes in memory (what read() does after loading the file).
  static GgufFile parse(const std::string& bytes);

  std::uint32_t version() const { return version_; }
  const GgufValue* find(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback = "") const;
  std::vector<std::string> get_strings(const std::string& key) const;
  std::vector<double> get_numbers(const std::string& key) const;
  const std::map<std::string, GgufValue>& metadata() const { return kv_; }

 private:
  std::uint32_t version_ = 0;
  std::map<std::string, GgufValue> kv_;
};

// tokenizer.json text equivalent to the GGUF vocabulary (tokenizer.ggml.*): "bert" -> WordPiece
// (phantom-space tokens turned back into ##-continuations), "gpt2" -> byte-level BPE,
// "llama" -> SentencePiece-style Unigram/BPE with Metaspace. Error(NotSupported) otherwise.
std::string gguf_tokenizer_json(const GgufFile& gguf);
std::unique_ptr<text::Tokenizer> tokenizer_from_gguf(const std::filesystem::path& path);

}  // namespace rerank::io
