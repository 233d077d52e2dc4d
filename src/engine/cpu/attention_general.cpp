#include "engine/cpu/attention_general.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/cpu/parallel.hpp"

namespace rerank::engine::cpu {

namespace {

std::int64_t rotated_dims(const RotarySpec& spec, std::int64_t head_dim) {
  return static_cast<std::int64_t>(static_cast<float>(head_dim) * spec.fraction) / 2 * 2;
}

// A run of keys one query sequence attends to: `len` rows of K and V (row strides ld_k,
// ld_v) whose first key sits at position `first_position`.
struct KeySegment {
  const float* k = nullptr;
  const float* v = nullptr;
  std::int64_t ld_k = 0, ld_v = 0;
  std::int64_t len = 0;
  std::int64_t first_position = 0;
};

// Whether the query at position pi may see the key at pj.
bool visible(const AttentionSpec& spec, std::int64_t pi, std::int64_t pj) {
  if (spec.causal && pj > pi) return false;
  switch (spec.window.kind) {
    case AttentionWindow::Kind::None: return true;
    case AttentionWindow::Kind::Symmetric: return std::abs(pi - pj) <= spec.window.radius;
    case AttentionWindow::Kind::CausalLeft: return pj >= pi - spec.window.radius;
  }
  return true;
}

// One query row of one head: out = softmax(scores) V over the visible keys of `segments`.
// `scores` holds one float per key of all segments.
void attend_one_query(const float* q, std::int64_t pi, std::span<const KeySegment> segments, std::int64_t head,
                      const AttentionSpec& spec, float* scores, float* out) {
  const std::int64_t d = spec.head_dim;
  // Column `head` of the [(2D + 1) x heads] table: stride heads.
  const float* bias = spec.bias.values ? spec.bias.values->data + head : nullptr;
  const std::int64_t bias_stride = spec.bias.values ? spec.bias.values->cols : 0;
  const std::int64_t max_distance = spec.bias.max_distance;
  float m = -std::numeric_limits<float>::infinity();
  std::int64_t n = 0;
  for (const KeySegment& seg : segments) {
    for (std::int64_t j = 0; j < seg.len; ++j, ++n) {
      const std::int64_t pj = seg.first_position + j;
      if (!visible(spec, pi, pj)) {
        scores[n] = -std::numeric_limits<float>::infinity();
        continue;
      }
      const float* k = seg.k + j * seg.ld_k;
      float dot = 0.0f;
      for (std::int64_t c = 0; c < d; ++c) dot += q[c] * k[c];
      float s = dot * spec.scale;
      if (spec.softcap > 0.0f) s = spec.softcap * std::tanh(s / spec.softcap);
      if (bias) s += bias[(std::clamp(pj - pi, -max_distance, max_distance) + max_distance) * bias_stride];
      scores[n] = s;
      m = std::max(m, s);
    }
  }
  std::fill(out, out + d, 0.0f);
  if (m == -std::numeric_limits<float>::infinity()) return;  // no visible key (not reachable for valid specs)
  float sum = 0.0f;
  n = 0;
  for (const KeySegment& seg : segments) {
    for (std::int64_t j = 0; j < seg.len; ++j, ++n) {
      if (scores[n] == -std::numeric_limits<float>::infinity()) continue;
      const float p = std::exp(scores[n] - m);
      sum += p;
      const float* v = seg.v + j * seg.ld_v;
      for (std::int64_t c = 0; c < d; ++c) out[c] += p * v[c];
    }
  }
  const float inv = 1.0f / sum;
  for (std::int64_t c = 0; c < d; ++c) out[c] *= inv;
}

}  // namespace

std::vector<float> rotary_inverse_frequencies(const RotarySpec& spec, std::int64_t head_dim) {
  const std::int64_t r = rotated_dims(spec, head_dim);
  std::vector<float> inv(static_cast<std::size_t>(r / 2));
  for (std::int64_t c = 0; c < r / 2; ++c) {
    const float exponent = static_cast<float>(2 * c) / static_cast<float>(r);
    inv[c] = 1.0f / std::pow(spec.theta, exponent) / spec.linear_scaling;
  }
  return inv;
}

void rotate(float* row, std::int64_t heads, std::int64_t head_dim, std::int64_t position, const RotarySpec& spec,
            std::span<const float> inv_freq) {
  const auto half = static_cast<std::int64_t>(inv_freq.size());
  for (std::int64_t c = 0; c < half; ++c) {
    // As transformers: the angle is an fp32 product, its cos and sin fp32.
    const float angle = static_cast<float>(position) * inv_freq[c];
    const float cs = std::cos(angle), sn = std::sin(angle);
    for (std::int64_t h = 0; h < heads; ++h) {
      float* x = row + h * head_dim;
      const std::int64_t a = spec.layout == RotarySpec::Layout::HalfSplit ? c : 2 * c;
      const std::int64_t b = spec.layout == RotarySpec::Layout::HalfSplit ? c + half : 2 * c + 1;
      const float xa = x[a], xb = x[b];
      x[a] = xa * cs - xb * sn;
      x[b] = xb * cs + xa * sn;
    }
  }
}

void attention_general(const AttentionInputs& in, const AttentionSpec& spec, Matrix& out, Arena& arena) {
  const std::int64_t heads = spec.heads, kv_heads = spec.kv_heads_or_heads(), d = spec.head_dim;
  const std::int64_t group = heads / kv_heads;
  const std::int64_t q_cols = heads * d, kv_cols = kv_heads * d;
  const bool self = in.qkv != nullptr;
  const std::int64_t nseq = static_cast<std::int64_t>(in.seq_starts.size()) - 1;
  const Arena::Scope temporaries(arena);

  // Where each sequence's rows start in the Q and K/V sources, and the position of its first token.
  std::vector<std::int64_t> offset(static_cast<std::size_t>(nseq), 0);
  const bool cached = in.prefix_kv != nullptr;
  if (cached) {
    for (std::int64_t s = 0; s < nseq; ++s) {
      const std::int32_t p = in.prefix_of[s];
      if (p >= 0) offset[s] = in.prefix_starts[p + 1] - in.prefix_starts[p];
    }
  }

  // Q and K sources (rows of stride ld); with rotary, rotated copies.
  const float* q_src = self ? in.qkv->data : in.q->data;
  std::int64_t q_ld = self ? in.qkv->cols : in.q->cols;
  const float* k_src = self ? in.qkv->data + q_cols : in.kv->data;
  const float* v_src = self ? in.qkv->data + q_cols + kv_cols : in.kv->data + kv_cols;
  std::int64_t kv_ld = self ? in.qkv->cols : in.kv->cols;
  const std::int64_t tokens = out.rows;
  if (spec.rotary_on) {
    const std::vector<float> inv_freq = rotary_inverse_frequencies(spec.rotary, d);
    auto* q_rot = static_cast<float*>(arena.allocate(static_cast<std::size_t>(tokens * q_cols) * sizeof(float)));
    auto* k_rot = static_cast<float*>(arena.allocate(static_cast<std::size_t>(tokens * kv_cols) * sizeof(float)));
    parallel_for(nseq, [&](std::int64_t b, std::int64_t e, int) {
      for (std::int64_t s = b; s < e; ++s) {
        for (std::int64_t t = in.seq_starts[s]; t < in.seq_starts[s + 1]; ++t) {
          const std::int64_t position = offset[s] + t - in.seq_starts[s];
          float* qr = q_rot + t * q_cols;
          float* kr = k_rot + t * kv_cols;
          std::memcpy(qr, q_src + t * q_ld, static_cast<std::size_t>(q_cols) * sizeof(float));
          std::memcpy(kr, k_src + t * kv_ld, static_cast<std::size_t>(kv_cols) * sizeof(float));
          rotate(qr, heads, d, position, spec.rotary, inv_freq);
          rotate(kr, kv_heads, d, position, spec.rotary, inv_freq);
        }
      }
    });
    q_src = q_rot;
    q_ld = q_cols;
    k_src = k_rot;
    // V keeps its source; K is now dense.
  }
  const std::int64_t k_ld = spec.rotary_on ? kv_cols : kv_ld;
  if (in.kv_out) {
    Matrix& kv_out = *in.kv_out;
    for (std::int64_t t = 0; t < tokens; ++t) {
      std::memcpy(kv_out.data + t * kv_out.cols, k_src + t * k_ld, static_cast<std::size_t>(kv_cols) * sizeof(float));
      std::memcpy(kv_out.data + t * kv_out.cols + kv_cols, v_src + t * kv_ld,
                  static_cast<std::size_t>(kv_cols) * sizeof(float));
    }
  }

  // Scores: one float per key a query can meet.
  std::int64_t max_keys = 0;
  for (std::int64_t s = 0; s < nseq; ++s) {
    std::int64_t keys = self ? in.seq_starts[s + 1] - in.seq_starts[s] : in.kv_starts[s + 1] - in.kv_starts[s];
    max_keys = std::max(max_keys, keys + offset[s]);
  }
  const std::size_t per_thread = static_cast<std::size_t>(max_keys + 16) / 16 * 16;
  auto* scratch =
      static_cast<float*>(arena.allocate(per_thread * static_cast<std::size_t>(max_threads()) * sizeof(float)));

  parallel_for_dynamic(nseq * heads, [&](std::int64_t item, int thread) {
    const std::int64_t s = item / heads, head = item % heads, kv_head = head / group;
    const std::int64_t first = in.seq_starts[s], len = in.seq_starts[s + 1] - first;
    KeySegment segments[2];
    std::size_t n = 0;
    if (cached && in.prefix_of[s] >= 0) {
      const std::int32_t p = in.prefix_of[s];
      const Matrix& pkv = *in.prefix_kv;
      const float* base = pkv.data + static_cast<std::int64_t>(in.prefix_starts[p]) * pkv.cols + kv_head * d;
      segments[n++] = {base, base + kv_cols, pkv.cols, pkv.cols, offset[s], 0};
    }
    if (self) {
      segments[n++] = {k_src + first * k_ld + kv_head * d, v_src + first * kv_ld + kv_head * d, k_ld, kv_ld, len,
                       offset[s]};
    } else {
      const std::int64_t kf = in.kv_starts[s];
      segments[n++] = {k_src + kf * kv_ld + kv_head * d, v_src + kf * kv_ld + kv_head * d, kv_ld, kv_ld,
                       in.kv_starts[s + 1] - kf, 0};
    }
    float* scores = scratch + per_thread * static_cast<std::size_t>(thread);
    for (std::int64_t i = 0; i < len; ++i) {
      const float* q = q_src + (first + i) * q_ld + head * d;
      float* o = out.data + (first + i) * out.cols + head * d;
      attend_one_query(q, offset[s] + i, std::span<const KeySegment>(segments, n), head, spec, scores, o);
    }
  });
}

}  // namespace rerank::engine::cpu
