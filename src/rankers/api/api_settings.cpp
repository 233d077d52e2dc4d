#include "rankers/api/api_settings.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "rerank/error.hpp"

namespace rerank::api {

namespace {

const std::string* find_param(const LoadOptions& options, const std::string& key) {
  auto it = options.params.find(key);
  return it == options.params.end() ? nullptr : &it->second;
}


}  // namespace

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

double number_param(const LoadOptions& options, const std::string& key, double fallback, double lo, double hi) {
  const std::string* v = find_param(options, key);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const double d = std::stod(*v, &used);
    if (used != v->size() || !std::isfinite(d) || d < lo || d > hi) throw std::invalid_argument("range");
    return d;
  } catch (const std::exception&) {
    throw Error(ErrorCode::InvalidArgument, "--param " + key + "='" + *v + "' must be a number in [" +
                                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
}

std::chrono::milliseconds seconds_param(const LoadOptions& options, const std::string& key, double fallback,
                                        double lo, double hi) {
  return std::chrono::milliseconds(static_cast<long long>(std::llround(number_param(options, key, fallback, lo, hi) * 1000)));
}

bool bool_param(const LoadOptions& options, const std::string& key, bool fallback) {
  const std::string* v = find_param(options, key);
  if (!v) return fallback;
  if (*v == "true" || *v == "1" || *v == "yes") return true;
  if (*v == "false" || *v == "0" || *v == "no") return false;
  throw Error(ErrorCode::InvalidArgument, "--param " + key + "='" + *v + "' must be true or false");
}


std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
    text.replace(pos, secret.size(), "***");
  }
  return text;
}

std::string endpoint_url(const std::string& base, const std::string& dialect_path) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  const auto scheme = url.find("://");
  const auto path_start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path_start != std::string::npos) {
    const std::string path = url.substr(path_start);
    if (path.size() >= dialect_path.size() &&
        path.compare(path.size() - dialect_path.size(), dialect_path.size(), dialect_path) == 0) {
      return url;
    }
  }
  return url + dialect_path;
}

std::string base_url_variable(std::string_view provider) {
  std::string name = "RERANK_";
  for (const char c : provider) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_';
  }
  return name + "_BASE_URL";
}

ApiSettings resolve_api_settings(const Dialect& dialect, const ModelSource& source, const LoadOptions& options) {
  const DialectInfo& info = dialect.info();
  ApiSettings s;

  std::string base;
  const std::string base_env = base_url_variable(info.name);
  if (!options.endpoint.empty()) {
    base = options.endpoint;
  } else if (!info.model_in_spec) {
    base = source.model;  // tei:http://host:port
  } else if (const char* env = std::getenv(base_env.c_str()); env && *env) {
    base = env;  // a gateway or proxy for every process on the machine (also: tests' fake servers)
  } else {
    base = info.default_base_url;
  }
  if (!is_http_url(base)) {
    throw Error(ErrorCode::InvalidArgument,
                info.display_name + " endpoint '" + base +
                    "' is not an http:// or https:// URL; write e.g. " + info.name + ":http://127.0.0.1:8080" +
                    " or pass --endpoint");
  }
  s.url = endpoint_url(base, info.path);

  if (info.model_in_spec) {
    s.model = source.model;
  } else if (const std::string* m = find_param(options, "model")) {
    s.model = *m;
  }

  s.api_key = options.api_key;
  if (s.api_key.empty() && !info.key_env.empty()) {
    if (const char* env = std::getenv(info.key_env.c_str())) s.api_key = env;
  }
  if (s.api_key.empty() && info.key_required) {
    throw Error(ErrorCode::Unauthorized, "no API key for " + info.display_name + ": set " + info.key_env +
                                             " or pass --api-key");
  }

  s.timeout = seconds_param(options, "timeout", 60, 0.001, 3600);
  s.connect_timeout = seconds_param(options, "connect_timeout", 5, 0.001, 600);
  s.retry.max_attempts = 1 + static_cast<int>(number_param(options, "retries", 3, 0, 20));
  s.retry.base_delay = seconds_param(options, "backoff", 0.25, 0, 60);
  s.retry.max_delay = seconds_param(options, "max_backoff", 8, 0, 600);
  s.retry.max_retry_after = seconds_param(options, "max_retry_after", 60, 0, 3600);
  s.requests_per_minute = number_param(options, "rpm", 0, 0, 1e9);
  s.tokens_per_minute = number_param(options, "tpm", 0, 0, 1e12);
  s.burst_seconds = number_param(options, "burst", 1, 0, 3600);
  s.breaker_failures = static_cast<int>(number_param(options, "breaker_failures", 5, 0, 1000));
  s.breaker_cooldown = seconds_param(options, "breaker_cooldown", 30, 0, 86400);
  s.max_documents = static_cast<std::size_t>(
      number_param(options, "max_documents", static_cast<double>(info.max_documents), 1, 1e7));
  s.max_request_tokens = static_cast<std::size_t>(number_param(options, "max_request_tokens", 0, 0, 1e12));
  s.concurrency = static_cast<std::size_t>(number_param(options, "concurrency", 4, 1, 64));
  s.raw_scores = bool_param(options, "raw_scores", false);
  return s;
}

}  // namespace rerank::api
