#include "core/json_parse.hpp"

namespace rerank {

nlohmann::json parse_json(std::string_view text, const std::string& what, const JsonLimits& limits) {
  const auto bound_depth = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    // `depth` counts the containers around the one opening now.
    const bool opens = event == nlohmann::json::parse_event_t::object_start ||
                       event == nlohmann::json::parse_event_t::array_start;
    if (opens && static_cast<std::size_t>(depth) + 1 > limits.max_depth) {
      throw Error(limits.code, what + ": JSON nests deeper than " + std::to_string(limits.max_depth) + " levels" +
                                   (limits.limit_name.empty() ? "" : " (" + limits.limit_name + ")"));
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), bound_depth);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(limits.code, what + ": malformed JSON at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::exception& e) {
    throw Error(limits.code, what + ": malformed JSON (" + e.what() + ")");
  }
}

std::optional<std::int64_t> json_integer_in(const nlohmann::json& v, std::int64_t min_value, std::int64_t max_value) {
  // nlohmann stores non-negative integers as unsigned, so one above INT64_MAX is compared as such
  // before any signed conversion.
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if (max_value < 0 || u > static_cast<std::uint64_t>(max_value)) return std::nullopt;
    const auto s = static_cast<std::int64_t>(u);
    if (s < min_value) return std::nullopt;
    return s;
  }
  if (!v.is_number_integer()) return std::nullopt;
  const std::int64_t s = v.get<std::int64_t>();
  if (s < min_value || s > max_value) return std::nullopt;
  return s;
}

}  // namespace rerank
