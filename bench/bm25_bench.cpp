// BM25 ranking throughput: documents/s for one query over N candidates.
#include <benchmark/benchmark.h>

#include "rerank/ranker.hpp"

namespace {

std::vector<rerank::Document> make_docs(int n) {
  std::vector<rerank::Document> docs;
  for (int i = 0; i < n; ++i) {
    docs.push_back({"d" + std::to_string(i),
                    "document " + std::to_string(i) + " talks about reranking engines, search quality and "
                    "latency measured on standard retrieval test collections number " + std::to_string(i % 37),
                    nlohmann::json::object()});
  }
  return docs;
}

void BM_Bm25Rank(benchmark::State& state) {
  auto ranker = rerank::load("bm25");
  const auto docs = make_docs(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto results = ranker->rank("reranking latency on test collections", docs);
    benchmark::DoNotOptimize(results);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Bm25Rank)->Arg(100)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
