"""Signalling and inspecting a command's process group.

Every command runs in its own session (``start_new_session=True``), so its process group id is
the leader's pid and everything it forks (``sh -c 'a & b'``, test runners, dev servers) is in that
group unless it deliberately leaves it. Killing the group, not the pid, is what leaves no orphans.

The leader is not reaped until the group has been killed: while it is a zombie its pid, and so the
group id, cannot be reused by an unrelated process, so a late ``killpg`` can never hit a stranger.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import signal

__all__ = ["group_members", "signal_group"]


def signal_group(pgid: int, sig: signal.Signals | int) -> bool:
    """Send ``sig`` to process group ``pgid``. False if the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member changed credentials (setuid); nothing more we can do
        return False
    return True


def group_members(pgid: int) -> list[int] | None:
    """Pids of the live (non-zombie) processes in group ``pgid``; None where /proc is missing."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    members = []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # exited while we looked
        # "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) < 3:
            continue
        if int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            members.append(int(name))
    return members
