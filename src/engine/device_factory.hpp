// Device selection: the one place that knows which backends this build has. It sits above
// engine/cpu/ and engine/cuda/ (it includes them; they never include it).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/device.hpp"
#include "engine/device_probe.hpp"

namespace rerank::engine {

// The device options.device names. Error(NotSupported) for devices this build or machine
// lacks, Error(InvalidArgument) for a malformed name.
std::unique_ptr<Device> make_device(const DeviceOptions& options);

// "cpu" or "cuda": the kind of device one name (as make_device takes it) is, without making
// it. Error(InvalidArgument) for a list (serve only) or an unknown name.
std::string device_kind(const std::string& device);

// The devices a list names, one engine each (`rerank serve --device cuda:0,cuda:1`): names
// as make_device takes them, separated by commas, or `cuda:all` for every CUDA device of this
// machine. A name may repeat (`cuda:0,cuda:0`: two engines on one GPU, two batches in
// flight; `cpu,cpu`: two CPU engines of --threads threads each). Error(InvalidArgument) for an
// empty name or a list mixing cpu and cuda; Error(NotSupported) for cuda:all without a CUDA
// backend or device. Each name is checked when its device is made.
std::vector<std::string> expand_device_list(std::string_view list);

// Measurements and diagnostics of the device make_device(options) makes (same errors).
std::unique_ptr<DeviceProbe> make_device_probe(const DeviceOptions& options);

}  // namespace rerank::engine
