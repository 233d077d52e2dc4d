// Typed reads of config.json keys, shared by the families' config parsers: a wrong JSON type
// or an out-of-range value is Error(ModelFormat) naming the file and the key, never an
// nlohmann exception or a silent default.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace rerank::models::config_json {

[[noreturn]] void fail(const std::string& where, const std::string& what);

// An integer in [min_value, max_value]; absent or null: `fallback`, or an error when required.
std::int64_t integer(const nlohmann::json& c, const char* key, const std::string& where, bool required,
                     std::int64_t fallback, std::int64_t min_value = 1, std::int64_t max_value = 1LL << 40);
// A positive number (zero too with allow_zero); absent or null: `fallback`.
double number(const nlohmann::json& c, const char* key, const std::string& where, double fallback,
              bool allow_zero = false);
bool boolean(const nlohmann::json& c, const char* key, const std::string& where, bool fallback);
// A string; absent or null: `fallback`.
std::string string(const nlohmann::json& c, const char* key, const std::string& where, const std::string& fallback);
// architectures[0], else model_type, else "" (what errors and traits call the checkpoint).
std::string architecture_name(const nlohmann::json& c);

}  // namespace rerank::models::config_json
