// Every error status of `rerank serve`, each in its vendor's body shape; nothing crashes or hangs.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "serve_test_support.hpp"

namespace rerank::serve::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const json kDocs = json::array({"a red fox", "blue sky", "red car"});

class Errors : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.max_documents = 5;
    options.max_request_bytes = 4096;
    handle_ = start_server({{"word-count", std::make_shared<WordCountRanker>()}}, options);
  }
  httplib::Result post(const std::string& path, const std::string& body) {
    auto c = handle_->client();
    return c.Post(path.c_str(), body, "application/json");
  }
  std::unique_ptr<ServerHandle> handle_;
};

TEST_F(Errors, MalformedJsonIs400InEachVendorsShape) {
  auto res = post("/v2/rerank", "{\"query\": ");
  ASSERT_EQ(res->status, 400);
  json j = parse(res->body);
  EXPECT_NE(j["message"].get<std::string>().find("malformed JSON"), std::string::npos);
  EXPECT_FALSE(j.contains("detail"));

  res = post("/v1/rerank", "[1,2]");
  ASSERT_EQ(res->status, 400);
  j = parse(res->body);
  EXPECT_TRUE(j.contains("detail"));  // Jina
  EXPECT_TRUE(j.contains("message"));  // Cohere v1

  res = post("/rerank", json{{"query", "q"}, {"texts", {"a", 3}}}.dump());
  ASSERT_EQ(res->status, 400);
  j = parse(res->body);
  EXPECT_EQ(j["error_type"], "validation");  // TEI
  EXPECT_NE(j["error"].get<std::string>().find("texts[1]"), std::string::npos);

  res = post("/v1/reranking", json{{"query", "q"}, {"input", "not a list"}}.dump());
  ASSERT_EQ(res->status, 400);
  EXPECT_TRUE(parse(res->body).contains("detail"));  // Mixedbread
}

TEST_F(Errors, InvalidUtf8Is400WithAClearMessage) {
  const std::string body = std::string("{\"query\": \"caf\xC3\x28\", \"documents\": [\"a\"]}");
  auto res = post("/v1/rerank", body);
  ASSERT_EQ(res->status, 400);
  EXPECT_NE(parse(res->body)["message"].get<std::string>().find("not valid UTF-8"), std::string::npos);
}

TEST_F(Errors, MissingAndMistypedFieldsAre400) {
  EXPECT_EQ(post("/v1/rerank", json{{"documents", kDocs}}.dump())->status, 400);
  EXPECT_EQ(post("/v1/rerank", json{{"query", "q"}}.dump())->status, 400);
  EXPECT_EQ(post("/v1/rerank", json{{"query", "q"}, {"documents", kDocs}, {"top_n", -1}}.dump())->status, 400);
  EXPECT_EQ(post("/v1/rerank", json{{"query", "q"}, {"documents", kDocs}, {"top_n", "3"}}.dump())->status, 400);
  EXPECT_EQ(post("/v1/rerank", json{{"query", "q"}, {"documents", {1, 2}}}.dump())->status, 400);
  EXPECT_EQ(post("/rerank", json{{"query", "q"}}.dump())->status, 400);
  EXPECT_EQ(post("/rerank", "")->status, 400);
  EXPECT_EQ(post("/rerank", json{{"query", "q"}, {"texts", kDocs}, {"truncation_direction", "up"}}.dump())->status,
            400);
}

TEST_F(Errors, UnknownModelAndRouteAre404) {
  auto res = post("/v1/rerank", json{{"model", "no-such-model"}, {"query", "q"}, {"documents", kDocs}}.dump());
  ASSERT_EQ(res->status, 404);
  EXPECT_NE(parse(res->body)["message"].get<std::string>().find("word-count"), std::string::npos);
  res = post("/v3/rerank", "{}");
  ASSERT_EQ(res->status, 404);
  EXPECT_TRUE(parse(res->body).contains("message"));
  auto c = handle_->client();
  EXPECT_EQ(c.Get("/nothing")->status, 404);
}

TEST_F(Errors, BodyOverTheLimitIs413) {
  json body = {{"query", "q"}, {"documents", {std::string(5000, 'x')}}};
  auto res = post("/v1/rerank", body.dump());
  ASSERT_EQ(res->status, 413);
  EXPECT_TRUE(parse(res->body).contains("message"));
}

TEST_F(Errors, TooManyDocumentsAndOverlongWithTruncateFalseAre422) {
  auto res = post("/v1/rerank", json{{"query", "q"}, {"documents", std::vector<std::string>(6, "d")}}.dump());
  ASSERT_EQ(res->status, 422);
  EXPECT_NE(parse(res->body)["detail"].get<std::string>().find("too many documents"), std::string::npos);
  res = post("/rerank", json{{"query", "q"}, {"texts", {std::string(41, 'x')}}, {"truncate", false}}.dump());
  ASSERT_EQ(res->status, 422);
  EXPECT_EQ(parse(res->body)["error_type"], "validation");
  // With truncation (the default) the same text is fine.
  EXPECT_EQ(post("/rerank", json{{"query", "q"}, {"texts", {std::string(41, 'x')}}}.dump())->status, 200);
}

TEST_F(Errors, GarbageOnTheSocketNeverHangsTheServer) {
  // Raw bytes that are not HTTP, then a normal request still works.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(handle_->port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const char garbage[] = "\x01\x02\xff GARBAGE / HTTP/9\r\n\r\n";
  ASSERT_GT(write(fd, garbage, sizeof garbage - 1), 0);
  char buf[256];
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  ASSERT_GT(n, 0) << "no answer to a request that is not HTTP";
  EXPECT_EQ(status_of(std::string(buf, static_cast<std::size_t>(n))), 400) << std::string(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(post("/v1/rerank", json{{"query", "red"}, {"documents", kDocs}}.dump())->status, 200);
}

TEST(ServeOverload, FullQueueIs429WithRetryAfter) {
  auto ranker = std::make_shared<WordCountRanker>();
  ranker->gate_closed = true;
  runtime::BatchSchedulerOptions scheduling;
  scheduling.max_queue = 1;
  auto handle = start_server({{"w", ranker}}, {}, scheduling);
  const std::string body = json{{"query", "red"}, {"documents", kDocs}}.dump();
  std::thread first([&] {
    auto c = handle->client();
    auto res = c.Post("/v1/rerank", body, "application/json");
    EXPECT_EQ(res->status, 200);
  });
  while (ranker->calls.load() == 0) std::this_thread::sleep_for(1ms);
  auto c = handle->client();
  auto res = c.Post("/v2/rerank", body, "application/json");
  ASSERT_EQ(res->status, 429);
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  EXPECT_NE(parse(res->body)["message"].get<std::string>().find("busy"), std::string::npos);
  ranker->gate_closed = false;
  first.join();
}

TEST(ServeDeadline, RequestPastItsTimeoutIs503AndIsDropped) {
  auto ranker = std::make_shared<WordCountRanker>();
  ranker->gate_closed = true;
  ServerOptions options;
  options.timeout = 200ms;
  auto handle = start_server({{"w", ranker}}, options);
  const std::string body = json{{"query", "red"}, {"documents", kDocs}}.dump();
  std::thread running([&] {
    auto c = handle->client();
    EXPECT_EQ(c.Post("/v1/rerank", body, "application/json")->status, 503);  // held by the gate
  });
  while (ranker->calls.load() == 0) std::this_thread::sleep_for(1ms);
  auto c = handle->client();
  auto res = c.Post("/rerank", json{{"query", "q"}, {"texts", kDocs}}.dump(), "application/json");
  ASSERT_EQ(res->status, 503);  // waited in the queue past its deadline
  EXPECT_EQ(parse(res->body)["error_type"], "unhealthy");
  EXPECT_NE(parse(res->body)["error"].get<std::string>().find("--timeout"), std::string::npos);
  // The held request is answered 503 at its deadline while the gate is still closed; opening
  // the gate first could let a late-scheduled handler see it done and answer 200.
  running.join();
  ranker->gate_closed = false;
  const runtime::BatchScheduler& scheduler = *handle->server->models().models()[0].scheduler;
  for (int i = 0; i < 500 && scheduler.in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(scheduler.in_flight(), 0u);
  EXPECT_EQ(ranker->scored_requests.load(), 1);  // the queued one was never computed
  EXPECT_EQ(scheduler.stats().cancelled.load(), 1u);
}

TEST(ServeDisconnect, WorkForAClientThatLeftIsDropped) {
  auto ranker = std::make_shared<WordCountRanker>();
  ranker->gate_closed = true;
  auto handle = start_server({{"w", ranker}});
  const std::string body = json{{"query", "red"}, {"documents", kDocs}}.dump();
  std::thread running([&] {
    auto c = handle->client();
    EXPECT_EQ(c.Post("/v1/rerank", body, "application/json")->status, 200);
  });
  while (ranker->calls.load() == 0) std::this_thread::sleep_for(1ms);
  {
    // This client gives up while queued and resets its connection (a reset, not a FIN: a
    // client may half-close after its request and still read the answer; see HalfClose below).
    RawConnection quitter(handle->port);
    ASSERT_TRUE(quitter.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    std::this_thread::sleep_for(300ms);
    const linger reset{1, 0};
    ASSERT_EQ(::setsockopt(quitter.fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset), 0);
  }
  const runtime::BatchScheduler& scheduler = *handle->server->models().models()[0].scheduler;
  for (int i = 0; i < 200 && scheduler.stats().cancelled.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(scheduler.stats().cancelled.load(), 1u);
  EXPECT_EQ(scheduler.in_flight(), 1u);  // only the running request holds a slot
  ranker->gate_closed = false;
  running.join();
  EXPECT_EQ(ranker->scored_requests.load(), 1);
}

// A client that sends its request and then shuts its sending side (HTTP/1.1 allows it; `nc
// -N`, some proxies) still gets the whole response, even when scoring takes longer than the
// server's checks for departed clients (it polls the connection every 20 ms).
TEST(ServeHalfClose, AClientThatHalfClosesAfterItsRequestGetsTheResponse) {
  auto ranker = std::make_shared<WordCountRanker>(std::chrono::milliseconds(300));
  auto handle = start_server({{"w", ranker}});
  const std::string body = json{{"query", "red"}, {"documents", kDocs}}.dump();
  RawConnection c(handle->port);
  ASSERT_TRUE(c.send_all("POST /v1/rerank HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  ASSERT_EQ(::shutdown(c.fd(), SHUT_WR), 0);
  const std::string response = c.read_response(std::chrono::seconds(20));
  ASSERT_EQ(status_of(response), 200) << response;
  EXPECT_EQ(parse(body_of(response))["results"].size(), kDocs.size());
  const runtime::BatchScheduler& scheduler = *handle->server->models().models()[0].scheduler;
  EXPECT_EQ(scheduler.stats().cancelled.load(), 0u);
}

TEST(ServeDrain, ShutdownFinishesRequestsInFlightAndRefusesNewOnes) {
  auto ranker = std::make_shared<WordCountRanker>();
  ranker->gate_closed = true;
  auto handle = start_server({{"w", ranker}});
  const std::string body = json{{"query", "red"}, {"documents", kDocs}}.dump();
  int status = 0;
  std::thread running([&] {
    auto c = handle->client();
    auto res = c.Post("/v1/rerank", body, "application/json");
    status = res ? res->status : -1;
  });
  while (ranker->calls.load() == 0) std::this_thread::sleep_for(1ms);
  std::thread stopper([&] { handle->server->shutdown(10s); });
  while (handle->server->ready()) std::this_thread::sleep_for(1ms);
  {
    auto c = handle->client();
    EXPECT_EQ(c.Get("/ready")->status, 503);
    EXPECT_EQ(c.Post("/v1/rerank", body, "application/json")->status, 503);
  }
  ranker->gate_closed = false;
  running.join();
  stopper.join();
  EXPECT_EQ(status, 200);
  handle->thread.join();  // run() returned
}

}  // namespace
}  // namespace rerank::serve::testing
