"""The JSON specs of codeloop's tools, as sent to the model (Responses API form).

The names and parameters are Codex's, so models tuned on Codex's tools use them well. The
freeform ``apply_patch`` (a custom tool with a Lark grammar) goes to models that support it
(``core/data/model_info.json``: ``apply_patch_tool = "freeform"``); others get the function form.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APPLY_PATCH_FREEFORM",
    "APPLY_PATCH_FUNCTION",
    "APPLY_PATCH_LARK_GRAMMAR",
    "SHELL",
    "SHELL_COMMAND",
    "UPDATE_PLAN",
    "VIEW_IMAGE",
]

SHELL: dict[str, Any] = {
    "type": "function",
    "name": "shell",
    "description": (
        "Runs a command and returns its output. The command is an argv array, for example "
        '["bash", "-lc", "rg -n TODO src"]. Set workdir instead of using cd.'
    ),
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "command": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The command to execute, as an argv array.",
            },
            "workdir": {"type": "string", "description": "The working directory."},
            "timeout_ms": {
                "type": "number",
                "description": "The timeout for the command in milliseconds (default 10000).",
            },
            "with_escalated_permissions": {
                "type": "boolean",
                "description": "Run without the sandbox; the user is asked to approve.",
            },
            "justification": {
                "type": "string",
                "description": "One sentence explaining why escalated permissions are needed.",
            },
        },
        "required": ["command"],
        "additionalProperties": False,
    },
}

SHELL_COMMAND: dict[str, Any] = {
    "type": "function",
    "name": "shell_command",
    "description": "Runs a shell script with the user's shell (bash -lc) and returns its output.",
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The shell script to run."},
            "workdir": {"type": "string", "description": "The working directory."},
            "timeout_ms": {"type": "number", "description": "Timeout in milliseconds."},
            "with_escalated_permissions": {"type": "boolean"},
            "justification": {"type": "string"},
        },
        "required": ["command"],
        "additionalProperties": False,
    },
}

_APPLY_PATCH_DESCRIPTION = (
    "Edits files with a patch: '*** Begin Patch', then one or more '*** Add File: PATH' (lines "
    "prefixed with +), '*** Delete File: PATH' or '*** Update File: PATH' (optionally followed "
    "by '*** Move to: NEW_PATH') sections whose hunks start with '@@' (optionally followed by a "
    "line naming the enclosing function or class) and contain ' ' context, '-' removed and '+' "
    "added lines; then '*** End Patch'. Paths are relative to the working directory."
)

APPLY_PATCH_FUNCTION: dict[str, Any] = {
    "type": "function",
    "name": "apply_patch",
    "description": _APPLY_PATCH_DESCRIPTION,
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "input": {"type": "string", "description": "The entire patch text."},
        },
        "required": ["input"],
        "additionalProperties": False,
    },
}

#: The patch format as a Lark grammar, for models that take freeform (custom) tools.
APPLY_PATCH_LARK_GRAMMAR = r"""
start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
""".strip()

APPLY_PATCH_FREEFORM: dict[str, Any] = {
    "type": "custom",
    "name": "apply_patch",
    "description": _APPLY_PATCH_DESCRIPTION + " Send the patch text itself, not JSON.",
    "format": {"type": "grammar", "syntax": "lark", "definition": APPLY_PATCH_LARK_GRAMMAR},
}

UPDATE_PLAN: dict[str, Any] = {
    "type": "function",
    "name": "update_plan",
    "description": (
        "Updates the task plan shown to the user. Give every step with its status; at most one "
        "step may be in_progress."
    ),
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {
            "explanation": {"type": "string"},
            "plan": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "step": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["pending", "in_progress", "completed"],
                        },
                    },
                    "required": ["step", "status"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["plan"],
        "additionalProperties": False,
    },
}

VIEW_IMAGE: dict[str, Any] = {
    "type": "function",
    "name": "view_image",
    "description": "Attaches a local image (a screenshot, a diagram) so you can look at it.",
    "strict": False,
    "parameters": {
        "type": "object",
        "properties": {"path": {"type": "string", "description": "Path to the image file."}},
        "required": ["path"],
        "additionalProperties": False,
    },
}
