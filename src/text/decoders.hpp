// tokenizer.json's "decoder": token strings back to text, as the reference's decoders do
// (ByteLevel, Metaspace, WordPiece, BPEDecoder, ByteFallback, Fuse, Strip, Replace with a
// string pattern, and Sequence of those). Generation needs it: a listwise LLM's answer is
// decoded before its permutation is parsed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace rerank::text {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // The reference's decode_chain: each decoder maps the list of token strings to a new list;
  // the tokenizer joins the last list with "".
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// A null or absent object gives the reference's default (tokens joined by spaces). A decoder
// type not listed above is Error(NotSupported) naming it; malformed fields Error(ModelFormat).
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j);

// The whole decode: decode_chain, then join.
std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens);

}  // namespace rerank::text
