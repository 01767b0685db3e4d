"""Running commands: process groups, timeouts, bounded capture, live deltas, decoding.

This package runs what it is told to run; deciding *whether* to run it (approval, sandbox
policy) belongs to ``approval/`` and ``sandbox/``. Importing it is cheap: charset-normalizer is
only imported the first time some output is not UTF-8.
"""

from __future__ import annotations

from codeloop.execution.capture import ELISION_MARKER, HeadTailBuffer, OutputLimits
from codeloop.execution.decode import StreamDecoder, decode_output, detect_encoding
from codeloop.execution.deltas import OutputDelta, StreamName
from codeloop.execution.env import ShellEnvironmentPolicy, build_child_env
from codeloop.execution.spawn import (
    EXIT_CODE_CANCELLED,
    EXIT_CODE_NOT_EXECUTABLE,
    EXIT_CODE_NOT_FOUND,
    EXIT_CODE_TIMEOUT,
    ExecResult,
    run_command,
)
from codeloop.execution.truncate import (
    MODEL_FORMAT_MAX_BYTES,
    MODEL_FORMAT_MAX_LINES,
    format_exec_output,
    format_exec_output_str,
    truncate_for_model,
)

__all__ = [
    "ELISION_MARKER",
    "EXIT_CODE_CANCELLED",
    "EXIT_CODE_NOT_EXECUTABLE",
    "EXIT_CODE_NOT_FOUND",
    "EXIT_CODE_TIMEOUT",
    "MODEL_FORMAT_MAX_BYTES",
    "MODEL_FORMAT_MAX_LINES",
    "ExecResult",
    "HeadTailBuffer",
    "OutputDelta",
    "OutputLimits",
    "ShellEnvironmentPolicy",
    "StreamDecoder",
    "StreamName",
    "build_child_env",
    "decode_output",
    "detect_encoding",
    "format_exec_output",
    "format_exec_output_str",
    "run_command",
    "truncate_for_model",
]
