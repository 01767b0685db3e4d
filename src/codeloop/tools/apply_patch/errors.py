"""The two ways a patch fails: it does not parse, or it does not apply.

Both derive from :class:`codeloop.errors.PatchError`, so callers that only care that "the patch
failed" catch that, and the message (one line) is what the model and the person are told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeloop.errors import PatchError

if TYPE_CHECKING:
    from codeloop.tools.apply_patch.applier import FileChange

__all__ = ["STALE_CONTENT_HINT", "PatchApplyError", "PatchParseError"]


class PatchParseError(PatchError):
    """The text is not a valid patch. ``line_number`` (1-based, in the text as given) says where."""

    default_hint = "fix the patch text and send it again"

    def __init__(self, message: str, *, line_number: int | None = None) -> None:
        self.line_number = line_number
        self.detail = message
        if line_number is None:
            full = f"Invalid patch: {message}"
        else:
            full = f"Invalid patch hunk on line {line_number}: {message}"
        super().__init__(full)


#: The hint when a chunk's lines or context are not in the file.
STALE_CONTENT_HINT = "re-read the file and send a patch that matches its current contents"


class PatchApplyError(PatchError):
    """The patch parsed but does not apply: a file is missing, context is not found, I/O failed.

    ``path`` is the file concerned (as written in the patch) when there is one. ``applied`` lists
    the changes of the same patch already written before the failure (they are kept, as in Codex).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        applied: tuple[FileChange, ...] = (),
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.applied = applied
        self.detail = message
        full = message
        if applied:
            done = ", ".join(f"{c.summary_letter} {c.display_path}" for c in applied)
            full = f"{message} (earlier changes of this patch were applied: {done})"
        super().__init__(full, hint=hint)

    def with_applied(self, applied: tuple[FileChange, ...]) -> PatchApplyError:
        """The same failure, noting the changes that were written before it."""
        if not applied:
            return self
        err = PatchApplyError(self.detail, path=self.path, applied=applied, hint=self.hint)
        err.__cause__ = self.__cause__
        return err
