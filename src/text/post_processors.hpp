// Post-processors: special tokens and type ids around one or two encoded sequences.
#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "text/tokenizer.hpp"

namespace rerank::text {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // The reference's process_encodings: rewrites the list of encodings (1 or 2 in, any number
  // out); the caller concatenates the result.
  virtual void process(std::vector<Encoding>& encodings, bool add_special_tokens) const = 0;
  virtual std::size_t added_tokens(bool pair) const = 0;
};

// Null json -> nullptr (the caller then only concatenates).
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j);

}  // namespace rerank::text
