"""Line numbers of keys in TOML text, and dotted key parsing."""

from __future__ import annotations

import pytest

from codeloop.config.keys import join_key, split_key
from codeloop.config.locate import KeyLines, find_key_line

TEXT = """\
# comment with [brackets] and key = 1
model = "o3"
approval_policy = 'never'   # trailing comment

[model_providers.local]
name = "Local"
wire_api = "chat"
query_params = { api-version = "1", x = { y = 2 } }

[ profiles . "fast.mode" ]
model = "mini"
sandbox_workspace_write.network_access = true

[sandbox_workspace_write]
writable_roots = [
    "/a",   # model = "not a key"
    "/b [x]",
]
exclude_slash_tmp = true
instructions = \"\"\"
not_a_key = 1
[not_a_table]
\"\"\"
notify = ["a", "b"]

[[array_of_tables]]
item = 1
"""


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("model", 2),
        ("approval_policy", 3),
        ("model_providers", 5),
        ("model_providers.local", 5),
        ("model_providers.local.name", 6),
        ("model_providers.local.wire_api", 7),
        ("model_providers.local.query_params", 8),
        # inside an inline table: the line of the table's key (best effort, and right here)
        ("model_providers.local.query_params.api-version", 8),
        ("model_providers.local.query_params.x.y", 8),
        ('profiles."fast.mode"', 10),
        ('profiles."fast.mode".model', 11),
        ('profiles."fast.mode".sandbox_workspace_write.network_access', 12),
        ("sandbox_workspace_write", 14),
        ("sandbox_workspace_write.writable_roots", 15),
        ("sandbox_workspace_write.exclude_slash_tmp", 19),
        ("sandbox_workspace_write.instructions", 20),
        ("sandbox_workspace_write.notify", 24),
        ("array_of_tables.item", 27),
    ],
)
def test_line_of_key(key: str, line: int) -> None:
    assert find_key_line(TEXT, key) == line


def test_keys_inside_multiline_values_are_not_keys() -> None:
    text = (
        'a = """\nx = 1\n[t]\n"""\n'
        'b = [\n  "y = 2",\n  { z = 3 },\n]\n'
        "c = '''\nw = 4'''\n"
        "d = 5\n"
    )
    lines = KeyLines(text)
    assert [lines.line_of(k) for k in ("a", "b", "c", "d")] == [1, 5, 9, 11]
    for not_a_key in ("x", "t", "y", "z", "w"):
        assert lines.line_of(not_a_key) is None


def test_missing_key_falls_back_to_its_table() -> None:
    assert find_key_line(TEXT, "sandbox_workspace_write.model") == 14


def test_unknown_key_is_none_and_list_index_uses_array_line() -> None:
    lines = KeyLines(TEXT)
    assert lines.line_of("nope") is None
    assert lines.line_of(("sandbox_workspace_write", "notify", 1)) == 24


def test_split_and_join_key_round_trip() -> None:
    assert split_key("a . \"b.c\" .'d e'") == ("a", "b.c", "d e")
    assert split_key('"esc\\"aped"') == ('esc"aped',)
    assert join_key(("projects", "/home/me", "trust_level")) == 'projects."/home/me".trust_level'
    assert join_key(("notify", 0)) == "notify[0]"
    for bad in ("", "a.", "a b", ".a", "a=1"):
        with pytest.raises(ValueError):
            split_key(bad)
