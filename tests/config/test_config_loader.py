"""Loading config.toml: precedence and provenance, profiles, errors with file:line, warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from codeloop.config import Config, load_config
from codeloop.config import locate as locate_module
from codeloop.config.locate import KeyLines
from codeloop.config.providers import BUILTIN_PROVIDERS
from codeloop.errors import ConfigError
from codeloop.protocol.policy import DangerFullAccess, ReadOnly, WorkspaceWrite

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    WriteConfig = Callable[[str], Path]

APPROVAL_CHOICES = "expected one of untrusted, on-failure, on-request, never"


def error_of(**kwargs: object) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(**kwargs)  # type: ignore[arg-type]
    return str(info.value)


# --- defaults and the file ------------------------------------------------------------------


def test_no_file_gives_defaults(codeloop_home: Path) -> None:
    loaded = load_config()
    config = loaded.config
    assert loaded.config_path == codeloop_home / "config.toml"
    assert (config.model, config.model_provider) == ("gpt-5-codex", "openai")
    assert (config.approval_policy, config.sandbox_mode) == ("on-request", "read-only")
    assert config.project_doc_max_bytes == 32768
    assert config.profile is None
    assert config.provider == BUILTIN_PROVIDERS["openai"]
    assert set(config.model_providers) == {"openai", "ollama", "lmstudio"}
    assert loaded.warnings == []
    assert loaded.source_of("model") == "default"
    assert not (codeloop_home / "config.toml").exists()


def test_missing_home_is_not_created(tmp_path: Path) -> None:
    home = tmp_path / "nowhere"
    assert load_config(home=home).config == Config()
    assert not home.exists()


def test_file_values_and_their_lines(write_config: WriteConfig) -> None:
    path = write_config(
        """
        model = "o3"
        approval_policy = "never"

        [sandbox_workspace_write]
        network_access = true
        """
    )
    loaded = load_config()
    assert loaded.config.model == "o3"
    assert loaded.config.sandbox_workspace_write.network_access is True
    assert loaded.sources["model"] == f"{path}:1"
    assert loaded.sources["approval_policy"] == f"{path}:2"
    assert loaded.sources["sandbox_workspace_write.network_access"] == f"{path}:5"
    assert loaded.sources["sandbox_mode"] == "default"


def test_home_argument_and_env_var_read_each_call(
    tmp_path: Path, codeloop_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (codeloop_home / "config.toml").write_text('model = "a"\n', encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.toml").write_text('model = "b"\n', encoding="utf-8")
    assert load_config().config.model == "a"
    assert load_config(home=other).config.model == "b"
    monkeypatch.setenv("CODELOOP_HOME", str(other))
    assert load_config().config.model == "b"


# --- precedence -----------------------------------------------------------------------------


def test_precedence_defaults_file_profile_overrides_flags(write_config: WriteConfig) -> None:
    path = write_config(
        """
        model = "from-file"
        model_reasoning_effort = "low"

        [profiles.work]
        model = "from-profile"
        approval_policy = "never"
        """
    )
    full = load_config(profile="work", overrides=["model=from-c"], flags={"model": "from-flag"})
    assert full.config.model == "from-flag"
    assert full.sources["model"] == "flag --model"
    assert full.sources["approval_policy"] == f"profile work ({path}:6)"
    assert full.sources["model_reasoning_effort"] == f"{path}:2"
    assert full.sources["sandbox_mode"] == "default"
    assert full.sources["profile"] == "flag --profile"

    steps = [
        ({"overrides": ["model=from-c"]}, "from-c", "-c model=from-c"),
        ({}, "from-profile", f"profile work ({path}:5)"),
    ]
    for extra, model, source in steps:
        loaded = load_config(profile="work", **extra)  # type: ignore[arg-type]
        assert (loaded.config.model, loaded.sources["model"]) == (model, source)
    plain = load_config()
    assert (plain.config.model, plain.sources["model"]) == ("from-file", f"{path}:1")


def test_flags_skip_none_and_name_the_option(write_config: WriteConfig) -> None:
    write_config('sandbox_mode = "workspace-write"\n')
    loaded = load_config(
        flags={"model": None, "sandbox_mode": "danger-full-access"},
        flag_names={"sandbox_mode": "--sandbox"},
    )
    assert loaded.config.sandbox_mode == "danger-full-access"
    assert loaded.sources["sandbox_mode"] == "flag --sandbox"
    assert loaded.sources["model"] == "default"


def test_tables_merge_key_by_key_lists_replace(write_config: WriteConfig) -> None:
    path = write_config(
        """
        [sandbox_workspace_write]
        network_access = true
        writable_roots = ["/from-file"]
        """
    )
    loaded = load_config(overrides=['sandbox_workspace_write.writable_roots=["/a"]'])
    sww = loaded.config.sandbox_workspace_write
    assert sww.writable_roots == ["/a"]
    assert sww.network_access is True
    assert loaded.sources["sandbox_workspace_write.network_access"] == f"{path}:2"
    assert loaded.sources["sandbox_workspace_write.writable_roots"].startswith("-c ")


# --- -c overrides ---------------------------------------------------------------------------


def test_overrides_are_toml_literals_with_string_fallback(write_config: WriteConfig) -> None:
    write_config(
        """
        [model_providers.x]
        name = "X"
        """
    )
    loaded = load_config(
        overrides=[
            "model=o3",
            "model_providers.x.request_max_retries=3",
            'sandbox_workspace_write.writable_roots=["/a", "/b"]',
            "hide_agent_reasoning=true",
            "model_providers.x.base_url = 'http://127.0.0.1:1/v1'",
            'tui.notifications=["agent-turn-complete"]',
        ]
    )
    config = loaded.config
    assert config.model == "o3"
    assert config.model_providers["x"].request_max_retries == 3
    assert config.sandbox_workspace_write.writable_roots == ["/a", "/b"]
    assert config.hide_agent_reasoning is True
    assert config.model_providers["x"].base_url == "http://127.0.0.1:1/v1"
    assert config.tui.notifications == ["agent-turn-complete"]
    assert loaded.sources["model_providers.x.request_max_retries"] == (
        "-c model_providers.x.request_max_retries=3"
    )


def test_override_can_choose_and_change_a_profile(write_config: WriteConfig) -> None:
    write_config(
        """
        [profiles.fast]
        model = "mini"
        """
    )
    loaded = load_config(overrides=["profile=fast", "profiles.fast.model_verbosity=low"])
    assert loaded.config.profile == "fast"
    assert loaded.config.model == "mini"
    assert loaded.config.model_verbosity == "low"
    assert loaded.sources["model_verbosity"] == "-c profiles.fast.model_verbosity=low"
    assert loaded.config.profiles["fast"].model_verbosity == "low"


def test_override_without_equals_is_an_error(codeloop_home: Path) -> None:
    assert error_of(overrides=["model"]) == "-c model: expected key=value"
    assert error_of(overrides=["=o3"]).startswith("-c =o3: not a valid key")


# --- profiles -------------------------------------------------------------------------------


def test_profile_chosen_in_file_and_by_flag(write_config: WriteConfig) -> None:
    path = write_config(
        """
        profile = "a"
        [profiles.a]
        model = "model-a"
        [profiles.b]
        model = "model-b"
        model_provider = "ollama"
        """
    )
    from_file = load_config()
    assert (from_file.config.profile, from_file.config.model) == ("a", "model-a")
    assert from_file.sources["profile"] == f"{path}:1"
    chosen = load_config(profile="b")
    assert (chosen.config.profile, chosen.config.model) == ("b", "model-b")
    assert chosen.config.provider.name == "Ollama"
    # Every profile stays visible, validated, without defaults filled in.
    assert chosen.config.profiles["a"].model == "model-a"
    assert chosen.config.profiles["a"].approval_policy is None


def test_unknown_profile_is_an_error(write_config: WriteConfig) -> None:
    path = write_config(
        """
        [profiles.fast]
        model = "mini"
        """
    )
    assert error_of(profile="nope") == (
        "flag --profile: profile: no such profile 'nope' (defined: fast)"
    )
    path.write_text('profile = "gone"\n', encoding="utf-8")
    assert error_of() == f"{path}:1: profile: no such profile 'gone'"


def test_definitions_in_a_profile_warn_and_are_ignored(write_config: WriteConfig) -> None:
    path = write_config(
        """
        [profiles.p]
        model = "m"
        [profiles.p.mcp_servers.x]
        command = "x"
        """
    )
    loaded = load_config(profile="p")
    assert loaded.config.mcp_servers == {}
    assert loaded.warnings == [f"{path}:3: unknown key 'profiles.p.mcp_servers' ignored"]


# --- errors name file, line and key ---------------------------------------------------------


def test_wrong_enum_value_names_file_line_and_key(write_config: WriteConfig) -> None:
    path = write_config(
        """
        model = "o3"

        approval_policy = "sometimes"
        """
    )
    assert error_of() == f"{path}:3: approval_policy: {APPROVAL_CHOICES}"


def test_wrong_enum_value_in_a_nested_table(write_config: WriteConfig) -> None:
    path = write_config(
        """
        [model_providers.good]
        name = "Good"

        [model_providers.bad]
        name = "Bad"
        wire_api = "rest"
        """
    )
    assert error_of() == f"{path}:6: model_providers.bad.wire_api: expected one of responses, chat"


@pytest.mark.parametrize("chosen", [None, "fast"])
def test_wrong_enum_value_in_a_profile(write_config: WriteConfig, chosen: str | None) -> None:
    path = write_config(
        """
        model = "o3"

        [profiles.fast]
        model = "mini"
        approval_policy = "sometimes"
        """
    )
    expected = f"{path}:5: profiles.fast.approval_policy: {APPROVAL_CHOICES}"
    assert error_of(profile=chosen) == expected


def test_wrong_values_from_overrides_and_flags(codeloop_home: Path) -> None:
    assert error_of(overrides=["approval_policy=sometimes"]) == (
        f"-c approval_policy=sometimes: approval_policy: {APPROVAL_CHOICES}"
    )
    assert error_of(flags={"sandbox_mode": "open"}, flag_names={"sandbox_mode": "--sandbox"}) == (
        "flag --sandbox: sandbox_mode: expected one of read-only, workspace-write, "
        "danger-full-access"
    )


def test_wrong_type_string_for_int(write_config: WriteConfig) -> None:
    path = write_config(
        """
        [model_providers.x]
        name = "X"
        request_max_retries = "3"
        """
    )
    assert error_of() == (
        f"{path}:3: model_providers.x.request_max_retries: expected an integer, got a string"
    )
    path.write_text('project_doc_max_bytes = "big"\n', encoding="utf-8")
    assert error_of() == f"{path}:1: project_doc_max_bytes: expected an integer, got a string"
    path.write_text("[tui]\nnotifications = 'yes'\n", encoding="utf-8")
    assert error_of() == (
        f"{path}:2: tui.notifications: expected a boolean or an array, got a string"
    )
    path.write_text('notify = ["ok", 3]\n', encoding="utf-8")
    assert error_of() == f"{path}:1: notify[1]: expected a string, got an integer"
    path.write_text("tui = 1\n", encoding="utf-8")
    assert error_of() == f"{path}:1: tui: expected a table, got an integer"


def test_missing_required_key(write_config: WriteConfig) -> None:
    path = write_config(
        """
        [model_providers.x]
        base_url = "http://localhost:1/v1"
        """
    )
    assert error_of() == f"{path}:1: model_providers.x: missing required key 'name'"


def test_toml_syntax_error_names_the_line(write_config: WriteConfig) -> None:
    path = write_config(
        """
        model = "o3"
        [tui]
        animations =
        """
    )
    message = error_of()
    assert message.startswith(f"{path}:3: invalid TOML: ")
    assert "(column" in message
    path.write_text('model = "o3"\nx = [1,\n', encoding="utf-8")
    assert error_of().startswith(f"{path}:2: invalid TOML: ")


def test_builtin_provider_cannot_be_redefined(write_config: WriteConfig) -> None:
    path = write_config(
        """
        model = "o3"

        [model_providers.openai]
        name = "Mine"
        base_url = "http://localhost:1/v1"
        """
    )
    with pytest.raises(ConfigError) as info:
        load_config()
    err = info.value
    assert str(err) == (
        f"{path}:3: model_providers.openai: built-in provider 'openai' cannot be redefined"
    )
    assert (err.path, err.line, err.key) == (str(path), 3, "model_providers.openai")
    assert "OPENAI_BASE_URL" in err.hint
    path.write_text("", encoding="utf-8")
    assert error_of(overrides=["model_providers.ollama.base_url=http://x"]).startswith(
        "-c model_providers.ollama.base_url=http://x: model_providers.ollama: built-in"
    )


def test_user_provider_is_added_and_must_exist(write_config: WriteConfig) -> None:
    path = write_config(
        """
        model_provider = "local"

        [model_providers.local]
        name = "Local"
        base_url = "http://127.0.0.1:8000/v1"
        """
    )
    config = load_config().config
    assert config.provider.base_url == "http://127.0.0.1:8000/v1"
    assert set(config.model_providers) == {"openai", "ollama", "lmstudio", "local"}
    path.write_text('model_provider = "nope"\n', encoding="utf-8")
    assert error_of() == (
        f"{path}:1: model_provider: unknown provider 'nope' (known: lmstudio, ollama, openai)"
    )


def test_mcp_server_needs_command_or_url(write_config: WriteConfig) -> None:
    path = write_config(
        """
        [mcp_servers.ok]
        command = "x"

        [mcp_servers.empty]
        args = ["a"]
        """
    )
    assert error_of() == (
        f"{path}:4: mcp_servers.empty: set either command (stdio server) or url (HTTP server)"
    )


def test_error_path_under_home_uses_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    home = tmp_path / ".codeloop"
    home.mkdir()
    (home / "config.toml").write_text('sandbox_mode = "open"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(home=home)
    assert str(info.value).startswith("~/.codeloop/config.toml:1: sandbox_mode: expected one of")


# --- unknown keys warn once and are ignored -------------------------------------------------


def test_unknown_keys_warn_once_and_are_ignored(write_config: WriteConfig) -> None:
    path = write_config(
        """
        model = "o3"
        modle = "typo"

        [tui]
        animations = false
        colour = "blue"

        [mcp_servers.docs]
        command = "docs"
        timeout = 3

        [model_providers.x]
        name = "X"
        retries = 2

        [profiles.p]
        model = "mini"
        extra = 1

        [profiles.p.tui]
        sound = true

        [unknown_table]
        a = 1
        """
    )
    loaded = load_config(profile="p")
    assert loaded.warnings == [
        f"{path}:2: unknown key 'modle' ignored",
        f"{path}:6: unknown key 'tui.colour' ignored",
        f"{path}:10: unknown key 'mcp_servers.docs.timeout' ignored",
        f"{path}:14: unknown key 'model_providers.x.retries' ignored",
        f"{path}:18: unknown key 'profiles.p.extra' ignored",
        f"{path}:21: unknown key 'profiles.p.tui.sound' ignored",
        f"{path}:23: unknown key 'unknown_table' ignored",
    ]
    config = loaded.config
    assert config.model == "mini"
    assert config.tui.animations is False
    assert config.mcp_servers["docs"].command == "docs"
    assert config.model_providers["x"].name == "X"
    # A second load reports them again (warnings belong to a load, not to global state).
    assert load_config(profile="p").warnings == loaded.warnings


def test_unknown_override_key_warns(codeloop_home: Path) -> None:
    loaded = load_config(overrides=["nosuch.key=1"])
    assert loaded.warnings == ["-c nosuch.key=1: unknown key 'nosuch' ignored"]


# --- environment ----------------------------------------------------------------------------


def test_openai_base_url_env(codeloop_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    loaded = load_config()
    assert loaded.config.provider.base_url == "http://127.0.0.1:9/v1"
    assert loaded.config.model_providers["openai"].env_key == "OPENAI_API_KEY"
    assert loaded.sources["model_providers.openai.base_url"] == "env OPENAI_BASE_URL"
    assert BUILTIN_PROVIDERS["openai"].base_url == "https://api.openai.com/v1"
    blank = load_config(env={"CODELOOP_HOME": str(codeloop_home), "OPENAI_BASE_URL": " "})
    assert blank.config.provider.base_url == "https://api.openai.com/v1"


# --- sandbox policy -------------------------------------------------------------------------


def test_sandbox_policy(write_config: WriteConfig, tmp_path: Path) -> None:
    write_config(
        """
        sandbox_mode = "workspace-write"
        [sandbox_workspace_write]
        writable_roots = ["/abs", "rel/dir", "~/cache"]
        network_access = true
        exclude_slash_tmp = true
        """
    )
    work = tmp_path / "work"
    loaded = load_config(cwd=work)
    assert loaded.cwd == work
    assert loaded.config.sandbox_policy() == WorkspaceWrite(
        writable_roots=["/abs", str(work / "rel/dir"), str(tmp_path / "user-home" / "cache")],
        network_access=True,
        exclude_tmpdir_env_var=False,
        exclude_slash_tmp=True,
    )
    assert load_config(overrides=["sandbox_mode=read-only"]).config.sandbox_policy() == ReadOnly()
    danger = load_config(flags={"sandbox_mode": "danger-full-access"})
    assert danger.config.sandbox_policy() == DangerFullAccess()


# --- performance contract -------------------------------------------------------------------


def test_clean_load_does_not_scan_for_lines(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config('model = "o3"\n[tui]\nanimations = false\n')
    made: list[str] = []
    real = KeyLines

    def counting(text: str) -> object:
        made.append(text)
        return real(text)

    monkeypatch.setattr(locate_module, "KeyLines", counting)
    loaded = load_config()
    assert made == []
    assert loaded.sources["tui.animations"].endswith("config.toml:3")
    assert len(made) == 1


def test_profile_keys_of_the_wrong_type(write_config: WriteConfig) -> None:
    path = write_config("profile = 3\n")
    assert error_of() == f"{path}:1: profile: expected a string, got an integer"
    path.write_text('profiles = "fast"\n', encoding="utf-8")
    assert error_of(profile="fast") == f"{path}:1: profiles: expected a table, got a string"
    path.write_text("[profiles]\nfast = 1\n", encoding="utf-8")
    assert error_of(profile="fast") == f"{path}:2: profiles.fast: expected a table, got an integer"


def test_errors_inside_maps_name_the_entry(write_config: WriteConfig) -> None:
    path = write_config(
        """
        [shell_environment_policy]
        inherit = "core"
        set = { A = "1", B = 2 }

        [otel.exporter.otlp-http]
        endpoint = "https://otel.example.com"
        protocol = "grpc"
        """
    )
    assert (
        error_of() == f"{path}:3: shell_environment_policy.set.B: expected a string, got an integer"
    )
    path.write_text(path.read_text(encoding="utf-8").replace("B = 2", 'B = "2"'), encoding="utf-8")
    assert error_of() == (
        f"{path}:7: otel.exporter.otlp-http.protocol: expected one of binary, json"
    )
    path.write_text('[otel]\nexporter = "zipkin"\n', encoding="utf-8")
    assert error_of() == f"{path}:2: otel.exporter: expected one of none, otlp-http, otlp-grpc"
