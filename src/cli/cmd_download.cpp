// rerank download: fetch a model from the Hugging Face Hub into the shared cache
// (huggingface_hub's layout) and print its snapshot folder.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

#include "cli/cli_error.hpp"
#include "cli/commands.hpp"
#include "io/hub_cache.hpp"
#include "io/hub_client.hpp"

namespace rerank::cli {

namespace {

struct DownloadArgs {
  std::string model;
  std::string revision;
  bool quiet = false;
};

void run_download(const DownloadArgs& args) {
  auto id = io::parse_hub_repo_id(args.model);
  if (!id) {
    throw CliError(kExitUsage, "'" + args.model + "' is not a Hub model id: expected org/name or org/name@revision");
  }
  if (!args.revision.empty()) {
    if (args.model.find('@') != std::string::npos && id->revision != args.revision) {
      throw CliError(kExitUsage, "the revision is given twice ('" + id->revision + "' and --revision " +
                                     args.revision + ")");
    }
    auto with_revision = io::parse_hub_repo_id(id->repo + "@" + args.revision);
    if (!with_revision) throw CliError(kExitUsage, "invalid --revision '" + args.revision + "'");
    id = with_revision;
  }
  io::HubClientOptions options = io::HubClientOptions::from_env();
  if (!args.quiet) {
    options.log = [](const std::string& line) { std::cerr << "rerank: " << line << "\n"; };
    if (::isatty(STDERR_FILENO)) {
      // One update per whole percent: bodies arrive in small chunks.
      options.on_progress = [last = std::make_shared<int>(-1)](const std::string& file, std::uint64_t done,
                                                                std::uint64_t total) {
        if (total == 0) return;
        const int percent = static_cast<int>(100 * done / total);
        if (percent == *last) return;
        *last = percent;
        std::cerr << fmt::format("\r  {} {:3d}%", file, percent) << (percent >= 100 ? "\n" : "") << std::flush;
        if (percent >= 100) *last = -1;
      };
    }
  }
  const io::HubSnapshot snapshot = io::HubClient(options).download_model(*id);
  if (!args.quiet) {
    std::cerr << fmt::format("rerank: {} at commit {}: {:.1f} MB downloaded, {} request(s)\n", id->repo,
                             snapshot.commit, snapshot.bytes_downloaded / 1e6, snapshot.requests);
  }
  std::cout << snapshot.path.string() << "\n";
}

}  // namespace

void add_download_command(CLI::App& app) {
  auto args = std::make_shared<DownloadArgs>();
  CLI::App* cmd = app.add_subcommand(
      "download",
      "Download a model from the Hugging Face Hub into its cache (shared with Python's huggingface_hub) "
      "and print the snapshot folder. Honours HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE.");
  cmd->add_option("model", args->model, "Hub model id: org/name or org/name@revision")->required();
  cmd->add_option("--revision", args->revision, "Branch, tag or commit (default main)");
  cmd->add_flag("-q,--quiet", args->quiet, "Print only the snapshot path");
  cmd->callback([args] { run_download(*args); });
}

}  // namespace rerank::cli
