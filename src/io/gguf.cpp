#include "io/gguf.hpp"

#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "text/tokenizer.hpp"

namespace rerank::io {
namespace {

class Reader {
 public:
  explicit Reader(const std::string& b) : b_(b) {}
  template <class T>
  T pod() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string str(std::uint32_t version) {
    const std::uint64_t n = version == 1 ? pod<std::uint32_t>() : pod<std::uint64_t>();
    need(n);
    std::string s = b_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  void need(std::uint64_t n) const {
    if (n > b_.size() - pos_) throw Error(ErrorCode::ModelFormat, "GGUF file is truncated or corrupt");
  }

 private:
  const std::string& b_;
  std::size_t pos_ = 0;
};

GgufValue read_value(Reader& r, std::uint32_t type, std::uint32_t version, int depth) {
  GgufValue v;
  switch (type) {
    case 0: v.kind = GgufValue::Kind::UInt; v.u = r.pod<std::uint8_t>(); break;
    case 1: v.kind = GgufValue::Kind::Int; v.i = r.pod<std::int8_t>(); break;
    case 2: v.kind = GgufValue::Kind::UInt; v.u = r.pod<std::uint16_t>(); break;
    case 3: v.kind = GgufValue::Kind::Int; v.i = r.pod<std::int16_t>(); break;
    case 4: v.kind = GgufValue::Kind::UInt; v.u = r.pod<std::uint32_t>(); break;
    case 5: v.kind = GgufValue::Kind::Int; v.i = r.pod<std::int32_t>(); break;
    case 6: v.kind = GgufValue::Kind::Float; v.f = r.pod<float>(); break;
    case 7: v.kind = GgufValue::Kind::Bool; v.b = r.pod<std::uint8_t>() != 0; break;
    case 8: v.kind = GgufValue::Kind::String; v.s = r.str(version); break;
    case 9: {
      if (depth > 2) throw Error(ErrorCode::ModelFormat, "GGUF arrays nest too deeply");
      v.kind = GgufValue::Kind::Array;
      const auto elem = r.pod<std::uint32_t>();
      const std::uint64_t n = version == 1 ? r.pod<std::uint32_t>() : r.pod<std::uint64_t>();
      r.need(n);  // every element takes at least one byte: rejects absurd counts early
      v.array.reserve(static_cast<std::size_t>(n));
      for (std::uint64_t k = 0; k < n; ++k) v.array.push_back(read_value(r, elem, version, depth + 1));
      break;
    }
    case 10: v.kind = GgufValue::Kind::UInt; v.u = r.pod<std::uint64_t>(); break;
    case 11: v.kind = GgufValue::Kind::Int; v.i = r.pod<std::int64_t>(); break;
    case 12: v.kind = GgufValue::Kind::Float; v.f = r.pod<double>(); break;
    default: throw Error(ErrorCode::ModelFormat, "GGUF value type " + std::to_string(type) + " is unknown");
  }
  return v;
}

double number_of(const GgufValue& v) {
  switch (v.kind) {
    case GgufValue::Kind::Int: return static_cast<double>(v.i);
    case GgufValue::Kind::UInt: return static_cast<double>(v.u);
    case GgufValue::Kind::Float: return v.f;
    case GgufValue::Kind::Bool: return v.b ? 1 : 0;
    default: throw Error(ErrorCode::ModelFormat, "GGUF value is not a number");
  }
}

}  // namespace

GgufFile GgufFile::read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, "cannot open GGUF file " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str());
}

GgufFile GgufFile::parse(const std::string& bytes) {
  Reader r(bytes);
  if (r.pod<std::uint32_t>() != 0x46554747U) throw Error(ErrorCode::ModelFormat, "not a GGUF file (bad magic)");
  GgufFile f;
  f.version_ = r.pod<std::uint32_t>();
  if (f.version_ < 1 || f.version_ > 3)
    throw Error(ErrorCode::NotSupported, "GGUF version " + std::to_string(f.version_) + " is not supported");
  const std::uint64_t n_tensors = f.version_ == 1 ? r.pod<std::uint32_t>() : r.pod<std::uint64_t>();
  (void)n_tensors;
  const std::uint64_t n_kv = f.version_ == 1 ? r.pod<std::uint32_t>() : r.pod<std::uint64_t>();
  r.need(n_kv);
  for (std::uint64_t k = 0; k < n_kv; ++k) {
    std::string key = r.str(f.version_);
    const auto type = r.pod<std::uint32_t>();
    f.kv_[std::move(key)] = read_value(r, type, f.version_, 0);
  }
  return f;
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

std::string GgufFile::get_string(const std::string& key, const std::string& fallback) const {
  const GgufValue* v = find(key);
  return v && v->kind == GgufValue::Kind::String ? v->s : fallback;
}

std::vector<std::string> GgufFile::get_strings(const std::string& key) const {
  std::vector<std::string> out;
  if (const GgufValue* v = find(key); v && v->kind == GgufValue::Kind::Array) {
    out.reserve(v->array.size());
    for (const auto& e : v->array) {
      if (e.kind != GgufValue::Kind::String) throw Error(ErrorCode::ModelFormat, "GGUF " + key + " is not a string array");
      out.push_back(e.s);
    }
  }
  return out;
}

std::vector<double> GgufFile::get_numbers(const std::string& key) const {
  std::vector<double> out;
  if (const GgufValue* v = find(key); v && v->kind == GgufValue::Kind::Array) {
    out.reserve(v->array.size());
    for (const auto& e : v->array) out.push_back(number_of(e));
  }
  return out;
}

std::string gguf_tokenizer_json(const GgufFile& g) {
  using nlohmann::json;
  const std::string model = g.get_string("tokenizer.ggml.model");
  const auto tokens = g.get_strings("tokenizer.ggml.tokens");
  if (tokens.empty()) throw Error(ErrorCode::ModelFormat, "GGUF file has no tokenizer.ggml.tokens");
  const auto types = g.get_numbers("tokenizer.ggml.token_type");
  // llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte.
  // A type outside 0..6 (the array may hold any number) counts as 0, undefined.
  auto type_of = [&](std::size_t i) {
    if (i >= types.size()) return 1;
    return types[i] >= 0 && types[i] <= 6 ? static_cast<int>(types[i]) : 0;
  };
  json added = json::array();
  auto add_special = [&](std::size_t i, const std::string& content) {
    added.push_back({{"id", i}, {"content", content}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  };
  json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["post_processor"] = nullptr;
  j["decoder"] = nullptr;
  if (model == "bert") {
    // llama.cpp stores WordPiece vocabularies with a "phantom space": word-initial pieces get
    // a leading U+2581 and continuation pieces lose their "##"; undo that.
    const std::string phantom = "\xE2\x96\x81";
    json vocab = json::object();
    std::string unk = "[UNK]";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string& t = tokens[i];
      std::string piece;
      if (type_of(i) == 3 || type_of(i) == 2 || (t.size() > 1 && t.front() == '[' && t.back() == ']'))
        piece = t;
      else if (t.compare(0, phantom.size(), phantom) == 0)
        piece = t.substr(phantom.size());
      else
        piece = "##" + t;
      if (type_of(i) == 2) unk = piece;
      if (type_of(i) == 3 || type_of(i) == 2) add_special(i, piece);
      if (!vocab.contains(piece)) vocab[piece] = i;
    }
    j["normalizer"] = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                       {"strip_accents", nullptr}, {"lowercase", true}};
    j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
    j["model"] = {{"type", "WordPiece"}, {"unk_token", unk}, {"continuing_subword_prefix", "##"},
                  {"max_input_chars_per_word", 100}, {"vocab", vocab}};
  } else if (model == "gpt2") {
    json vocab = json::object();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (!vocab.contains(tokens[i])) vocab[tokens[i]] = i;
      if (type_of(i) == 3) add_special(i, tokens[i]);
    }
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    j["model"] = {{"type", "BPE"}, {"vocab", vocab}, {"merges", g.get_strings("tokenizer.ggml.merges")},
                  {"unk_token", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}};
  } else if (model == "llama") {
    const auto scores = g.get_numbers("tokenizer.ggml.scores");
    json vocab = json::array();
    std::optional<std::size_t> unk;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      vocab.push_back(json::array({tokens[i], i < scores.size() ? scores[i] : 0.0}));
      if (type_of(i) == 2 && !unk) unk = i;
      if (type_of(i) == 3) add_special(i, tokens[i]);
    }
    j["normalizer"] = {{"type", "Sequence"},
                       {"normalizers", json::array({{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                                                    {{"type", "Replace"}, {"pattern", {{"String", " "}}},
                                                     {"content", "\xE2\x96\x81"}}})}};
    j["pre_tokenizer"] = nullptr;
    j["model"] = {{"type", "Unigram"}, {"vocab", vocab}, {"byte_fallback", true}};
    j["model"]["unk_id"] = unk ? json(*unk) : json(nullptr);
  } else {
    throw Error(ErrorCode::NotSupported, "GGUF tokenizer model '" + model + "' is not supported");
  }
  j["added_tokens"] = added;
  try {
    return j.dump();
  } catch (const json::exception& e) {
    // GGUF strings are arbitrary bytes; tokenizer.json (JSON) needs UTF-8.
    throw Error(ErrorCode::ModelFormat,
                std::string("GGUF vocabulary has a token that is not valid UTF-8 (") + e.what() + ")");
  }
}

std::unique_ptr<text::Tokenizer> tokenizer_from_gguf(const std::filesystem::path& path) {
  return text::Tokenizer::from_json_string(gguf_tokenizer_json(GgufFile::read(path)));
}

}  // namespace rerank::io
