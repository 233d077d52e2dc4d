#include "cli/pair_input.hpp"

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "core/json_parse.hpp"
#include "rerank/error.hpp"

namespace rerank::cli {

PairInput::PairInput(const std::string& path) : in_(&std::cin) {
  if (path == "-") return;
  file_.open(path);
  if (!file_) throw CliError(kExitInput, "cannot open " + path);
  in_ = &file_;
}

bool PairInput::read(std::vector<QueryDocumentPair>& out, std::size_t limit) {
  out.clear();
  std::string line;
  while (out.size() < limit && std::getline(*in_, line)) {
    ++line_no_;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = "line " + std::to_string(line_no_);
    nlohmann::json j;
    try {
      j = parse_json(line, where);
    } catch (const Error& e) {
      throw CliError(kExitInput, e.what());
    }
    if (!j.is_object() || !j.contains("query") || !j["query"].is_string()) {
      throw CliError(kExitInput, where + ": needs a string \"query\"");
    }
    const char* doc_key = j.contains("document") ? "document" : (j.contains("text") ? "text" : nullptr);
    if (!doc_key || !j[doc_key].is_string()) throw CliError(kExitInput, where + ": needs a string \"document\"");
    out.push_back({j["query"].get<std::string>(), j[doc_key].get<std::string>()});
  }
  return !out.empty();
}

}  // namespace rerank::cli
