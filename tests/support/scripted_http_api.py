"""``ScriptedHttpApi``: a tiny HTTP server that answers each action from a test's script and records every request;
it stands in for a broken Alibaba API (no signature checks).

Stdlib `http.server` in a thread on 127.0.0.1: each action (from the `x-acs-action` header) answers with what the
test scripted, so malformed answers (not JSON, HTML 502 pages, arrays, empty bodies) reach the real client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass
class Seen:
    action: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Script = Callable[[Seen], Answer]


def always(status: int, body: bytes | str, content_type: str = "application/json") -> Script:
    raw = body.encode() if isinstance(body, str) else body
    return lambda _: Answer(status, raw, content_type)


NOT_FOUND = always(404, '{"requestId":"r-1","code":"RayClusterNotFound","message":"The cluster does not exist."}')
# What an unscripted action answers: an empty workspace lists no clusters; any other call finds none.
_UNSCRIPTED: dict[str, Script] = {"ListRayCluster": always(200, '{"rayClusters": [], "requestId": "r-1"}')}


@dataclass
class ScriptedHttpApi:
    """`scripts[action]` answers each request of that action; `seen` records every request in order."""

    scripts: dict[str, Script] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def actions(self) -> list[str]:
        return [s.action for s in self.seen]

    def start(self) -> ScriptedHttpApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                seen = Seen(
                    action=self.headers.get("x-acs-action", ""),
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                fake.seen.append(seen)
                answer = fake.scripts.get(seen.action, _UNSCRIPTED.get(seen.action, NOT_FOUND))(seen)
                self.send_response(answer.status)
                self.send_header("content-type", answer.content_type)
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
