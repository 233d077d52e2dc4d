// The tokenizer.json models (WordPiece, Unigram, BPE, WordLevel), built from their JSON objects.
#pragma once

#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "text/pipeline.hpp"

namespace rerank::text {

std::unique_ptr<Model> make_wordpiece_model(const nlohmann::json& j);
std::unique_ptr<Model> make_unigram_model(const nlohmann::json& j);
std::unique_ptr<Model> make_bpe_model(const nlohmann::json& j);
std::unique_ptr<Model> make_wordlevel_model(const nlohmann::json& j);

}  // namespace rerank::text
