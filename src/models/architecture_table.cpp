// The built-in rows. Order matters only among rows with a `refine` check (tried first).
#include "models/architecture_table.hpp"

#include <algorithm>

#include "models/encoder_classifier.hpp"
#include "models/modernbert_classifier.hpp"
#include "models/sentence_transformers_head.hpp"
#include "models/qwen3_model.hpp"
#include "models/t5_model.hpp"
#include "rerank/error.hpp"

namespace rerank::models {

namespace {

using engine::Precision;

const std::vector<Precision> kAllPrecisions = {Precision::F32, Precision::BF16, Precision::Int8};
const std::vector<std::string> kCpuAndCuda = {"cpu", "cuda"};

// A row that is recognised but has no implementation yet (an issue will add its loader).
ArchitectureRow planned(std::string architecture, std::string model_type, std::string family,
                        std::string ranker_type) {
  ArchitectureRow row;
  row.architecture = std::move(architecture);
  row.model_type = std::move(model_type);
  row.family = std::move(family);
  row.ranker_type = std::move(ranker_type);
  return row;
}

ArchitectureRow bert_row(std::string architecture, std::string model_type, ModelLoader load) {
  ArchitectureRow row;
  row.architecture = std::move(architecture);
  row.model_type = std::move(model_type);
  row.family = "bert";
  row.ranker_type = "cross-encoder";
  row.load = std::move(load);
  row.precisions = kAllPrecisions;
  row.devices = kCpuAndCuda;
  return row;
}

// ColBERT checkpoints are bare encoders saved with the projection to the token-embedding
// width (`linear`, no bias): that weight, not the architecture name, says "late interaction".
ArchitectureRow colbert_row(std::string architecture, std::string model_type) {
  ArchitectureRow row = planned(std::move(architecture), std::move(model_type), "colbert", "colbert");
  row.refine = [](const CheckpointInfo& c) { return c.has_tensor("linear.weight") && !c.has_tensor("linear.bias"); };
  row.refine_note = "with a bias-free linear.weight";
  return row;
}

ArchitectureTable builtin_table() {
  ArchitectureTable t;
  // BERT-family cross-encoders (encoder_classifier.cpp): one loader per tensor layout.
  const ModelLoader bert = encoder_classifier_loader(bert_spec());
  const ModelLoader roberta = encoder_classifier_loader(roberta_spec());
  const ModelLoader electra = encoder_classifier_loader(electra_spec());
  t.add(bert_row("BertForSequenceClassification", "bert", bert));
  t.add(bert_row("RobertaForSequenceClassification", "roberta", roberta));
  t.add(bert_row("XLMRobertaForSequenceClassification", "xlm-roberta", roberta));
  t.add(bert_row("CamembertForSequenceClassification", "camembert", roberta));
  t.add(bert_row("ElectraForSequenceClassification", "electra", electra));

  // Jina reranker v2 is published as XLMRobertaForSequenceClassification with its own
  // modelling code (flash attention blocks named mixer.Wqkv): not the XLM-R layout.
  ArchitectureRow jina = planned("XLMRobertaForSequenceClassification", "xlm-roberta", "jina-xlmr-flash",
                                 "cross-encoder");
  jina.refine = [](const CheckpointInfo& c) {
    return c.has_tensor("roberta.encoder.layers.0.mixer.Wqkv.weight");
  };
  jina.refine_note = "with Jina's mixer.Wqkv attention weights";
  t.add(std::move(jina));

  // ModernBERT cross-encoders (modernbert_classifier.cpp): CPU only until the CUDA kernels
  // learn rotary positions, windows and GeGLU.
  ArchitectureRow modernbert = planned("ModernBertForSequenceClassification", "modernbert", "modernbert",
                                       "cross-encoder");
  modernbert.load = modernbert_classifier_loader(ModernBertHeadLayout::Transformers);
  modernbert.precisions = kAllPrecisions;
  modernbert.devices = {"cpu"};
  t.add(std::move(modernbert));
  // The Ettin rerankers: a bare ModernBertModel under a sentence-transformers CrossEncoder head.
  ArchitectureRow ettin = planned("ModernBertModel", "modernbert", "modernbert", "cross-encoder");
  ettin.refine = [](const CheckpointInfo& c) { return read_modular_cross_encoder_head(c.directory).has_value(); };
  ettin.refine_note = "with a sentence-transformers CrossEncoder head (modules.json: Pooling, Dense, LayerNorm)";
  ettin.load = modernbert_classifier_loader(ModernBertHeadLayout::SentenceTransformers);
  ettin.precisions = kAllPrecisions;
  ettin.devices = {"cpu"};
  t.add(std::move(ettin));

  // Detected, planned: loading them is NotSupported naming the architecture.
  t.add(planned("DebertaV2ForSequenceClassification", "deberta-v2", "deberta", "cross-encoder"));
  t.add(planned("DebertaForSequenceClassification", "deberta", "deberta", "cross-encoder"));
  t.add(planned("DistilBertForSequenceClassification", "distilbert", "distilbert", "cross-encoder"));
  // T5 encoder-decoders (t5_model.cpp): the first decoder step's vocabulary logits.
  for (const auto& [architecture, model_type] : {std::pair{"T5ForConditionalGeneration", "t5"},
                                                  std::pair{"MT5ForConditionalGeneration", "mt5"}}) {
    ArchitectureRow row = planned(architecture, model_type, "t5", "t5");
    row.load = t5_model_loader();
    row.precisions = kAllPrecisions;
    row.devices = {"cpu"};
    t.add(std::move(row));
  }
  t.add(planned("HF_ColBERT", "", "colbert", "colbert"));
  t.add(colbert_row("BertModel", "bert"));
  t.add(colbert_row("XLMRobertaModel", "xlm-roberta"));
  // Qwen3 decoders (qwen3_model.cpp): Qwen3-Reranker's last-position vocabulary logits, or
  // the -seq-cls conversions' score head. CPU until the CUDA families issue.
  for (const char* architecture : {"Qwen3ForCausalLM", "Qwen3ForSequenceClassification"}) {
    ArchitectureRow row = planned(architecture, "qwen3", "qwen3", "llm");
    row.load = qwen3_model_loader();
    row.precisions = {Precision::F32, Precision::BF16};
    row.devices = {"cpu"};
    t.add(std::move(row));
  }
  t.add(planned("Qwen2ForCausalLM", "qwen2", "qwen2", "llm"));
  t.add(planned("Qwen2ForSequenceClassification", "qwen2", "qwen2", "llm"));
  t.add(planned("Gemma2ForCausalLM", "gemma2", "gemma2", "llm"));
  t.add(planned("GemmaForCausalLM", "gemma", "gemma", "llm"));
  t.add(planned("LlamaForCausalLM", "llama", "llama", "llm"));
  t.add(planned("MistralForCausalLM", "mistral", "mistral", "llm"));
  t.add(planned("LayerWiseMiniCPMForCausalLM", "minicpm", "minicpm-layerwise", "llm-layerwise"));
  t.add(planned("Qwen2VLForConditionalGeneration", "qwen2_vl", "qwen2-vl", "monovlm"));
  return t;
}

}  // namespace

void ArchitectureTable::add(ArchitectureRow row) { rows_.push_back(std::move(row)); }

const ArchitectureRow* ArchitectureTable::match(const CheckpointInfo& c) const {
  auto names_match = [&](const ArchitectureRow& r) {
    if (!c.architecture.empty()) return r.architecture == c.architecture;
    return !c.model_type.empty() && r.model_type == c.model_type;
  };
  for (const ArchitectureRow& r : rows_) {
    if (r.refine && names_match(r) && r.refine(c)) return &r;
  }
  for (const ArchitectureRow& r : rows_) {
    if (!r.refine && names_match(r)) return &r;
  }
  return nullptr;
}

const ArchitectureRow& ArchitectureTable::require(const CheckpointInfo& c) const {
  if (const ArchitectureRow* r = match(c)) return *r;
  throw Error(ErrorCode::NotSupported, "unknown model architecture '" + c.name() + "' in " + c.where +
                                           "; supported: " + implemented_summary());
}

const ArchitectureRow* ArchitectureTable::find(std::string_view architecture) const {
  for (const ArchitectureRow& r : rows_) {
    if (r.architecture == architecture && !r.refine) return &r;
  }
  for (const ArchitectureRow& r : rows_) {
    if (r.architecture == architecture) return &r;
  }
  return nullptr;
}

std::vector<std::string> ArchitectureTable::architectures_of_ranker_type(std::string_view ranker_type) const {
  std::vector<std::string> out;
  for (const ArchitectureRow& r : rows_) {
    if (r.ranker_type == ranker_type && std::find(out.begin(), out.end(), r.architecture) == out.end()) {
      out.push_back(r.architecture);
    }
  }
  return out;
}

std::string ArchitectureTable::architecture_of_model_type(std::string_view model_type) const {
  for (const ArchitectureRow& r : rows_) {
    if (r.model_type == model_type && r.implemented()) return r.architecture;
  }
  throw Error(ErrorCode::NotFound, "no architecture has model_type '" + std::string(model_type) + "'");
}

std::string ArchitectureTable::implemented_summary() const {
  std::string out;
  for (const ArchitectureRow& r : rows_) {
    if (r.implemented()) out += (out.empty() ? "" : ", ") + r.architecture;
  }
  return out;
}

const ArchitectureTable& architecture_table() {
  static const ArchitectureTable table = builtin_table();
  return table;
}

}  // namespace rerank::models
