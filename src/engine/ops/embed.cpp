#include <span>

#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

namespace {

// Every id names a row of `table` (width floats per row).
void require_rows_of(std::span<const std::int32_t> ids, const DeviceBuffer& table, std::int64_t width,
                     const char* what) {
  const auto rows = static_cast<std::int64_t>(table.size()) / width;
  for (const std::int32_t id : ids) {
    ops::require(id >= 0 && id < rows, "embed",
                 [&] { return std::string(what) + " " + std::to_string(id) + " outside a table of " +
                              std::to_string(rows) + " rows"; });
  }
}

}  // namespace

void Session::embed(const PackedBatch& batch, const DeviceBuffer& word, const DeviceBuffer* position,
                    const DeviceBuffer* token_type, Matrix& out) {
  const auto tokens = static_cast<std::int64_t>(batch.num_tokens());
  const std::int64_t width = out.cols;
  ops::require(out.rows == tokens && out.storage == Storage::F32 && width > 0, "embed", [&] {
    return "out " + describe(out) + " for " + std::to_string(tokens) + " tokens (fp32, width > 0)";
  });
  ops::require(!position || batch.position_ids.size() == batch.input_ids.size(), "embed",
               [] { return std::string("one position id per token"); });
  ops::require(!token_type || batch.token_type_ids.size() == batch.input_ids.size(), "embed",
               [] { return std::string("one token type id per token"); });
  require_rows_of(batch.input_ids, word, width, "input id");
  if (position) require_rows_of(batch.position_ids, *position, width, "position id");
  if (token_type) require_rows_of(batch.token_type_ids, *token_type, width, "token type id");
  if (tokens == 0) return;
  embed_primitive(batch, word, position, token_type, out);
}

}  // namespace rerank::engine
