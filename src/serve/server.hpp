// `rerank serve`: an HTTP reranking server speaking the Jina, Cohere v1/v2, TEI, Mixedbread,
// llama.cpp and Weaviate dialects, with every model behind a continuous-batching scheduler.
// The HTTP front end (serve/http/) stays inside server.cpp (pimpl).
//
// Thread-safety: bind() and run() from one thread; shutdown() from any other thread
// (a signal-handling thread); the other accessors any time.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "serve/model_table.hpp"

namespace rerank::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;         // 0: an ephemeral port (see Server::port())
  bool reuse_port = false; // SO_REUSEPORT: share the port with other servers (explicit opt-in)
  std::string api_key;                      // empty: no authentication
  std::size_t max_documents = 1000;         // more in one request: 422
  std::size_t max_request_bytes = 4u << 20; // larger bodies, however framed: 413
  std::size_t max_json_depth = 64;          // deeper nesting: 400, refused while parsing
  std::chrono::milliseconds timeout{30000}; // per-request deadline: 503 when it passes
  bool raw_scores = false;                  // never apply the sigmoid
  // Handler threads: a complete request waits for one; connections still being read take
  // none. 0 picks max(64, sum of the models' max_queue + 32), so a request beyond the
  // queue still gets a thread to be told 429.
  std::size_t http_threads = 0;
  std::size_t max_connections = 4096;
  // Totals per request, however the client spreads its bytes (then 408 and close).
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds keep_alive_timeout{5000};  // idle connections are closed after it
  std::chrono::milliseconds write_timeout{30000};      // to write one response to a slow reader
  std::vector<std::string> cors_origins;               // empty: no CORS headers ("*": any origin)
  std::chrono::milliseconds client_poll{20};  // how often a waiting request checks its client
};

class Server {
 public:
  Server(ModelTable models, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket and returns the port. Throws Error(Network) when it cannot.
  int bind();
  // Serves until shutdown(); bind() first.
  void run();
  // Drains: /ready turns 503, new rerank requests get 503, every response carries
  // "Connection: close", requests already admitted finish. At `grace` the ones still waiting
  // are cancelled and answered 503; then the listener stops and run() returns. False when a
  // ranker call was still computing at the end (it cannot be interrupted; the caller may
  // exit without waiting for it).
  bool shutdown(std::chrono::milliseconds grace);

  bool ready() const;
  int port() const;
  const ModelTable& models() const;
  std::size_t http_threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rerank::serve
