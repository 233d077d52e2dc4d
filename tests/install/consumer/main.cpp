// A program outside the tree, built against the installed rerank: loads bm25, ranks two
// documents and checks the order. Exit status 0 on success.
#include <iostream>

#include <rerank/rerank.hpp>

int main() {
  try {
    const std::unique_ptr<rerank::Ranker> ranker = rerank::load("bm25");
    const rerank::RankedResults ranked = ranker->rank(
        "installed library", {{"a", "a note about gardening", {}}, {"b", "an installed library of rerank", {}}});
    if (ranked.size() != 2 || ranked[0].document.id != "b" || ranked[1].document.id != "a") {
      std::cerr << "unexpected order\n";
      return 1;
    }
    std::cout << "rerank " << rerank::version() << ": " << ranked[0].document.id << " (" << ranked[0].score
              << ") before " << ranked[1].document.id << " (" << ranked[1].score << ")\n";
  } catch (const rerank::Error& e) {
    std::cerr << "rerank error (" << rerank::error_code_name(e.code()) << "): " << e.what() << "\n";
    return 1;
  }
  return 0;
}
