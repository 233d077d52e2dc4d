#include <string>

#include <gtest/gtest.h>

#include "io/sha256.hpp"
#include "rerank/error.hpp"
#include "support/test_support.hpp"

namespace rerank::io {
namespace {

// FIPS 180-2 appendix B and NIST CAVS vectors.
TEST(HubSha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(HubSha256, IncrementalEqualsOneShotAcrossBlockBoundaries) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += static_cast<char>((i * 131) % 251);
  const std::string expected = sha256_hex(data);
  for (std::size_t chunk : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u, 999u}) {
    Sha256 h;
    for (std::size_t i = 0; i < data.size(); i += chunk) h.update(std::string_view(data).substr(i, chunk));
    EXPECT_EQ(h.hex_digest(), expected) << "chunk " << chunk;
  }
}

TEST(HubSha256, FileMatchesMemoryAndMissingFileIsNotFound) {
  rerank::testing::TempDir dir;
  const std::string content(3 * 1024 * 1024 + 17, 'x');
  rerank::testing::write_file(dir / "f.bin", content);
  EXPECT_EQ(sha256_file_hex(dir / "f.bin"), sha256_hex(content));
  try {
    sha256_file_hex(dir / "missing");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

}  // namespace
}  // namespace rerank::io
