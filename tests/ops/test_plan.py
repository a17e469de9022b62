"""`exo-cdk plan`: the synthesized shop, and the capacity check on crafted apps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.data.cloudformation import MAX_MAPPINGS, MAX_PARAMETERS, SECTION_LIMITS
from exosphere_cdk.manifest.data.instances import AS_OF
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.capacity import Task, capacity, instances_needed
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.load.exo_deploy import translate
from exosphere_cdk.manifest.load.exo_deploy.loader import read_manifests
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.rules import capacity as capacity_rules
from exosphere_cdk.ops.assembly import StackInfo
from exosphere_cdk.ops.plan import Plan
from tests.apps import AppFactory
from tests.ops.conftest import SHOP


def _aws(**values: Any) -> dict[str, Any]:
    return {"application.yml": {"environments": {"production": {"providers": {"aws": values}}}}}


def _web(**values: Any) -> dict[str, Any]:
    return {"web/service.yml": {"production": {"aws": values}}}


def _several_per_role(changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` on ExoCom 0.26.4, which routes to several tasks of one role."""
    application = dict(changes.get("application.yml", {}))
    application["bus"] = {"version": "0.26.4"}
    return {**changes, "application.yml": application}


def _unchecked(app_dir: Path) -> LoadedApp:
    """The app as read, before the rules (which refuse a cluster that does not fit)."""
    return translate.loaded_app(read_manifests(app_dir))


def test_shop_plan_document(shop_plan: dict[str, Any]) -> None:
    stacks = {s["name"]: s for s in shop_plan["stacks"]}
    slug = shop_plan["slug"]
    assert {f"{slug}-{p}" for p in ("network", "dns", "platform", "exocom", "storefront")} <= set(
        stacks
    )
    for stack in stacks.values():
        assert 0 < stack["resources"]["count"] < stack["resources"]["limit"] == 500
        assert 0 < stack["template_bytes"]["count"] < stack["template_bytes"]["limit"] == 1_000_000
        assert stack["outputs"]["limit"] == stack["parameters"]["limit"] == 200
        assert stack["mappings"]["limit"] == 200
    storefront = stacks[f"{slug}-storefront"]["service"]
    shop = load_app(SHOP)
    svc = next(s for s in shop.services if s.role == "storefront")
    assert storefront["listener_rule"] == {
        "priority": derive.listener_priority(svc),
        "hosts": ["shop.example.com"],
        "url": "https://shop.example.com",
    }
    assert storefront["scaling"] == {"min": 2, "max": 8, "cpu_target": 60}
    assert storefront["log_retention_days"] == 90
    assert storefront["image"]["kind"] == "asset"
    assert stacks[f"{slug}-orders"]["service"]["listener_rule"] is None
    assert shop_plan["exocom"]["address"] == f"exocom.{slug}.internal:3100"
    assert shop_plan["exocom"]["routes"] == [r.as_json() for r in derive.routes(shop)]
    assert shop_plan["exocom"]["variable"] == {
        "name": "SERVICE_ROUTES",
        "value": derive.service_routes(shop),
    }
    assert shop_plan["exocom"]["release"] == "0.26.3-0.26.4"
    assert shop_plan["exocom"]["command"] is None
    assert shop_plan["exocom"]["tasks_per_role"] == "several"
    assert shop_plan["exocom"]["reconnector"] is False
    assert storefront["deployment"] == {"minimum_healthy_percent": 100, "maximum_percent": 200}
    clusters = {c["cluster"]: c for c in shop_plan["capacity"]["clusters"]}
    assert clusters["public cluster"]["instance_type"] == "t3.medium"
    assert clusters["public cluster"]["fits"] is True
    assert clusters["ExoCom cluster"]["awsvpc_task_slots"] == 1
    assert shop_plan["warnings"] == []


def test_the_plan_is_typed(shop_typed_plan: Plan) -> None:
    by_name = {stack.name: stack for stack in shop_typed_plan.stacks}
    storefront = by_name[f"{shop_typed_plan.slug}-storefront"].service
    assert storefront is not None
    assert (storefront.min_tasks, storefront.max_tasks, storefront.scales) == (2, 8, True)
    assert storefront.deployment.rolling
    assert storefront.listener_rule is not None
    assert storefront.listener_rule.hosts == ("shop.example.com",)
    assert by_name[f"{shop_typed_plan.slug}-network"].service is None
    assert shop_typed_plan.exocom.family.name == "0.26.3-0.26.4"
    assert shop_typed_plan.fits
    assert [c.name for c in shop_typed_plan.clusters] == [
        "public cluster",
        "private cluster",
        "ExoCom cluster",
    ]


def test_instances_needed_first_fit() -> None:
    tasks = [Task("a", 1024, 800)] * 3 + [Task("b", 512, 200)]
    assert instances_needed(tasks, 2048, 1792) == 2
    assert instances_needed([Task("big", 4096, 10)], 2048, 1792) is None
    assert instances_needed([], 2048, 1792) == 0


def test_capacity_fits_by_default(make_app: AppFactory) -> None:
    clusters = capacity(load_app(make_app(None)))
    assert [c.warnings for c in clusters] == [(), (), ()]
    public = clusters[0]
    # t3.small: 2 vCPU, 2048 MiB minus the 256 MiB reserve
    assert (public.cpu_units, public.memory_mib) == (2048, 1792)


def test_capacity_warns_when_tasks_do_not_fit(make_app: AppFactory) -> None:
    app = make_app(_several_per_role(_web(cpu=1024, memory=1024, **{"max-tasks": 4})))
    public = capacity(_unchecked(app))[0]
    assert public.needed_steady == 4
    assert public.warnings == (
        "public cluster: the tasks at max-tasks need 4 x t3.small, the cluster has at most 2:"
        " raise its max instances or choose a larger type",
    )


def test_capacity_warns_about_rolling_deployments(make_app: AppFactory) -> None:
    scaled = _web(cpu=1024, memory=512, **{"max-tasks": 2})
    app = make_app(_several_per_role({**scaled, **_aws(**{"public-cluster-max": 1})}))
    public = capacity(_unchecked(app))[0]
    assert (public.needed_steady, public.needed_deploying) == (1, 2)
    assert public.warnings == (
        "public cluster: a rolling deployment of web (twice its max-tasks, every other service"
        " at max-tasks) needs 2 x t3.small, the cluster has at most 1: deployments may stall"
        " at max scale",
    )


def test_capacity_unknown_size(make_app: AppFactory) -> None:
    app = make_app(_aws(**{"private-cluster-size": "x1e.xlarge"}))
    _, private, _ = capacity(load_app(app))
    assert not private.known
    assert private.warnings == (
        "private cluster: capacity unknown for x1e.xlarge: not in exosphere-cdk's size table"
        f" (dated {AS_OF})",
    )


def test_capacity_notes_date_the_size_table(shop_plan: dict[str, Any]) -> None:
    assert shop_plan["capacity"]["sizes_as_of"] == AS_OF
    assert any(AS_OF in note for note in shop_plan["capacity"]["notes"])


def test_cli_refuses_a_cluster_that_does_not_fit(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    changes = _several_per_role(
        {**_web(cpu=1024, memory=1024, **{"max-tasks": 4}), **_aws(region="us-east-1")}
    )
    assert main(["plan", str(make_app(changes))]) == 1
    captured = capsys.readouterr()
    # the error is validate's, with its file and line, printed once
    error = (
        "app/application.yml:9: environments.production.providers.aws.public-cluster-max:"
        " public cluster: the tasks at max-tasks need 4 x t3.small"
    )
    out = (captured.out + captured.err).replace("\n", "")
    assert out.count(error) == 1
    assert "capacity and stack limits: ok" not in out


def test_cli_exits_1_whenever_it_prints_does_not_fit(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were the rules to let a cluster that does not fit through, plan still fails.
    monkeypatch.setattr(capacity_rules, "clusters_at_max", lambda app: [])
    changes = _several_per_role(
        {**_web(cpu=1024, memory=1024, **{"max-tasks": 4}), **_aws(region="us-east-1")}
    )
    assert main(["plan", str(make_app(changes))]) == 1
    out = capsys.readouterr().out
    assert "DOES NOT FIT" in out
    assert "exocom.demo.internal:3100" in out
    assert "demo-web  " in out
    assert main(["plan", str(make_app(changes)), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["capacity"]["clusters"][0]["fits"] is False


def test_cli_json_invalid(make_app: AppFactory, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(make_app(_web(cpu="lots"))), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["valid"] is False
    assert document["problems"][0]["path"] == "production.aws.cpu"


def test_cli_refuses_a_task_larger_than_its_instance(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app({**_web(memory=1793), **_aws(region="us-east-1")})
    assert main(["plan", str(app)]) == 1
    captured = capsys.readouterr()
    assert "app/web/service.yml:12: production.aws.memory: the task needs 1793 MiB" in (
        captured.out + captured.err
    ).replace("\n", "")


def test_one_task_per_role_plans_no_surge(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # ExoCom 0.21.8: one task per role, the old task stops before the new one starts
    app = make_app({**_web(cpu=1024, memory=512), **_aws(**{"public-cluster-max": 1})})
    public = capacity(load_app(app))[0]
    assert (public.needed_steady, public.needed_deploying) == (1, 1)
    assert public.warnings == ()
    assert main(["plan", str(app), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    web = next(s["service"] for s in document["stacks"] if s["name"] == "demo-web")
    assert web["scaling"] == {"min": 1, "max": 1, "cpu_target": 70}
    assert web["deployment"] == {"minimum_healthy_percent": 0, "maximum_percent": 100}
    bus = document["exocom"]
    assert (bus["release"], bus["command"], bus["tasks_per_role"], bus["reconnector"]) == (
        "0.21.0-0.22.1",
        ["bin/exocom"],
        "one",
        True,
    )
    assert bus["variable"]["name"] == "SERVICE_ROUTES"


def test_plan_and_the_check_know_the_same_limits() -> None:
    # StackInfo (`exo-cdk plan`) reads them from the table stacks.limits checks.
    template: dict[str, Any] = {
        "Parameters": {f"P{i}": {} for i in range(MAX_PARAMETERS)},
        "Mappings": {"M": {}},
    }
    info = StackInfo("s", template, 100)

    assert set(info.limits()) == {"template_bytes", *(s.lower() for s in SECTION_LIMITS)}
    assert info.limits()["mappings"] == {"count": 1, "limit": MAX_MAPPINGS}
    assert info.limit_warnings() == [
        f"s: parameters {MAX_PARAMETERS} is 100% of CloudFormation's limit ({MAX_PARAMETERS})"
    ]
