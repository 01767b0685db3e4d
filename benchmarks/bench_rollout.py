"""Rollout recording and reading (``codeloop.sessions.rollout``).

Recording is on the path of every event shown to the user, so it is timed one call per sample
(mean and p95 describe single calls): a short agent message, an 8 KB command output, and the same
message with ``fsync="always"`` to show what per-line durability would cost. Reading is what a
resume pays: a 10,000-line rollout of a realistic mix (messages, reasoning, function calls and
outputs, events, turn contexts), clean and with one damaged line (the per-line fallback).
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

try:
    from benchmarks.harness import Benchmark, Context, run_module
except ModuleNotFoundError:  # run as a script: python benchmarks/bench_rollout.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.harness import Benchmark, Context, run_module

if TYPE_CHECKING:
    from codeloop.protocol.rollout import SessionMeta
    from codeloop.sessions.rollout import RolloutItem

READ_LINES = 10_000
RECORD_SAMPLES = 3_000
SEED = 941

_VOCABULARY = (
    "the function returns a list of items when config is missing we retry after timeout sandbox "
    "policy rollout history tool call output patch file path error test passed résumé → ✓"
)
_WORDS = tuple(_VOCABULARY.split())


def _text(rng: random.Random, n_chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < n_chars:
        w = rng.choice(_WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n_chars]


def _items(n: int) -> list[RolloutItem]:
    """A deterministic session of about ``n`` recorded items, shaped like a coding session."""
    from codeloop.protocol import events, items, policy, rollout
    from codeloop.protocol.usage import TokenUsage, TokenUsageInfo

    rng = random.Random(SEED)
    out: list[RolloutItem] = []
    turn = 0
    while len(out) < n:
        turn += 1
        out.append(
            rollout.TurnContext(
                cwd="/work/project",
                approval_policy="on-request",
                sandbox_policy=policy.WorkspaceWrite(writable_roots=["/work/project"]),
                model="gpt-5-codex",
                effort="medium",
            )
        )
        prompt = _text(rng, rng.randrange(40, 400))
        out.append(items.Message(role="user", content=[items.InputText(text=prompt)]))
        out.append(events.UserMessage(message=prompt))
        for step in range(rng.randrange(2, 8)):
            summary = _text(rng, rng.randrange(50, 300))
            out.append(
                items.Reasoning(
                    id=f"rs_{turn}_{step}",
                    summary=[items.ReasoningSummaryText(text=summary)],
                    encrypted_content="gAAAA" + "x" * rng.randrange(500, 3000),
                )
            )
            out.append(events.AgentReasoning(text=summary))
            call_id = f"call_{turn}_{step}"
            out.append(
                items.FunctionCall(
                    name="shell",
                    arguments='{"command":["bash","-lc","rg -n load_config src"]}',
                    call_id=call_id,
                )
            )
            out.append(
                items.FunctionCallOutput(
                    call_id=call_id, output=_text(rng, rng.randrange(100, 8000))
                )
            )
        answer = _text(rng, rng.randrange(100, 1500))
        out.append(items.Message(role="assistant", content=[items.OutputText(text=answer)]))
        out.append(events.AgentMessage(message=answer))
        usage = TokenUsage(input_tokens=1000 * turn, output_tokens=100 * turn)
        out.append(events.TokenCount(info=TokenUsageInfo(usage, usage, 272_000)))
    return out[:n]


def _meta() -> SessionMeta:
    from codeloop.sessions.rollout import new_session_meta

    return new_session_meta(cwd="/work/project", originator="bench", cli_version="0")


def _write_rollout(home: Path) -> Path:
    from codeloop.sessions.rollout import RolloutRecorder

    with RolloutRecorder.create(home, _meta(), fsync="never") as rec:
        rec.record(_items(READ_LINES - 1))
    return rec.path


def bench_record(ctx: Context) -> None:
    from codeloop.protocol import events, items
    from codeloop.sessions.rollout import RolloutRecorder

    rng = random.Random(SEED)
    message = events.AgentMessage(message=_text(rng, 200))
    output = items.FunctionCallOutput(call_id="call_1", output=_text(rng, 8_000))
    samples = ctx.n_samples(RECORD_SAMPLES)
    with tempfile.TemporaryDirectory(prefix="bench-rollout-") as tmp:
        home = Path(tmp)
        with RolloutRecorder.create(home / "a", _meta(), fsync="turn_end") as rec:
            r1 = ctx.time_function(
                "rollout.record.message",
                lambda: rec.record(message),
                samples=samples,
                inner_loops=1,
                warmup=50,
            )
            r2 = ctx.time_function(
                "rollout.record.output_8k",
                lambda: rec.record(output),
                samples=samples,
                inner_loops=1,
                warmup=50,
            )
        with RolloutRecorder.create(home / "b", _meta(), fsync="always") as rec:
            r3 = ctx.time_function(
                "rollout.record.message_fsync",
                lambda: rec.record(message),
                samples=ctx.n_samples(200),
                inner_loops=1,
                warmup=5,
            )
    for r in (r1, r2, r3):
        s = r.stats
        ctx.note(f"{r.name}: mean {s.mean * 1e6:,.1f} µs, p95 {s.p95 * 1e6:,.1f} µs")


def bench_read(ctx: Context) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-rollout-") as tmp:
        _bench_read(ctx, _write_rollout(Path(tmp)))


def _bench_read(ctx: Context, path: Path) -> None:
    from codeloop.sessions.rollout import read_rollout, resume_state

    contents = read_rollout(path)
    if len(contents.lines) != READ_LINES - 1 or contents.warnings:
        raise AssertionError("the fixture rollout did not read back whole")
    size = path.stat().st_size
    r = ctx.time_function("rollout.read.10k", lambda: read_rollout(path), samples=ctx.n_samples(20))
    r.extra.update(lines=READ_LINES, bytes=size)
    ctx.note(
        f"read {READ_LINES:,} lines ({size / 1e6:.1f} MB): mean {r.stats.mean * 1e3:.1f} ms, "
        f"p95 {r.stats.p95 * 1e3:.1f} ms, {r.stats.mean / READ_LINES * 1e6:.2f} µs/line"
    )

    damaged = path.with_name("damaged.jsonl")
    lines = path.read_bytes().split(b"\n")
    lines[READ_LINES // 2] = b'{"timestamp": "t", "type": "mystery"}'
    damaged.write_bytes(b"\n".join(lines))
    d = ctx.time_function(
        "rollout.read.10k_damaged", lambda: read_rollout(damaged), samples=ctx.n_samples(20)
    )
    ctx.note(f"one bad line (per-line fallback): mean {d.stats.mean * 1e3:.1f} ms")

    s = ctx.time_function(
        "rollout.resume_state.10k", lambda: resume_state(contents), samples=ctx.n_samples(20)
    )
    ctx.note(f"resume_state over the decoded lines: mean {s.stats.mean * 1e3:.2f} ms")


BENCHMARKS = [
    Benchmark(
        "rollout.record",
        bench_record,
        description="RolloutRecorder.record of one line (encode + one O_APPEND write)",
        goal="well under 100 µs per line, so recording never delays what the user sees",
    ),
    Benchmark(
        "rollout.read",
        bench_read,
        description=f"read_rollout of a {READ_LINES:,}-line rollout, clean and with a bad line",
        goal="resume of a long session in well under 100 ms",
    ),
]

if __name__ == "__main__":
    raise SystemExit(run_module(BENCHMARKS))
