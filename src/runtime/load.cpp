#include "runtime/load.hpp"

#include "rankers/builtin.hpp"
#include "rerank/error.hpp"
#include "rankers/fallback_ranker.hpp"
#include "rankers/load.hpp"
#include "runtime/model_runtime.hpp"
#include "runtime/served_model_ranker.hpp"

namespace rerank {

namespace {

std::unique_ptr<Ranker> serve(LoadedRanker loaded, const LoadOptions& options) {
  if (loaded.ranker) return std::move(loaded.ranker);
  return std::make_unique<runtime::ServedModelRanker>(
      std::move(loaded.model_ranker), runtime::batch_token_budget(options.batch_tokens, options.device), options.lanes);
}

}  // namespace

std::unique_ptr<Ranker> load(std::string_view spec, const LoadOptions& options, const RankerRegistry& registry) {
  if (options.lanes > 1 && options.device != "cpu") {
    // Lanes share the cores of one CPU; a GPU runs several engines as a device list.
    throw Error(ErrorCode::InvalidArgument, "--lanes applies to --device cpu; on '" + options.device +
                                                "' run several engines with a device list (cuda:0,cuda:0)");
  }
  auto load_one = [&registry](std::string_view s, const LoadOptions& o) {
    return serve(load_unserved(s, o, registry), o);
  };
  if (options.fallbacks.empty()) return load_one(spec, options);
  return load_fallback_chain(spec, options, load_one);
}

std::unique_ptr<Ranker> load(std::string_view spec, const LoadOptions& options) {
  return load(spec, options, ranker_registry());
}

}  // namespace rerank
