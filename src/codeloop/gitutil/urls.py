"""Removing credentials from git remote URLs before they are stored or shown.

``https://user:token@host/x`` is a common way to push from CI; the token must never reach a session
file, a log or the index. For http(s) and ftp(s) the whole user part goes (a token is often the
user name alone, ``https://TOKEN@host/x``); for ssh-like schemes only a password goes, since the
user name (``ssh://git@host/x``) is not a secret and is needed to tell remotes apart. scp-like
remotes (``git@host:org/repo``) cannot carry a password and are kept as they are.
"""

from __future__ import annotations

import re

__all__ = ["strip_url_credentials"]

_DROP_USER_SCHEMES = frozenset({"http", "https", "ftp", "ftps"})
#: scheme://authority rest, the authority ending at the first / ? or # (RFC 3986).
_URL = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#]*)(?P<rest>.*)$", re.S
)


def strip_url_credentials(url: str) -> str:
    """``url`` without its secret parts (see the module docstring); other URLs unchanged."""
    m = _URL.match(url)
    if m is None:
        return url
    userinfo, at, host = m["authority"].rpartition("@")
    if not at:
        return url
    if m["scheme"].lower() in _DROP_USER_SCHEMES:
        authority = host
    else:
        user = userinfo.partition(":")[0]
        authority = f"{user}@{host}" if user else host
    return f"{m['scheme']}://{authority}{m['rest']}"
