"""The environment a command sees: the parent's, minus secrets, per ``shell_environment_policy``.

A model-driven command should not be able to read the API key codeloop itself runs with (or any
other credential in the user's shell) just by running ``env``. The rules are Codex's
``[shell_environment_policy]`` (codex-rs ``exec_env.rs``), applied in this order:

1. start from ``inherit``: ``all`` of the parent's variables, only the ``core`` ones (HOME, LOGNAME,
   PATH, SHELL, USER, USERNAME, TMPDIR, TEMP, TMP, and, unlike Codex, LANG, LANGUAGE and LC_*:
   without them tools fall back to the C locale and print non-UTF-8 or ``?``), or ``none``;
2. unless ``ignore_default_excludes``, drop names matching ``*KEY*``, ``*SECRET*``, ``*TOKEN*``
   (case-insensitive), which covers OPENAI_API_KEY, CODELOOP_API_KEY, GITHUB_TOKEN, ...;
3. drop names matching any ``exclude`` glob;
4. set every ``set`` entry;
5. if ``include_only`` is not empty, keep only names matching one of its globs.

Then the caller's ``extra`` markers (e.g. ``CODELOOP_SANDBOX=...`` from the sandbox) are added; no
policy can remove them. Globs are shell-style (``*``, ``?``, ``[...]``) and case-insensitive.

Default: ``ignore_default_excludes = false``, i.e. secrets are filtered. Codex's own default has
flip-flopped between versions (newer releases default to ``true``); codeloop keeps the safe one.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from typing import TYPE_CHECKING, Literal

import msgspec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

__all__ = [
    "CORE_VARS",
    "DEFAULT_EXCLUDES",
    "ShellEnvironmentPolicy",
    "build_child_env",
    "matches_any",
]

CORE_VARS: frozenset[str] = frozenset(
    {"HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP"}
    | {"LANG", "LANGUAGE"}  # plus every LC_* name
)
DEFAULT_EXCLUDES: tuple[str, ...] = ("*KEY*", "*SECRET*", "*TOKEN*")


class ShellEnvironmentPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """``[shell_environment_policy]`` from config.toml (Codex's keys and meanings)."""

    inherit: Literal["all", "core", "none"] = "all"
    ignore_default_excludes: bool = False
    exclude: tuple[str, ...] = ()
    set: dict[str, str] = msgspec.field(default_factory=dict)
    include_only: tuple[str, ...] = ()
    #: Accepted for compatibility with Codex configs; codeloop does not run a login shell.
    experimental_use_profile: bool = False


_DEFAULT_POLICY = ShellEnvironmentPolicy()


def build_child_env(
    parent_env: Mapping[str, str] | None = None,
    policy: ShellEnvironmentPolicy | None = None,
    *,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for a child process; ``parent_env`` defaults to ``os.environ``."""
    parent = os.environ if parent_env is None else parent_env
    policy = _DEFAULT_POLICY if policy is None else policy
    if policy.inherit == "all":
        env = dict(parent)
    elif policy.inherit == "core":
        env = {k: v for k, v in parent.items() if k in CORE_VARS or k.startswith("LC_")}
    else:
        env = {}
    if not policy.ignore_default_excludes:
        excluded = _matcher(DEFAULT_EXCLUDES)
        env = {k: v for k, v in env.items() if not excluded(k)}
    if policy.exclude:
        excluded = _matcher(tuple(policy.exclude))
        env = {k: v for k, v in env.items() if not excluded(k)}
    env.update(policy.set)
    if policy.include_only:
        included = _matcher(tuple(policy.include_only))
        env = {k: v for k, v in env.items() if included(k)}
    if extra:
        env.update(extra)
    return env


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """Whether ``name`` matches one of the case-insensitive shell-style ``patterns``."""
    return _matcher(tuple(patterns))(name)


@functools.lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """One test for a whole pattern list, built once: there are dozens of names to test per
    spawn. ``*WORD*`` (the default excludes) becomes a substring test on the upper-cased name,
    several times faster than a regex; every other pattern goes into one case-insensitive regex."""
    words: list[str] = []
    globs: list[str] = []
    for pattern in patterns:
        inner = pattern[1:-1]
        if len(pattern) > 2 and pattern[0] == pattern[-1] == "*" and not set("*?[") & set(inner):
            words.append(inner.upper())
        else:
            globs.append(f"(?:{fnmatch.translate(pattern)})")
    full = re.compile("|".join(globs), re.IGNORECASE).fullmatch if globs else None

    def match(name: str) -> bool:
        if words:
            upper = name.upper()
            for word in words:
                if word in upper:
                    return True
        return full is not None and full(name) is not None

    return match
