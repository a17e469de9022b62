"""What public DNS answers for a name's NS records, over DNS-over-HTTPS (stdlib only)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

__all__ = ["DOH_URL", "NS", "name_servers_in", "public_name_servers"]

#: Google Public DNS's JSON API: the answer any resolver on the internet would give.
DOH_URL = "https://dns.google/resolve"
#: The DNS record type of a name server.
NS = 2
_NXDOMAIN = 3


def public_name_servers(name: str, *, timeout: float = 5.0) -> list[str] | None:
    """The name servers public DNS answers for `name` ([] when none), None when it cannot say."""
    query = urllib.parse.urlencode({"name": name, "type": "NS"})
    try:
        with urllib.request.urlopen(f"{DOH_URL}?{query}", timeout=timeout) as answer:
            document = json.loads(answer.read())
    except (OSError, ValueError):
        return None
    return name_servers_in(document, name)


def name_servers_in(document: Any, name: str) -> list[str] | None:
    """The NS records of `name` in a DNS-over-HTTPS JSON answer (None: a failed lookup)."""
    if not isinstance(document, dict):
        return None
    status = document.get("Status")
    if status == _NXDOMAIN:
        return []
    if status != 0:
        return None
    wanted = name.lower().rstrip(".")
    return sorted(
        str(record["data"]).lower().rstrip(".")
        for record in document.get("Answer", [])
        if record.get("type") == NS and str(record.get("name", "")).lower().rstrip(".") == wanted
    )
