// Qwen3 decoders as rerankers score them (Qwen3ForCausalLM: Qwen3-Reranker; and
// Qwen3ForSequenceClassification: its -seq-cls conversions), one implementation of
// models::Model written from transformers' modeling_qwen3.py: token embeddings, then per
// layer pre-norm RMSNorm, one Q|K|V GEMM, per-head RMSNorm of Q and K, rotary positions,
// causal grouped-query attention, the output projection, pre-norm RMSNorm and SwiGLU
// (down(silu(gate x) * up x)); the final RMSNorm and a head on each sequence's last token.
// forward() returns one row per sequence: the vocabulary logits at the last position (causal
// LM: lm_head, or embed_tokens when tied; only LoadSettings::vocabulary_rows when given) or
// the `score` head's outputs (classification).
// Sequences run unpadded with positions 0..n-1 (rotary positions are relative, so the
// reference's left padding changes nothing but rounding).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/device.hpp"
#include "models/architecture_table.hpp"
#include "models/model.hpp"
#include "models/qwen3_config.hpp"
#include "models/weight_source.hpp"

namespace rerank::models {

class Qwen3Model final : public Model {
 public:
  Qwen3Model(Qwen3Config config, const WeightSource& weights, std::shared_ptr<const engine::Device> device,
             const LoadSettings& settings);

  const Qwen3Config& config() const { return config_; }
  const ModelTraits& traits() const override { return traits_; }
  const engine::Device& device() const override { return *device_; }
  void append_sequence(engine::PackedBatch& batch, std::span<const std::int32_t> ids,
                       std::span<const std::int32_t> type_ids) const override;
  std::vector<float> forward(engine::Session& session, const engine::PackedBatch& batch) const override;
  double flops(std::size_t tokens) const override;
  // Greedy decoding with a per-layer K|V cache on the engine's attention op (prefix_kv and
  // kv_out); needs the whole vocabulary head (loaded without vocabulary_rows).
  Generation generate(engine::Session& session, std::span<const std::int32_t> prompt,
                      const GenerationOptions& options) const override;

 private:
  // Keys (rotated) and values of the tokens one sequence has seen, one matrix per layer of
  // capacity rows; the first `cached` rows are filled.
  struct KvCache {
    std::vector<engine::Matrix> layers;
    std::int64_t cached = 0;
  };
  struct Layer {
    std::unique_ptr<engine::DeviceBuffer> input_norm, q_norm, k_norm, post_attention_norm;
    std::unique_ptr<engine::LinearWeights> qkv;      // [(heads + 2 kv_heads) head_dim x hidden]
    std::unique_ptr<engine::LinearWeights> o;        // [hidden x heads head_dim]
    std::unique_ptr<engine::LinearWeights> gate_up;  // [2 intermediate x hidden] = gate | up
    std::unique_ptr<engine::LinearWeights> down;     // [hidden x intermediate]
  };

  engine::AttentionSpec attention_spec() const;
  // The decoder layers over `batch`, x its embeddings (updated in place). With `cache`: one
  // sequence whose tokens follow the cached ones; they attend to them and are appended.
  void run_layers(engine::Session& s, const engine::PackedBatch& batch, engine::Matrix& x, KvCache* cache) const;
  // The final norm and the head on rows `rows` of x, into out [rows x outputs_per_sequence].
  void run_head(engine::Session& s, const engine::Matrix& x, std::span<const std::int32_t> rows,
                engine::Matrix& out) const;

  Qwen3Config config_;
  ModelTraits traits_;
  std::shared_ptr<const engine::Device> device_;
  std::unique_ptr<engine::DeviceBuffer> embed_tokens_;  // [vocab x hidden]
  std::vector<Layer> layers_;
  std::unique_ptr<engine::DeviceBuffer> final_norm_;
  std::unique_ptr<engine::LinearWeights> head_;  // fp32: [vocab, selected rows or labels x hidden]
};

ModelLoader qwen3_model_loader();

}  // namespace rerank::models
