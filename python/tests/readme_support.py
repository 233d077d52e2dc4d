"""What the README-example tests need offline: a Hugging Face cache whose model names point at
../shared/reference checkpoints, and one fake server speaking the hosted rerank APIs the
examples name (Cohere, Jina, Pinecone, Isaacus), reached through RERANK_<PROVIDER>_BASE_URL."""

import http.server
import json
import pathlib
import threading

from conftest import shared_path

SNAPSHOT = "0123456789abcdef0123456789abcdef01234567"


def build_hub_cache(root: pathlib.Path, names_to_fixtures: dict, renamed_pieces: dict = None) -> pathlib.Path:
    """huggingface_hub's layout: models--ORG--NAME/{refs/main, snapshots/<commit>/<files>}.
    ``renamed_pieces`` {fixture: {old: new}} renames vocabulary pieces in that fixture's
    tokenizer.json copy (a tiny fixture vocabulary may lack the tokens a published model's
    recipe scores, such as T5's ``▁true``)."""
    renamed_pieces = renamed_pieces or {}
    for name, fixture in names_to_fixtures.items():
        source = shared_path(f"reference/{fixture}")
        repo = root / ("models--" + name.replace("/", "--"))
        snapshot = repo / "snapshots" / SNAPSHOT
        snapshot.mkdir(parents=True)
        for f in source.iterdir():
            if not f.is_file() or f.name == "cases.json":
                continue
            if f.name == "tokenizer.json" and fixture in renamed_pieces:
                tokenizer = json.loads(f.read_text())
                renames = renamed_pieces[fixture]
                vocab = tokenizer["model"]["vocab"]
                found = [i for i, entry in enumerate(vocab) if entry[0] in renames]
                assert len(found) == len(renames), f"{fixture}: pieces {sorted(renames)} not all in the vocabulary"
                for i in found:
                    vocab[i][0] = renames[vocab[i][0]]
                (snapshot / f.name).write_text(json.dumps(tokenizer))
            else:
                (snapshot / f.name).symlink_to(f)
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text(SNAPSHOT)
    return root


def fake_score(query: str, text: str) -> float:
    """Shared words, then shorter documents first: distinct, predictable scores."""
    shared = len(set(query.lower().split()) & set(text.lower().split()))
    return shared + 1.0 / (1 + len(text))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.server.requests.append((self.path, self.headers.get("Authorization") or self.headers.get("Api-Key"), body))
        query = body.get("query", "")
        if self.path == "/v2/rerank":  # Cohere
            scores = [fake_score(query, d) for d in body["documents"]]
            reply = {"results": [{"index": i, "relevance_score": s} for i, s in enumerate(scores)]}
        elif self.path == "/v1/rerank":  # Jina
            scores = [fake_score(query, d) for d in body["documents"]]
            reply = {"results": [{"index": i, "relevance_score": s} for i, s in enumerate(scores)],
                     "usage": {"total_tokens": 1}}
        elif self.path == "/rerank":  # Pinecone
            scores = [fake_score(query, d["text"]) for d in body["documents"]]
            reply = {"data": [{"index": i, "score": s} for i, s in enumerate(scores)]}
        elif self.path == "/v1/chat/completions":  # a listwise LLM: the last passage first
            passages = sum(1 for m in body["messages"] if m["role"] == "user" and m["content"].startswith("["))
            if passages == 0:  # single-turn prompts hold every passage in one message
                passages = body["messages"][-1]["content"].count("\n[")
            answer = " > ".join(f"[{i}]" for i in range(passages, 0, -1))
            reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]}
        elif self.path == "/v1/rerankings":  # Isaacus
            scores = [fake_score(query, d) for d in body["texts"]]
            reply = {"results": [{"index": i, "score": s} for i, s in enumerate(scores)]}
        else:
            self.send_error(404)
            return
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def start_fake_api_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
