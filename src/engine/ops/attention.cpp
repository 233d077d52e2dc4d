#include <cmath>

#include "engine/ops/operands.hpp"
#include "engine/session.hpp"

namespace rerank::engine {

namespace {

// `starts` are cu_seqlens over `rows` rows: from 0 to rows, never decreasing.
void require_starts(std::span<const std::int32_t> starts, std::int64_t rows, const char* what) {
  ops::require(starts.size() >= 2 && starts.front() == 0 && starts.back() == rows, "attention", [&] {
    return std::string(what) + " must run from 0 to " + std::to_string(rows) + " (" + std::to_string(starts.size()) +
           " entries)";
  });
  for (std::size_t i = 1; i < starts.size(); ++i) {
    ops::require(starts[i] >= starts[i - 1], "attention",
                 [&] { return std::string(what) + " must not decrease"; });
  }
}

void require_fp32(const Matrix& m, const char* what) {
  ops::require(m.storage == Storage::F32, "attention", [&] { return std::string(what) + " must be fp32"; });
}

void require_spec(const AttentionSpec& spec) {
  const std::int64_t kv = spec.kv_heads_or_heads();
  ops::require(spec.heads > 0 && spec.head_dim > 0 && kv > 0 && spec.heads % kv == 0, "attention", [&] {
    return std::to_string(spec.heads) + " heads, " + std::to_string(kv) + " KV heads of " +
           std::to_string(spec.head_dim) + " (heads must be a multiple of KV heads)";
  });
  ops::require(std::isfinite(spec.scale) && spec.scale != 0.0f, "attention",
               [] { return std::string("the score scale must be set (1/sqrt(d), 1, ...)"); });
  ops::require(std::isfinite(spec.softcap) && spec.softcap >= 0.0f, "attention",
               [] { return std::string("soft-capping must be 0 (off) or positive"); });
  ops::require(spec.window.radius >= 0, "attention", [] { return std::string("a window radius must be >= 0"); });
  if (spec.bias.values) {
    const Matrix& b = *spec.bias.values;
    ops::require(spec.bias.max_distance >= 0 && b.cols == spec.heads && b.rows == 2 * spec.bias.max_distance + 1 &&
                     b.storage == Storage::F32,
                 "attention", [&] {
                   return "relative bias " + describe(b) + " for " + std::to_string(spec.heads) +
                          " heads and max distance " + std::to_string(spec.bias.max_distance) +
                          " ((2 * max distance + 1) x heads, fp32)";
                 });
  }
  if (spec.rotary_on) {
    const RotarySpec& r = spec.rotary;
    const auto rotated = static_cast<std::int64_t>(static_cast<float>(spec.head_dim) * r.fraction) / 2 * 2;
    ops::require(r.theta > 0.0f && r.fraction > 0.0f && r.fraction <= 1.0f && r.linear_scaling > 0.0f && rotated >= 2,
                 "attention", [&] {
                   return "rotary theta " + std::to_string(r.theta) + ", fraction " + std::to_string(r.fraction) +
                          ", scaling " + std::to_string(r.linear_scaling) + " (at least 2 rotated dims)";
                 });
  }
}

}  // namespace

void Session::attention(const AttentionInputs& in, const AttentionSpec& spec, Matrix& out) {
  require_spec(spec);
  const std::int64_t d = spec.head_dim, kv = spec.kv_heads_or_heads();
  ops::require(out.cols == spec.heads * d, "attention",
               [&] { return "out " + describe(out) + " for " + std::to_string(spec.heads) + " heads of " +
                            std::to_string(d); });
  const bool self = in.qkv != nullptr;
  ops::require(self ? (!in.q && !in.kv) : (in.q && in.kv), "attention",
               [] { return std::string("give qkv (self-attention) or q and kv (cross-attention)"); });
  bool reduced = out.storage != Storage::F32;
  if (self) {
    const Matrix& qkv = *in.qkv;
    ops::require(qkv.cols == (spec.heads + 2 * kv) * d && qkv.rows == out.rows, "attention", [&] {
      return "qkv " + describe(qkv) + " (Q|K|V of " + std::to_string(spec.heads) + "+" + std::to_string(kv) + "+" +
             std::to_string(kv) + " heads of " + std::to_string(d) + "), out " + describe(out);
    });
    require_starts(in.seq_starts, out.rows, "seq_starts");
    reduced = reduced || qkv.storage != Storage::F32;
  } else {
    const Matrix& q = *in.q;
    const Matrix& k = *in.kv;
    ops::require(q.cols == spec.heads * d && q.rows == out.rows && k.cols == 2 * kv * d, "attention", [&] {
      return "q " + describe(q) + ", kv " + describe(k) + ", out " + describe(out) + " for " +
             std::to_string(spec.heads) + " heads and " + std::to_string(kv) + " KV heads of " + std::to_string(d);
    });
    require_starts(in.seq_starts, out.rows, "seq_starts");
    require_starts(in.kv_starts, k.rows, "kv_starts");
    ops::require(in.kv_starts.size() == in.seq_starts.size(), "attention",
                 [] { return std::string("cross-attention pairs query and key sequences one to one"); });
    ops::require(!spec.causal && spec.window.kind == AttentionWindow::Kind::None && !spec.rotary_on, "attention",
                 [] { return std::string("cross-attention is bidirectional, unwindowed and without rotary"); });
    ops::require(!in.prefix_kv && !in.kv_out, "attention",
                 [] { return std::string("a KV cache belongs to self-attention"); });
    reduced = reduced || q.storage != Storage::F32 || k.storage != Storage::F32;
  }
  if (in.prefix_kv) {
    const Matrix& p = *in.prefix_kv;
    require_fp32(p, "prefix_kv");
    ops::require(p.cols == 2 * kv * d, "attention",
                 [&] { return "prefix_kv " + describe(p) + " must hold K|V of " + std::to_string(kv) + " heads"; });
    require_starts(in.prefix_starts, p.rows, "prefix_starts");
    const auto prefixes = static_cast<std::int32_t>(in.prefix_starts.size() - 1);
    ops::require(in.prefix_of.size() + 1 == in.seq_starts.size(), "attention",
                 [] { return std::string("prefix_of needs one entry per sequence"); });
    for (const std::int32_t p_of : in.prefix_of) {
      ops::require(p_of >= -1 && p_of < prefixes, "attention",
                   [&] { return "prefix " + std::to_string(p_of) + " of " + std::to_string(prefixes); });
    }
  }
  if (in.kv_out) {
    require_fp32(*in.kv_out, "kv_out");
    ops::require(in.kv_out->rows == out.rows && in.kv_out->cols == 2 * kv * d, "attention",
                 [&] { return "kv_out " + describe(*in.kv_out) + " for " + std::to_string(out.rows) + " tokens"; });
  }
  ops::require(!reduced || spec.precision == Precision::BF16, "attention",
               [] { return std::string("bf16 operands need precision bf16"); });
  if (out.rows == 0) return;
  attention_primitive(in, spec, out);
}

}  // namespace rerank::engine
