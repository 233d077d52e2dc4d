// Noticing that an HTTP client went away while its request waits for scoring.
//
// cpp-httplib 0.11.4 hands handlers no socket and has no disconnect callback. The handler
// runs on the thread that owns the connection, and the connection is identified by its
// address pair, so we find the accepted socket by (local port, peer address, peer port) and
// poll it: a peer that closed (FIN/RST) shows as POLLRDHUP/POLLHUP or a zero-byte peek.
#pragma once

#include <string>

namespace rerank::serve {

class ClientWatch {
 public:
  // Finds the connection's socket; when it cannot be found, client_gone() is always false.
  ClientWatch(const std::string& remote_addr, int remote_port, int local_port);
  // True once the peer has closed or reset the connection. Never blocks.
  bool client_gone() const;
  bool found() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// cpp-httplib 0.11.4 listens with a backlog of 5, so a burst of new connections overflows the
// accept queue and clients stall a second on SYN retransmits (or fail). Calling listen() again
// on the bound socket (found by its port) raises the backlog; false when it is not found.
bool widen_listen_backlog(int port, int backlog);

}  // namespace rerank::serve
