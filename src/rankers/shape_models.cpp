#include "rankers/shape_models.hpp"

#include <cstdlib>
#include <system_error>

#include "models/architecture_table.hpp"
#include "models/weight_source.hpp"
#include "rerank/error.hpp"

namespace fs = std::filesystem;

namespace rerank {

namespace {

std::string strip_prefix(std::string_view name) {
  if (name.rfind("shape:", 0) == 0) name.remove_prefix(6);
  return std::string(name);
}

}  // namespace

std::vector<std::string> shape_model_names() {
  return {"minilm-l6", "bge-m3-large", "modernbert-base", "monot5-base", "qwen3-reranker-0.6b"};
}

bool is_shape_spec(std::string_view spec) { return spec.rfind("shape:", 0) == 0; }

nlohmann::json shape_model_config(std::string_view spec) {
  const std::string name = strip_prefix(spec);
  if (name == "minilm-l6") {
    // cross-encoder/ms-marco-MiniLM-L6-v2
    return {{"architectures", {models::architecture_table().architecture_of_model_type("bert")}},
            {"model_type", "bert"},
            {"vocab_size", 30522},
            {"hidden_size", 384},
            {"num_hidden_layers", 6},
            {"num_attention_heads", 12},
            {"intermediate_size", 1536},
            {"max_position_embeddings", 512},
            {"type_vocab_size", 2},
            {"pad_token_id", 0},
            {"layer_norm_eps", 1e-12},
            {"hidden_act", "gelu"},
            {"id2label", {{"0", "LABEL_0"}}}};
  }
  if (name == "bge-m3-large") {
    // BAAI/bge-reranker-v2-m3 (XLM-R large)
    return {{"architectures", {models::architecture_table().architecture_of_model_type("xlm-roberta")}},
            {"model_type", "xlm-roberta"},
            {"vocab_size", 250002},
            {"hidden_size", 1024},
            {"num_hidden_layers", 24},
            {"num_attention_heads", 16},
            {"intermediate_size", 4096},
            {"max_position_embeddings", 8194},
            {"type_vocab_size", 2},
            {"pad_token_id", 1},
            {"layer_norm_eps", 1e-5},
            {"hidden_act", "gelu"},
            {"id2label", {{"0", "LABEL_0"}}}};
  }
  if (name == "modernbert-base") {
    // Alibaba-NLP/gte-reranker-modernbert-base (ModernBERT-base): 22 layers, every third
    // global (theta 160000), the others a 128-token window (theta 10000), 8192 positions.
    return {{"architectures", {models::architecture_table().architecture_of_model_type("modernbert")}},
            {"model_type", "modernbert"},
            {"vocab_size", 50368},
            {"hidden_size", 768},
            {"num_hidden_layers", 22},
            {"num_attention_heads", 12},
            {"intermediate_size", 1152},
            {"max_position_embeddings", 8192},
            {"pad_token_id", 50283},
            {"norm_eps", 1e-5},
            {"norm_bias", false},
            {"attention_bias", false},
            {"mlp_bias", false},
            {"classifier_bias", false},
            {"hidden_activation", "gelu"},
            {"classifier_activation", "gelu"},
            {"classifier_pooling", "mean"},
            {"global_attn_every_n_layers", 3},
            {"local_attention", 128},
            {"global_rope_theta", 160000.0},
            {"local_rope_theta", 10000.0},
            {"id2label", {{"0", "LABEL_0"}}}};
  }
  if (name == "monot5-base") {
    // castorini/monot5-base-msmarco (t5-base): ReLU feed-forward, tied head.
    return {{"architectures", {models::architecture_table().architecture_of_model_type("t5")}},
            {"model_type", "t5"},
            {"vocab_size", 32128},
            {"d_model", 768},
            {"d_kv", 64},
            {"d_ff", 3072},
            {"num_layers", 12},
            {"num_decoder_layers", 12},
            {"num_heads", 12},
            {"relative_attention_num_buckets", 32},
            {"relative_attention_max_distance", 128},
            {"layer_norm_epsilon", 1e-6},
            {"feed_forward_proj", "relu"},
            {"tie_word_embeddings", true},
            {"decoder_start_token_id", 0},
            {"pad_token_id", 0}};
  }
  if (name == "qwen3-reranker-0.6b") {
    // Qwen/Qwen3-Reranker-0.6B (recipes §1.1): GQA 16/8 heads of 128, tied head.
    return {{"architectures", {models::architecture_table().architecture_of_model_type("qwen3")}},
            {"model_type", "qwen3"},
            {"vocab_size", 151669},
            {"hidden_size", 1024},
            {"intermediate_size", 3072},
            {"num_hidden_layers", 28},
            {"num_attention_heads", 16},
            {"num_key_value_heads", 8},
            {"head_dim", 128},
            {"rms_norm_eps", 1e-6},
            {"rope_theta", 1000000.0},
            {"max_position_embeddings", 40960},
            {"hidden_act", "silu"},
            {"tie_word_embeddings", true}};
  }
  std::string names;
  for (const auto& n : shape_model_names()) names += (names.empty() ? "shape:" : ", shape:") + n;
  throw Error(ErrorCode::NotFound, "unknown shape model 'shape:" + name + "'; known: " + names);
}

fs::path shape_tokenizer_dir(std::string_view shape) {
  // Decoder shapes tokenise with a byte-level BPE carrying Qwen's chat markers, the others
  // with bert-base-uncased WordPiece.
  const bool qwen = strip_prefix(shape).rfind("qwen", 0) == 0;
  const fs::path rel = qwen ? fs::path("reference") / "tokenizers" / "qwen-bpe" : fs::path("vocab") / "bert-base-uncased";
  std::vector<fs::path> tried;
  std::error_code ec;
  if (const char* env = std::getenv("RERANK_SHARED_DIR"); env && *env) tried.push_back(fs::path(env) / rel);
  tried.push_back(fs::current_path(ec) / ".." / "shared" / rel);
  tried.push_back(fs::current_path(ec) / "shared" / rel);
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
      tried.push_back(p / ".." / "shared" / rel);
    }
  }
  for (const fs::path& p : tried) {
    if (fs::exists(p / "tokenizer.json", ec)) return fs::weakly_canonical(p, ec);
  }
  throw Error(ErrorCode::NotFound,
              "shape models use the tokenizer from shared/" + rel.string() + ", which was not found (looked in $RERANK_SHARED_DIR, ../shared from the working directory and from the rerank "
              "executable); set RERANK_SHARED_DIR to the shared/ folder");
}

models::CheckpointInfo shape_checkpoint(std::string_view name) {
  return models::checkpoint_from_config(shape_model_config(name), "shape:" + strip_prefix(name), {});
}

std::shared_ptr<const models::Model> load_shape_model(std::string_view name, const models::ModelLoadOptions& options,
                                                      const models::ArchitectureTable& architectures) {
  const models::CheckpointInfo checkpoint = shape_checkpoint(name);
  const models::RandomWeights weights(/*seed=*/0);
  models::LoadSettings settings;
  settings.precision = engine::parse_precision(options.precision);
  settings.vocabulary_rows = options.vocabulary_rows;
  return models::load_model(checkpoint, weights, models::make_model_device(options), settings, architectures);
}

}  // namespace rerank
