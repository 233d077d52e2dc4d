// Loading a model: the table row of a checkpoint, its device (created here, below the
// rankers), its precision, its weights. Rankers call this and see only models::Model.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/device.hpp"
#include "models/architecture_table.hpp"
#include "models/checkpoint.hpp"
#include "models/model.hpp"
#include "models/weight_source.hpp"

namespace rerank::models {

struct ModelLoadOptions {
  std::string device = "cpu";      // "cpu", "cuda", "cuda:N"
  int threads = 0;                 // CPU threads; 0: one per core
  std::string precision = "fp32";  // "fp32", "bf16", "int8"
  std::string cuda_attention = "auto";  // engine::parse_cuda_attention_kernel
  std::vector<std::int32_t> vocabulary_rows;  // LoadSettings::vocabulary_rows
};

// The device `options` name. Error(NotSupported/InvalidArgument) from the engine.
std::shared_ptr<const engine::Device> make_model_device(const ModelLoadOptions& options);

// The checkpoint's model with `weights` on `device`: Error(NotSupported) naming the
// architecture when its row has no loader, or the family does not run at `precision` or on
// the device; ModelFormat errors name the key or tensor at fault.
std::shared_ptr<const Model> load_model(const CheckpointInfo& checkpoint, const WeightSource& weights,
                                        std::shared_ptr<const engine::Device> device, const LoadSettings& settings,
                                        const ArchitectureTable& table = architecture_table());
std::shared_ptr<const Model> load_model(const CheckpointInfo& checkpoint, const WeightSource& weights,
                                        std::shared_ptr<const engine::Device> device, engine::Precision precision,
                                        const ArchitectureTable& table = architecture_table());

// As above with the checkpoint's own safetensors (checkpoint.directory) on the device and
// precision `options` name.
std::shared_ptr<const Model> load_model(const CheckpointInfo& checkpoint, const ModelLoadOptions& options,
                                        const ArchitectureTable& table = architecture_table());

// config.json and the safetensors of DIR (tests, tools).
std::shared_ptr<const Model> load_model(const std::filesystem::path& dir, std::shared_ptr<const engine::Device> device,
                                        engine::Precision precision,
                                        const ArchitectureTable& table = architecture_table());

}  // namespace rerank::models
