"""A config written for the Codex CLI loads in codeloop without warnings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from codeloop.config import load_config
from codeloop.protocol.policy import WorkspaceWrite

if TYPE_CHECKING:
    from collections.abc import Callable

# After Codex's docs/config.md and docs/example-config.md, with the tables Codex writes itself
# (projects, notice).
CODEX_CONFIG = """
model = "gpt-5-codex"
model_provider = "openai"
model_reasoning_effort = "medium"
model_reasoning_summary = "auto"
model_verbosity = "medium"
approval_policy = "on-request"
sandbox_mode = "workspace-write"
file_opener = "vscode"
hide_agent_reasoning = false
show_raw_agent_reasoning = false
notify = ["python3", "/Users/me/.codex/notify.py"]
cli_auth_credentials_store = "auto"
project_doc_max_bytes = 32768
model_context_window = 272000
model_auto_compact_token_limit = 200000
developer_instructions = "Prefer small commits."
profile = "o3"

[sandbox_workspace_write]
writable_roots = ["/Users/me/.pyenv/shims"]
network_access = false
exclude_tmpdir_env_var = false
exclude_slash_tmp = false

[shell_environment_policy]
inherit = "core"
ignore_default_excludes = false
exclude = ["AWS_*", "AZURE_*"]
set = { CI = "1" }
include_only = ["PATH", "HOME"]

[history]
persistence = "save-all"
max_bytes = 10485760

[tui]
notifications = ["agent-turn-complete", "approval-requested"]
animations = true

[otel]
environment = "staging"
log_user_prompt = false

[otel.exporter.otlp-http]
endpoint = "https://otel.example.com/v1/logs"
protocol = "binary"
headers = { "x-otlp-api-key" = "secret" }

[tools]
web_search = true

[features]
unified_exec = false

[model_providers.azure]
name = "Azure"
base_url = "https://YOUR_PROJECT_NAME.openai.azure.com/openai"
env_key = "AZURE_OPENAI_API_KEY"
query_params = { api-version = "2025-04-01-preview" }
wire_api = "responses"

[model_providers.openai-chat-completions]
name = "OpenAI using Chat Completions"
base_url = "https://api.openai.com/v1"
env_key = "OPENAI_API_KEY"
wire_api = "chat"
query_params = {}

[model_providers.mistral]
name = "Mistral"
base_url = "https://api.mistral.ai/v1"
env_key = "MISTRAL_API_KEY"
env_key_instructions = "Get a key at https://console.mistral.ai"
request_max_retries = 4
stream_max_retries = 10
stream_idle_timeout_ms = 300000
http_headers = { "X-Example-Header" = "example-value" }
env_http_headers = { "X-Example-Features" = "EXAMPLE_FEATURES" }

[mcp_servers.context7]
command = "npx"
args = ["-y", "@upstash/context7-mcp"]
env = { "LOG_LEVEL" = "info" }

[mcp_servers.figma]
url = "https://mcp.figma.com/mcp"
bearer_token_env_var = "FIGMA_OAUTH_TOKEN"
startup_timeout_sec = 20
tool_timeout_sec = 60.5
enabled_tools = ["get_code"]

[mcp_servers.local]
command = "mcp-server"
cwd = "/Users/me/src"
enabled = false
disabled_tools = ["delete"]

[profiles.o3]
model = "o3"
model_provider = "openai"
approval_policy = "never"
model_reasoning_effort = "high"
model_reasoning_summary = "detailed"

[profiles.gpt3]
model = "gpt-3.5-turbo"
model_provider = "openai-chat-completions"

[profiles.zdr]
model = "o3"
model_provider = "openai"
approval_policy = "on-failure"

[projects."/Users/me/src/app"]
trust_level = "trusted"

[notice]
hide_full_access_warning = true
"""


def test_codex_config_loads_without_warnings(write_config: Callable[[str], Path]) -> None:
    write_config(CODEX_CONFIG)
    loaded = load_config()
    assert loaded.warnings == []
    config = loaded.config
    assert (config.profile, config.model, config.approval_policy) == ("o3", "o3", "never")
    assert config.model_reasoning_effort == "high"
    assert set(config.model_providers) >= {"openai", "azure", "mistral", "openai-chat-completions"}
    assert config.model_providers["mistral"].effective_stream_max_retries == 10
    assert config.model_providers["azure"].query_params == {"api-version": "2025-04-01-preview"}
    assert config.mcp_servers["figma"].transport == "http"
    assert config.mcp_servers["figma"].tool_timeout_sec == 60.5
    assert config.mcp_servers["local"].enabled is False
    assert config.projects["/Users/me/src/app"].trust_level == "trusted"
    assert not isinstance(config.otel.exporter, str)
    assert config.otel.exporter["otlp-http"].headers == {"x-otlp-api-key": "secret"}
    assert config.tui.notifications == ["agent-turn-complete", "approval-requested"]
    assert config.sandbox_policy() == WorkspaceWrite(writable_roots=["/Users/me/.pyenv/shims"])
    assert load_config(profile="gpt3").config.provider.wire_api == "chat"
    lines = CODEX_CONFIG.lstrip("\n").splitlines()
    trust_line = lines.index('trust_level = "trusted"') + 1
    model_line = lines.index("[profiles.o3]") + 2
    assert loaded.source_of('projects."/Users/me/src/app".trust_level').endswith(f":{trust_line}")
    assert loaded.source_of("model") == f"profile o3 ({loaded.config_path}:{model_line})"


def test_benchmark_config_loads_without_warnings(codeloop_home: Path) -> None:
    """``data/config100.toml`` is the 100-line config the load-time benchmark uses."""
    source = Path(__file__).parent / "data" / "config100.toml"
    text = source.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 100
    (codeloop_home / "config.toml").write_text(text, encoding="utf-8")
    loaded = load_config()
    assert loaded.warnings == []
    assert loaded.config.profile == "default"
    assert len(loaded.config.mcp_servers) == 3
    assert load_config(profile="local").config.provider.name == "vLLM"
