// libFuzzer target for the whole tokenizer path: random bytes (invalid UTF-8 included) as
// one or two texts, through encode_raw + combine with random truncation, on every tokenizer
// type (the ../shared fixtures when present, plus a built-in one exercising most components).
// Checks invariants: no crash, consistent encoding sizes, offsets inside the input, and
// encode_raw_capped equal to the full encoding capped as truncation caps it.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/utf8.hpp"
#include "rerank/error.hpp"
#include "text/tokenizer.hpp"
#include "text/truncation.hpp"

namespace {

using rerank::text::Encoding;
using rerank::text::Tokenizer;

// A small tokenizer.json touching the components the fixtures do not: Strip, Replace,
// NFKC, Lowercase, Prepend, Split with invert, Digits, Punctuation, Whitespace, BPE with
// byte fallback, continuing prefix and end-of-word suffix, added tokens with
// lstrip/rstrip/single_word/normalized, RobertaProcessing.
const char* kBuiltin = R"JSON({
  "added_tokens": [
    {"id": 0, "content": "<s>", "special": true, "lstrip": false, "rstrip": false, "single_word": false, "normalized": false},
    {"id": 1, "content": "</s>", "special": true, "lstrip": false, "rstrip": false, "single_word": false, "normalized": false},
    {"id": 2, "content": "<mask>", "special": true, "lstrip": true, "rstrip": true, "single_word": false, "normalized": false},
    {"id": 3, "content": "word", "special": false, "lstrip": false, "rstrip": false, "single_word": true, "normalized": true}
  ],
  "normalizer": {"type": "Sequence", "normalizers": [
    {"type": "Strip", "strip_left": true, "strip_right": true},
    {"type": "NFKC"}, {"type": "Lowercase"},
    {"type": "Replace", "pattern": {"Regex": "\\s{2,}"}, "content": " "},
    {"type": "Prepend", "prepend": "_"}]},
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": "[a-z]+"}, "behavior": "MergedWithNext", "invert": true},
    {"type": "Digits", "individual_digits": true},
    {"type": "Punctuation", "behavior": "Contiguous"},
    {"type": "Whitespace"}]},
  "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 1], "cls": ["<s>", 0], "trim_offsets": true, "add_prefix_space": true},
  "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
    "continuing_subword_prefix": "##", "end_of_word_suffix": "</w>",
    "vocab": {"<s>": 0, "</s>": 1, "<mask>": 2, "word": 3, "<unk>": 4, "a": 5, "##b": 6, "ab": 7, "##c": 8, "abc": 9,
              "<0x41>": 10, "<0x61>": 11, "_": 12, "##a": 13, "a</w>": 14, "##a</w>": 15},
    "merges": ["a ##b", "ab ##c"]}
})JSON";

std::vector<std::unique_ptr<Tokenizer>>& tokenizers() {
  static std::vector<std::unique_ptr<Tokenizer>> all;
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tokenizers().push_back(Tokenizer::from_json_string(kBuiltin));
  const char* env = std::getenv("RERANK_SHARED_DIR");
  const std::filesystem::path shared = env ? env : "../shared";
  for (const char* name : {"bert-uncased", "xlmr-unigram", "t5-unigram", "gpt2-bpe", "qwen-bpe"}) {
    const auto dir = shared / "reference" / "tokenizers" / name;
    std::error_code ec;
    if (std::filesystem::exists(dir / "tokenizer.json", ec)) tokenizers().push_back(Tokenizer::from_directory(dir));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const auto& all = tokenizers();
  const Tokenizer& tok = *all[(data[0] & 0x0F) % all.size()];
  // One first byte in 16 asks for a huge input: the rest repeated to about 64 KB (rare, so the
  // fuzzer keeps most of its speed for short inputs).
  const bool huge = (data[0] & 0xF0) == 0xF0;
  const std::uint8_t mode = data[1];
  const std::uint8_t split_at = data[2];
  std::string storage(reinterpret_cast<const char*>(data + 3), size - 3);
  if (huge && !storage.empty()) {
    const std::string unit = storage;
    while (storage.size() < 65536) storage += unit;
  }
  const std::string_view rest(storage);
  const std::size_t cut = rest.empty() ? 0 : (split_at * rest.size()) / 255;
  const std::string_view first = rest.substr(0, cut);
  const std::string_view second = rest.substr(cut);
  const bool pair = mode & 1;
  const bool specials = mode & 2;
  std::optional<rerank::text::TruncationOptions> trunc;
  if (mode & 4) {
    trunc.emplace();
    trunc->max_length = (mode >> 3) * 3;
    trunc->strategy = static_cast<rerank::text::TruncationStrategy>((mode >> 3) % 3);
    trunc->direction = (mode & 0x80) ? rerank::text::TruncationDirection::Left : rerank::text::TruncationDirection::Right;
  }
  try {
    const Encoding a = tok.encode_raw(first);
    std::optional<Encoding> b;
    if (pair) b = tok.encode_raw(second);
    const Encoding e = tok.combine(a, b, specials, trunc);
    const std::size_t n = e.ids.size();
    if (e.tokens.size() != n || e.offsets.size() != n || e.type_ids.size() != n || e.sequence_ids.size() != n ||
        e.special_tokens_mask.size() != n)
      std::abort();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t limit = e.sequence_ids[i] == 0 ? first.size() : second.size();
      if (e.sequence_ids[i] <= 1 && (e.offsets[i].first > e.offsets[i].second || e.offsets[i].second > limit))
        std::abort();
    }
    if (trunc && e.size() > trunc->max_length && trunc->max_length >= tok.num_special_tokens(pair)) std::abort();
    // Decoding any ids gives UTF-8 text (byte-level and byte-fallback runs of broken bytes
    // become U+FFFD), with or without the special tokens.
    if (!rerank::is_valid_utf8(tok.decode(e.ids, false)) || !rerank::is_valid_utf8(tok.decode(e.ids, true)))
      std::abort();
    (void)rerank::text::to_char_offsets(first, a.offsets);
    // The ranker's capped encoding (the model run only as far as the early exit reads) must be
    // the full encoding capped.
    if (trunc) {
      Encoding capped_full = a;
      rerank::text::cap_at_split(capped_full, trunc->max_length, trunc->direction);
      const Encoding capped = tok.encode_raw_capped(first, trunc->max_length, trunc->direction);
      if (capped.ids != capped_full.ids || capped.offsets != capped_full.offsets) std::abort();
    }
  } catch (const rerank::Error&) {
    // Impossible truncation and similar input errors are expected outcomes.
  }
  return 0;
}
