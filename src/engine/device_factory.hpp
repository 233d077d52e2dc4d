// Device selection: the one place that knows which backends this build has. It sits above
// engine/cpu/ and engine/cuda/ (it includes them; they never include it).
#pragma once

#include <memory>

#include "engine/device.hpp"
#include "engine/device_probe.hpp"

namespace rerank::engine {

// The device options.device names. Error(NotSupported) for devices this build or machine
// lacks, Error(InvalidArgument) for a malformed name.
std::unique_ptr<Device> make_device(const DeviceOptions& options);

// Measurements and diagnostics of the device make_device(options) makes (same errors).
std::unique_ptr<DeviceProbe> make_device_probe(const DeviceOptions& options);

}  // namespace rerank::engine
