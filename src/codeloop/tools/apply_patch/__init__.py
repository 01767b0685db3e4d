"""apply_patch: Codex's patch format, parsed, planned and applied.

::

    *** Begin Patch
    *** Add File: path            (then lines starting with +)
    *** Delete File: path
    *** Update File: path
    *** Move to: newpath          (optional, right after Update File)
    @@ [optional context line, e.g. a def/class header]
     context line
    -removed line
    +added line
    *** End of File               (optional: the chunk anchors at the end of the file)
    *** End Patch

Modules, one concern each: :mod:`.model` (the parsed form), :mod:`.parser` / :mod:`.render`
(text <-> model), :mod:`.seek` (finding old lines, with fuzzy tiers), :mod:`.textfile` and
:mod:`.update` (chunks -> new text), :mod:`.diff` (unified diffs), :mod:`.applier` (planning
against a directory and writing), :mod:`.invocation` (spotting apply_patch inside a shell
command). Behaviour follows codex-rs ``apply-patch``; the module docs say where it differs.
"""

from __future__ import annotations

from codeloop.tools.apply_patch.applier import (
    SUMMARY_HEADER,
    ApplyPatchResult,
    ChangeKind,
    FileChange,
    apply_patch,
    apply_planned,
    changes_to_protocol,
    format_summary,
    plan_patch,
)
from codeloop.tools.apply_patch.errors import PatchApplyError, PatchParseError
from codeloop.tools.apply_patch.invocation import (
    IMPLICIT_INVOCATION_MESSAGE,
    ApplyPatchInvocation,
    PlannedInvocation,
    extract_patch_from_argv,
    is_implicit_invocation,
    parse_apply_patch_invocation,
    plan_invocation,
)
from codeloop.tools.apply_patch.model import (
    AddFile,
    DeleteFile,
    Hunk,
    Patch,
    UpdateChunk,
    UpdateFile,
)
from codeloop.tools.apply_patch.parser import parse_patch
from codeloop.tools.apply_patch.render import render_patch
from codeloop.tools.apply_patch.seek import seek_sequence

__all__ = [
    "IMPLICIT_INVOCATION_MESSAGE",
    "SUMMARY_HEADER",
    "AddFile",
    "ApplyPatchInvocation",
    "ApplyPatchResult",
    "ChangeKind",
    "DeleteFile",
    "FileChange",
    "Hunk",
    "Patch",
    "PatchApplyError",
    "PatchParseError",
    "PlannedInvocation",
    "UpdateChunk",
    "UpdateFile",
    "apply_patch",
    "apply_planned",
    "changes_to_protocol",
    "extract_patch_from_argv",
    "format_summary",
    "is_implicit_invocation",
    "parse",
    "parse_apply_patch_invocation",
    "parse_patch",
    "plan_invocation",
    "plan_patch",
    "render",
    "render_patch",
    "seek_sequence",
]

#: Short aliases: ``parse(render(p)) == p``.
parse = parse_patch
render = render_patch
