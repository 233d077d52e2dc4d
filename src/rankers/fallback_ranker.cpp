#include "rankers/fallback_ranker.hpp"

#include <map>
#include <optional>

#include "rerank/error.hpp"

namespace rerank {

std::string describe_error(const std::exception& error) {
  std::string out = "[";
  if (const auto* e = dynamic_cast<const Error*>(&error)) {
    out += error_code_name(e->code());
  } else {
    out += "internal";
  }
  out += "] ";
  out += error.what();
  return out;
}

FallbackRanker::FallbackRanker(std::vector<FallbackLink> links) : links_(std::move(links)) {
  const FallbackLink* first = nullptr;
  for (const FallbackLink& link : links_) {
    info_.spec += (info_.spec.empty() ? "" : " -> ") + link.spec;
    if (!first && link.ranker) first = &link;
  }
  if (!first) throw Error(ErrorCode::InvalidArgument, "a fallback chain needs at least one loaded ranker");
  info_.type = "fallback";
  info_.model = first->ranker->info().model;
  info_.score_kind = first->ranker->info().score_kind;
}

Scores FallbackRanker::score_documents(std::string_view query, std::span<const Document> documents,
                                       const ScoreOptions& options) const {
  std::vector<SkippedRanker> skipped;
  for (std::size_t i = 0; i < links_.size(); ++i) {
    const FallbackLink& link = links_[i];
    if (!link.ranker) {
      skipped.push_back({link.spec, link.load_error});
      continue;
    }
    try {
      Scores scores = link.ranker->score_documents(query, documents, options);
      if (scores.ranker.empty()) scores.ranker = link.spec;
      // A nested chain's own skips come after ours, in the order they happened.
      skipped.insert(skipped.end(), scores.skipped.begin(), scores.skipped.end());
      scores.skipped = std::move(skipped);
      return scores;
    } catch (const Error& e) {
      // Caller mistakes fail the same way everywhere: do not mask them with a fallback.
      if (e.code() == ErrorCode::InvalidArgument) throw;
      if (i + 1 == links_.size()) {
        std::string why;
        for (const SkippedRanker& s : skipped) why += s.spec + ": " + s.reason + "; ";
        throw Error(e.code(), "every ranker of the fallback chain failed (" + why + link.spec + ": " +
                                  describe_error(e) + ")");
      }
      skipped.push_back({link.spec, describe_error(e)});
    }
  }
  throw Error(ErrorCode::Internal, "fallback chain has no rankers");
}

std::map<std::string, std::string> link_params(const std::map<std::string, std::string>& params,
                                               std::size_t link) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : params) {
    const auto dot = key.find('.');
    const bool indexed = dot != std::string::npos && dot > 0 &&
                         key.find_first_not_of("0123456789") == dot;
    if (!indexed) {
      if (link == 0) out[key] = value;
    } else if (key.substr(0, dot) == std::to_string(link)) {
      out[key.substr(dot + 1)] = value;
    }
  }
  return out;
}

std::unique_ptr<Ranker> load_fallback_chain(std::string_view primary, const LoadOptions& options,
                                            const LoadOne& load_one) {
  std::vector<std::string> specs = {std::string(primary)};
  specs.insert(specs.end(), options.fallbacks.begin(), options.fallbacks.end());

  std::vector<FallbackLink> links;
  bool any = false;
  std::optional<Error> last_error;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    LoadOptions link_options = options;
    link_options.fallbacks.clear();
    link_options.params = link_params(options.params, i);
    if (i > 0) {
      link_options.type.clear();
      link_options.endpoint.clear();
      link_options.api_key.clear();
    }
    FallbackLink link;
    link.spec = specs[i];
    try {
      link.ranker = load_one(specs[i], link_options);
      any = true;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::InvalidArgument) throw;  // a typo in a flag: say so, do not skip
      link.load_error = describe_error(e);
      last_error = Error(e.code(), "could not load any ranker of the fallback chain; last: " + link.spec + ": " +
                                       e.what());
    }
    links.push_back(std::move(link));
  }
  if (!any) throw *last_error;
  return std::make_unique<FallbackRanker>(std::move(links));
}

}  // namespace rerank
