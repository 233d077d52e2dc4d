#include "support/git_blob.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace rerank::testing {

std::string git_blob_sha1(std::string_view content) {
  const std::string object = "blob " + std::to_string(content.size()) + std::string(1, '\0') + std::string(content);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(object.data(), object.size(), digest, &length, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(sha1) failed");
  }
  static const char* const kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string git_lfs_pointer(const std::string& sha256_hex, std::size_t size) {
  return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256_hex + "\nsize " + std::to_string(size) +
         "\n";
}

}  // namespace rerank::testing
