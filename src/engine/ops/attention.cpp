#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

void Session::attention(const Matrix& qkv, std::span<const std::int32_t> seq_starts, std::int64_t num_heads,
                        Matrix& out, Precision precision) {
  const auto shapes = [&] {
    return "qkv " + describe(qkv) + ", out " + describe(out) + ", " + std::to_string(num_heads) + " heads, " +
           std::to_string(seq_starts.size()) + " sequence starts";
  };
  ops::require(num_heads > 0 && out.cols % num_heads == 0 && qkv.cols == 3 * out.cols && qkv.rows == out.rows,
               "attention", shapes);
  ops::require(seq_starts.size() >= 2 && seq_starts.front() == 0 && seq_starts.back() == out.rows, "attention",
               [&] { return "seq_starts must run from 0 to the token count: " + shapes(); });
  for (std::size_t i = 1; i < seq_starts.size(); ++i) {
    ops::require(seq_starts[i] >= seq_starts[i - 1], "attention",
                 [] { return std::string("seq_starts must not decrease"); });
  }
  const bool reduced_operand = qkv.storage != Storage::F32 || out.storage != Storage::F32;
  ops::require(!reduced_operand || precision == Precision::BF16, "attention",
               [&] { return "bf16 operands need precision bf16: " + shapes(); });
  if (out.rows == 0) return;
  attention_primitive(qkv, seq_starts, num_heads, out, precision);
}

}  // namespace rerank::engine
