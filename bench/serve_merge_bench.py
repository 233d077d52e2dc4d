#!/usr/bin/env python3
"""`rerank serve` with a cross-encoder: concurrent requests merged by the runtime against the
same requests run one at a time (--max-batch-requests 1), side by side in one run on one
machine (issue 30). A benchmark, not a test: it prints both and their ratio.

    /usr/bin/python3 bench/serve_merge_bench.py --model shape:minilm-l6 \\
        --data ../shared/datasets/scifact --requests 64 --docs 10 --clients 16

Each request is one SciFact query with `--docs` passages (Cohere v2 dialect, /v2/rerank);
`--clients` threads keep that many requests in flight.
"""

import argparse
import gzip
import json
import pathlib
import socket
import subprocess
import threading
import time
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_data(data: pathlib.Path, requests: int, docs: int):
    queries_file = data / "queries.test.jsonl"
    queries = [json.loads(l)["text"] for l in queries_file.read_text().splitlines() if l.strip()]
    passages = []
    with gzip.open(data / "corpus.jsonl.gz", "rt") as f:
        for line in f:
            if len(passages) >= 2000:
                break
            j = json.loads(line)
            passages.append((j.get("title", "") + ". " + j["text"]).strip())
    return [{"query": queries[r % len(queries)],
             "documents": [passages[(r * docs + d) * 7 % len(passages)] for d in range(docs)]}
            for r in range(requests)]


def serve(cli: str, model: str, port: int, extra):
    process = subprocess.Popen([cli, "serve", "-m", model, "--port", str(port), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"rerank serve exited: {process.stderr.read()[-2000:]}")
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("rerank serve did not become healthy in 120 s")


def post(port: int, body: dict) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v2/rerank", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def drive(port: int, bodies, clients: int) -> float:
    """Seconds for every request, `clients` in flight at once."""
    post(port, bodies[0])  # warm-up
    next_index = [0]
    lock = threading.Lock()
    errors = []

    def client():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(bodies):
                return
            try:
                reply = post(port, bodies[i])
                assert len(reply["results"]) == len(bodies[i]["documents"])
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed: {errors[0]}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="shape:minilm-l6")
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "scifact"))
    parser.add_argument("--requests", type=int, default=64)
    parser.add_argument("--docs", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--cli", default=str(REPO / "build" / "bin" / "rerank"))
    args = parser.parse_args()
    bodies = read_data(pathlib.Path(args.data), args.requests, args.docs)
    pairs = args.requests * args.docs
    results = {}
    for name, extra in (("merged (default)", []), ("one at a time (--max-batch-requests 1)", ["--max-batch-requests", "1"])):
        port = free_port()
        process = serve(args.cli, args.model, port, extra)
        try:
            results[name] = drive(port, bodies, args.clients)
        finally:
            process.terminate()
            process.wait(timeout=60)
    print(f"model {args.model}, {args.requests} requests x {args.docs} documents, {args.clients} clients in flight")
    for name, seconds in results.items():
        print(f"{name:42s} {args.requests / seconds:8.2f} requests/s {pairs / seconds:9.1f} pairs/s")
    merged, alone = results.values()
    print(f"merged / one at a time: {alone / merged:.2f}x")


if __name__ == "__main__":
    main()
