// safetensors reading: dtypes, shards, and every way a file can be broken.
#include "io/safetensors.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rerank/error.hpp"
#include "support/safetensors_writer.hpp"
#include "support/test_support.hpp"

namespace rerank::io {
namespace {

using rerank::testing::f32_bytes;
using rerank::testing::TempDir;
using rerank::testing::u16_bytes;
using rerank::testing::write_safetensors;

template <typename F>
std::string error_of(F&& f, ErrorCode* code = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  return "";
}

TEST(Safetensors, ConvertsF32F16Bf16ToFloat) {
  TempDir dir;
  // fp16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001
  // bf16: 1.0 = 0x3f80, -0.5 = 0xbf00
  write_safetensors(dir / "model.safetensors",
                    {{"a", "F32", {2}, f32_bytes({1.5f, -3.25f})},
                     {"b", "F16", {2, 2}, u16_bytes({0x3c00, 0xc000, 0x7bff, 0x0001})},
                     {"c", "BF16", {2}, u16_bytes({0x3f80, 0xbf00})}});
  auto ck = Checkpoint::open(dir.path());
  EXPECT_EQ(ck->load_f32("a", {2}), (std::vector<float>{1.5f, -3.25f}));
  const auto b = ck->load_f32("b", {2, 2});
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[1], -2.0f);
  EXPECT_EQ(b[2], 65504.0f);
  EXPECT_FLOAT_EQ(b[3], 5.9604645e-8f);
  EXPECT_EQ(ck->load_f32("c", {2}), (std::vector<float>{1.0f, -0.5f}));
}

TEST(Safetensors, ManyF16ValuesMatchScalarConversion) {
  // Long enough for the F16C path (8 at a time) plus a tail; odd start offset.
  TempDir dir;
  std::vector<std::uint16_t> h;
  for (std::uint32_t i = 0; i < 1001; ++i) h.push_back(static_cast<std::uint16_t>((i * 37) & 0x7bff));
  write_safetensors(dir / "model.safetensors", {{"pad", "U8", {1}, std::string(1, '\0')}, {"h", "F16", {1001}, u16_bytes(h)}});
  auto ck = Checkpoint::open(dir.path());
  const auto v = ck->load_f32("h", {1001});
  for (std::size_t i = 0; i < h.size(); ++i) {
    float expect;
    std::vector<float> one(1);
    convert_to_f32(TensorDType::F16, reinterpret_cast<const std::byte*>(&h[i]), 1, one.data());
    expect = one[0];
    ASSERT_EQ(v[i], expect) << i;
  }
}

TEST(Safetensors, ShapeMismatchNamesTheTensor) {
  TempDir dir;
  write_safetensors(dir / "model.safetensors", {{"bert.pooler.dense.weight", "F32", {2}, f32_bytes({1, 2})}});
  auto ck = Checkpoint::open(dir.path());
  ErrorCode code{};
  const std::string msg = error_of([&] { ck->load_f32("bert.pooler.dense.weight", {2, 1}); }, &code);
  EXPECT_EQ(code, ErrorCode::ModelFormat);
  EXPECT_NE(msg.find("bert.pooler.dense.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[2, 1]"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { ck->load_f32("missing.weight", {1}); }).find("missing.weight"), std::string::npos);
}

TEST(Safetensors, TruncatedFileNamesTheTensor) {
  TempDir dir;
  write_safetensors(dir / "model.safetensors", {{"x", "F32", {4}, f32_bytes({1, 2, 3, 4})}, {"y", "F32", {4}, f32_bytes({1, 2, 3, 4})}});
  const auto size = std::filesystem::file_size(dir / "model.safetensors");
  std::filesystem::resize_file(dir / "model.safetensors", size - 3);
  ErrorCode code{};
  const std::string msg = error_of([&] { Checkpoint::open(dir.path()); }, &code);
  EXPECT_EQ(code, ErrorCode::ModelFormat);
  EXPECT_NE(msg.find("'y'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(Safetensors, CorruptHeadersAreModelFormatErrors) {
  TempDir dir;
  const auto path = dir / "model.safetensors";
  // Byte count disagrees with dtype x shape.
  write_safetensors(path, {{"x", "F32", {3}, f32_bytes({1, 2, 3, 4})}});
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("'x'"), std::string::npos);
  // Header length beyond the file.
  {
    std::ofstream out(path, std::ios::binary);
    const std::uint64_t n = 1000;
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << "{}";
  }
  ErrorCode code{};
  EXPECT_FALSE(error_of([&] { SafetensorsFile::open(path); }, &code).empty());
  EXPECT_EQ(code, ErrorCode::ModelFormat);
  // Not JSON.
  {
    std::ofstream out(path, std::ios::binary);
    const std::uint64_t n = 4;
    out.write(reinterpret_cast<const char*>(&n), 8);
    out << "{{{{";
  }
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("JSON"), std::string::npos);
  // Too short for the length field.
  rerank::testing::write_file(path, "abc");
  EXPECT_FALSE(error_of([&] { SafetensorsFile::open(path); }).empty());
  // Reversed offsets.
  write_safetensors(path, {{"x", "F32", {1}, f32_bytes({1})}},
                    [](nlohmann::json& h) { h["x"]["data_offsets"] = {4, 0}; });
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("'x'"), std::string::npos);
  // Negative dimension.
  write_safetensors(path, {{"x", "F32", {1}, f32_bytes({1})}}, [](nlohmann::json& h) { h["x"]["shape"] = {-1}; });
  EXPECT_NE(error_of([&] { SafetensorsFile::open(path); }).find("'x'"), std::string::npos);
}

TEST(Safetensors, UnsupportedDtypeIsNamed) {
  TempDir dir;
  write_safetensors(dir / "model.safetensors", {{"ids", "I64", {1}, std::string(8, '\0')}});
  auto ck = Checkpoint::open(dir.path());
  const std::string msg = error_of([&] { ck->load_f32("ids", {1}); });
  EXPECT_NE(msg.find("ids"), std::string::npos);
  EXPECT_NE(msg.find("I64"), std::string::npos);
}

TEST(Safetensors, ShardedIndex) {
  TempDir dir;
  write_safetensors(dir / "model-00001-of-00002.safetensors", {{"a", "F32", {1}, f32_bytes({1})}});
  write_safetensors(dir / "model-00002-of-00002.safetensors", {{"b", "F32", {1}, f32_bytes({2})}});
  rerank::testing::write_file(dir / "model.safetensors.index.json",
                              R"({"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors",)"
                              R"("b":"model-00002-of-00002.safetensors"}})");
  auto ck = Checkpoint::open(dir.path());
  EXPECT_EQ(ck->load_f32("a", {1})[0], 1.0f);
  EXPECT_EQ(ck->load_f32("b", {1})[0], 2.0f);
  EXPECT_EQ(ck->names().size(), 2u);

  std::filesystem::remove(dir / "model-00002-of-00002.safetensors");
  EXPECT_NE(error_of([&] { Checkpoint::open(dir.path()); }).find("model-00002-of-00002"), std::string::npos);
}

TEST(Safetensors, PytorchBinOnlyRepoSaysWhatToDo) {
  TempDir dir;
  rerank::testing::write_file(dir / "pytorch_model.bin", "not a pickle");
  ErrorCode code{};
  const std::string msg = error_of([&] { Checkpoint::open(dir.path()); }, &code);
  EXPECT_EQ(code, ErrorCode::NotSupported);
  EXPECT_NE(msg.find("safetensors"), std::string::npos) << msg;
}

TEST(Safetensors, EmptyFolderIsNotFound) {
  TempDir dir;
  ErrorCode code{};
  error_of([&] { Checkpoint::open(dir.path()); }, &code);
  EXPECT_EQ(code, ErrorCode::NotFound);
}

TEST(Safetensors, ReadsTheReferenceFixtures) {
  RERANK_REQUIRE_SHARED(dir, "reference/bert-ce");
  auto ck = Checkpoint::open(dir);
  const auto* t = ck->find("bert.embeddings.word_embeddings.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dtype, TensorDType::F16);
  EXPECT_EQ(t->shape, (std::vector<std::int64_t>{8000, 64}));
}

}  // namespace
}  // namespace rerank::io
