"""A text file as lines that remember their own line ending (codex-rs ``text_file.rs``).

Matching works on the lines without their endings; writing puts each original line back with
its own ``\\n`` or ``\\r\\n``, and gives inserted lines the file's preferred ending (that of its
first line, ``\\n`` when it has none). After an update every line is terminated, so a file that
lacked a final newline gains one, as in Codex (conformance scenario 014).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Edit", "Replacement", "TextFile"]

#: ``(start, old_len, new_lines)``: replace ``old_len`` lines from ``start`` by ``new_lines``.
Replacement = tuple[int, int, list[str]]
#: ``(old_start, old_end, new_start, new_end)``: a changed span in both files (for diffs).
Edit = tuple[int, int, int, int]


@dataclass(slots=True)
class TextFile:
    """``lines[i]`` ends with ``endings[i]`` (``"\\n"``, ``"\\r\\n"``, or ``""`` for an
    unterminated last line)."""

    lines: list[str]
    endings: list[str]
    preferred: str = "\n"

    @classmethod
    def parse(cls, text: str) -> TextFile:
        if not text:
            return cls([], [])
        parts = text.split("\n")
        tail = parts.pop()  # "" when the text ends with a newline
        if "\r" not in text:
            lines, endings = parts, ["\n"] * len(parts)
        else:
            lines, endings = [], []
            for part in parts:
                if part.endswith("\r"):
                    lines.append(part[:-1])
                    endings.append("\r\n")
                else:
                    lines.append(part)
                    endings.append("\n")
        preferred = endings[0] if endings else "\n"
        if tail:
            lines.append(tail)
            endings.append("")
        return cls(lines, endings, preferred)

    def text(self) -> str:
        if "\r\n" not in self.endings:  # only the last line may lack an ending
            body = "\n".join(self.lines)
            return body + "\n" if self.endings and self.endings[-1] else body
        return "".join(map(str.__add__, self.lines, self.endings))

    def raw_line(self, i: int) -> str:
        """Line ``i`` with its ending: what diffs compare."""
        return self.lines[i] + self.endings[i]

    def apply(self, replacements: list[Replacement]) -> tuple[TextFile, list[Edit]]:
        """The file with ``replacements`` (sorted, not overlapping) applied, every line
        terminated; and the changed spans, which :func:`.diff.unified_diff` needs."""
        lines, endings, preferred = self.lines, self.endings, self.preferred
        n = len(lines)
        if n and not endings[-1] and not any(s <= n - 1 < s + k for s, k, _ in replacements):
            # The unterminated last line survives: it gains an ending, which is a change too.
            replacements = sorted([*replacements, (n - 1, 1, [lines[-1]])], key=_start)
        out_lines: list[str] = []
        out_endings: list[str] = []
        edits: list[Edit] = []
        src = 0
        for start, old_len, new in replacements:
            out_lines += lines[src:start]
            out_endings += endings[src:start]
            new_start = len(out_lines)
            out_lines += new
            out_endings += [preferred] * len(new)
            if old_len or new:
                edits.append((start, start + old_len, new_start, len(out_lines)))
            src = start + old_len
        out_lines += lines[src:]
        out_endings += endings[src:]
        if "" in out_endings:  # only the last original line can be unterminated
            out_endings[out_endings.index("")] = preferred
        return TextFile(out_lines, out_endings, preferred), edits


def _start(replacement: Replacement) -> int:
    return replacement[0]
