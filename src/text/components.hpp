// Builds pipeline stages from their tokenizer.json objects. Unknown types throw
// Error(NotSupported); malformed objects throw Error(ModelFormat).
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "text/pipeline.hpp"

namespace rerank::text {

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j);
std::unique_ptr<Model> make_model(const nlohmann::json& j);

}  // namespace rerank::text
