// libFuzzer target for the listwise answer parser (rankers/listwise/permutation.hpp): any
// model output, for any window, must give a permutation of the window (each position once)
// whose repair counts add up, never an exception or a crash. The first byte picks the window
// (0..63) and, with its top bit, alphabetic identifiers.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "rankers/listwise/permutation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t window = data[0] & 63;
  const bool alphabetic = (data[0] & 128) != 0;
  const std::string_view answer(reinterpret_cast<const char*>(data + 1), size - 1);
  const rerank::listwise::Permutation p = rerank::listwise::parse_permutation(answer, window, alphabetic);
  if (p.order.size() != window) std::abort();
  std::vector<bool> seen(window, false);
  for (const std::size_t i : p.order) {
    if (i >= window || seen[i]) std::abort();
    seen[i] = true;
  }
  if (p.repairs.missing > window) std::abort();
  if ((p.repairs.unclosed_think || p.repairs.unparseable) && p.repairs.missing != window) std::abort();
  return 0;
}
