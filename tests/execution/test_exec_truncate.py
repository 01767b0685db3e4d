"""What the model sees: truncation to 10 KiB / 256 lines and the function_call_output layout."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeloop.execution import (
    MODEL_FORMAT_MAX_BYTES,
    ExecResult,
    format_exec_output,
    format_exec_output_str,
    truncate_for_model,
)
from codeloop.execution.truncate import count_lines


def result(output: str, **kw: object) -> ExecResult:
    fields: dict[str, object] = {
        "exit_code": 0,
        "signal": None,
        "duration": 1.23,
        "timed_out": False,
        "cancelled": False,
        "stdout": output,
        "stderr": "",
        "aggregated_output": output,
    }
    fields.update(kw)
    return ExecResult(**fields)  # type: ignore[arg-type]


def utf8_len(text: str) -> int:
    return len(text.encode())


def test_short_output_is_unchanged() -> None:
    text = "line\n" * 256
    assert truncate_for_model(text) is text


def test_many_lines_keep_head_and_tail_with_codex_marker() -> None:
    lines = [f"line {i}" for i in range(1, 1001)]
    text = "\n".join(lines) + "\n"
    out = truncate_for_model(text)
    head, tail = out.split("\n[... omitted 744 of 1000 lines ...]\n\n")
    assert head.splitlines() == lines[:128]
    assert tail.splitlines() == lines[-128:]
    assert utf8_len(out) <= MODEL_FORMAT_MAX_BYTES


def test_long_lines_are_cut_to_the_byte_budget() -> None:
    lines = [f"{i:04d} " + "x" * 200 for i in range(300)]
    out = truncate_for_model("\n".join(lines))
    assert "[... omitted 44 of 300 lines ...]" in out
    assert utf8_len(out) <= MODEL_FORMAT_MAX_BYTES
    assert out.startswith("0000 xxx")
    assert out.endswith("0299 " + "x" * 200)


def test_one_huge_line_uses_the_bytes_marker() -> None:
    out = truncate_for_model("a" * 50_000)
    assert "\n[... output truncated to fit 10240 bytes ...]\n\n" in out
    assert utf8_len(out) == MODEL_FORMAT_MAX_BYTES
    # Unlike Codex, the end of a single huge line is kept too.
    out = truncate_for_model("start" + "x" * 50_000 + "end")
    assert out.startswith("start") and out.endswith("end")


@pytest.mark.parametrize("char", ["é", "日", "🎉"])
def test_never_splits_a_character(char: str) -> None:
    out = truncate_for_model(char * 20_000)
    assert utf8_len(out) <= MODEL_FORMAT_MAX_BYTES
    assert "\ufffd" not in out
    assert set(out.replace("\n[... output truncated to fit 10240 bytes ...]\n\n", "")) == {char}


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab\nß日🎉"), max_size=3000),
    st.integers(60, 2000),
    st.integers(2, 40),
)
def test_budget_is_always_respected(text: str, max_bytes: int, max_lines: int) -> None:
    out = truncate_for_model(text, max_bytes=max_bytes, max_lines=max_lines)
    assert utf8_len(out) <= max(max_bytes, utf8_len(text) if out == text else 0)
    if utf8_len(text) <= max_bytes and count_lines(text) <= max_lines:
        assert out == text
    else:
        assert re.search(
            r"\[\.\.\. (omitted \d+ of \d+ lines|output truncated to fit \d+ bytes) \.\.\.\]", out
        )


def test_count_lines_like_rust() -> None:
    assert [count_lines(t) for t in ("", "a", "a\n", "a\nb", "\n", "\n\n")] == [0, 1, 1, 2, 1, 2]


def test_format_exec_output_layout() -> None:
    assert format_exec_output(result("hello\n")) == (
        "Exit code: 0\nWall time: 1.2 seconds\nOutput:\nhello\n"
    )
    assert format_exec_output(result("", exit_code=2, duration=3.0)) == (
        "Exit code: 2\nWall time: 3 seconds\nOutput:\n"
    )


def test_format_exec_output_reports_total_lines_when_truncated() -> None:
    text = "".join(f"{i}\n" for i in range(1000))
    out = format_exec_output(result(text))
    assert out.startswith(
        "Exit code: 0\nWall time: 1.2 seconds\nTotal output lines: 1000\nOutput:\n0\n"
    )
    assert "[... omitted 744 of 1000 lines ...]" in out


def test_timeout_notice_comes_first() -> None:
    r = result("partial\n", timed_out=True, exit_code=124, duration=10.0)
    assert format_exec_output_str(r) == "command timed out after 10000 milliseconds\npartial\n"
    assert format_exec_output(r).startswith("Exit code: 124\nWall time: 10 seconds\nOutput:\n")


def test_cancelled_notice() -> None:
    r = result("", cancelled=True, exit_code=130, duration=0.5)
    assert format_exec_output_str(r) == "command cancelled after 500 milliseconds\n"
