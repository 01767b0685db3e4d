"""Loading a realistic 100-line Codex-style ``config.toml`` from a temporary ``CODELOOP_HOME``.

``config.load`` times ``codeloop.config.load_config(home=...)`` on a file whose text the process
has not seen before (the file is rewritten, untimed, before each sample): the cost one
``codeloop`` run pays. ``config.load_profile`` does the same with ``profile="fast"``, and
``config.load_unchanged_file`` reloads the same text (warm caches). It prints a skip line while
the loader does not exist yet. ``config.tomllib`` times the bare ``tomllib`` parse of the same
file: the floor under the loader's cost.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    from benchmarks.harness import Benchmark, Context, Skip, run_module
except ModuleNotFoundError:  # run as a script: python benchmarks/bench_config.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.harness import Benchmark, Context, Skip, run_module

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CONFIG_LINES = 100
PROFILE = "fast"

CONFIG_TOML = """\
# codeloop configuration: a benchmark fixture shaped like a real user's Codex config.toml
model = "gpt-5-codex"
model_provider = "openai"
model_reasoning_effort = "medium"
model_reasoning_summary = "auto"
model_verbosity = "medium"
approval_policy = "on-request"
sandbox_mode = "workspace-write"
cli_auth_credentials_store = "auto"
file_opener = "vscode"
hide_agent_reasoning = false
show_raw_agent_reasoning = false
model_context_window = 272000
model_auto_compact_token_limit = 220000
project_doc_max_bytes = 32768
notify = ["notify-send", "codeloop"]

[model_providers.azure]
name = "Azure OpenAI"
base_url = "https://example-resource.openai.azure.com/openai"
env_key = "AZURE_OPENAI_API_KEY"
wire_api = "responses"
query_params = { api-version = "2025-04-01-preview" }
request_max_retries = 4
stream_max_retries = 10
stream_idle_timeout_ms = 300000

[model_providers.openrouter]
name = "OpenRouter"
base_url = "https://openrouter.ai/api/v1"
env_key = "OPENROUTER_API_KEY"
wire_api = "chat"
http_headers = { "HTTP-Referer" = "https://example.org", "X-Title" = "codeloop" }

[model_providers.local-vllm]
name = "vLLM on the workstation"
base_url = "http://127.0.0.1:8000/v1"
wire_api = "chat"
env_http_headers = { "X-Team" = "VLLM_TEAM" }
request_max_retries = 1

[profiles.fast]
model = "gpt-5-codex-mini"
model_reasoning_effort = "low"
approval_policy = "never"
sandbox_mode = "read-only"

[profiles.deep]
model = "gpt-5"
model_reasoning_effort = "high"
model_reasoning_summary = "detailed"

[profiles.local]
model = "qwen2.5-coder:32b"
model_provider = "local-vllm"
approval_policy = "untrusted"

[sandbox_workspace_write]
writable_roots = ["/tmp/codeloop-scratch", "/var/tmp/build"]
network_access = false
exclude_tmpdir_env_var = false
exclude_slash_tmp = false

[shell_environment_policy]
inherit = "core"
ignore_default_excludes = false
exclude = ["AWS_*", "AZURE_*", "*_TOKEN"]
set = { CI = "1", PAGER = "cat" }

[mcp_servers.filesystem]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "/work/docs"]
env = { LOG_LEVEL = "warn" }
startup_timeout_sec = 20
tool_timeout_sec = 60

[mcp_servers.github]
url = "https://api.githubcopilot.com/mcp/"
bearer_token_env_var = "GITHUB_TOKEN"

[mcp_servers.memory]
command = "codeloop"
args = ["mcp", "memory-server"]
enabled = false

[otel]
environment = "bench"
exporter = "none"
log_user_prompt = false

[tui]
notifications = true
animations = true

[history]
persistence = "save-all"
max_bytes = 10485760

[projects."/work/main"]
trust_level = "trusted"
"""


def write_home(root: Path) -> Path:
    """Make ``root/codeloop-home`` holding the 100-line ``config.toml``; returns the home."""
    home = root / "codeloop-home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG_TOML, encoding="utf-8")
    return home


@contextlib.contextmanager
def _codeloop_home(home: Path) -> Iterator[None]:
    old = os.environ.get("CODELOOP_HOME")
    os.environ["CODELOOP_HOME"] = str(home)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("CODELOOP_HOME", None)
        else:
            os.environ["CODELOOP_HOME"] = old


def _loader() -> Callable[..., Any]:
    try:
        module = importlib.import_module("codeloop.config")
    except ModuleNotFoundError as exc:
        if exc.name not in ("codeloop", "codeloop.config"):
            raise  # codeloop.config exists but is broken: an error, not a skip
        raise Skip("codeloop.config.load_config not available") from exc
    load_config = getattr(module, "load_config", None)
    if load_config is None:
        raise Skip("codeloop.config.load_config not available")
    return load_config  # type: ignore[no-any-return]


def bench_tomllib(ctx: Context) -> None:
    with tempfile.TemporaryDirectory(prefix="codeloop-bench-") as tmp:
        path = write_home(Path(tmp)) / "config.toml"

        def parse() -> dict[str, Any]:
            with path.open("rb") as f:
                return tomllib.load(f)

        ctx.time_function("config.tomllib", parse)


def bench_load(ctx: Context) -> None:
    load_config = _loader()
    with tempfile.TemporaryDirectory(prefix="codeloop-bench-") as tmp:
        home = write_home(Path(tmp))
        path = home / "config.toml"
        edits = itertools.count()

        def fresh_file() -> None:
            """Rewrite the file with a new first comment: text this process has not seen, so
            nothing the loader caches by content applies (what one ``codeloop exec`` pays)."""
            first, rest = CONFIG_TOML.split("\n", 1)
            path.write_text(f"{first} (edit {next(edits)})\n{rest}", encoding="utf-8")

        def load(profile: str | None = None) -> Any:
            return load_config(home=home, profile=profile, overrides=[], flags=None)

        with _codeloop_home(home):
            loaded = load()
            ctx.time_function("config.load", load, setup=fresh_file)
            ctx.time_function("config.load_profile", lambda: load(PROFILE), setup=fresh_file)
            ctx.time_function("config.load_unchanged_file", load)
    warnings = getattr(loaded, "warnings", None)
    ctx.note(
        f"{CONFIG_LINES}-line config.toml -> {type(loaded.config).__name__}"
        + ("" if warnings is None else f", {len(warnings)} warning(s)")
    )
    for warning in (warnings or [])[:5]:
        ctx.note(f"warning: {warning}")
    ctx.note("config.load_unchanged_file reloads identical text (the loader may cache by content)")


BENCHMARKS = [
    Benchmark(
        "config.tomllib",
        bench_tomllib,
        description="tomllib parse of the 100-line config.toml (floor for config.load)",
    ),
    Benchmark(
        "config.load",
        bench_load,
        description="codeloop.config.load_config of a 100-line Codex-style config.toml",
        goal="a small part of codeloop exec's start-up (a few ms); informational",
    ),
]

if __name__ == "__main__":
    raise SystemExit(run_module(BENCHMARKS))
