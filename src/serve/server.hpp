// `rerank serve`: an HTTP reranking server speaking the Jina, Cohere v1/v2, TEI, Mixedbread,
// llama.cpp and Weaviate dialects, with every model behind a continuous-batching scheduler.
// The HTTP library stays inside server.cpp (pimpl) so including this header is cheap.
//
// Thread-safety: bind() and run() from one thread; shutdown() from any other thread
// (a signal-handling thread); the other accessors any time.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "serve/model_table.hpp"

namespace rerank::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: an ephemeral port (see Server::port())
  std::string api_key;                      // empty: no authentication
  std::size_t max_documents = 1000;         // more in one request: 422
  std::size_t max_request_bytes = 4u << 20; // larger bodies: 413
  std::chrono::milliseconds timeout{30000}; // per-request deadline: 503 when it passes
  bool raw_scores = false;                  // never apply the sigmoid
  // HTTP worker threads. cpp-httplib serves one connection per thread, so this bounds the
  // concurrent connections served; 0 picks max(64, sum of the models' max_queue + 32), so a
  // client beyond the queue still gets a thread to be told 429.
  std::size_t http_threads = 0;
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
  // Drains: /ready turns 503 and new rerank requests get 503, requests already admitted
  // finish (up to `grace`), then the listener stops and run() returns.
  void shutdown(std::chrono::milliseconds grace);

  bool ready() const;
  int port() const;
  const ModelTable& models() const;
  std::size_t http_threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rerank::serve
