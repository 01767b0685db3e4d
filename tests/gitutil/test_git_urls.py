"""Credentials never survive strip_url_credentials."""

from __future__ import annotations

import pytest

from codeloop.gitutil import strip_url_credentials


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:token@host/x", "https://host/x"),
        ("https://x-access-token:ghs_abc@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://ghp_TOKEN@github.com/o/r.git", "https://github.com/o/r.git"),
        ("HTTP://u:p@host:8080/x?y=1", "HTTP://host:8080/x?y=1"),
        ("ftp://u:p@host/x", "ftp://host/x"),
        ("ssh://git:pw@host:22/o/r.git", "ssh://git@host:22/o/r.git"),
        ("ssh://git@host/o/r.git", "ssh://git@host/o/r.git"),
        ("ssh://:pw@host/o/r.git", "ssh://host/o/r.git"),
        ("git+ssh://me:pw@host/r", "git+ssh://me@host/r"),
        ("https://host/path@with-at", "https://host/path@with-at"),
        ("https://u:p@[::1]/x", "https://[::1]/x"),
        ("https://u:p@[bad/x", "https://[bad/x"),
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("/srv/git/repo.git", "/srv/git/repo.git"),
        ("file:///srv/git/repo.git", "file:///srv/git/repo.git"),
        ("", ""),
    ],
)
def test_strip_url_credentials(url: str, expected: str) -> None:
    assert strip_url_credentials(url) == expected
