"""What the model is shown of a command's output: cut to a budget, head and tail kept.

The model's context is the scarcest resource of a session, and a command's output is usually
either short or mostly noise in the middle (the start says what ran, the end says how it ended).
So output for the model is cut to 10 KiB and 256 lines, keeping the first 128 and last 128 lines
(the head also capped at 5 KiB), with a marker saying what was left out. This follows codex-rs
(``MODEL_FORMAT_MAX_BYTES``/``MODEL_FORMAT_MAX_LINES``, ``format_exec_output_str`` and
``format_exec_output_for_model``), including its exact markers and layout, so prompts written for
Codex read our output the same way. One deliberate difference: when no whole line can be dropped
(a few very long lines), Codex keeps only the first 5 KiB; we also keep the end. Cuts never split a
UTF-8 character.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codeloop.execution.spawn import ExecResult

__all__ = [
    "MODEL_FORMAT_HEAD_BYTES",
    "MODEL_FORMAT_HEAD_LINES",
    "MODEL_FORMAT_MAX_BYTES",
    "MODEL_FORMAT_MAX_LINES",
    "MODEL_FORMAT_TAIL_LINES",
    "count_lines",
    "format_exec_output",
    "format_exec_output_str",
    "truncate_for_model",
]

MODEL_FORMAT_MAX_BYTES = 10 * 1024
MODEL_FORMAT_MAX_LINES = 256
MODEL_FORMAT_HEAD_LINES = MODEL_FORMAT_MAX_LINES // 2
MODEL_FORMAT_TAIL_LINES = MODEL_FORMAT_MAX_LINES - MODEL_FORMAT_HEAD_LINES
MODEL_FORMAT_HEAD_BYTES = MODEL_FORMAT_MAX_BYTES // 2


def count_lines(text: str) -> int:
    """Lines as Rust's ``str::lines`` counts them (a final newline does not start a new line)."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def truncate_for_model(
    text: str,
    *,
    max_bytes: int = MODEL_FORMAT_MAX_BYTES,
    max_lines: int = MODEL_FORMAT_MAX_LINES,
) -> str:
    """``text`` if it fits ``max_bytes`` (UTF-8) and ``max_lines``, else head + marker + tail.

    The marker is ``\\n[... omitted N of M lines ...]\\n\\n`` when whole lines were dropped, or
    ``\\n[... output truncated to fit B bytes ...]\\n\\n`` when only bytes were. The result is at
    most ``max_bytes`` bytes.
    """
    total_lines = count_lines(text)
    encoded_len = len(text.encode("utf-8", "surrogatepass"))
    if encoded_len <= max_bytes and total_lines <= max_lines:
        return text
    head_lines = max_lines // 2
    tail_lines = max_lines - head_lines
    head_bytes = max_bytes // 2

    # Lines keep their newlines (Rust's split_inclusive('\n')); only the first and last few
    # are located, so a 2 MiB output of short lines is not split into a million strings.
    n_lines = total_lines
    head_take = min(head_lines, n_lines)
    tail_take = min(tail_lines, n_lines - head_take)
    omitted = n_lines - head_take - tail_take
    head_end = _start_of_line(text, head_take)
    tail_start = _start_of_last_lines(text, tail_take)

    if omitted > 0:
        marker = f"\n[... omitted {omitted} of {total_lines} lines ...]\n\n"
    else:
        marker = f"\n[... output truncated to fit {max_bytes} bytes ...]\n\n"
        # Few but long lines. Codex keeps only the head here (a single 1 MB line loses its
        # end); we take the head budget from the start and the rest from the end of the text.
        head_end, tail_start = len(text), 0
    marker_len = len(marker.encode("utf-8"))
    if marker_len >= max_bytes:
        return _take_bytes(marker, max_bytes)
    head_budget = min(head_bytes, max_bytes - marker_len)
    head_part = _take_bytes(text[:head_end], head_budget)
    remaining = max_bytes - len(head_part.encode("utf-8", "surrogatepass")) - marker_len
    tail_part = _take_last_bytes(text[tail_start:], remaining) if remaining > 0 else ""
    return head_part + marker + tail_part


def format_exec_output_str(
    result: ExecResult,
    *,
    max_bytes: int = MODEL_FORMAT_MAX_BYTES,
    max_lines: int = MODEL_FORMAT_MAX_LINES,
) -> str:
    """The output part the model sees: aggregated output, after a timeout notice, truncated."""
    return truncate_for_model(_content(result), max_bytes=max_bytes, max_lines=max_lines)


def format_exec_output(
    result: ExecResult,
    *,
    max_bytes: int = MODEL_FORMAT_MAX_BYTES,
    max_lines: int = MODEL_FORMAT_MAX_LINES,
) -> str:
    """The whole ``function_call_output`` text for a shell call, in Codex's layout::

    Exit code: 0
    Wall time: 1.2 seconds
    Total output lines: 1000        (only when the output was truncated)
    Output:
    ...
    """
    content = _content(result)
    total_lines = count_lines(content)
    formatted = truncate_for_model(content, max_bytes=max_bytes, max_lines=max_lines)
    sections = [f"Exit code: {result.exit_code}", f"Wall time: {_seconds(result.duration)} seconds"]
    if count_lines(formatted) != total_lines:
        sections.append(f"Total output lines: {total_lines}")
    sections.append("Output:")
    sections.append(formatted)
    return "\n".join(sections)


def _content(result: ExecResult) -> str:
    if result.timed_out:
        return f"command timed out after {result.duration_ms} milliseconds\n" + (
            result.aggregated_output
        )
    if result.cancelled:
        return f"command cancelled after {result.duration_ms} milliseconds\n" + (
            result.aggregated_output
        )
    return result.aggregated_output


def _seconds(duration: float) -> str:
    """Rounded to 0.1 s and printed like Rust prints an f32: ``0``, ``1.5``, ``12``."""
    text = f"{round(duration, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _start_of_line(text: str, index: int) -> int:
    """Offset where line number ``index`` (0-based) starts; ``len(text)`` past the end."""
    pos = 0
    for _ in range(index):
        nl = text.find("\n", pos)
        if nl < 0:
            return len(text)
        pos = nl + 1
    return pos


def _start_of_last_lines(text: str, count: int) -> int:
    """Offset where the last ``count`` lines start."""
    if count <= 0:
        return len(text)
    pos = len(text) - 1 if text.endswith("\n") else len(text)
    for _ in range(count):
        nl = text.rfind("\n", 0, pos)
        if nl < 0:
            return 0
        pos = nl
    return pos + 1


def _take_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits ``max_bytes``."""
    if max_bytes <= 0:
        return ""
    if len(text) <= max_bytes // 4:
        return text  # cannot be over budget: a character is at most 4 bytes
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")


def _take_last_bytes(text: str, max_bytes: int) -> str:
    """The longest suffix of ``text`` whose UTF-8 encoding fits ``max_bytes``."""
    if max_bytes <= 0:
        return ""
    if len(text) <= max_bytes // 4:
        return text
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return text
    return data[len(data) - max_bytes :].decode("utf-8", "ignore")
