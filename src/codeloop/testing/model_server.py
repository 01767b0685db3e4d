"""The scripted model server (DESIGN.md §5): a real HTTP server playing a script, and its CLI.

Tests of the agent never patch the model client; they point ``base_url`` at this server, which
speaks the Responses API and Chat Completions as SSE over real sockets, so retries, timeouts and
stream parsing are exercised exactly as against OpenAI. Standard library only (``http.server`` in a
background thread) so that it starts in milliseconds for benchmarks and ``codeloop demo``.

Every answer is ``Connection: close``; streams use chunked transfer encoding so that a ``CutStream``
(no terminating chunk) is an incomplete body the client can tell from a finished one.

CLI::

    python -m codeloop.testing.model_server --script FILE [--port N] [--host 127.0.0.1]

prints ``listening on http://127.0.0.1:PORT/v1`` (one flushed line) and serves until SIGINT or
SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import ipaddress
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec

from codeloop.testing.matching import accepts, is_chat_path
from codeloop.testing.playback import Cut, Pause, Step, plan
from codeloop.testing.script import HttpError, RecordedRequest, ScriptedResponse, load_script
from codeloop.testing.sse import IdAllocator, RenderContext
from codeloop.testing.sse_chat import render_chat
from codeloop.testing.sse_responses import render_responses

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from types import FrameType, TracebackType

    from codeloop.testing.sse import Rendered

__all__ = ["DEFAULT_MODELS", "EXHAUSTED_MESSAGE", "ScriptedModelServer", "is_loopback", "main"]

DEFAULT_MODELS = ("gpt-5-codex", "gpt-5")
EXHAUSTED_MESSAGE = "scripted model server: script exhausted"
#: The model named in answers when the request names none.
_FALLBACK_MODEL = "scripted-model"
#: How often the accept loop checks for shutdown: bounds how long ``stop()`` takes.
_POLL_INTERVAL = 0.05
#: Response headers the server sets itself; scripted values for them are ignored.
#: Bytes of events gathered before a write.
_WRITE_BATCH = 64 * 1024
_OWN_HEADERS = frozenset({"content-length", "connection", "transfer-encoding"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (the only kind this server binds)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    #: ``stop()`` must not wait for handler threads (a client may still be connected).
    block_on_close = False
    owner: ScriptedModelServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can take seconds.
        socketserver.TCPServer.server_bind(self)
        sockname = self.socket.getsockname()
        self.server_name = str(sockname[0])
        self.server_port = int(sockname[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, OSError):  # a client going away is normal
            self.owner._record_error(traceback.format_exc())


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    #: Events are small writes; Nagle plus delayed ACK would hold them back by ~40 ms.
    disable_nagle_algorithm = True
    #: Idle clients are dropped after this many seconds (threads never hang forever).
    timeout = 30.0
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.owner._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._connection_closed(self.connection)

    def _dispatch(self) -> None:
        self.server.owner._handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests assert on ``server.requests``, not on stderr."""


class ScriptedModelServer:
    """An OpenAI-compatible HTTP server on loopback that answers from a script.

    ``with ScriptedModelServer(script) as server:`` starts it on an ephemeral port; point a client
    at ``server.base_url`` and assert on ``server.requests`` afterwards. Thread-safe: ``add`` may
    be called while requests are being served.
    """

    def __init__(
        self,
        script: Iterable[ScriptedResponse] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        models: Sequence[str] | None = None,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(
                f"the scripted model server only binds loopback addresses, not {host!r}"
            )
        self.host = host.strip("[]")
        self.models = list(DEFAULT_MODELS if models is None else models)
        self._requested_port = port
        self._lock = threading.Lock()
        self._requests_changed = threading.Condition(self._lock)
        self._script: list[ScriptedResponse] = list(script or [])
        self._requests: list[RecordedRequest] = []
        self._unmatched: list[RecordedRequest] = []
        self._errors: list[str] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._ids = IdAllocator()
        self._started_at = time.monotonic()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> ScriptedModelServer:
        """Bind and serve in a background thread; returns at once, ready for requests."""
        if self._httpd is not None:
            raise RuntimeError("the scripted model server is already running")
        self._stopping.clear()
        server_class = _HTTPServer6 if ":" in self.host else _HTTPServer
        httpd = server_class((self.host, self._requested_port), _Handler)
        httpd.owner = self
        self._started_at = time.monotonic()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"scripted-model-server:{httpd.server_port}",
            daemon=True,
        )
        self._httpd = httpd
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections; returns promptly even mid-stall."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()  # wakes delays and stalls
        httpd.shutdown()  # the accept loop notices within _POLL_INTERVAL
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            _shutdown(conn, socket.SHUT_RDWR)
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=2.0)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ScriptedModelServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._httpd is not None else "stopped"
        return f"<ScriptedModelServer {where} remaining={len(self._script)}>"

    # -- public state ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the scripted model server is not running")
        return self._httpd.server_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: what a client's ``base_url`` should be."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in order of arrival."""
        with self._lock:
            return list(self._requests)

    @property
    def unmatched(self) -> list[RecordedRequest]:
        """The requests that nothing in the script matched (they got HTTP 500)."""
        with self._lock:
            return list(self._unmatched)

    @property
    def remaining(self) -> list[ScriptedResponse]:
        """The responses still in the script (``repeat`` ones stay)."""
        with self._lock:
            return list(self._script)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of unexpected failures while answering (a raising predicate, ...)."""
        with self._lock:
            return list(self._errors)

    def add(self, *responses: ScriptedResponse) -> None:
        """Append responses to the script, also while serving."""
        with self._lock:
            self._script.extend(responses)

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until ``n`` requests were received; raise ``TimeoutError`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._requests_changed:
            while len(self._requests) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{len(self._requests)} of {n} requests received after {timeout}s"
                    )
                self._requests_changed.wait(left)
            return list(self._requests)

    # -- bookkeeping -----------------------------------------------------------------------------

    def _connection_opened(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)
        if self._stopping.is_set():
            _shutdown(conn, socket.SHUT_RDWR)

    def _connection_closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    def _record_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)

    def _take(self, request: RecordedRequest) -> ScriptedResponse | None:
        with self._lock:
            for i, response in enumerate(self._script):
                if accepts(response, request):
                    if not response.repeat:
                        del self._script[i]
                    return response
            self._unmatched.append(request)
            return None

    # -- answering -------------------------------------------------------------------------------

    def _handle(self, h: _Handler) -> None:
        h.close_connection = True
        try:
            raw = _read_body(h)
        except ValueError:
            _send_json(
                h, 400, {"error": {"message": "bad request body", "type": "invalid_request"}}
            )
            return
        path = urlsplit(h.path).path
        headers: dict[str, str] = {}
        for name, value in h.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        request = RecordedRequest(
            method=h.command,
            path=path,
            headers=headers,
            body=_decode_json(raw, headers.get("content-encoding", "")),
            received_at=time.monotonic() - self._started_at,
            raw=raw,
        )
        with self._requests_changed:
            self._requests.append(request)
            self._requests_changed.notify_all()
        try:
            self._route(h, request)
        except OSError:
            pass  # the client went away, or stop() closed the connection
        except Exception:
            self._record_error(traceback.format_exc())
            message = f"scripted model server: internal error: {sys.exc_info()[1]!r}"
            with contextlib.suppress(OSError):
                _send_json(h, 500, {"error": {"message": message, "type": "server_error"}})

    def _route(self, h: _Handler, request: RecordedRequest) -> None:
        path = request.path.rstrip("/")
        if path.endswith("/models"):
            if request.method != "GET":
                _send_json(h, 405, {"error": {"message": "use GET", "type": "invalid_request"}})
                return
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "scripted"}
                for m in self.models
            ]
            _send_json(h, 200, {"object": "list", "data": data})
            return
        if is_chat_path(path):
            render = render_chat
        elif path.endswith("/responses"):
            render = render_responses
        else:
            message = f"scripted model server: no route for {request.path}"
            _send_json(h, 404, {"error": {"message": message, "type": "invalid_request"}})
            return
        if request.method != "POST":
            _send_json(h, 405, {"error": {"message": "use POST", "type": "invalid_request"}})
            return
        response = self._take(request)
        if response is None:
            _send_json(h, 500, {"error": {"message": EXHAUSTED_MESSAGE, "type": "server_error"}})
            return
        self._answer(h, request, response, render)

    def _answer(
        self,
        h: _Handler,
        request: RecordedRequest,
        response: ScriptedResponse,
        render: Callable[[ScriptedResponse, RenderContext], Rendered],
    ) -> None:
        if response.delay > 0 and self._stopping.wait(response.delay):
            _shutdown(h.connection, socket.SHUT_WR)
            return
        if isinstance(response.fault, HttpError):
            _send_http_error(h, response.fault, response.headers)
            return
        body = request.body if isinstance(request.body, dict) else {}
        model = body.get("model")
        stream_options = body.get("stream_options")
        include_usage = isinstance(stream_options, dict) and bool(
            stream_options.get("include_usage")
        )
        ctx = RenderContext(
            ids=self._ids,
            model=model if isinstance(model, str) else _FALLBACK_MODEL,
            created=int(time.time()),
            request_bytes=len(request.raw),
            include_usage=include_usage,
        )
        steps = plan(render(response, ctx), response.fault)

        h.send_response(200)
        if not any(key.lower() == "content-type" for key in response.headers):
            h.send_header("Content-Type", "text/event-stream; charset=utf-8")
        h.send_header("Cache-Control", "no-cache")
        for key, value in response.headers.items():
            if key.lower() not in _OWN_HEADERS:
                h.send_header(key, value)
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Connection", "close")
        h.end_headers()
        # Events with no wait between them go out in one write (as TCP would coalesce them
        # anyway): a syscall per event would make the server, not the client, the bottleneck of
        # benchmarks. Anything that waits or cuts flushes first, so timings are kept.
        pending = bytearray()
        for step in steps:
            wait = _wait_before(step)
            if pending and (wait > 0 or isinstance(step, Cut) or len(pending) >= _WRITE_BATCH):
                h.wfile.write(pending)
                pending.clear()
            if isinstance(step, Cut):
                _shutdown(h.connection, socket.SHUT_WR)  # FIN with no terminating chunk
                return
            if wait > 0 and self._stopping.wait(wait):
                _shutdown(h.connection, socket.SHUT_WR)
                return
            if isinstance(step, Pause):
                continue
            data = step.encode()
            pending += b"%X\r\n%s\r\n" % (len(data), data)
        pending += b"0\r\n\r\n"
        h.wfile.write(pending)


def _wait_before(step: Step) -> float:
    """Seconds to wait before playing ``step``."""
    if isinstance(step, Cut):
        return 0.0
    return step.seconds if isinstance(step, Pause) else step.delay


def _shutdown(conn: socket.socket, how: int) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(how)


def _read_body(h: _Handler) -> bytes:
    """The request body, by ``Content-Length`` or chunked; ``ValueError`` when malformed."""
    if "chunked" in h.headers.get("Transfer-Encoding", "").lower():
        parts: list[bytes] = []
        while True:
            line = h.rfile.readline(65537)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while h.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(h.rfile.read(size))
            h.rfile.readline()
    length = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(length) if length > 0 else b""


def _decode_json(raw: bytes, content_encoding: str) -> Any:
    if not raw:
        return None
    try:
        if content_encoding == "gzip":
            raw = gzip.decompress(raw)
        elif content_encoding == "deflate":
            raw = zlib.decompress(raw)
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, OSError, EOFError, zlib.error):
        return None


def _send_json(h: _Handler, status: int, payload: Any) -> None:
    _send(h, status, msgspec.json.encode(payload), "application/json", {})


def _send_http_error(h: _Handler, fault: HttpError, extra_headers: dict[str, str]) -> None:
    if fault.body is None:
        body, content_type = b"", "text/plain; charset=utf-8"
    elif isinstance(fault.body, str):
        body, content_type = fault.body.encode("utf-8"), "text/plain; charset=utf-8"
    elif isinstance(fault.body, bytes):
        body, content_type = fault.body, "application/octet-stream"
    else:
        body, content_type = msgspec.json.encode(fault.body), "application/json"
    _send(
        h,
        fault.status,
        body,
        fault.content_type or content_type,
        {**extra_headers, **fault.headers},
    )


def _send(
    h: _Handler, status: int, body: bytes, content_type: str, headers: dict[str, str]
) -> None:
    h.send_response(status)
    if not any(key.lower() == "content-type" for key in headers):
        h.send_header("Content-Type", content_type)
    for key, value in headers.items():
        if key.lower() not in _OWN_HEADERS:
            h.send_header(key, value)
    h.send_header("Content-Length", str(len(body)))
    h.send_header("Connection", "close")
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


# -- CLI -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a JSON script file until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m codeloop.testing.model_server",
        description="Serve a scripted OpenAI-compatible model (Responses and Chat, as SSE).",
    )
    parser.add_argument("--script", required=True, help="JSON script file (a list of responses)")
    parser.add_argument("--port", type=int, default=0, help="port (default: an ephemeral one)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument(
        "--model", action="append", dest="models", help="a model id for /v1/models (repeatable)"
    )
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"refusing to bind {args.host!r}: only loopback addresses are allowed")
    try:
        script = load_script(args.script)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        print(f"error: cannot load script {args.script}: {exc}", file=sys.stderr)
        return 2

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    server = ScriptedModelServer(script, host=args.host, port=args.port, models=args.models)
    try:
        server.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"listening on {server.base_url}", flush=True)
        while not done.wait(0.1):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
