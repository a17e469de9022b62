"""The ExoCom releases we deploy, read from Originate/exocom at their tags: how each runs.

Every tag of Originate/exocom from v0.21.0 to v0.27.0 (the last) is here, in
families that start and behave alike. What each field says was read from the
server's source at the family's tags (`exocom-server/src` for the Node.js
server, `go/exocom` for the Go one), its Dockerfile and its CHANGELOG.md, and
from how Exosphere's own deployers started it (exo-deploy at v0.21.8:
`command: ['bin/exocom']`; the Go era's Terraform modules: the image's own
command). `bus.version` outside this table is an error.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import attrs
from attrs import frozen

#: The port ExoCom listens on in every deployed app (its `PORT`), and services connect to.
EXOCOM_PORT = 3100
#: ExoCom's image on Docker Hub, `originate/exocom:<version>`.
IMAGE_REPOSITORY = "originate/exocom"

Translation = Literal["node-namespace", "go-namespace", "one-to-one"]
RoutesShape = Literal["list-namespace", "list-translations", "map-translations"]


@frozen
class ExoComFamily:
    """Releases of ExoCom that are started alike and behave alike."""

    #: `0.21.0-0.22.1`: how the docs name the family.
    name: str
    #: The image tags (`originate/exocom:<tag>`), oldest first.
    versions: tuple[str, ...]
    #: The server: `Node.js` (exocom-server) or `Go` (go/exocom).
    server: str
    #: The container's command; None: the image's own (`./exocom` in a busybox image).
    command: tuple[str, ...] | None
    #: The variable holding the port (always set: EXOCOM_PORT).
    port_variable: str
    #: The variable holding the routing table, and the table's JSON shape.
    routes_variable: Literal["SERVICE_ROUTES", "SERVICE_DATA"]
    routes_shape: RoutesShape
    #: How a namespaced role's message names are translated (see `bus_name`).
    translation: Translation
    #: More than one connection (task) per role is routed correctly.
    several_per_role: bool
    #: The family's ExoRelay and exoservice connect again after ExoCom restarts.
    clients_reconnect: bool
    #: A send the routes do not allow, or a role they do not name, makes ExoCom exit.
    stops_on_refused_send: bool
    #: A client that leaves takes every other role's subscription to the messages it received.
    drops_shared_subscriptions: bool
    #: The role `security` is ExoCom's security adapter: its routes are ExoCom's own.
    security_role: bool
    #: The CPU architectures its images are published for.
    architectures: tuple[str, ...] = ("x86_64",)
    #: What else to know, one line.
    note: str = ""

    @property
    def image_layout(self) -> str:
        if self.command is None:
            return "Go binary `./exocom` in a busybox image (its own command)"
        return f"Node.js server started with `{' '.join(self.command)}`"


#: The Go server (0.23.0 on): its image's own command, clients that reconnect, a refused
#: send only logged. Each Go family below says how it differs.
_GO = ExoComFamily(
    name="",
    versions=(),
    server="Go",
    command=None,
    port_variable="PORT",
    routes_variable="SERVICE_ROUTES",
    routes_shape="list-translations",
    translation="one-to-one",
    several_per_role=False,
    clients_reconnect=True,
    stops_on_refused_send=False,
    drops_shared_subscriptions=False,
    security_role=False,
)

#: Every ExoCom release, by family, oldest first.
FAMILIES: tuple[ExoComFamily, ...] = (
    ExoComFamily(
        name="0.21.0-0.22.1",
        versions=(
            "0.21.0",
            "0.21.1",
            "0.21.2",
            "0.21.3",
            "0.21.4",
            "0.21.5",
            "0.21.7",
            "0.21.8",
            "0.22.0",
            "0.22.1",
        ),
        server="Node.js",
        command=("bin/exocom",),
        port_variable="PORT",
        routes_variable="SERVICE_ROUTES",
        routes_shape="list-namespace",
        translation="node-namespace",
        several_per_role=False,
        clients_reconnect=False,
        stops_on_refused_send=True,
        drops_shared_subscriptions=True,
        security_role=False,
        note="the server code of every tag is identical; 0.21.6 was never tagged",
    ),
    attrs.evolve(
        _GO,
        name="0.23.0",
        versions=("0.23.0",),
        routes_shape="list-namespace",
        translation="go-namespace",
        note="messages carry `activityId` instead of `responseTo`: clients of 0.21-0.22 do not"
        " match its replies",
    ),
    attrs.evolve(_GO, name="0.24.0", versions=("0.24.0",)),
    attrs.evolve(
        _GO,
        name="0.25.0-0.26.2",
        versions=("0.25.0", "0.25.1", "0.26.0", "0.26.1", "0.26.2"),
        security_role=True,
        note="without PORT it listens on 80 from 0.26.1; 0.26.2 routes to several tasks of a"
        " role but leaks memory doing it (fixed in 0.26.3): deployed as one task per role",
    ),
    attrs.evolve(
        _GO,
        name="0.26.3-0.26.4",
        versions=("0.26.3", "0.26.4"),
        several_per_role=True,
        security_role=True,
        note="a reply goes to the task that sent the request; other messages to one task of"
        " the role, at random; without PORT it listens on 80",
    ),
    attrs.evolve(
        _GO,
        name="0.27.0",
        versions=("0.27.0",),
        routes_variable="SERVICE_DATA",
        routes_shape="map-translations",
        several_per_role=True,
        security_role=True,
        note="the last release (2017-12-08); refuses to start without SERVICE_DATA; without"
        " PORT it listens on 80",
    ),
)

#: Every supported version, oldest first.
VERSIONS: tuple[str, ...] = tuple(v for family in FAMILIES for v in family.versions)
_BY_VERSION: Mapping[str, ExoComFamily] = {v: f for f in FAMILIES for v in f.versions}
#: The first release that routes to several tasks of one role.
SEVERAL_PER_ROLE_FROM = next(f.versions[0] for f in FAMILIES if f.several_per_role)


def family(version: str) -> ExoComFamily | None:
    """The family of ExoCom `version`; None for a version we do not deploy."""
    return _BY_VERSION.get(version)


def nearest_version(version: str) -> str | None:
    """The supported version a user most likely meant: the nearest patch of the same
    `major.minor` (`0.22.2` -> `0.22.1`), else the same digits (`0.2.18` -> `0.21.8`), else
    a close spelling (`0.21.8a` -> `0.21.8`); None if none is close. A leading `v` and
    separators other than dots (`0,21,8`) are forgiven."""
    if len(version) > 20:
        return None  # no release is that long (and difflib is quadratic)
    written = re.sub(r"[,_\- ]", ".", version.strip()).lstrip("vV")
    parts = written.split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        same = [v for v in VERSIONS if v.split(".")[:2] == parts[:2]]
        if same:
            patch = int(parts[2])
            return min(
                same, key=lambda v: (abs(int(v.split(".")[2]) - patch), -int(v.split(".")[2]))
            )
    if written in VERSIONS:
        return written
    # A misplaced dot: `0.2.18` is `0.21.8`.
    squashed = [v for v in VERSIONS if v.replace(".", "") == written.replace(".", "")]
    if squashed:
        return squashed[0]
    matches = difflib.get_close_matches(written, VERSIONS, n=1, cutoff=0.8)
    return matches[0] if matches else None


def image(version: str) -> str:
    """ExoCom's image: `originate/exocom:<version>`."""
    return f"{IMAGE_REPOSITORY}:{version}"


def supported_versions_text() -> str:
    """The supported versions, by family: `0.21.0-0.22.1, 0.23.0, …` (for messages)."""
    return ", ".join(f.name for f in FAMILIES)


# ---------------------------------------------------------------- routes


@frozen
class MessageTranslation:
    """A message's name on the bus (`public`) and in the service (`internal`)."""

    public: str
    internal: str


@frozen
class Route:
    """One entry of ExoCom's routing table: a service and its messages, as written."""

    role: str
    receives: tuple[str, ...]
    sends: tuple[str, ...]
    #: exo-deploy's namespace: `<namespace>.x` in the service is `<role>.x` on the bus.
    namespace: str | None = None
    #: The Go era's translations as written (`message-translation`,
    #: `dependency-data.exocom.translations`): `internal` in the service is `public` on the bus.
    written: tuple[MessageTranslation, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The route as JSON data, whatever the release: `namespace` only when there is one."""
        entry: dict[str, object] = {
            "role": self.role,
            "receives": list(self.receives),
            "sends": list(self.sends),
        }
        if self.namespace:
            entry["namespace"] = self.namespace
        if self.written:
            entry["translations"] = _as_json(self.written)
        return entry

    def translations(self) -> tuple[MessageTranslation, ...]:
        """The one-to-one translations: the written ones, in their order, then the namespace's.

        The namespace's: every written name (sends, then receives, each once)
        starting with `<namespace>.` is carried as `<role>.` and the rest of
        the name, whole, unless a written translation already carries it.
        """
        if not self.namespace:
            return self.written
        prefix = f"{self.namespace}."
        seen: dict[str, None] = {t.internal: None for t in self.written}
        derived: list[MessageTranslation] = []
        for name in (*self.sends, *self.receives):
            if name.startswith(prefix) and len(name) > len(prefix) and name not in seen:
                seen[name] = None
                derived.append(
                    MessageTranslation(public=f"{self.role}.{name[len(prefix) :]}", internal=name)
                )
        return (*self.written, *derived)


def routes_value(family: ExoComFamily, routes: Sequence[Route]) -> object:
    """The routing table as `family` reads it (JSON data), the routes in the order given."""
    if family.routes_shape == "list-namespace":
        # These releases read no translations (the rules refuse written ones).
        return [attrs.evolve(route, written=()).as_json() for route in routes]
    if family.routes_shape == "list-translations":
        listed: list[dict[str, object]] = []
        for route in routes:
            entry: dict[str, object] = {
                "role": route.role,
                "receives": list(route.receives),
                "sends": list(route.sends),
            }
            translations = _translations_json(route)
            if translations:
                entry["messageTranslations"] = translations
            listed.append(entry)
        return listed
    return {
        route.role: {
            "receives": list(route.receives),
            "sends": list(route.sends),
            "translations": _translations_json(route),
        }
        for route in routes
    }


def _translations_json(route: Route) -> list[dict[str, str]]:
    return _as_json(route.translations())


def _as_json(translations: Iterable[MessageTranslation]) -> list[dict[str, str]]:
    return [{"public": t.public, "internal": t.internal} for t in translations]


def routes_json(family: ExoComFamily, routes: Sequence[Route]) -> str:
    """The routing table as compact JSON: the value of `family.routes_variable`."""
    return json.dumps(routes_value(family, routes), separators=(",", ":"))


def environment(family: ExoComFamily, routes: Sequence[Route]) -> dict[str, str]:
    """ExoCom's container environment: its port and its routes."""
    return {
        family.port_variable: str(EXOCOM_PORT),
        family.routes_variable: routes_json(family, routes),
    }


# ---------------------------------------------------------------- translation


Direction = Literal["sends", "receives"]


def bus_name(family: ExoComFamily, route: Route, message: str, direction: Direction) -> str:
    """The name of `message` on the bus when `route`'s service sends or receives it,
    exactly as ExoCom of `family` translates it.

    - Node.js (0.21-0.22), a namespaced role: a sent `<namespace>.b…` is
      `<role>.b` (only the second dot-segment is kept); a received `a.b…` whose
      `a` is not the role is `<role>.b`, whatever `a` is (`mongo.item.get` →
      `products.item`).
    - Go 0.23.0, a namespaced role: any sent or received `a.b…` is `<role>.b`.
    - Go 0.24 and later: one-to-one translations (`Route.translations`: the
      written ones, then `<namespace>.x` ↔ `<role>.x`, the whole rest of the
      name kept), as ExoCom looks them up (the first whose `internal` is the
      name); a name none translates is unchanged.
    - Node.js and Go 0.23.0: without a namespace, and for a name without a dot,
      the name is unchanged (they read no written translations).
    """
    if family.translation == "one-to-one":
        for translation in route.translations():
            if translation.internal == message:
                return translation.public
        return message
    if not route.namespace or "." not in message:
        return message
    parts = message.split(".")
    if family.translation == "node-namespace":
        if direction == "sends":
            return f"{route.role}.{parts[1]}" if parts[0] == route.namespace else message
        return message if parts[0] == route.role else f"{route.role}.{parts[1]}"
    return f"{route.role}.{parts[1]}"


@frozen
class BusMessages:
    """Who sends and who receives each message, by its name on the bus (after
    ExoCom's translation); roles in route order, each once."""

    senders: dict[str, tuple[str, ...]]
    receivers: dict[str, tuple[str, ...]]


def bus_messages(family: ExoComFamily, routes: Iterable[Route]) -> BusMessages:
    """The senders and receivers of every message on the bus."""
    senders: dict[str, dict[str, None]] = {}
    receivers: dict[str, dict[str, None]] = {}
    for route in routes:
        for name in route.sends:
            senders.setdefault(bus_name(family, route, name, "sends"), {})[route.role] = None
        for name in route.receives:
            receivers.setdefault(bus_name(family, route, name, "receives"), {})[route.role] = None
    return BusMessages(
        senders={name: tuple(roles) for name, roles in senders.items()},
        receivers={name: tuple(roles) for name, roles in receivers.items()},
    )


# ---------------------------------------------------------------- deployments


@frozen
class Deployment:
    """How an ECS service of the app replaces its tasks (its deployment configuration)."""

    minimum_healthy_percent: int
    maximum_percent: int

    @property
    def rolling(self) -> bool:
        """Whether new tasks start before the old ones stop."""
        return self.maximum_percent > 100


#: One task per role: the old task stops before the new one starts.
ONE_AT_A_TIME = Deployment(minimum_healthy_percent=0, maximum_percent=100)
#: Several tasks per role: the new tasks start (up to twice as many) before the old ones stop.
ROLLING = Deployment(minimum_healthy_percent=100, maximum_percent=200)


def service_deployment(family: ExoComFamily) -> Deployment:
    """How the services of an app on `family` deploy."""
    return ROLLING if family.several_per_role else ONE_AT_A_TIME
