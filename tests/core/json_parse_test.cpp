// The one bounded JSON parser: nesting refused while parsing (so nothing recursive ever sees
// a deep value), a typed error naming the input and the limit, never the text itself.
#include "core/json_parse.hpp"

#include <string>

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace rerank {
namespace {

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonParse, DepthUpToTheLimitParsesAndOneMoreIsATypedError) {
  JsonLimits limits;
  limits.max_depth = 5;
  EXPECT_EQ(parse_json(nested(5), "x", limits).dump(), "[[[[[]]]]]");
  std::string message;
  EXPECT_EQ(testing::code_of([&] { parse_json(nested(6), "input.json", limits); }, &message),
            ErrorCode::InvalidInput);
  EXPECT_NE(message.find("input.json"), std::string::npos) << message;
  EXPECT_NE(message.find("deeper than 5"), std::string::npos) << message;
  // Objects count as arrays do.
  EXPECT_THROW(parse_json(R"({"a":{"b":{"c":{"d":{"e":{}}}}}})", "x", limits), Error);
}

TEST(JsonParse, HundredThousandDeepIsRefusedWithoutTouchingTheStack) {
  const std::string deep = R"({"query":"a","documents":[{"a":)" + nested(100000) + "}]}";
  JsonLimits limits;
  limits.code = ErrorCode::ModelFormat;
  limits.limit_name = "--max-json-depth";
  std::string message;
  EXPECT_EQ(testing::code_of([&] { parse_json(deep, "body", limits); }, &message), ErrorCode::ModelFormat);
  EXPECT_NE(message.find("--max-json-depth"), std::string::npos) << message;
}

TEST(JsonParse, MalformedJsonGivesThePositionNotTheText) {
  std::string message;
  EXPECT_EQ(testing::code_of([&] { parse_json(R"({"key": "sk-secret-123" oops})", "reply", {}); }, &message),
            ErrorCode::InvalidInput);
  EXPECT_NE(message.find("malformed JSON at byte"), std::string::npos) << message;
  EXPECT_EQ(message.find("sk-secret"), std::string::npos) << message;
  EXPECT_THROW(parse_json("", "empty", {}), Error);
}

TEST(JsonParse, IntegersInRangeOnly) {
  const auto in = [](const char* text, std::int64_t lo, std::int64_t hi) {
    return json_integer_in(nlohmann::json::parse(text), lo, hi);
  };
  EXPECT_EQ(in("7", 0, 10), 7);
  EXPECT_EQ(in("-3", -5, 10), -3);
  EXPECT_EQ(in("9223372036854775807", 0, INT64_MAX), INT64_MAX);
  EXPECT_EQ(in("11", 0, 10), std::nullopt);
  EXPECT_EQ(in("-1", 0, 10), std::nullopt);
  // Past INT64_MAX nlohmann keeps an unsigned; a signed cast would wrap it to -1.
  EXPECT_EQ(in("18446744073709551615", -5, 10), std::nullopt);
  EXPECT_EQ(in("7.0", 0, 10), std::nullopt);
  EXPECT_EQ(in("7.77e44", 0, INT64_MAX), std::nullopt);
  EXPECT_EQ(in("\"7\"", 0, 10), std::nullopt);
  EXPECT_EQ(in("null", 0, 10), std::nullopt);
  EXPECT_EQ(in("11", 0, -1), std::nullopt);
}

}  // namespace
}  // namespace rerank
