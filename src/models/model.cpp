#include "models/model.hpp"

#include "rerank/error.hpp"

namespace rerank::models {

Generation Model::generate(engine::Session&, std::span<const std::int32_t>, const GenerationOptions&) const {
  throw Error(ErrorCode::NotSupported, traits().architecture + " (" + traits().family +
                                           ") cannot generate text: only decoder families (qwen3) do");
}

}  // namespace rerank::models
