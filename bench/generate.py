"""Generate a valid Exosphere app of N services, for the synthesis benchmark and its tests.

    python bench/generate.py DIR --services N [--seed S]

The app looks like a grown-up `manifests/shop`: about a fifth of the services
are public (each with a `production.url` under the app's domain and a
`public-port`; one at the apex, one on a deeper name that needs a certificate
of its own), the storage services have a `namespace` and a mongo dependency,
some other services use mongo too, about one in ten is built from a
Dockerfile, and some have environment variables, secrets and autoscaling
settings. Every message sent is received by some service and the other way
round (after ExoCom's namespace translation), so `exo-cdk validate` reports no
warnings. The same arguments always write the same bytes.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exosphere_cdk.manifest.design.derive import DERIVED_PRIORITIES, derived_priority

#: The app's public zone: every public URL lives in it.
DOMAIN = "bench.example.com"
SLUG = "bench"
#: Role names are `<word>-<index>`: realistic, unique, and DNS labels of at most 32 characters.
WORDS = (
    "users", "orders", "products", "cart", "payments", "mailer", "search", "reviews",
    "inventory", "shipping", "billing", "invoices", "auth", "sessions", "notify",
    "pricing", "catalog", "media", "analytics", "audit", "profiles", "comments",
    "tweets", "feeds", "recommend", "coupons", "returns", "tax", "geo", "chat",
)  # fmt: skip
NAMESPACES = ("mongo", "store")
PUBLIC_PORTS = (80, 3000, 4000, 8080)
CPU_UNITS = (64, 128, 256, 512)
DOCKERFILE = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n'


@dataclass
class _Plan:
    """One service of the generated app, before it is written."""

    index: int
    role: str
    public: bool
    namespace: str | None = None
    mongo: bool = False
    dockerfile: bool = False
    url: str | None = None
    port: int | None = None
    listener_priority: int | None = None
    sends: list[str] = field(default_factory=list)
    receives: list[str] = field(default_factory=list)

    def own(self, verb: str) -> str:
        """A message this service owns, as written in its service.yml (before translation)."""
        return f"{self.namespace or self.role}.{verb}"

    def on_bus(self, verb: str) -> str:
        """The same message as others write it: on the bus, namespaces become the role."""
        return f"{self.role}.{verb}"


def _plan(services: int, rng: random.Random) -> list[_Plan]:
    plans: list[_Plan] = []
    for i in range(services):
        public = i % 5 == 0  # a fifth, and the first service, so that N=1 has a route
        plans.append(_Plan(index=i, role=f"{rng.choice(WORDS)}-{i:03d}", public=public))

    publics = [p for p in plans if p.public]
    used_priorities: set[int] = set()
    next_free = DERIVED_PRIORITIES + 1
    for k, p in enumerate(publics):
        if k == 0:
            p.url = DOMAIN  # the apex, like the shop's storefront
        elif k == 1:
            p.url = f"{p.role}.eu.{DOMAIN}"  # not covered by *.domain: its own certificate
        else:
            p.url = f"{p.role}.{DOMAIN}"
        p.port = rng.choice(PUBLIC_PORTS)
        p.dockerfile = k % 7 == 3
        priority = derived_priority(p.role)
        if priority in used_priorities:  # two roles hash alike: pin one, as a user would
            p.listener_priority = priority = next_free
            next_free += 1
        used_priorities.add(priority)

    privates = [p for p in plans if not p.public]
    for k, p in enumerate(privates):
        if k % 8 == 1:  # a generic storage service, mounted under its role
            p.namespace = NAMESPACES[k % len(NAMESPACES)]
            p.mongo = True
        else:
            p.mongo = k % 4 == 2
            p.dockerfile = k % 10 == 3

    # Messages: each service answers `<own>.get`/`.create`; each is a client of the
    # next service (so every service has a caller) and of up to two random others.
    for p in plans:
        p.receives += [p.own("get"), p.own("create")]
        p.sends += [p.own("details"), p.own("created")]
    for i, client in enumerate(plans):
        first = plans[(i + 1) % services]
        others = [q for q in plans if q is not client and q is not first]
        extra = rng.sample(others, min(len(others), rng.randint(0, 2)))
        for server in [first, *extra]:
            client.sends.append(server.on_bus("get"))
            client.receives.append(server.on_bus("details"))
            if server is first:
                client.sends.append(server.on_bus("create"))
                client.receives.append(server.on_bus("created"))
    return plans


def _application(plans: Sequence[_Plan], services: int) -> dict[str, Any]:
    public = {p.role: {"location": f"./{p.role}"} for p in plans if p.public}
    private: dict[str, Any] = {}
    for p in plans:
        if not p.public:
            ref: dict[str, Any] = {"location": f"./{p.role}"}
            if p.namespace:
                ref["namespace"] = p.namespace
            private[p.role] = ref
    return {
        "name": "Bench Shop",
        "slug": SLUG,
        "description": f"A generated app of {services} services (bench/generate.py)",
        "version": "1.0.0",
        # ExoCom 0.26.4 routes to several tasks of a role: the services scale.
        "bus": {"type": "exocom", "version": "0.26.4"},
        "environments": {
            "local": None,
            "production": {
                "domain": DOMAIN,
                "providers": {
                    "aws": {
                        "region": "eu-west-1",
                        "account-id": "123456789012",
                        "public-cluster-size": "t3.medium",
                        "private-cluster-size": "t3.xlarge",
                        "exocom-cluster-size": "t3.small",
                        "availability-zones": 3,
                        "nat-gateways": 2,
                        "public-cluster-min": 2,
                        # as many instances as the tasks need at max-tasks (exo-cdk validate)
                        "public-cluster-max": max(6, min(100, services * 2 // 5)),
                        "private-cluster-min": 2,
                        "private-cluster-max": max(10, min(100, services * 2 // 5)),
                        "log-retention-days": 90,
                    }
                },
            },
        },
        "services": {"public": public, "private": private},
    }


def _service(p: _Plan, rng: random.Random) -> dict[str, Any]:
    storage = p.namespace is not None
    doc: dict[str, Any] = {
        "type": "exosphere-mongo-service" if storage else f"bench-{p.role.rsplit('-', 1)[0]}",
        "description": f"generated service {p.index}",
        "author": "exosphere-cdk-bench",
        "setup": "npm install",
        "startup": {
            "command": (
                f"node server.js --port {p.port}"
                if p.public
                else "node_modules/exoservice/bin/exo-js"
            ),
            "online-text": "online at port",
        },
        "messages": {"sends": p.sends, "receives": p.receives},
    }
    if p.mongo:
        mongo: dict[str, Any] = {"version": "3.4.0", "prod": "mongo.bench.internal:27017"}
        if p.index % 3 == 0:
            mongo["secret"] = f"{SLUG}/{p.role}-mongo"
        doc["dependencies"] = {"mongo": mongo}
    cpu = rng.choice(CPU_UNITS)
    aws: dict[str, Any] = {"cpu": cpu, "memory": cpu * 2}
    production: dict[str, Any] = {}
    if p.public:
        production["url"] = p.url
        aws["public-port"] = p.port
        if p.index % 2 == 0:
            aws["health-check-path"] = "/healthz"
        if p.listener_priority is not None:
            aws["listener-priority"] = p.listener_priority
    if p.index % 4 == 1:
        low = rng.randint(1, 3)
        aws.update({"min-tasks": low, "max-tasks": low + rng.randint(1, 6), "cpu-target": 60})
    production["aws"] = aws
    environment = {"LOG_LEVEL": rng.choice(("info", "warn", "debug"))}
    if p.public:
        environment["PORT"] = str(p.port)
    production["environment"] = environment
    if p.index % 7 == 2:
        production["secrets"] = {
            "API_KEY": f"{SLUG}/{p.role}-api-key",
            "WEBHOOK_SECRET": {"name": f"{SLUG}/webhooks", "json-key": p.role},
        }
    doc["production"] = production
    return doc


def _dump(header: str, data: dict[str, Any]) -> str:
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)
    return f"# {header}\n{body}"


def generate_app(directory: Path, services: int, seed: int = 0) -> None:
    """Write an app of `services` services into `directory` (created; must be empty).

    The same `services` and `seed` always give the same files, byte for byte.
    """
    if services < 1:
        raise ValueError(f"services must be at least 1, got {services}")
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty, expected a new or empty folder")
    rng = random.Random(f"exosphere-bench:{services}:{seed}")
    plans = _plan(services, rng)
    header = f"generated by bench/generate.py --services {services} --seed {seed}"
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / "application.yml", _dump(header, _application(plans, services)))
    for p in plans:
        folder = directory / p.role
        folder.mkdir()
        _write(folder / "service.yml", _dump(header, _service(p, rng)))
        if p.dockerfile:
            _write(folder / "Dockerfile", DOCKERFILE)


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode())  # no newline translation: the same bytes everywhere


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("directory", type=Path, help="folder to write (new or empty)")
    parser.add_argument("--services", type=int, required=True, help="number of services (>= 1)")
    parser.add_argument("--seed", type=int, default=0, help="another seed, another app (0)")
    args = parser.parse_args(argv)
    try:
        generate_app(args.directory, args.services, args.seed)
    except (ValueError, FileExistsError) as exc:
        parser.error(str(exc))
    print(f"wrote an app of {args.services} services to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
