"""SSE parsing of a 10,000-delta Responses stream from the scripted model server.

The client side is what the Responses client does per event: httpx streams the body, httpx-sse
splits it into events, and each event's data is decoded as JSON. The deltas are counted and the
count checked. Two figures:

- ``sse.stream_10k_deltas``: one whole POST /v1/responses against the scripted model server on
  loopback. The server runs in a thread of this process, so it shares the GIL: the figure is the
  client's cost plus the server's, an upper bound on what the client pays.
- ``sse.parse_10k_deltas_in_memory``: the same bytes (recorded once) replayed through
  ``httpx.MockTransport``: httpx + httpx-sse + JSON decoding, with no socket and no server.

``sse.per_delta`` and ``sse.parse_per_delta`` are the same samples divided by the delta count.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

try:
    from benchmarks.harness import Benchmark, Context, Result, Skip, run_module
except ModuleNotFoundError:  # run as a script: python benchmarks/bench_sse.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.harness import Benchmark, Context, Result, Skip, run_module

DELTAS = 10_000
DELTA_EVENT = "response.output_text.delta"
REQUEST_BODY: dict[str, Any] = {"model": "x", "input": [], "stream": True}

_TEXT = (
    "Here is the change: `load_config` now reads the profile before applying -c overrides, "
    "so `codeloop -p fast -c model=o3` uses o3. Tests pass (42 passed in 1.3 s) → done ✓. "
)


def stream_text(n_chars: int = DELTAS) -> str:
    """``n_chars`` characters of plausible assistant text (one delta each with chunk_size=1)."""
    return (_TEXT * (n_chars // len(_TEXT) + 1))[:n_chars]


def _count_deltas(event_source: Any, decode: Any) -> int:
    count = 0
    for sse in event_source.iter_sse():
        payload = decode(sse.data)
        if sse.event == DELTA_EVENT or payload.get("type") == DELTA_EVENT:
            count += 1
    return count


def _check(count: int) -> None:
    if count != DELTAS:
        raise AssertionError(f"expected {DELTAS} {DELTA_EVENT} events, got {count}")


def _per_delta(ctx: Context, name: str, source: Result) -> None:
    ctx.add_result(
        Result(
            name=name,
            samples=[s / DELTAS for s in source.samples],
            kind="derived",
            warmup=source.warmup,
            extra={"derived_from": source.name, "divided_by": DELTAS},
        )
    )


def bench_sse(ctx: Context) -> None:
    if importlib.util.find_spec("codeloop.testing.model_server") is None:
        raise Skip("codeloop.testing.model_server not available")
    try:
        import httpx
        import httpx_sse
        import msgspec
    except ImportError as exc:  # pragma: no cover - they are dependencies of codeloop
        raise Skip(f"{exc.name} not installed") from exc

    from codeloop.testing import ScriptedModelServer
    from codeloop.testing.script import MessageStep, ScriptedResponse

    decode = msgspec.json.decode
    script = [ScriptedResponse(output=[MessageStep(text=stream_text(), chunk_size=1)], repeat=True)]
    with ScriptedModelServer(script) as server, httpx.Client(timeout=60) as client:
        url = f"{server.base_url}/responses"

        def one_stream() -> None:
            with httpx_sse.connect_sse(client, "POST", url, json=REQUEST_BODY) as source:
                source.response.raise_for_status()
                _check(_count_deltas(source, decode))

        live = ctx.time_function("sse.stream_10k_deltas", one_stream, samples=10, inner_loops=1)
        with client.stream("POST", url, json=REQUEST_BODY) as response:
            response.raise_for_status()
            headers = dict(response.headers)
            raw = response.read()

    _per_delta(ctx, "sse.per_delta", live)
    headers.pop("transfer-encoding", None)

    def replay(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, content=raw)

    with httpx.Client(transport=httpx.MockTransport(replay)) as mock_client:

        def parse_only() -> None:
            with httpx_sse.connect_sse(mock_client, "POST", url, json=REQUEST_BODY) as source:
                _check(_count_deltas(source, decode))

        parsed = ctx.time_function(
            "sse.parse_10k_deltas_in_memory", parse_only, samples=10, inner_loops=1
        )
    _per_delta(ctx, "sse.parse_per_delta", parsed)

    ctx.note(f"stream: {DELTAS:,} {DELTA_EVENT} events, {len(raw) / 1e6:.2f} MB of SSE")
    share = parsed.stats.mean / live.stats.mean
    ctx.note(f"in-memory parsing is {share:.0%} of the live stream's time")


BENCHMARKS = [
    Benchmark(
        "sse",
        bench_sse,
        description="httpx + httpx-sse + JSON decode of a 10,000-delta Responses stream",
        goal="per-delta client cost far below a token's arrival interval (informational)",
    ),
]

if __name__ == "__main__":
    raise SystemExit(run_module(BENCHMARKS))
