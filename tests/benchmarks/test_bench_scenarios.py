"""The scenarios' fixtures and plumbing (run with one sample; no timing assertions)."""

from __future__ import annotations

import importlib
import importlib.util
import io
import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest

from benchmarks import bench_config, bench_protocol, bench_sse, bench_startup, harness


def test_every_scenario_module_is_discovered() -> None:
    found, errors = harness.discover()
    names = {b.name for b in found}
    assert {"protocol.encode", "protocol.decode", "startup", "startup.imports"} <= names
    assert {"config.tomllib", "config.load", "sse"} <= names
    mine = {"bench_protocol", "bench_startup", "bench_config", "bench_sse"}
    assert [e for e in errors if e[0] in mine] == []


# -- protocol -----------------------------------------------------------------------------------


def test_history_has_1000_items_of_every_kind_and_round_trips() -> None:
    import msgspec

    from codeloop.protocol.items import Reasoning, ResponseItem

    history = bench_protocol.build_history()
    assert len(history) == 1000
    kinds = {type(item).__name__ for item in history}
    assert kinds == {
        "Message",
        "Reasoning",
        "FunctionCall",
        "FunctionCallOutput",
        "CustomToolCall",
        "CustomToolCallOutput",
    }
    assert all(item.encrypted_content for item in history if isinstance(item, Reasoning))
    data = msgspec.json.encode(history)
    assert len(data) > 1_000_000  # realistic sizes, not toy items
    assert msgspec.json.decode(data, type=list[ResponseItem]) == history
    assert bench_protocol.build_history() == history  # deterministic


def test_protocol_scenarios_run() -> None:
    report = harness.run_benchmarks(
        bench_protocol.BENCHMARKS, samples=1, quick=True, out=io.StringIO(), progress=io.StringIO()
    )
    assert report.errors == []
    assert [r.name for r in report.results] == ["protocol.encode", "protocol.decode"]
    assert report.results[0].extra["items"] == 1000


# -- startup ------------------------------------------------------------------------------------

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       120 |        120 |   _io
import time:       300 |       2500 | codeloop.cli
import time:      1000 |      35000 |   click
import time:       400 |        900 |     click.core
import time:        10 |         10 | httpx_sse
not an importtime line
"""


def test_parse_importtime_and_heavy_imports() -> None:
    modules = bench_startup.parse_importtime(IMPORTTIME)
    assert modules == {
        "_io": 120,
        "codeloop.cli": 2500,
        "click": 35000,
        "click.core": 900,
        "httpx_sse": 10,
    }
    # httpx_sse is not httpx; click's own line gives its cumulative time
    assert bench_startup.heavy_imports(modules) == {"click": 35.0}
    assert bench_startup.heavy_imports({"rich.console": 5000}) == {"rich": 5.0}


def test_codeloop_argv_prefers_the_console_script() -> None:
    argv = bench_startup.codeloop_argv()
    script = Path(sys.executable).parent / "codeloop"
    if script.is_file():
        assert argv == [str(script)]
    else:
        assert argv == [sys.executable, "-m", "codeloop"]


# -- config -------------------------------------------------------------------------------------


def test_config_fixture_is_a_100_line_codex_style_toml() -> None:
    assert len(bench_config.CONFIG_TOML.splitlines()) == 100
    doc = tomllib.loads(bench_config.CONFIG_TOML)
    for key in ("model_providers", "profiles", "mcp_servers", "sandbox_workspace_write"):
        assert doc[key]
    assert doc["otel"] and doc["tui"]
    assert bench_config.PROFILE in doc["profiles"]


def _fake_config_module(monkeypatch: pytest.MonkeyPatch, **attrs: Any) -> None:
    module = types.ModuleType("codeloop.config")
    for name, value in attrs.items():
        setattr(module, name, value)
    monkeypatch.setitem(sys.modules, "codeloop.config", module)


def test_config_load_skips_without_a_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_config_module(monkeypatch)
    with pytest.raises(harness.Skip, match=r"^codeloop.config.load_config not available$"):
        bench_config.bench_load(harness.Context(samples=1))


def test_config_load_calls_the_expected_api(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    texts: set[str] = set()

    def load_config(**kwargs: Any) -> Any:
        text = (kwargs["home"] / "config.toml").read_text()
        assert len(text.splitlines()) == 100
        texts.add(text)
        calls.append(kwargs)
        return types.SimpleNamespace(config=tomllib.loads(text), warnings=[])

    _fake_config_module(monkeypatch, load_config=load_config)
    ctx = harness.Context(samples=2, quick=True)
    bench_config.bench_load(ctx)
    assert [r.name for r in ctx.results] == [
        "config.load",
        "config.load_profile",
        "config.load_unchanged_file",
    ]
    assert {c["profile"] for c in calls} == {None, "fast"}
    assert all(c["overrides"] == [] and c["flags"] is None for c in calls)
    # the cold samples each saw text the process had not loaded before
    assert len(texts) >= 1 + 2 * (1 + 2)
    assert "100-line config.toml -> dict, 0 warning(s)" in ctx.notes


def _has_config_loader() -> bool:
    try:
        return hasattr(importlib.import_module("codeloop.config"), "load_config")
    except ImportError:
        return False


@pytest.mark.skipif(not _has_config_loader(), reason="codeloop.config.load_config not written")
def test_config_scenario_runs_against_the_real_loader() -> None:
    ctx = harness.Context(samples=1, quick=True)
    bench_config.bench_load(ctx)  # the expected API: load_config(home=, profile=, ...).config
    assert len(ctx.results) == 3


# -- sse ----------------------------------------------------------------------------------------


def test_sse_stream_text_is_one_delta_per_character() -> None:
    assert len(bench_sse.stream_text()) == bench_sse.DELTAS


@pytest.mark.skipif(
    importlib.util.find_spec("codeloop.testing.model_server") is None,
    reason="the scripted model server is not written yet",
)
def test_sse_scenario_counts_every_delta() -> None:
    ctx = harness.Context(samples=1, quick=True)
    bench_sse.bench_sse(ctx)  # raises if the delta count is not 10,000
    names = [r.name for r in ctx.results]
    assert names == [
        "sse.stream_10k_deltas",
        "sse.per_delta",
        "sse.parse_10k_deltas_in_memory",
        "sse.parse_per_delta",
    ]
    assert ctx.results[1].samples[0] == pytest.approx(ctx.results[0].samples[0] / 10_000)
