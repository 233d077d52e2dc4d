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

}  // namespace rerank
