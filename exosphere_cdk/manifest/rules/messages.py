"""Rules: every message someone sends is received by someone, and ExoCom's routes fit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.design.derive import bus_messages, bus_name, routes
from exosphere_cdk.manifest.errors import Problem, Severity
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService

#: ECS refuses a task definition over 64 KiB; ExoCom's holds SERVICE_ROUTES plus about 2 KB.
ROUTES_MAX_BYTES = 60_000
#: Past this, `validate` warns that the app is growing towards ROUTES_MAX_BYTES.
ROUTES_WARN_BYTES = 48_000


def check(app: LoadedApp) -> list[Problem]:
    return [*unmatched(app), *routes_size(app)]


def unmatched(app: LoadedApp) -> list[Problem]:
    """A message sent that no service receives, or received that none sends: a warning."""
    on_bus = bus_messages(app)
    problems: list[Problem] = []
    for svc in app.services:
        messages = svc.messages
        problems += _unmatched(
            app, svc, "sends", names=messages.sends, others=on_bus.receivers, verb="receives"
        )
        problems += _unmatched(
            app, svc, "receives", names=messages.receives, others=on_bus.senders, verb="sends"
        )
    return problems


def _unmatched(
    app: LoadedApp,
    svc: LoadedService,
    kind: exocom.Direction,
    *,
    names: Iterable[str],
    others: Mapping[str, tuple[str, ...]],
    verb: str,
) -> list[Problem]:
    problems: list[Problem] = []
    for index, name in enumerate(names):
        on_bus = bus_name(app, svc, name, kind)
        if on_bus in others:
            continue
        shown = f"'{name}'" if on_bus == name else f"'{name}' (on the bus '{on_bus}')"
        at = svc.source.at("messages").key(kind, index)
        problems.append(at.problem(f"{shown}: no service {verb} it", "warning"))
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
