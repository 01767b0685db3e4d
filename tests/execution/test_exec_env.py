"""The child environment: secrets filtered, shell_environment_policy honoured, real `env` child."""

from __future__ import annotations

import os

import msgspec
import pytest

from codeloop.execution import ShellEnvironmentPolicy, build_child_env, run_command

PARENT = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/home/me",
    "LANG": "en_US.UTF-8",
    "LC_ALL": "en_US.UTF-8",
    "EDITOR": "vim",
    "OPENAI_API_KEY": "sk-openai",
    "CODELOOP_API_KEY": "sk-codeloop",
    "CODEX_API_KEY": "sk-codex",
    "ANTHROPIC_API_KEY": "sk-ant",
    "AZURE_OPENAI_API_KEY": "sk-azure",
    "GITHUB_TOKEN": "ghp_x",
    "aws_secret_access_key": "lower-case-secret",
    "DB_SECRET": "s3cret",
    "SSH_KEY_PATH": "/home/me/.ssh/id",
}
SECRETS = {k for k in PARENT if any(w in k.upper() for w in ("KEY", "SECRET", "TOKEN"))}


def test_default_removes_secrets_case_insensitively() -> None:
    env = build_child_env(PARENT)
    assert set(env) == set(PARENT) - SECRETS
    assert env["EDITOR"] == "vim"


def test_default_parent_is_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_API_KEY", "sk-leak")
    monkeypatch.setenv("CODELOOP_TEST_VISIBLE", "yes")
    env = build_child_env()
    assert "MY_SERVICE_API_KEY" not in env
    assert env["CODELOOP_TEST_VISIBLE"] == "yes"


def test_ignore_default_excludes_keeps_everything() -> None:
    env = build_child_env(PARENT, ShellEnvironmentPolicy(ignore_default_excludes=True))
    assert env == PARENT


def test_inherit_core_keeps_only_core_and_locale() -> None:
    env = build_child_env(PARENT, ShellEnvironmentPolicy(inherit="core"))
    assert set(env) == {"PATH", "HOME", "LANG", "LC_ALL"}


def test_inherit_none_with_set() -> None:
    policy = ShellEnvironmentPolicy(inherit="none", set={"ONLY": "yes"})
    assert build_child_env(PARENT, policy) == {"ONLY": "yes"}


def test_exclude_globs_are_case_insensitive() -> None:
    policy = ShellEnvironmentPolicy(exclude=("edit*", "LC_?LL"))
    env = build_child_env(PARENT, policy)
    assert "EDITOR" not in env and "LC_ALL" not in env and "LANG" in env


def test_set_overrides_and_may_reintroduce_a_filtered_name() -> None:
    policy = ShellEnvironmentPolicy(set={"PATH": "/opt/bin", "GITHUB_TOKEN": "scoped"})
    env = build_child_env(PARENT, policy)
    assert env["PATH"] == "/opt/bin" and env["GITHUB_TOKEN"] == "scoped"


def test_include_only_runs_last() -> None:
    policy = ShellEnvironmentPolicy(
        ignore_default_excludes=True, include_only=("*PATH", "home"), set={"NEW_PATH": "x"}
    )
    assert build_child_env(PARENT, policy) == {
        "PATH": "/usr/bin:/bin",
        "HOME": "/home/me",
        "SSH_KEY_PATH": "/home/me/.ssh/id",
        "NEW_PATH": "x",
    }


def test_extra_markers_survive_any_policy() -> None:
    policy = ShellEnvironmentPolicy(inherit="none", include_only=("NOTHING",))
    env = build_child_env(PARENT, policy, extra={"CODELOOP_SANDBOX": "seccomp"})
    assert env == {"CODELOOP_SANDBOX": "seccomp"}


def test_policy_decodes_from_config_like_data() -> None:
    raw = {
        "inherit": "core",
        "ignore_default_excludes": True,
        "exclude": ["AWS_*"],
        "set": {"CI": "1"},
        "include_only": [],
        "experimental_use_profile": False,
    }
    policy = msgspec.convert(raw, ShellEnvironmentPolicy)
    assert policy.inherit == "core" and policy.exclude == ("AWS_*",) and policy.set == {"CI": "1"}
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"inherit": "some"}, ShellEnvironmentPolicy)


async def test_real_child_does_not_see_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    monkeypatch.setenv("MY_SERVICE_API_KEY", "sk-also-secret")
    monkeypatch.setenv("CODELOOP_TEST_VISIBLE", "visible-value")
    # env=None: the parent's environment through the default policy.
    r = await run_command(["env"])
    assert "sk-should-not-leak" not in r.stdout and "sk-also-secret" not in r.stdout
    assert "CODELOOP_TEST_VISIBLE=visible-value" in r.stdout
    # An explicit environment from a policy, with a sandbox marker.
    env = build_child_env(os.environ, extra={"CODELOOP_SANDBOX": "1"})
    r = await run_command(["env"], env=env)
    assert "OPENAI_API_KEY" not in r.stdout and "CODELOOP_SANDBOX=1" in r.stdout
