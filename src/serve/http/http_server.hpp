// The server's HTTP/1.1 front end: one epoll thread accepts connections and reads every
// request whole (headers and body, within total deadlines and size limits) without tying up
// a thread per connection, then hands complete requests to a pool of handler threads. So a
// thousand clients trickling bytes cost a thousand buffers, not a thousand threads, and never
// delay anyone else; each is cut off when its deadline passes.
//
// Thread-safety: bind() then run() on one thread; close_connections_after_response(),
// stop() and the accessors from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "serve/http/http_message.hpp"
#include "serve/http/request_reader.hpp"

namespace rerank::serve::http {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;          // 0: an ephemeral port
  bool reuse_port = false;  // SO_REUSEPORT: let several processes share the port (opt-in)
  std::size_t handler_threads = 64;
  std::size_t max_connections = 4096;  // beyond this a new connection gets 503 and is closed
  ReaderLimits limits;
  // Totals, not per-read timeouts: a client sending one byte a second gains nothing.
  std::chrono::milliseconds header_timeout{10000};     // from the request's first byte to its blank line
  std::chrono::milliseconds body_timeout{30000};       // from the end of the headers to the end of the body
  std::chrono::milliseconds keep_alive_timeout{5000};  // an idle connection (no request begun) is closed
  std::chrono::milliseconds write_timeout{30000};      // to write a response to a client that reads slowly
};

// What a handler may ask about its connection while it works.
class ClientConnection {
 public:
  explicit ClientConnection(int fd) : fd_(fd) {}
  // True once the client has closed or reset the connection. Never blocks.
  bool gone() const;

 private:
  int fd_;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&, const ClientConnection&)>;
  // Builds the response for a request the front end refused itself (status 400, 408, 413,
  // 415, 431, 501, 503, 505); `request` holds what was read of it (the path, maybe).
  using ErrorHandler = std::function<HttpResponse(int status, const std::string& message, const HttpRequest& request)>;
  // Called after each response is handed over, with the request and the time since it was
  // complete (for metrics).
  using Observer = std::function<void(const HttpRequest&, const HttpResponse&, double seconds)>;

  HttpServer(HttpServerOptions options, Handler handler, ErrorHandler on_error, Observer observer);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; returns the port. Throws Error(Network) naming the reason (for a port
  // in use: "address already in use").
  int bind();
  // Serves until stop(). bind() first.
  void run();
  // From now on every response carries "Connection: close" and its connection is closed.
  void close_connections_after_response();
  // Stops accepting, answers requests that were partly read with 503, waits up to `flush`
  // for handlers to finish and responses to be written, closes every connection and makes
  // run() return.
  void stop(std::chrono::milliseconds flush);

  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rerank::serve::http
