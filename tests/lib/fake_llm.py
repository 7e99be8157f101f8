#!/usr/bin/env python3
"""fake_llm.py — a scripted OpenAI-compatible LLM server for tests and
benchmarks (Python 3 standard library only).

It speaks the real protocol on 127.0.0.1 (a free port unless one is given):

  POST /v1/chat/completions  (also /chat/completions)
       non-streamed JSON, or SSE when the request says "stream": true:
       `data: {chunk}\\n\\n` chunks (content in pieces, tool-call deltas split
       over several chunks by "index"), a last chunk carrying "usage" when
       stream_options.include_usage, then `data: [DONE]`. Both carry usage.
  GET  /v1/models            (also /models) {"object":"list","data":[{"id":MODEL}]}

Every answer comes from a SCRIPT: a list of turns consumed in order, one per
chat request (refusals of refuse_tools / require_key consume none):

  {"tool_calls": [{"name": "terminal", "arguments": {"command": "ls"}}, ...]}
        native tool calls ("arguments" a dict or a JSON string; "id" optional)
  {"content": "text"}                 a plain answer (may join tool_calls)
  {"text_call": "<function=terminal>\\n<parameter=command>ls</parameter>\\n</function>"}
        a call written as text, returned as the content
  {"reasoning": "..."}                reasoning_content (joins any of these)
  {"empty": true}                     empty content, no calls
  {"status": 500} / {"status": 429, "retry_after": 1} / {"status": 401}
  {"status": 400, "message": "...", "code": "context_length_exceeded"}
        an error in OpenAI's shape {"error":{"message","type","code"}}
  {"raw": "not json"}                 this body as is, with status 200
  {"delay": 2.0, ...}                 wait first (joins any other turn)
  {"usage": {"prompt_tokens": 10, "completion_tokens": 5}}   instead of the estimate
  {"finish_reason": "length"}         instead of "stop"/"tool_calls"
  a callable f(request_body) -> turn  decides from the request (e.g. the last
        tool result: FakeLLM.last_tool_result(body)); may return a turn of
        any kind above

When the script runs out, `when_done` answers (a turn or a callable; default:
a `finish` tool call with message "done").

Python:
    from fake_llm import FakeLLM
    with FakeLLM([{"tool_calls": [{"name": "terminal",
                                   "arguments": {"command": "ls"}}]}],
                 refuse_tools=False, require_key=None, stream=None,
                 when_done=None, model="fake-model", port=0) as llm:
        llm.base_url            # "http://127.0.0.1:PORT/v1"
        ...
        llm.requests            # every request: {"method","path","headers","body","time"}
        llm.chat_requests       # the POSTs to chat/completions only
        llm.remaining           # script turns not consumed yet
        llm.add(turn)           # append to the script while it runs

  refuse_tools=True   400 "tools are not supported" to any request carrying
                      "tools" (as servers without function calling answer);
                      requests without tools (text calls) are answered.
  require_key="K"     401 unless "Authorization: Bearer K".
  stream=None         stream as the client asks; True/False force one way.
  Header names in `headers` are lower-case.

Command line (prints the base URL on its first line, flushed; runs until
SIGINT/SIGTERM):
    python3 tests/lib/fake_llm.py --script FILE.json [--port N]
        [--instant-steps N] [--refuse-tools] [--require-key K]
        [--stream auto|yes|no] [--record FILE.jsonl]
  --instant-steps N   a script of N terminal calls `true`, then finish
  --record FILE       one JSON line per request, for a benchmark's checks
"""
import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FINISH = {"tool_calls": [{"name": "finish", "arguments": {"message": "done"}}]}


def instant_steps(n):
    """N terminal calls `true`, then (when the script runs out) finish."""
    return [{"tool_calls": [{"name": "terminal", "arguments": {"command": "true"}}]}
            for _ in range(n)]


def _estimate_tokens(obj):
    """A deterministic stand-in for a tokenizer: 4 characters a token."""
    text = obj if isinstance(obj, str) else json.dumps(obj)
    return max(1, len(text) // 4)


def _error_body(message, code=None, kind="invalid_request_error"):
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: with Nagle's algorithm the
    # second waits for the client's delayed ACK (40 ms on Linux), which
    # would be the test server's latency, not the client's
    disable_nagle_algorithm = True
    server_version = "fake-llm/1"

    def log_message(self, fmt, *args):  # quiet: tests print what matters
        pass

    def _send_json(self, status, obj, extra_headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        fake = self.server.fake
        fake._record(self, None)
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send_json(200, {"object": "list", "data": [
                {"id": fake.model, "object": "model", "created": 0, "owned_by": "fake"}]})
        else:
            self._send_json(404, _error_body("no route " + self.path))

    def do_POST(self):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        fake._record(self, body)
        if self.path.split("?")[0].rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            return self._send_json(404, _error_body("no route " + self.path))
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return self._send_json(400, _error_body("the body must be a JSON object with messages"))
        if fake.require_key is not None and \
                self.headers.get("Authorization") != "Bearer " + fake.require_key:
            return self._send_json(401, _error_body("Incorrect API key provided", "invalid_api_key"))
        if fake.refuse_tools and body.get("tools"):
            return self._send_json(400, _error_body("tools are not supported"))
        turn = fake._next_turn(body)
        if turn.get("delay") and fake._closing.wait(float(turn["delay"])):
            return
        self._answer(fake, body, turn)

    def _answer(self, fake, body, turn):
        if "status" in turn:
            st = int(turn["status"])
            headers = {}
            if "retry_after" in turn:
                headers["Retry-After"] = str(turn["retry_after"])
            msg = turn.get("message", "fake error %d" % st)
            return self._send_json(st, _error_body(msg, turn.get("code")), headers)
        if "raw" in turn:
            data = turn["raw"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        message, finish = fake._message(turn)
        usage = dict(turn.get("usage") or {
            "prompt_tokens": _estimate_tokens(body.get("messages")),
            "completion_tokens": _estimate_tokens(json.dumps(message)),
        })
        usage.setdefault("total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
        stream = body.get("stream") if fake.stream is None else fake.stream
        rid = "chatcmpl-fake-%d" % fake._count
        if not stream:
            return self._send_json(200, {
                "id": rid, "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model"), "usage": usage,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}]})
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self._stream(rid, body.get("model"), message, finish, usage if include_usage else None)

    def _chunk(self, rid, model, delta=None, finish=None, usage=None, choices=True):
        obj = {"id": rid, "object": "chat.completion.chunk", "created": int(time.time()),
               "model": model,
               "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}] if choices else []}
        if usage is not None:
            obj["usage"] = usage
        self.wfile.write(b"data: " + json.dumps(obj).encode() + b"\n\n")
        self.wfile.flush()

    def _stream(self, rid, model, message, finish, usage):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self._chunk(rid, model, {"role": "assistant", "content": ""})
        if message.get("reasoning_content"):
            self._chunk(rid, model, {"reasoning_content": message["reasoning_content"]})
        for piece in _pieces(message.get("content") or ""):
            self._chunk(rid, model, {"content": piece})
        for i, call in enumerate(message.get("tool_calls") or []):
            fn = call["function"]
            self._chunk(rid, model, {"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                                     "function": {"name": fn["name"], "arguments": ""}}]})
            for piece in _pieces(fn["arguments"]):
                self._chunk(rid, model, {"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
        self._chunk(rid, model, {}, finish)
        if usage is not None:
            self._chunk(rid, model, usage=usage, choices=False)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def _pieces(text, n=3):
    """text in about n pieces (at least one character each)."""
    if not text:
        return []
    size = max(1, -(-len(text) // n))
    return [text[i:i + size] for i in range(0, len(text), size)]


class FakeLLM:
    """The server; see the top of the file."""

    def __init__(self, script=None, refuse_tools=False, require_key=None, stream=None,
                 when_done=None, model="fake-model", port=0, record=None):
        self.script = list(script or [])
        self.refuse_tools = refuse_tools
        self.require_key = require_key
        self.stream = stream
        self.when_done = FINISH if when_done is None else when_done
        self.model = model
        self._record_file = record
        self._lock = threading.Lock()
        self._requests = []
        self._count = 0
        self._calls = 0
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self
        self.port = self._httpd.server_address[1]
        self.base_url = "http://127.0.0.1:%d/v1" % self.port
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    # -------------------------------------------------------------- use
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def add(self, turn):
        with self._lock:
            self.script.append(turn)

    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self):
        return [r for r in self.requests if r["method"] == "POST" and r["path"].split("?")[0]
                .rstrip("/").endswith("/chat/completions")]

    @property
    def remaining(self):
        with self._lock:
            return len(self.script)

    @staticmethod
    def last_tool_result(body):
        """The text of the last tool result in a request body: a role "tool"
        message, or (text calls) a user message starting EXECUTION RESULT."""
        for m in reversed(body.get("messages") or []):
            content = m.get("content")
            if isinstance(content, list):
                content = "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
            if m.get("role") == "tool":
                return content or ""
            if m.get("role") == "user" and (content or "").startswith("EXECUTION RESULT of ["):
                return content
            if m.get("role") == "user":
                return None
        return None

    # ---------------------------------------------------------- internals
    def _record(self, handler, body):
        entry = {"method": handler.command, "path": handler.path,
                 "headers": {k.lower(): v for k, v in handler.headers.items()},
                 "body": body, "time": time.time()}
        with self._lock:
            self._requests.append(entry)
            if self._record_file:
                self._record_file.write(json.dumps(entry) + "\n")
                self._record_file.flush()

    def _next_turn(self, body):
        with self._lock:
            self._count += 1
            turn = self.script.pop(0) if self.script else self.when_done
        while callable(turn):
            turn = turn(body)
        return dict(turn or {})

    def _message(self, turn):
        """The assistant message of a turn, and its finish reason."""
        message = {"role": "assistant", "content": None}
        if turn.get("empty"):
            message["content"] = ""
        if "content" in turn:
            message["content"] = turn["content"]
        if "text_call" in turn:
            message["content"] = (message["content"] or "") + turn["text_call"]
        if turn.get("reasoning"):
            message["reasoning_content"] = turn["reasoning"]
        calls = []
        for call in turn.get("tool_calls") or []:
            with self._lock:
                self._calls += 1
                n = self._calls
            args = call.get("arguments", {})
            calls.append({"id": call.get("id", "call_fake_%d" % n), "type": "function",
                          "function": {"name": call["name"],
                                       "arguments": args if isinstance(args, str) else json.dumps(args)}})
        if calls:
            message["tool_calls"] = calls
        if message["content"] is None and not calls:
            message["content"] = ""
        finish = turn.get("finish_reason") or ("tool_calls" if calls else "stop")
        return message, finish


def main(argv=None):
    ap = argparse.ArgumentParser(description="A scripted OpenAI-compatible LLM server.")
    ap.add_argument("--script", help="JSON file: a list of turns")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--instant-steps", type=int, metavar="N",
                    help="N terminal calls `true`, then finish (after --script's turns)")
    ap.add_argument("--refuse-tools", action="store_true")
    ap.add_argument("--require-key", metavar="K")
    ap.add_argument("--stream", choices=("auto", "yes", "no"), default="auto")
    ap.add_argument("--model", default="fake-model")
    ap.add_argument("--record", metavar="FILE", help="append every request as a JSON line")
    a = ap.parse_args(argv)
    script = []
    if a.script:
        with open(a.script) as f:
            script = json.load(f)
        if not isinstance(script, list):
            ap.error("--script %s: expected a JSON list of turns" % a.script)
    if a.instant_steps:
        script += instant_steps(a.instant_steps)
    record = open(a.record, "a") if a.record else None
    fake = FakeLLM(script, refuse_tools=a.refuse_tools, require_key=a.require_key,
                   stream={"auto": None, "yes": True, "no": False}[a.stream],
                   model=a.model, port=a.port, record=record)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(fake.base_url, flush=True)
    while not stop.wait(1):
        pass
    fake.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
