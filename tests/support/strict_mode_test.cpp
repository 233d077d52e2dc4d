// The skip/fail switch every fixture- or tool-dependent test goes through (RERANK_MISSING):
// a plain run skips, RERANK_REQUIRE_SHARED=1 (CI) fails.
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace rerank::testing {
namespace {

// Sets RERANK_REQUIRE_SHARED for one scope and restores it.
class StrictModeScope {
 public:
  explicit StrictModeScope(const char* value) {
    if (const char* old = std::getenv("RERANK_REQUIRE_SHARED")) saved_ = old;
    if (value) {
      ::setenv("RERANK_REQUIRE_SHARED", value, 1);
    } else {
      ::unsetenv("RERANK_REQUIRE_SHARED");
    }
  }
  ~StrictModeScope() {
    if (saved_) {
      ::setenv("RERANK_REQUIRE_SHARED", saved_->c_str(), 1);
    } else {
      ::unsetenv("RERANK_REQUIRE_SHARED");
    }
  }

 private:
  std::optional<std::string> saved_;
};

void give_up_for_missing_widget() { RERANK_MISSING("the widget tool"); }

TEST(StrictMode, OnlyTheValueOneIsStrict) {
  {
    StrictModeScope scope(nullptr);
    EXPECT_FALSE(strict_mode());
  }
  {
    StrictModeScope scope("0");
    EXPECT_FALSE(strict_mode());
  }
  StrictModeScope scope("1");
  EXPECT_TRUE(strict_mode());
}

TEST(StrictMode, MissingFixtureFailsTheTestInStrictMode) {
  StrictModeScope scope("1");
  EXPECT_FATAL_FAILURE(give_up_for_missing_widget(), "RERANK_REQUIRE_SHARED=1 and the widget tool is missing");
}

TEST(StrictMode, MessagesSayWhatIsMissingAndHowToMakeItFail) {
  StrictModeScope scope(nullptr);
  EXPECT_EQ(missing_message("chromium"),
            "chromium not found: test skipped (RERANK_REQUIRE_SHARED=1 makes this a failure)");
  EXPECT_NE(shared_data_description("reference/bert-ce").find("reference/bert-ce"), std::string::npos);
}

// One clear failure when CI's shared/ folder is absent, before the many tests that need it.
TEST(StrictMode, SharedFolderIsPresent) {
  RERANK_REQUIRE_SHARED(reference, "reference");
  EXPECT_TRUE(std::filesystem::is_directory(reference)) << reference;
}

}  // namespace
}  // namespace rerank::testing
