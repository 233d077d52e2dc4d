// A fallback chain (--fallback, repeatable): rankers tried in order until one produces
// scores, e.g. cohere:rerank-v3.5 -> a local cross-encoder -> bm25. The result's
// Scores::ranker names the ranker that produced it and Scores::skipped says why each
// earlier one was passed over (a load failure such as a missing key, or a call failure
// such as a timeout or an open circuit).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rerank/ranker.hpp"

namespace rerank {

struct FallbackLink {
  std::string spec;
  std::unique_ptr<Ranker> ranker;  // null when loading failed
  std::string load_error;          // why, when it failed ("[unauthorized] no API key ...")
};

// Thread-safe when every link is.
class FallbackRanker final : public Ranker {
 public:
  // Needs at least one loaded link; throws Error(InvalidArgument) otherwise.
  explicit FallbackRanker(std::vector<FallbackLink> links);

  // info(): type "fallback", spec "a -> b -> c", model and score kind of the first
  // loaded link (front ends apply activations by it).
  const RankerInfo& info() const override { return info_; }
  Scores score_documents(std::string_view query, std::span<const Document> documents,
                         const ScoreOptions& options = {}) const override;

 private:
  RankerInfo info_;
  std::vector<FallbackLink> links_;
};

// "[code_name] message" for a skip reason.
std::string describe_error(const std::exception& error);

// The --param values for link `link` of a chain (0 = the primary): unprefixed keys go to
// the primary; "N.key=value" goes to link N (1 = the first --fallback) as "key=value".
std::map<std::string, std::string> link_params(const std::map<std::string, std::string>& params,
                                               std::size_t link);

// Loads `primary` and each of options.fallbacks with `load_one`. Fallbacks get the same
// device/precision/threads/length options; type, endpoint and api_key belong to the
// primary, and params are split by link_params().
// Links that fail to load are kept as skipped; throws the last load error when none loads.
using LoadOne = std::function<std::unique_ptr<Ranker>(std::string_view spec, const LoadOptions& options)>;
std::unique_ptr<Ranker> load_fallback_chain(std::string_view primary, const LoadOptions& options,
                                            const LoadOne& load_one);

}  // namespace rerank
