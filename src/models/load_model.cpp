#include "models/load_model.hpp"

#include <algorithm>

#include "engine/device_factory.hpp"

#include "rerank/error.hpp"

namespace rerank::models {

namespace {

// The row of the checkpoint, checked to be implemented and to run at `precision` and on
// `device_name` (not checked when empty: the caller made the device).
const ArchitectureRow& runnable_row(const CheckpointInfo& checkpoint, const ArchitectureTable& table,
                                    const std::string& device_name, engine::Precision precision) {
  const ArchitectureRow& row = table.require(checkpoint);
  if (!row.implemented()) {
    throw Error(ErrorCode::NotSupported, "architecture '" + checkpoint.name() + "' (" + row.family +
                                             ") is recognised but not supported yet; supported: " +
                                             table.implemented_summary());
  }
  if (std::find(row.precisions.begin(), row.precisions.end(), precision) == row.precisions.end()) {
    throw Error(ErrorCode::NotSupported, "architecture '" + checkpoint.name() + "' does not run at precision " +
                                             std::string(engine::precision_name(precision)));
  }
  if (device_name.empty()) return row;  // the caller made the device
  const std::string kind = engine::device_kind(device_name);
  if (std::find(row.devices.begin(), row.devices.end(), kind) == row.devices.end()) {
    throw Error(ErrorCode::NotSupported, "architecture '" + checkpoint.name() + "' does not run on " + kind);
  }
  return row;
}

std::shared_ptr<const Model> checked(std::shared_ptr<const Model> model, const CheckpointInfo& checkpoint) {
  if (!model) throw Error(ErrorCode::Internal, "the loader of '" + checkpoint.name() + "' returned no model");
  return model;
}

}  // namespace

std::shared_ptr<const engine::Device> make_model_device(const ModelLoadOptions& options) {
  engine::DeviceOptions dev;
  dev.device = options.device;
  dev.threads = options.threads;
  dev.cuda_attention = engine::parse_cuda_attention_kernel(options.cuda_attention);
  return engine::make_device(dev);
}

std::shared_ptr<const Model> load_model(const CheckpointInfo& checkpoint, const WeightSource& weights,
                                        std::shared_ptr<const engine::Device> device, const LoadSettings& settings,
                                        const ArchitectureTable& table) {
  const ArchitectureRow& row = runnable_row(checkpoint, table, "", settings.precision);
  return checked(row.load(checkpoint, weights, std::move(device), settings), checkpoint);
}

std::shared_ptr<const Model> load_model(const CheckpointInfo& checkpoint, const WeightSource& weights,
                                        std::shared_ptr<const engine::Device> device, engine::Precision precision,
                                        const ArchitectureTable& table) {
  LoadSettings settings;
  settings.precision = precision;
  return load_model(checkpoint, weights, std::move(device), settings, table);
}

std::shared_ptr<const Model> load_model(const CheckpointInfo& checkpoint, const ModelLoadOptions& options,
                                        const ArchitectureTable& table) {
  const engine::Precision precision = engine::parse_precision(options.precision);
  const ArchitectureRow& row = runnable_row(checkpoint, table, options.device, precision);
  if (checkpoint.directory.empty()) {
    throw Error(ErrorCode::Internal, checkpoint.where + ": no checkpoint folder to read weights from");
  }
  const CheckpointWeights weights(checkpoint.weights());
  LoadSettings settings;
  settings.precision = precision;
  settings.vocabulary_rows = options.vocabulary_rows;
  return checked(row.load(checkpoint, weights, make_model_device(options), settings), checkpoint);
}

std::shared_ptr<const Model> load_model(const std::filesystem::path& dir, std::shared_ptr<const engine::Device> device,
                                        engine::Precision precision, const ArchitectureTable& table) {
  const CheckpointInfo checkpoint = read_checkpoint(dir);
  const CheckpointWeights weights(checkpoint.weights());
  return load_model(checkpoint, weights, std::move(device), precision, table);
}

}  // namespace rerank::models
