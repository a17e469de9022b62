"""Did-you-mean for a message name no other service matches: the closest name it has.

Used by the messages rule (fields.py) for its warnings. Names are compared on
the bus (after ExoCom's namespace translation); a name the service itself
already writes on that side, or one only the service itself sends or receives,
is never suggested. The comparisons an app costs are bounded (BUDGET), so
that a manifest of thousands of unmatched messages is still checked at once.
"""

from __future__ import annotations

from collections.abc import Mapping

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.design.derive import bus_name
from exosphere_cdk.manifest.errors import did_you_mean
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService

#: Name comparisons one app may spend on hints; then the remaining warnings have none.
BUDGET = 20_000
#: Names longer than this get no hint (message names are a few words).
LONGEST = 100


class MessageHints:
    """The hints for one app, sharing one budget."""

    def __init__(self, app: LoadedApp) -> None:
        self.app = app
        self.budget = BUDGET
        self._own: dict[tuple[str, str], frozenset[str]] = {}

    def hint(
        self,
        svc: LoadedService,
        kind: exocom.Direction,
        on_bus: str,
        other_side: Mapping[str, tuple[str, ...]],
        *,
        translated: bool,
    ) -> str:
        """`, did you mean 'users.list'?` (`… on the bus?` when `svc`'s names are
        translated on the bus), or nothing."""
        if len(on_bus) > LONGEST or len(other_side) > self.budget:
            return ""
        self.budget -= len(other_side)
        own = self._own_names(svc, kind)
        candidates = sorted(
            name
            for name, roles in other_side.items()
            if name not in own and len(name) <= LONGEST and any(r != svc.role for r in roles)
        )
        guess = did_you_mean(on_bus, candidates)
        if guess is None:
            return ""
        return f", did you mean '{guess}'{' on the bus' if translated else ''}?"

    def _own_names(self, svc: LoadedService, kind: exocom.Direction) -> frozenset[str]:
        """The names on the bus `svc` writes under `kind`, computed once per service."""
        key = (svc.role, kind)
        if key not in self._own:
            messages = svc.service.messages
            written = messages.sends if kind == "sends" else messages.receives
            self._own[key] = frozenset(bus_name(self.app, svc, n, kind) for n in written)
        return self._own[key]
