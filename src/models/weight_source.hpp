// Where a model's weights come from: a safetensors checkpoint, or seeded random values for
// the `shape:` models (published sizes without the published weights).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/safetensors.hpp"

namespace rerank::models {

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual bool has(const std::string& name) const = 0;
  // fp32 values of `name`; Error(ModelFormat) naming the tensor when missing or mis-shaped.
  virtual std::vector<float> get(const std::string& name, const std::vector<std::int64_t>& shape) const = 0;
};

class CheckpointWeights final : public WeightSource {
 public:
  explicit CheckpointWeights(std::shared_ptr<const io::Checkpoint> checkpoint) : checkpoint_(std::move(checkpoint)) {}
  bool has(const std::string& name) const override { return checkpoint_->contains(name); }
  std::vector<float> get(const std::string& name, const std::vector<std::int64_t>& shape) const override {
    return checkpoint_->load_f32(name, shape);
  }

 private:
  std::shared_ptr<const io::Checkpoint> checkpoint_;
};

// Every tensor exists: norm weights are 1, biases 0, everything else N(0, 0.02) like
// transformers' initialisation. Each tensor's values depend only on (seed, name).
class RandomWeights final : public WeightSource {
 public:
  explicit RandomWeights(std::uint64_t seed) : seed_(seed) {}
  bool has(const std::string&) const override { return true; }
  std::vector<float> get(const std::string& name, const std::vector<std::int64_t>& shape) const override;

 private:
  std::uint64_t seed_;
};

}  // namespace rerank::models
