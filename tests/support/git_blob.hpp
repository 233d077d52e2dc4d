// Git's object id of a file's content ("blob <size>\0" + content, SHA-1): the name the
// Hugging Face Hub gives a non-LFS file in its ETag, and so the name huggingface_hub gives
// that file under blobs/ in its cache (LFS files are named by the SHA-256 of their content).
#pragma once

#include <string>
#include <string_view>

namespace rerank::testing {

// 40 lower-case hex digits, as `git hash-object` prints.
std::string git_blob_sha1(std::string_view content);

// The Git LFS pointer file that a repository stores in place of an LFS file's content.
std::string git_lfs_pointer(const std::string& sha256_hex, std::size_t size);

}  // namespace rerank::testing
