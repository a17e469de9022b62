"""Rules: every message someone sends is received by someone, and ExoCom's routes fit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.design.derive import bus_messages, bus_name, routes
from exosphere_cdk.manifest.errors import Problem, Severity, did_you_mean
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import UNPRINTABLE

#: ECS refuses a task definition over 64 KiB; ExoCom's holds SERVICE_ROUTES plus about 2 KB.
ROUTES_MAX_BYTES = 60_000
#: Past this, `validate` warns that the app is growing towards ROUTES_MAX_BYTES.
ROUTES_WARN_BYTES = 48_000
#: A name its pattern refuses (MESSAGE_PATTERN): that error is its one line.
_REFUSED = re.compile(f"[{UNPRINTABLE}]")


def check(app: LoadedApp) -> list[Problem]:
    return [*unmatched(app), *routes_size(app)]


def unmatched(app: LoadedApp) -> list[Problem]:
    """A message sent that no service receives, or received that none sends: a warning."""
    on_bus = bus_messages(app)
    hints = MessageHints(app)
    problems: list[Problem] = []
    for svc in app.services:
        messages = svc.messages
        problems += _unmatched(
            hints, svc, "sends", names=messages.sends, others=on_bus.receivers, verb="receives"
        )
        problems += _unmatched(
            hints, svc, "receives", names=messages.receives, others=on_bus.senders, verb="sends"
        )
    return problems


def _unmatched(
    hints: MessageHints,
    svc: LoadedService,
    kind: exocom.Direction,
    *,
    names: Iterable[str],
    others: Mapping[str, tuple[str, ...]],
    verb: str,
) -> list[Problem]:
    problems: list[Problem] = []
    for index, name in enumerate(names):
        on_bus = bus_name(hints.app, svc, name, kind)
        if on_bus in others or _REFUSED.search(name):
            continue
        shown = f"'{name}'" if on_bus == name else f"'{name}' (on the bus '{on_bus}')"
        hint = hints.hint(svc, kind, on_bus, others, translated=on_bus != name)
        at = svc.source.at("messages").key(kind, index)
        problems.append(at.problem(f"{shown}: no service {verb} it{hint}", "warning"))
    return problems


def routes_size(app: LoadedApp) -> list[Problem]:
    """ExoCom's SERVICE_ROUTES (every service's messages) must fit in its task definition."""
    size = len(exocom.routes_json(app.exocom, routes(app)))
    if size <= ROUTES_WARN_BYTES:
        return []
    message = (
        f"ExoCom's {app.exocom.routes_variable} would be {size} bytes, expected at most"
        f" {ROUTES_MAX_BYTES}"
        " (ECS refuses a task definition over 64 KiB): fewer services or messages per app"
    )
    severity: Severity = "error" if size > ROUTES_MAX_BYTES else "warning"
    return [app.source.at("services").problem(message, severity)]


# ---------------------------------------------------------------- did-you-mean
# Did-you-mean for a message name no other service matches: the closest name it has.
#
# Used by the unmatched-messages rule above. Names are compared on
# the bus (after ExoCom's namespace translation); a name the service itself
# already writes on that side, or one only the service itself sends or receives,
# is never suggested. The comparisons an app costs are bounded (BUDGET), so
# that a manifest of thousands of unmatched messages is still checked at once.
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
            if name not in own
            and len(name) <= LONGEST
            and any(r != svc.role for r in roles)
            and not _REFUSED.search(name)
        )
        guess = did_you_mean(on_bus, candidates)
        if guess is None:
            return ""
        return f", did you mean '{guess}'{' on the bus' if translated else ''}?"

    def _own_names(self, svc: LoadedService, kind: exocom.Direction) -> frozenset[str]:
        """The names on the bus `svc` writes under `kind`, computed once per service."""
        key = (svc.role, kind)
        if key not in self._own:
            messages = svc.messages
            written = messages.sends if kind == "sends" else messages.receives
            self._own[key] = frozenset(bus_name(self.app, svc, n, kind) for n in written)
        return self._own[key]
