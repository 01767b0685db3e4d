"""run_command with real processes: exit codes, signals, streams, timeouts, cancellation, groups."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codeloop.aio import CancellationToken
from codeloop.execution import (
    EXIT_CODE_CANCELLED,
    EXIT_CODE_NOT_EXECUTABLE,
    EXIT_CODE_NOT_FOUND,
    EXIT_CODE_TIMEOUT,
    run_command,
)

PY = sys.executable


def pid_gone(pid: int) -> bool:
    """Dead: no such process, or a zombie waiting for init (which this container may not run)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return True
    return stat[stat.rfind(b")") + 2 :].split()[0] in (b"Z", b"X")


def pids_in(text: str) -> list[int]:
    return [int(word) for word in text.split() if word.isdigit()]


async def test_exit_code_and_separate_streams() -> None:
    r = await run_command(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert r.exit_code == 3
    assert r.signal is None
    assert r.stdout == "out\n"
    assert r.stderr == "err\n"
    assert sorted(r.aggregated_output.splitlines()) == ["err", "out"]
    assert (r.stdout_bytes, r.stderr_bytes) == (4, 4)
    assert not r.timed_out and not r.cancelled and not r.ok
    assert r.duration > 0 and r.pid


async def test_success() -> None:
    r = await run_command(["true"])
    assert r.exit_code == 0 and r.ok
    assert r.stdout == r.stderr == r.aggregated_output == ""


async def test_aggregated_output_interleaves_in_order() -> None:
    script = "echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three"
    r = await run_command(["sh", "-c", script])
    assert r.aggregated_output == "one\ntwo\nthree\n"
    assert r.stdout == "one\nthree\n"
    assert r.stderr == "two\n"


@pytest.mark.parametrize(("sig", "code"), [("KILL", 137), ("TERM", 143), ("INT", 130)])
async def test_signal_death(sig: str, code: int) -> None:
    r = await run_command(["sh", "-c", f"kill -{sig} $$"])
    assert r.exit_code == code
    assert r.signal == code - 128
    assert not r.timed_out


async def test_stdin_is_closed() -> None:
    started = time.monotonic()
    r = await run_command(["cat"], timeout_ms=5000)
    assert r.exit_code == 0 and r.stdout == ""
    assert time.monotonic() - started < 2
    r = await run_command(["sh", "-c", "read line; echo rc=$?"])
    assert r.stdout == "rc=1\n"


async def test_cwd_and_env_are_honoured(tmp_path: Path) -> None:
    r = await run_command(
        ["sh", "-c", 'pwd; echo "$GREETING"'],
        cwd=tmp_path,
        env={"GREETING": "hello there", "PATH": os.environ["PATH"]},
    )
    assert r.stdout.splitlines() == [str(tmp_path.resolve()), "hello there"]


async def test_program_not_found() -> None:
    r = await run_command(["definitely-not-a-program-xyz", "--flag"])
    assert r.exit_code == EXIT_CODE_NOT_FOUND == 127
    assert r.stderr == "codeloop: definitely-not-a-program-xyz: command not found\n"
    assert r.aggregated_output == r.stderr
    assert r.spawn_error and r.pid is None
    r = await run_command(["/no/such/program"])
    assert r.exit_code == 127
    assert "No such file or directory" in r.stderr


async def test_program_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("echo hi\n")
    r = await run_command([str(script)])
    assert r.exit_code == EXIT_CODE_NOT_EXECUTABLE == 126
    assert "Permission denied" in r.stderr


async def test_missing_working_directory(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    r = await run_command(["true"], cwd=missing)
    assert r.exit_code == 127
    assert str(missing) in r.stderr and "working directory" in r.stderr


async def test_empty_argv_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        await run_command([])


async def test_timeout_kills_the_whole_group() -> None:
    started = time.monotonic()
    r = await run_command(
        ["sh", "-c", "sleep 100 & echo $!; sleep 100 & echo $!; wait"],
        timeout_ms=300,
        kill_grace_ms=2000,
    )
    elapsed = time.monotonic() - started
    assert r.timed_out and not r.cancelled
    assert r.exit_code == EXIT_CODE_TIMEOUT == 124
    assert r.signal == 15  # sh died of the SIGTERM
    # Everything exited on SIGTERM, so we did not sit out the 2 s grace period.
    assert 0.29 < elapsed < 1.5
    children = pids_in(r.stdout)
    assert len(children) == 2
    assert all(pid_gone(pid) for pid in children)


GRANDCHILD_IGNORES_TERM = textwrap.dedent(
    """
    import os, signal, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pid = os.fork()
    if pid == 0:
        print(os.getpid(), flush=True)
        time.sleep(100)
        os._exit(0)
    time.sleep(100)
    """
)


async def test_grandchild_ignoring_sigterm_is_killed_after_grace() -> None:
    started = time.monotonic()
    r = await run_command([PY, "-c", GRANDCHILD_IGNORES_TERM], timeout_ms=500, kill_grace_ms=300)
    elapsed = time.monotonic() - started
    assert r.timed_out
    assert r.signal == 9  # SIGTERM ignored: SIGKILL after the grace period
    assert 0.75 < elapsed < 3
    (grandchild,) = pids_in(r.stdout)
    assert pid_gone(grandchild)


async def test_grandchild_holding_the_pipe_does_not_hang_the_read() -> None:
    started = time.monotonic()
    r = await run_command(["sh", "-c", "sleep 30 & echo $!; echo done"], drain_timeout_ms=200)
    elapsed = time.monotonic() - started
    assert r.exit_code == 0 and not r.timed_out
    pid, done = r.stdout.split()
    assert done == "done"
    assert elapsed < 2
    # Left running by default (a command may start a server on purpose)...
    assert not pid_gone(int(pid))
    os.kill(int(pid), 9)


async def test_kill_group_on_exit() -> None:
    started = time.monotonic()
    r = await run_command(
        ["sh", "-c", "sleep 30 & echo $!"], kill_group_on_exit=True, drain_timeout_ms=2000
    )
    assert time.monotonic() - started < 1.5
    (pid,) = pids_in(r.stdout)
    assert pid_gone(pid)


async def test_background_process_with_redirected_output_is_not_waited_for() -> None:
    started = time.monotonic()
    r = await run_command(["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!"])
    assert time.monotonic() - started < 0.4  # no drain wait: nobody holds our pipes
    (pid,) = pids_in(r.stdout)
    os.kill(pid, 9)


async def test_cancellation_kills_quickly() -> None:
    token = CancellationToken()
    loop = asyncio.get_running_loop()
    cancelled_at = 0.0

    def cancel() -> None:
        nonlocal cancelled_at
        cancelled_at = time.monotonic()
        token.cancel()

    loop.call_later(0.2, cancel)
    r = await run_command(
        ["sh", "-c", "sleep 100 & echo $!; sleep 100"], cancel=token, timeout_ms=10_000
    )
    latency = time.monotonic() - cancelled_at
    assert r.cancelled and not r.timed_out
    assert r.exit_code == EXIT_CODE_CANCELLED
    assert latency < 0.2, f"took {latency:.3f}s to stop after cancel()"
    (grandchild,) = pids_in(r.stdout)
    assert pid_gone(grandchild)


async def test_already_cancelled_token() -> None:
    token = CancellationToken()
    token.cancel()
    started = time.monotonic()
    r = await run_command(["sleep", "10"], cancel=token)
    assert r.cancelled and time.monotonic() - started < 1


async def test_cancel_from_another_thread() -> None:
    token = CancellationToken()
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, lambda: loop.run_in_executor(None, token.cancel))
    r = await run_command(["sleep", "10"], cancel=token)
    assert r.cancelled


async def test_task_cancellation_kills_the_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"echo $$ > {pids}; sleep 100 & echo $! >> {pids}; sleep 100"
    task = asyncio.ensure_future(run_command(["sh", "-c", script]))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if len(pids_in(pids.read_text() if pids.exists() else "")) == 2:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)  # SIGKILL is asynchronous and this path does not wait for it
    leader, grandchild = pids_in(pids.read_text())
    assert pid_gone(leader) and pid_gone(grandchild)


async def test_concurrent_commands() -> None:
    results = await asyncio.gather(
        *(run_command(["sh", "-c", f"echo {i}; echo e{i} >&2; exit {i % 4}"]) for i in range(20))
    )
    for i, r in enumerate(results):
        assert r.stdout == f"{i}\n" and r.stderr == f"e{i}\n" and r.exit_code == i % 4


async def test_binary_output_never_raises() -> None:
    r = await run_command(["head", "-c", "200000", "/dev/urandom"])
    assert r.stdout_bytes == 200_000
    assert isinstance(r.stdout, str)
    r = await run_command(["cat", "/bin/ls"])
    assert r.stdout_bytes == Path("/bin/ls").stat().st_size
    assert isinstance(r.stdout, str) and "\ufffd" in r.stdout


async def test_non_utf8_output_is_decoded() -> None:
    text = "Привет, мир! Файл не найден.\n"
    r = await run_command(
        [PY, "-c", f"import sys; sys.stdout.buffer.write({text.encode('cp1251')!r})"]
    )
    assert r.stdout == text
