"""msgspec JSON encode and decode of a 1,000-item conversation history (``list[ResponseItem]``).

The history is what every turn sends to the model and what a resumed session reads back from its
rollout: user and assistant messages, reasoning items with encrypted content, shell function
calls with their outputs and apply_patch custom tool calls, at realistic sizes. It is built once,
deterministically (seeded), so runs compare.
"""

from __future__ import annotations

import base64
import functools
import json
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING

try:
    from benchmarks.harness import Benchmark, Context, format_time, run_module
except ModuleNotFoundError:  # run as a script: python benchmarks/bench_protocol.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.harness import Benchmark, Context, format_time, run_module

if TYPE_CHECKING:
    from codeloop.protocol.items import ResponseItem

HISTORY_ITEMS = 1_000
SEED = 940

_VOCABULARY = (
    "the function returns a list of items when config is missing we retry after timeout "
    "sandbox policy workspace write read only approval model provider stream delta session "
    "rollout history tool call output patch file path error warning test passed failed import "
    "module class struct encode decode request response token usage context window résumé → ✓"
)
_WORDS = tuple(_VOCABULARY.split())

_COMMANDS = (
    ["bash", "-lc", "rg -n 'load_config' src tests"],
    ["bash", "-lc", "pytest -q tests/config -x"],
    ["bash", "-lc", "git status --short && git diff --stat"],
    ["bash", "-lc", "sed -n 1,200p src/codeloop/core/session.py"],
    ["bash", "-lc", "ls -la src/codeloop"],
    ["bash", "-lc", "python -m mypy src"],
)


def _words(rng: random.Random, n_chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < n_chars:
        word = rng.choice(_WORDS)
        out.append(word)
        size += len(word) + 1
        if rng.random() < 0.08:
            out.append("\n")
    return " ".join(out)[:n_chars]


def _code_output(rng: random.Random, n_chars: int) -> str:
    lines: list[str] = []
    size = 0
    while size < n_chars:
        n = rng.randrange(1, 400)
        line = (
            f'src/codeloop/mod_{n}.py:{n}:    value = "{_words(rng, rng.randrange(10, 70))}"\t# ok'
        )
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)[:n_chars]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _patch(rng: random.Random) -> str:
    body = "\n".join(f"+{_words(rng, rng.randrange(20, 90))}" for _ in range(rng.randrange(10, 40)))
    return (
        "*** Begin Patch\n*** Update File: src/codeloop/core/turn.py\n@@ def run_turn(\n"
        f"-    return None\n{body}\n*** End Patch"
    )


def build_history(n_items: int = HISTORY_ITEMS, seed: int = SEED) -> list[ResponseItem]:
    """A plausible conversation of exactly ``n_items`` response items."""
    from codeloop.protocol.items import (
        CustomToolCall,
        CustomToolCallOutput,
        FunctionCall,
        FunctionCallOutput,
        InputText,
        Message,
        OutputText,
        Reasoning,
        ReasoningSummaryText,
    )

    rng = random.Random(seed)
    items: list[ResponseItem] = []
    n_call = 0

    def reasoning() -> Reasoning:
        blob = rng.randbytes(rng.randrange(1_500, 6_000))
        return Reasoning(
            id=f"rs_{_hex(rng, 32)}",
            summary=[ReasoningSummaryText(text=_words(rng, rng.randrange(80, 400)))],
            encrypted_content=base64.b64encode(blob).decode("ascii"),
        )

    while len(items) < n_items:
        items.append(
            Message(role="user", content=[InputText(_words(rng, rng.randrange(80, 1500)))])
        )
        for _ in range(rng.randrange(1, 6)):
            items.append(reasoning())
            n_call += 1
            call_id = f"call_{n_call:06d}{_hex(rng, 18)}"
            if rng.random() < 0.2:
                items.append(CustomToolCall(name="apply_patch", input=_patch(rng), call_id=call_id))
                items.append(
                    CustomToolCallOutput(
                        call_id=call_id, output="Success. Updated the following files:\nM x.py\n"
                    )
                )
                continue
            args = {"command": rng.choice(_COMMANDS), "workdir": "/work/main", "timeout_ms": 120000}
            items.append(
                FunctionCall(
                    name="shell",
                    arguments=json.dumps(args),
                    call_id=call_id,
                    id=f"fc_{_hex(rng, 32)}",
                )
            )
            output = {
                "output": _code_output(rng, rng.randrange(200, 10_000)),
                "metadata": {"exit_code": rng.choice((0, 0, 0, 1)), "duration_seconds": 0.4},
            }
            items.append(FunctionCallOutput(call_id=call_id, output=json.dumps(output)))
        items.append(reasoning())
        text = _words(rng, rng.randrange(200, 2000))
        items.append(
            Message(role="assistant", content=[OutputText(text)], id=f"msg_{_hex(rng, 32)}")
        )
    return items[:n_items]


@functools.cache
def _fixture() -> tuple[list[ResponseItem], bytes]:
    import msgspec

    history = build_history()
    return history, msgspec.json.encode(history)


def _summary(history: list[ResponseItem], data: bytes) -> str:
    kinds: dict[str, int] = {}
    for item in history:
        kinds[type(item).__name__] = kinds.get(type(item).__name__, 0) + 1
    mix = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    return f"history: {len(history):,} items, {len(data) / 1e6:.2f} MB of JSON ({mix})"


def bench_encode(ctx: Context) -> None:
    import msgspec

    history, data = _fixture()
    encoder = msgspec.json.Encoder()
    result = ctx.time_function("protocol.encode", lambda: encoder.encode(history))
    mean = result.stats.mean
    result.extra.update(items=len(history), bytes=len(data))
    ctx.note(_summary(history, data))
    ctx.note(
        f"encode: {len(data) / mean / 1e6:,.0f} MB/s, {format_time(mean / len(history))} per item"
    )


def bench_decode(ctx: Context) -> None:
    import msgspec

    from codeloop.protocol.items import ResponseItem

    history, data = _fixture()
    decoder = msgspec.json.Decoder(list[ResponseItem])
    if decoder.decode(data) != history:
        raise AssertionError("round trip changed the history")
    result = ctx.time_function("protocol.decode", lambda: decoder.decode(data))
    mean = result.stats.mean
    result.extra.update(items=len(history), bytes=len(data))
    ctx.note(
        f"decode: {len(data) / mean / 1e6:,.0f} MB/s, {format_time(mean / len(history))} per item"
    )


BENCHMARKS = [
    Benchmark(
        "protocol.encode",
        bench_encode,
        description="msgspec JSON encode of a 1,000-item list[ResponseItem]",
        goal="well under the cost of one turn (a few ms); informational",
    ),
    Benchmark(
        "protocol.decode",
        bench_decode,
        description="msgspec JSON decode (typed) of the same 1,000-item history",
        goal="well under the cost of resuming a session (a few ms); informational",
    ),
]

if __name__ == "__main__":
    raise SystemExit(run_module(BENCHMARKS))
