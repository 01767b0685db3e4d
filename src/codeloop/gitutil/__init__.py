"""Git facts for a working folder, from the ``git`` CLI (never a library, never raising).

- :mod:`.info`: :func:`git_info` (commit, branch, origin URL), :func:`repo_root`,
  :func:`is_inside_git_repo`
- :mod:`.urls`: :func:`strip_url_credentials`
- :mod:`.run`: the git call wrapper (timeouts, no prompts, no optional locks)
"""

from __future__ import annotations

from codeloop.gitutil.info import git_info, git_info_async, is_inside_git_repo, repo_root
from codeloop.gitutil.urls import strip_url_credentials

__all__ = [
    "git_info",
    "git_info_async",
    "is_inside_git_repo",
    "repo_root",
    "strip_url_credentials",
]
