"""Safe updates: adding, removing or reordering services touches nothing else.

manifests/shop is copied to a temporary folder, changed, and synthesized into a
cloud assembly; the templates are compared as the bytes `cdk deploy` would
upload. Each variant is synthesized once per module.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.stacks import build_stacks
from exosphere_cdk.synth import new_app
from tests.conftest import REPO
from tests.synth import normalise

SHOP = REPO / "manifests" / "shop"
SLUG = "exosphere-shop"
#: Stacks every service stack depends on; they publish the outputs services read.
PRODUCERS = ("network", "zone", "dns", "platform")
ROUTES = "SERVICE_ROUTES"
#: Stacks that list every service: ExoCom (its routes) and monitoring (the dashboard).
CONSUMERS = ("exocom", "monitoring")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def _add_private(app: Path) -> None:
    _edit(
        app / "application.yml",
        "  private:\n",
        "  private:\n    extra:\n      docker_image: example/extra:1\n"
        "      messages:\n        receives: [order.placed]\n",
    )


def _add_public(app: Path) -> None:
    _edit(
        app / "application.yml", "  public:\n", "  public:\n    extra:\n      location: ./extra\n"
    )
    (app / "extra").mkdir()
    (app / "extra" / "service.yml").write_text(
        "type: extra\nauthor: example\nmessages:\n  sends: [order.place]\n"
        "production:\n  url: extra.shop.example.com\n  aws:\n    public-port: 8000\n"
    )


def _remove_mailer(app: Path) -> None:
    _edit(app / "application.yml", "    mailer:\n      location: ./mailer\n", "")


def _reversed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed(v) for k, v in reversed(value.items())}
    if isinstance(value, list):
        return [_reversed(v) for v in value]
    return value


def _reorder(app: Path) -> None:
    """Every mapping of every manifest rewritten in reverse key order (services too)."""
    for file in [app / "application.yml", *app.glob("*/service.yml")]:
        data = yaml.safe_load(file.read_text())
        file.write_text(yaml.safe_dump(_reversed(data), sort_keys=False))


VARIANTS: dict[str, Callable[[Path], None]] = {
    "base": lambda app: None,
    "again": lambda app: None,
    "private-added": _add_private,
    "public-added": _add_public,
    "removed": _remove_mailer,
    "reordered": _reorder,
}

Templates = dict[str, bytes]


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Templates]]:
    """`templates("removed")`: template bytes by stack name of that variant of shop."""
    root = tmp_path_factory.mktemp("safe-updates")
    cache: dict[str, Templates] = {}

    def get(variant: str) -> Templates:
        if variant not in cache:
            app = root / variant / "shop"
            # an earlier attempt that failed left its copy: start again, so that
            # each test shows the real failure rather than a FileExistsError
            shutil.rmtree(root / variant, ignore_errors=True)
            shutil.copytree(SHOP, app)
            VARIANTS[variant](app)
            outdir = root / variant / "cdk.out"
            scope = new_app(outdir=outdir)
            build_stacks(scope, load_app(app))
            assembly = scope.synth()
            cache[variant] = {
                stack.stack_name: (outdir / stack.template_file).read_bytes()
                for stack in assembly.stacks
            }
        return cache[variant]

    yield get


def _json(data: bytes) -> dict[str, Any]:
    template: dict[str, Any] = json.loads(data)
    return template


def _routes(template: dict[str, Any]) -> list[tuple[str, Any]]:
    """(logical id, SERVICE_ROUTES as parsed JSON) of every container that has it."""
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::ECS::TaskDefinition":
            continue
        for container in resource["Properties"]["ContainerDefinitions"]:
            for variable in container.get("Environment", []):
                if variable["Name"] == ROUTES:
                    found.append((logical_id, json.loads(variable["Value"])))
    return found


def _without_routes(template: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(template)
    for resource in out["Resources"].values():
        if resource["Type"] == "AWS::ECS::TaskDefinition":
            for container in resource["Properties"]["ContainerDefinitions"]:
                for variable in container.get("Environment", []):
                    if variable["Name"] == ROUTES:
                        variable["Value"] = "<routes>"
    return out


def _assert_routes_change_only_by(
    old: dict[str, Any], new: dict[str, Any], added: set[str], removed: set[str]
) -> None:
    """ExoCom's template differs from `old` only in SERVICE_ROUTES, by these roles."""
    assert _without_routes(old) == _without_routes(new)
    ((old_id, old_routes),) = _routes(old)
    ((new_id, new_routes),) = _routes(new)
    assert old_id == new_id
    old_by_role = {r["role"]: r for r in old_routes}
    new_by_role = {r["role"]: r for r in new_routes}
    assert set(new_by_role) == (set(old_by_role) | added) - removed
    for role in set(old_by_role) - removed:
        assert new_by_role[role] == old_by_role[role]


def _dashboard_titles(template: dict[str, Any]) -> set[str]:
    """The widget titles of the monitoring stack's dashboard(s)."""
    titles = set()
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::CloudWatch::Dashboard":
            continue
        body = resource["Properties"]["DashboardBody"]["Fn::Join"][1]
        text = "".join(part if isinstance(part, str) else "<ref>" for part in body)
        titles |= {w["properties"].get("title", "") for w in json.loads(text)["widgets"]}
    return titles


def _assert_dashboard_changes_only_by(
    old: dict[str, Any], new: dict[str, Any], added: set[str], removed: set[str]
) -> None:
    """The dashboard gains the rows of `added` and loses those of `removed`, nothing else."""
    assert set(old["Resources"]) == set(new["Resources"])
    old_titles, new_titles = _dashboard_titles(old), _dashboard_titles(new)
    gone = {t for t in old_titles if t.split(":")[0] in removed}
    came = {t for t in new_titles if t.split(":")[0] in added}
    assert {t.split(":")[0] for t in gone} == removed
    assert {t.split(":")[0] for t in came} == added
    assert new_titles == (old_titles - gone) | came


def _assert_only_outputs_added(old: dict[str, Any], new: dict[str, Any]) -> None:
    """A producer stack: the same resources; outputs only added (a new weak reference)."""
    old_rest = {k: v for k, v in old.items() if k != "Outputs"}
    new_rest = {k: v for k, v in new.items() if k != "Outputs"}
    assert old_rest == new_rest
    old_outputs, new_outputs = old.get("Outputs", {}), new.get("Outputs", {})
    assert {k: new_outputs.get(k) for k in old_outputs} == old_outputs


@pytest.mark.parametrize("variant", ["private-added", "public-added"])
def test_adding_a_service_touches_no_other_service(
    templates: Callable[[str], Templates], variant: str
) -> None:
    old, new = templates("base"), templates(variant)
    added_stack = f"{SLUG}-extra"
    assert set(new) == set(old) | {added_stack}
    services = [name for name in old if name.split(f"{SLUG}-")[1] not in (*PRODUCERS, *CONSUMERS)]
    assert len(services) == 8
    for name in services:
        assert new[name] == old[name], f"{name} changed"
    _assert_dashboard_changes_only_by(
        _json(old[f"{SLUG}-monitoring"]), _json(new[f"{SLUG}-monitoring"]), {"extra"}, set()
    )
    for part in PRODUCERS:
        name = f"{SLUG}-{part}"
        if new[name] != old[name]:
            _assert_only_outputs_added(_json(old[name]), _json(new[name]))
    _assert_routes_change_only_by(
        _json(old[f"{SLUG}-exocom"]), _json(new[f"{SLUG}-exocom"]), {"extra"}, set()
    )
    for name in old:  # no logical ID disappears
        assert set(_json(old[name])["Resources"]) <= set(_json(new[name])["Resources"])


def test_adding_a_service_changes_no_producer_stack(
    templates: Callable[[str], Templates],
) -> None:
    """Shop already reads every output a new service needs, so nothing is even added."""
    for variant in ("private-added", "public-added"):
        for part in PRODUCERS:
            name = f"{SLUG}-{part}"
            assert templates(variant)[name] == templates("base")[name], (variant, name)


def test_removing_a_service_removes_only_its_stack(templates: Callable[[str], Templates]) -> None:
    old, new = templates("base"), templates("removed")
    assert set(new) == set(old) - {f"{SLUG}-mailer"}
    for name in new:
        if name not in (f"{SLUG}-exocom", f"{SLUG}-monitoring"):
            assert new[name] == old[name], f"{name} changed"
    _assert_dashboard_changes_only_by(
        _json(old[f"{SLUG}-monitoring"]), _json(new[f"{SLUG}-monitoring"]), set(), {"mailer"}
    )
    _assert_routes_change_only_by(
        _json(old[f"{SLUG}-exocom"]), _json(new[f"{SLUG}-exocom"]), set(), {"mailer"}
    )


def test_reordering_keys_and_services_changes_nothing_but_image_hashes(
    templates: Callable[[str], Templates],
) -> None:
    old, new = templates("base"), templates("reordered")
    assert set(new) == set(old)
    for name in old:
        assert normalise(_json(new[name])) == normalise(_json(old[name])), name


def test_reordering_keys_and_services_is_byte_identical(
    templates: Callable[[str], Templates],
) -> None:
    assert templates("reordered") == templates("base")


def test_synthesis_is_deterministic(templates: Callable[[str], Templates]) -> None:
    assert templates("again") == templates("base")
