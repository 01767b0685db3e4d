"""Running one command: spawn it, capture and stream its output, time it out or cancel it.

How a command runs:

- argv is executed directly (no shell unless argv says ``sh -c``), in its own session and process
  group, with stdin on ``/dev/null`` (a command waiting for input would hang the turn) and stdout
  and stderr on two separate pipes, enlarged to 1 MiB where the kernel allows so a fast writer
  wakes us up rarely.
- Both pipes are read from the event loop with ``os.readv`` into one reused 1 MiB buffer, copied
  straight into bounded head+tail buffers (``capture.py``) and the delta throttle (``deltas.py``):
  no per-byte Python work, no allocation per read, constant memory.
- The exit is observed through a pidfd (no watcher thread), with ``waitid(WNOWAIT)`` so the leader
  stays unreaped, and its pid reserved, until we are done signalling its group.
- On timeout or cancellation the whole group gets SIGTERM, then SIGKILL after ``kill_grace_ms``
  (sooner if everything has already exited). Nothing in the group survives.
- When the leader exits normally, background processes it started may still hold the pipes open
  (``sh -c 'server &'``). We read on for at most ``drain_timeout_ms`` and then stop, instead of
  hanging until they exit (a classic agent bug). They are left running unless
  ``kill_group_on_exit`` is set: starting a background server can be the point of a command.

Exit codes in :class:`ExecResult`: the process's own status when it exited; ``128 + N`` when it was
killed by signal N (as shells report it; ``signal`` holds N); ``124`` when it timed out (as GNU
``timeout``) and ``130`` when cancelled (as Ctrl-C in a shell), whatever the kill looked like;
``127`` when the program does not exist and ``126`` when it cannot be executed, with a shell-like
message on stderr (the model understands those without a special case); ``-1`` only if something
else in the process reaped the child and its status was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from codeloop.execution.capture import HeadTailBuffer, OutputLimits
from codeloop.execution.deltas import DeltaThrottle, OutputDelta, StreamName
from codeloop.execution.env import build_child_env
from codeloop.execution.procgroup import group_members, signal_group

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from codeloop.aio import CancellationToken

__all__ = [
    "EXIT_CODE_CANCELLED",
    "EXIT_CODE_NOT_EXECUTABLE",
    "EXIT_CODE_NOT_FOUND",
    "EXIT_CODE_TIMEOUT",
    "ExecResult",
    "run_command",
]

EXIT_CODE_TIMEOUT = 124
EXIT_CODE_CANCELLED = 130
EXIT_CODE_NOT_EXECUTABLE = 126
EXIT_CODE_NOT_FOUND = 127
_SIGNAL_BASE = 128

_READ_CHUNK = 1024 * 1024
_PIPE_SIZE = 1024 * 1024
_DEFAULT_LIMITS = OutputLimits()


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What happened when a command ran. Text fields are decoded (``decode.py``) and, when the
    output was larger than the capture limits, hold head + marker + tail."""

    exit_code: int
    #: The signal that killed the process, if one did.
    signal: int | None
    #: Seconds from spawn until the output was collected.
    duration: float
    timed_out: bool
    cancelled: bool
    stdout: str
    stderr: str
    #: stdout and stderr interleaved in the order they were read.
    aggregated_output: str
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    stdout_elided: int = 0
    stderr_elided: int = 0
    aggregated_elided: int = 0
    deltas_emitted: int = 0
    #: Output bytes that were captured but not streamed as deltas (rate or total caps).
    delta_bytes_skipped: int = 0
    pid: int | None = None
    #: Why the command could not be started (then exit_code is 126 or 127).
    spawn_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.cancelled

    @property
    def duration_ms(self) -> int:
        return round(self.duration * 1000)


async def run_command(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout_ms: int | None = None,
    cancel: CancellationToken | None = None,
    on_delta: Callable[[OutputDelta], object] | None = None,
    limits: OutputLimits = _DEFAULT_LIMITS,
    kill_grace_ms: int = 500,
    drain_timeout_ms: int = 500,
    kill_group_on_exit: bool = False,
) -> ExecResult:
    """Run ``argv`` to completion and return what happened; see the module docstring.

    ``env=None`` means the parent's environment through the default shell_environment_policy
    (secrets removed, see ``env.py``), never the raw parent environment. ``on_delta`` is called on
    the event loop's thread for each live output delta. Only a bad argument raises; a command that
    cannot run is reported in the result. If the task running this is cancelled, the group is
    killed at once and ``CancelledError`` propagates.
    """
    if not argv:
        raise ValueError("run_command needs a program to run (argv is empty)")
    if timeout_ms is not None and timeout_ms < 0:
        raise ValueError("timeout_ms cannot be negative")
    argv = [os.fspath(a) for a in argv]
    child_env = dict(env) if env is not None else build_child_env()
    started = time.monotonic()
    try:
        proc, out_fd, err_fd = _spawn(argv, cwd, child_env)
    except OSError as exc:
        return _spawn_failure(argv, cwd, exc, started)
    execution = _Execution(
        proc,
        out_fd,
        err_fd,
        started=started,
        timeout_ms=timeout_ms,
        cancel=cancel,
        on_delta=on_delta,
        limits=limits,
        kill_grace=kill_grace_ms / 1000,
        drain_timeout=drain_timeout_ms / 1000,
        kill_group_on_exit=kill_group_on_exit,
    )
    return await execution.run()


def _spawn(
    argv: list[str], cwd: str | os.PathLike[str] | None, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int, int]:
    out_r, out_w = os.pipe()  # both ends close-on-exec; Popen dup2()s the write ends to 1 and 2
    err_r, err_w = os.pipe()
    try:
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
            with contextlib.suppress(OSError, AttributeError):  # over the user's pipe quota
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            cwd=cwd,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    except BaseException:
        os.close(out_r)
        os.close(err_r)
        raise
    finally:
        os.close(out_w)
        os.close(err_w)
    return proc, out_r, err_r


def _spawn_failure(
    argv: list[str], cwd: str | os.PathLike[str] | None, exc: OSError, started: float
) -> ExecResult:
    program = argv[0]
    if cwd is not None and exc.filename is not None and os.fspath(exc.filename) == os.fspath(cwd):
        message = f"codeloop: cannot run {program}: working directory {os.fspath(cwd)}: "
        message += exc.strerror or str(exc)
        code = EXIT_CODE_NOT_FOUND
    elif isinstance(exc, FileNotFoundError):
        detail = "No such file or directory" if "/" in program else "command not found"
        message = f"codeloop: {program}: {detail}"
        code = EXIT_CODE_NOT_FOUND
    else:
        if exc.errno == errno.ENOEXEC:
            detail = "cannot execute: Exec format error (is it a script without #!?)"
        else:
            detail = exc.strerror or str(exc)
        message = f"codeloop: {program}: {detail}"
        code = EXIT_CODE_NOT_EXECUTABLE
    text = message + "\n"
    return ExecResult(
        exit_code=code,
        signal=None,
        duration=time.monotonic() - started,
        timed_out=False,
        cancelled=False,
        stdout="",
        stderr=text,
        aggregated_output=text,
        spawn_error=message,
    )


_StopReason = Literal["timeout", "cancel"]
_thread_state = threading.local()


def _read_buffer() -> tuple[bytearray, memoryview]:
    """This thread's 1 MiB read buffer. Reads happen in event-loop callbacks, one at a time per
    thread, and consumers copy what they keep, so every command on a loop can share it;
    allocating (and zero-filling) 1 MiB per command would cost more than spawning ``true``."""
    buf: tuple[bytearray, memoryview] | None = getattr(_thread_state, "read_buffer", None)
    if buf is None:
        data = bytearray(_READ_CHUNK)
        buf = _thread_state.read_buffer = (data, memoryview(data))
    return buf


class _Execution:
    """The state of one running command. Everything runs on the event loop thread."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        out_fd: int,
        err_fd: int,
        *,
        started: float,
        timeout_ms: int | None,
        cancel: CancellationToken | None,
        on_delta: Callable[[OutputDelta], object] | None,
        limits: OutputLimits,
        kill_grace: float,
        drain_timeout: float,
        kill_group_on_exit: bool,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.proc = proc
        self.pgid = proc.pid  # start_new_session: the leader's pid is the group id
        self.started = started
        self.timeout_ms = timeout_ms
        self.cancel = cancel
        self.kill_grace = kill_grace
        self.drain_timeout = drain_timeout
        self.kill_group_on_exit = kill_group_on_exit
        self.fds: dict[int, StreamName] = {out_fd: "stdout", err_fd: "stderr"}
        self.eof: dict[int, asyncio.Future[None]] = {
            fd: self.loop.create_future() for fd in self.fds
        }
        self.buffers: dict[StreamName, HeadTailBuffer] = {
            "stdout": HeadTailBuffer(limits.head_bytes, limits.tail_bytes),
            "stderr": HeadTailBuffer(limits.head_bytes, limits.tail_bytes),
        }
        self.aggregated = HeadTailBuffer(limits.head_bytes, limits.tail_bytes)
        self.throttle = DeltaThrottle(on_delta, limits) if on_delta is not None else None
        self.read_buf, self.read_view = _read_buffer()
        self.exit_fut: asyncio.Future[tuple[int, int]] = self.loop.create_future()
        self.stop_fut: asyncio.Future[_StopReason] = self.loop.create_future()
        self.pidfd: int | None = None
        self.exit_poll: asyncio.Handle | None = None
        self.exit_poll_delay = 0.001
        self.timer: asyncio.TimerHandle | None = None
        self.unregister_cancel: Callable[[], None] | None = None
        self.stop_reason: _StopReason | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> ExecResult:
        try:
            for fd, stream in self.fds.items():
                self.loop.add_reader(fd, self._on_readable, fd, stream)
            self._watch_exit()
            self._arm_stop_triggers()
            waiters: set[asyncio.Future[Any]] = {self.exit_fut, self.stop_fut}
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if not self.exit_fut.done():
                self.stop_reason = self.stop_fut.result()
                await self._terminate_group()
            elif self.kill_group_on_exit:
                signal_group(self.pgid, signal.SIGKILL)
                await self._wait_group_gone()
            await self._drain()
        except BaseException:  # task cancelled (or a bug): never leave the command running
            signal_group(self.pgid, signal.SIGKILL)
            raise
        finally:
            self._cleanup()
        return self._result()

    def _arm_stop_triggers(self) -> None:
        if self.timeout_ms is not None:
            delay = max(0.0, self.started + self.timeout_ms / 1000 - time.monotonic())
            self.timer = self.loop.call_later(delay, self._request_stop, "timeout")
        if self.cancel is not None:
            loop = self.loop

            def on_cancel() -> None:
                with contextlib.suppress(RuntimeError):  # loop already closed
                    loop.call_soon_threadsafe(self._request_stop, "cancel")

            self.unregister_cancel = self.cancel.on_cancel(on_cancel)

    def _request_stop(self, reason: _StopReason) -> None:
        if not self.stop_fut.done():
            self.stop_fut.set_result(reason)

    async def _terminate_group(self) -> None:
        """SIGTERM the group; SIGKILL it once everything exited or the grace period is over."""
        signal_group(self.pgid, signal.SIGTERM)
        deadline = self.loop.time() + self.kill_grace
        while True:
            if self.exit_fut.done():
                members = group_members(self.pgid)
                if members is not None and not members:
                    break
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                break
            if self.exit_fut.done():
                await asyncio.sleep(min(remaining, 0.01))
            else:
                await asyncio.wait({self.exit_fut}, timeout=min(remaining, 0.05))
        # Always: a member that ignored SIGTERM but closed its pipes is invisible otherwise.
        signal_group(self.pgid, signal.SIGKILL)
        await asyncio.wait({self.exit_fut}, timeout=5.0)
        await self._wait_group_gone()

    async def _wait_group_gone(self, limit: float = 1.0) -> None:
        """SIGKILL is asynchronous; make "nothing survives" true by the time we return."""
        deadline = self.loop.time() + limit
        while self.loop.time() < deadline and group_members(self.pgid):
            await asyncio.sleep(0.005)

    async def _drain(self) -> None:
        """Read what is left in the pipes; give up after drain_timeout if something holds them."""
        pending = [f for f in self.eof.values() if not f.done()]
        if pending:
            await asyncio.wait(pending, timeout=self.drain_timeout)

    def _cleanup(self) -> None:
        for fd in list(self.fds):
            self._close_fd(fd)
        if self.pidfd is not None:
            self.loop.remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None
        for handle in (self.exit_poll, self.timer):
            if handle is not None:
                handle.cancel()
        if self.unregister_cancel is not None:
            self.unregister_cancel()
        if self.throttle is not None:
            self.throttle.close()
        # Reap the leader (a zombie by now). If SIGKILL left it stuck in the kernel, Popen reaps
        # it later.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=0 if self.exit_fut.done() else 1.0)

    # -- I/O -----------------------------------------------------------------------------------

    def _on_readable(self, fd: int, stream: StreamName) -> None:
        # readv into one reused buffer: os.read would allocate (and page-fault) a fresh 1 MiB
        # object per call, which halves throughput. Consumers copy what they keep.
        try:
            n = os.readv(fd, (self.read_buf,))
        except BlockingIOError:
            return
        except OSError:
            n = 0
        if not n:
            self._close_fd(fd)
            return
        data = self.read_view[:n]
        self.buffers[stream].write(data)
        self.aggregated.write(data)
        if self.throttle is not None:
            self.throttle.feed(stream, data)

    def _close_fd(self, fd: int) -> None:
        if fd not in self.fds:
            return
        del self.fds[fd]
        self.loop.remove_reader(fd)
        os.close(fd)
        fut = self.eof[fd]
        if not fut.done():
            fut.set_result(None)

    # -- exit ----------------------------------------------------------------------------------

    def _watch_exit(self) -> None:
        try:
            self.pidfd = os.pidfd_open(self.proc.pid)
        except (AttributeError, OSError):
            self.exit_poll = self.loop.call_soon(self._poll_exit)
            return
        self.loop.add_reader(self.pidfd, self._check_exit)
        self._check_exit()

    def _poll_exit(self) -> None:
        self.exit_poll = None
        if not self._check_exit():
            self.exit_poll = self.loop.call_later(self.exit_poll_delay, self._poll_exit)
            self.exit_poll_delay = min(self.exit_poll_delay * 2, 0.05)

    def _check_exit(self) -> bool:
        """Record the leader's exit status without reaping it (WNOWAIT)."""
        if self.exit_fut.done():
            return True
        try:
            info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            # Reaped behind our back (someone's waitpid(-1) / SIGCHLD handler): it has exited,
            # but unless Popen did the reaping its status is lost; report -1.
            status = self.proc.returncode
            if status is None:
                status = -1
            self.exit_fut.set_result(
                (os.CLD_EXITED, status) if status >= 0 or status == -1 else (os.CLD_KILLED, -status)
            )
        else:
            if info is None or info.si_pid == 0:
                return False
            self.exit_fut.set_result((info.si_code, info.si_status))
        if self.pidfd is not None:
            self.loop.remove_reader(self.pidfd)
        return True

    # -- result --------------------------------------------------------------------------------

    def _result(self) -> ExecResult:
        duration = time.monotonic() - self.started
        sig: int | None = None
        if self.exit_fut.done():
            code_kind, status = self.exit_fut.result()
            if code_kind == os.CLD_EXITED:
                exit_code = status
            else:
                sig = status
                exit_code = _SIGNAL_BASE + status
        elif self.proc.returncode is not None:
            rc = self.proc.returncode
            sig = -rc if rc < 0 else None
            exit_code = _SIGNAL_BASE + sig if sig is not None else rc
        else:
            exit_code = -1
        if self.stop_reason == "timeout":
            exit_code = EXIT_CODE_TIMEOUT
        elif self.stop_reason == "cancel":
            exit_code = EXIT_CODE_CANCELLED
        out = self.buffers["stdout"].text()
        err = self.buffers["stderr"].text()
        agg = self.aggregated.text()
        throttle = self.throttle
        return ExecResult(
            exit_code=exit_code,
            signal=sig,
            duration=duration,
            timed_out=self.stop_reason == "timeout",
            cancelled=self.stop_reason == "cancel",
            stdout=out.text,
            stderr=err.text,
            aggregated_output=agg.text,
            stdout_bytes=out.total_bytes,
            stderr_bytes=err.total_bytes,
            stdout_elided=out.elided_bytes,
            stderr_elided=err.elided_bytes,
            aggregated_elided=agg.elided_bytes,
            deltas_emitted=throttle.deltas_emitted if throttle else 0,
            delta_bytes_skipped=throttle.bytes_skipped if throttle else 0,
            pid=self.proc.pid,
        )
