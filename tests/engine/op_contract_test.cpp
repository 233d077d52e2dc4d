// The op layer's contract (engine/ops/*.cpp): operands that do not fit are Error(Internal)
// naming the op, before any backend touches memory; a backend refuses objects of another
// backend; a layer norm's input copy is an explicit output.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/device_factory.hpp"
#include "rerank/error.hpp"

namespace rerank::engine {
namespace {

// Runs f and returns the Internal error's message ("" and a failure when none is thrown).
template <typename F>
std::string internal_error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Internal) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

class OpContract : public ::testing::Test {
 protected:
  void SetUp() override {
    dev_ = make_device({"cpu", 1});
    s_ = dev_->make_session();
    s_->begin();
  }
  std::unique_ptr<Device> dev_;
  std::unique_ptr<Session> s_;
};

TEST_F(OpContract, LinearRejectsMismatchedShapes) {
  auto w = dev_->make_linear(std::vector<float>(12, 1.0f), {}, 3, 4, Precision::F32);
  Matrix x = s_->alloc(2, 5), y = s_->alloc(2, 3);
  const std::string m = internal_error_of([&] { s_->linear(x, *w, y); });
  EXPECT_NE(m.find("linear"), std::string::npos) << m;
  EXPECT_NE(m.find("2x5"), std::string::npos) << m;
  Matrix x2 = s_->alloc(2, 4), y_rows = s_->alloc(3, 3);
  internal_error_of([&] { s_->linear(x2, *w, y_rows); });
}

// feed_forward checks both products as linear does, naming itself: up's output must be the
// intermediate's shape, down's input the intermediate and its output hidden.
TEST_F(OpContract, FeedForwardRejectsMismatchedShapes) {
  auto up = dev_->make_linear(std::vector<float>(24, 1.0f), {}, 6, 4, Precision::F32);
  auto down = dev_->make_linear(std::vector<float>(24, 1.0f), {}, 4, 6, Precision::F32);
  Matrix x = s_->alloc(2, 4), mid = s_->alloc(2, 6), hidden = s_->alloc(2, 4);
  Matrix narrow_mid = s_->alloc(2, 5), short_hidden = s_->alloc(3, 4);
  const std::string m = internal_error_of([&] { s_->feed_forward(x, *up, Activation::GeluErf, *down, narrow_mid, hidden); });
  EXPECT_NE(m.find("feed_forward"), std::string::npos) << m;
  EXPECT_NE(m.find("2x5"), std::string::npos) << m;
  internal_error_of([&] { s_->feed_forward(x, *up, Activation::GeluErf, *down, mid, short_hidden); });
  internal_error_of([&] { s_->feed_forward(x, *down, Activation::GeluErf, *up, mid, hidden); });
  Matrix hidden_bf16 = hidden;
  hidden_bf16.storage = Storage::BF16;
  internal_error_of([&] { s_->feed_forward(x, *up, Activation::GeluErf, *down, mid, hidden_bf16); });
  EXPECT_NO_THROW(s_->feed_forward(x, *up, Activation::GeluErf, *down, mid, hidden));
}

TEST_F(OpContract, Bf16MatricesNeedBf16WeightsAndResidualSumsStayFp32) {
  auto w = dev_->make_linear(std::vector<float>(12, 1.0f), {}, 3, 4, Precision::F32);
  Matrix x = s_->alloc(2, 4), y = s_->alloc(2, 3);
  Matrix x_bf16 = x;
  x_bf16.storage = Storage::BF16;  // as a CUDA scratch matrix would be
  EXPECT_NE(internal_error_of([&] { s_->linear(x_bf16, *w, y); }).find("bf16"), std::string::npos);
  auto wb = dev_->make_linear(std::vector<float>(12, 1.0f), {}, 3, 4, Precision::BF16);
  Matrix y_bf16 = y;
  y_bf16.storage = Storage::BF16;
  EXPECT_NE(internal_error_of([&] { s_->linear(x, *wb, y_bf16, {Activation::None, true}); }).find("residual"),
            std::string::npos);
}

TEST_F(OpContract, TheCpuRefusesWeightsOfAnotherBackend) {
  class Foreign final : public LinearWeights {
   public:
    std::int64_t in_features() const override { return 4; }
    std::int64_t out_features() const override { return 3; }
    Precision precision() const override { return Precision::F32; }
  } foreign;
  Matrix x = s_->alloc(2, 4), y = s_->alloc(2, 3);
  EXPECT_NE(internal_error_of([&] { s_->linear(x, foreign, y); }).find("another device"), std::string::npos);
}

TEST_F(OpContract, AttentionChecksItsSequences) {
  Matrix qkv = s_->alloc(5, 24), out = s_->alloc(5, 8);
  const std::vector<std::int32_t> short_of_rows{0, 4};
  EXPECT_NE(internal_error_of([&] { s_->attention(qkv, short_of_rows, 2, out); }).find("attention"),
            std::string::npos);
  const std::vector<std::int32_t> decreasing{0, 3, 2, 5};
  internal_error_of([&] { s_->attention(qkv, decreasing, 2, out); });
  const std::vector<std::int32_t> fine{0, 2, 5};
  internal_error_of([&] { s_->attention(qkv, fine, 3, out); });  // 8 columns, 3 heads
  Matrix wide = s_->alloc(5, 25);
  internal_error_of([&] { s_->attention(wide, fine, 2, out); });
  Matrix qkv_bf16 = qkv;
  qkv_bf16.storage = Storage::BF16;
  internal_error_of([&] { s_->attention(qkv_bf16, fine, 2, out, Precision::F32); });
}

TEST_F(OpContract, EmbedAndGatherCheckTheirIndices) {
  auto table = dev_->upload(std::vector<float>(3 * 4, 1.0f));  // 3 rows of width 4
  PackedBatch b;
  b.input_ids = {0, 3};
  b.token_type_ids = {0, 0};
  b.position_ids = {0, 1};
  b.seq_starts = {0, 2};
  Matrix out = s_->alloc(2, 4);
  EXPECT_NE(internal_error_of([&] { s_->embed(b, *table, nullptr, nullptr, out); }).find("input id 3"),
            std::string::npos);
  b.input_ids = {0, 2};
  s_->embed(b, *table, nullptr, nullptr, out);
  Matrix rows = s_->alloc(1, 4);
  const std::vector<std::int32_t> beyond{2};
  internal_error_of([&] { s_->gather_rows(out, beyond, rows); });
}

TEST_F(OpContract, LayerNormWritesTheCopyItIsGiven) {
  EXPECT_FALSE(s_->alloc_input_copy(3, 4, Precision::BF16).has_value());  // the CPU's GEMMs read fp32
  auto gamma = dev_->upload({1.0f, 2.0f, 0.5f, 1.0f});
  auto beta = dev_->upload({0.0f, 0.1f, -0.1f, 0.2f});
  Matrix x = s_->alloc(3, 4), copy = s_->alloc(3, 4);
  for (std::int64_t i = 0; i < 12; ++i) x.data[i] = static_cast<float>(i * i % 7) - 3.0f;
  s_->layer_norm(x, *gamma, beta.get(), 1e-5f, &copy);
  for (std::int64_t i = 0; i < 12; ++i) EXPECT_EQ(copy.data[i], x.data[i]) << i;
  Matrix small = s_->alloc(2, 4);
  internal_error_of([&] { s_->layer_norm(x, *gamma, beta.get(), 1e-5f, &small); });
  internal_error_of([&] { s_->convert(x, small); });
}

}  // namespace
}  // namespace rerank::engine
