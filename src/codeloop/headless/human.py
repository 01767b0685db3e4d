"""Human output of ``codeloop exec``: the session as it happens, on stderr, with rich.

stdout gets only the final agent message (so ``codeloop exec "..." > answer.md`` works); everything
else (the header, reasoning, commands with their exit codes, patches as coloured diffs, the plan,
retry notices, errors and the token summary) goes to stderr.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from codeloop import __version__
from codeloop.approval import command_for_display
from codeloop.protocol.events import (
    AgentMessage,
    AgentReasoning,
    ContextCompacted,
    Error,
    ExecCommandBegin,
    ExecCommandEnd,
    PatchApplyBegin,
    PatchApplyEnd,
    PlanUpdate,
    RetryNotice,
    SessionConfigured,
    TokenCount,
    TurnAborted,
    TurnComplete,
    UserMessage,
    Warning,
)

if TYPE_CHECKING:
    from codeloop.protocol.events import EventMsg, FileChange
    from codeloop.protocol.usage import TokenUsage

__all__ = ["ColorMode", "HumanRenderer", "make_console"]

ColorMode = Literal["auto", "always", "never"]
_OUTPUT_TAIL_LINES = 12
_PLAN_MARKS = {"completed": "[green]✔[/]", "in_progress": "[cyan]▶[/]", "pending": "[dim]□[/]"}


def make_console(color: ColorMode, *, stderr: bool = True) -> Console:
    if color == "always":
        return Console(stderr=stderr, force_terminal=True, highlight=False)
    if color == "never":
        return Console(stderr=stderr, no_color=True, highlight=False, force_terminal=False)
    return Console(stderr=stderr, highlight=False)


def _sandbox_label(msg: SessionConfigured) -> str:
    return str(msg.sandbox_policy.__struct_config__.tag)


def _format_tokens(usage: TokenUsage) -> str:
    non_cached = max(usage.input_tokens - usage.cached_input_tokens, 0)
    parts = [f"total={non_cached + usage.output_tokens:,}", f"input={non_cached:,}"]
    if usage.cached_input_tokens:
        parts[-1] += f" (+ {usage.cached_input_tokens:,} cached)"
    parts.append(f"output={usage.output_tokens:,}")
    if usage.reasoning_output_tokens:
        parts[-1] += f" (reasoning {usage.reasoning_output_tokens:,})"
    return "tokens used: " + " ".join(parts)


class HumanRenderer:
    """Prints events for a person; :attr:`last_message` is the answer for stdout."""

    def __init__(self, console: Console, *, show_reasoning: bool = True) -> None:
        self.console = console
        self.show_reasoning = show_reasoning
        self.last_message: str | None = None
        self.had_error = False
        self._usage: TokenUsage | None = None
        self._commands: dict[str, list[str]] = {}

    def render(self, msg: EventMsg) -> None:
        c = self.console
        if isinstance(msg, SessionConfigured):
            c.print(f"[bold]codeloop[/] v{__version__}", style="dim")
            c.print("─" * 40, style="dim")
            for key, value in (
                ("workdir", msg.cwd),
                ("model", msg.model),
                ("provider", msg.model_provider),
                ("approval", msg.approval_policy),
                ("sandbox", _sandbox_label(msg)),
                ("session id", msg.session_id),
            ):
                c.print(f"[bold]{key}:[/] {escape(str(value))}")
            c.print("─" * 40, style="dim")
        elif isinstance(msg, UserMessage):
            c.print("[bold cyan]user[/]")
            c.print(escape(msg.message))
        elif isinstance(msg, AgentReasoning):
            if self.show_reasoning:
                c.print("[italic magenta]thinking[/]")
                c.print(Text(msg.text, style="italic dim"))
        elif isinstance(msg, AgentMessage):
            self.last_message = msg.message
            c.print("[bold magenta]codeloop[/]")
            c.print(escape(msg.message))
        elif isinstance(msg, ExecCommandBegin):
            self._commands[msg.call_id] = msg.command
            c.print(
                f"[bold magenta]exec[/] [bold]{escape(command_for_display(msg.command))}[/]"
                f" in {escape(msg.cwd)}"
            )
        elif isinstance(msg, ExecCommandEnd):
            self._command_end(msg)
        elif isinstance(msg, PatchApplyBegin):
            how = "auto-approved" if msg.auto_approved else "approved"
            c.print(f"[bold magenta]apply_patch[/] ({how}):")
            for path, change in msg.changes.items():
                self._change(path, change)
        elif isinstance(msg, PatchApplyEnd):
            if msg.success:
                c.print("[green]apply_patch succeeded[/]")
            else:
                c.print(f"[red]apply_patch failed:[/] {escape(msg.stderr)}")
        elif isinstance(msg, PlanUpdate):
            c.print("[bold]plan[/]" + (f" — {escape(msg.explanation)}" if msg.explanation else ""))
            for item in msg.plan:
                c.print(f"  {_PLAN_MARKS[item.status]} {escape(item.step)}")
        elif isinstance(msg, RetryNotice):
            c.print(f"[yellow]⚠ {escape(msg.message)}[/]")
        elif isinstance(msg, Warning):
            c.print(f"[yellow]warning:[/] {escape(msg.message)}")
        elif isinstance(msg, Error):
            self.had_error = True
            c.print(f"[bold red]error:[/] {escape(msg.message)}")
            if msg.hint:
                c.print(f"[red]hint:[/] {escape(msg.hint)}")
        elif isinstance(msg, ContextCompacted):
            c.print("[dim]context compacted[/]")
        elif isinstance(msg, TokenCount):
            if msg.info is not None:
                self._usage = msg.info.total_token_usage
        elif isinstance(msg, TurnAborted):
            self.had_error = True
            c.print("[yellow]turn interrupted[/]")
        elif isinstance(msg, TurnComplete):
            if msg.last_agent_message is not None:
                self.last_message = msg.last_agent_message
            if self._usage is not None:
                c.print(_format_tokens(self._usage), style="dim")

    def _command_end(self, msg: ExecCommandEnd) -> None:
        c = self.console
        command = self._commands.pop(msg.call_id, [])
        label = escape(command_for_display(command)) if command else ""
        if msg.declined:
            c.print(f"[yellow]✗ declined[/] {label}")
            return
        took = f"{msg.duration_ms}ms"
        if msg.timed_out:
            c.print(f"[red]✗ timed out[/] after {took}: {label}")
        elif msg.exit_code == 0:
            c.print(f"[green]✓ exited 0[/] in {took}: {label}")
        else:
            c.print(f"[red]✗ exited {msg.exit_code}[/] in {took}: {label}")
        lines = msg.aggregated_output.rstrip("\n").splitlines()
        if len(lines) > _OUTPUT_TAIL_LINES:
            c.print(f"[dim]  … {len(lines) - _OUTPUT_TAIL_LINES} lines not shown[/]")
            lines = lines[-_OUTPUT_TAIL_LINES:]
        for line in lines:
            c.print(Text("  " + line, style="dim"))

    def _change(self, path: str, change: FileChange) -> None:
        c = self.console
        if change.kind == "add":
            c.print(f"[green]A {escape(path)}[/]")
            for line in change.diff.splitlines():
                c.print(Text("+" + line, style="green"))
        elif change.kind == "delete":
            c.print(f"[red]D {escape(path)}[/]")
        else:
            dest = f" → {escape(change.move_path)}" if change.move_path else ""
            c.print(f"[yellow]M {escape(path)}{dest}[/]")
            for line in change.diff.splitlines():
                style = ""
                if line.startswith("+") and not line.startswith("+++"):
                    style = "green"
                elif line.startswith("-") and not line.startswith("---"):
                    style = "red"
                elif line.startswith("@@"):
                    style = "cyan"
                c.print(Text(line, style=style))
