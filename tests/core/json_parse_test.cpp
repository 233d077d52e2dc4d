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

}  // namespace
}  // namespace rerank
