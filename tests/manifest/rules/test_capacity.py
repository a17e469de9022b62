# ruff: noqa: E501 - exact one-line messages
"""Capacity is a gate: a task larger than one instance is an error; a full cluster warns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.data.instances import AS_OF
from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load.eras import load_app
from tests.apps import AppFactory, problem_lines
from tests.conftest import corpus


def _aws(**values: Any) -> dict[str, Any]:
    return {"application.yml": {"environments": {"production": {"providers": {"aws": values}}}}}


def _web(**values: Any) -> dict[str, Any]:
    return {"web/service.yml": {"production": {"aws": values}}}


def _several_per_role(changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` on ExoCom 0.26.4, which routes to several tasks of one role."""
    application = dict(changes.get("application.yml", {}))
    application["bus"] = {"version": "0.26.4"}
    return {**changes, "application.yml": application}


def _warnings(app: Path) -> list[str]:
    return [str(p) for p in load_app(app).problems if p.severity == "warning"]


RESERVE = "(after the OS's, Docker's and the ECS agent's reserve of 256 MiB)"


def test_space_tweet_as_published_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A t2.nano private cluster (256 MiB for tasks) for two 500 MiB services."""
    monkeypatch.chdir(corpus("space-tweet"))
    with pytest.raises(ManifestError) as info:
        load_app(Path())
    assert [str(p) for p in info.value.errors] == [
        f"tweets-service/service.yml:39: production.aws.memory: the task needs 500 MiB, one t2.nano (private-cluster-size) offers 256 MiB for tasks {RESERVE}; the smallest t2 that holds it is t2.micro: its tasks can never be placed",
        f"users-service/service.yml:40: production.aws.memory: the task needs 500 MiB, one t2.nano (private-cluster-size) offers 256 MiB for tasks {RESERVE}; the smallest t2 that holds it is t2.micro: its tasks can never be placed",
    ]


def test_memory_boundary(make_app: AppFactory) -> None:
    """t3.small: 2048 MiB minus 256 reserved = 1792 MiB for tasks."""
    assert load_app(make_app(_web(memory=1792)))
    assert problem_lines(make_app(_web(memory=1793))) == [
        f"app/web/service.yml:12: production.aws.memory: the task needs 1793 MiB, one t3.small (public-cluster-size) offers 1792 MiB for tasks {RESERVE}; the smallest t3 that holds it is t3.medium: its tasks can never be placed",
    ]


def test_cpu_boundary(make_app: AppFactory) -> None:
    """t2.micro: one vCPU, 1024 CPU units."""
    size = _aws(**{"public-cluster-size": "t2.micro", "public-cluster-max": 4})
    assert load_app(make_app({**size, **_web(cpu=1024, memory=512)}))
    assert problem_lines(make_app({**size, **_web(cpu=1025, memory=512)})) == [
        "app/web/service.yml:12: production.aws.cpu: the task needs 1025 CPU units, one t2.micro (public-cluster-size) offers 1024 CPU units (1 vCPU); the smallest t2 that holds it is t2.medium: its tasks can never be placed",
    ]


def test_no_type_of_the_family_holds_it(make_app: AppFactory) -> None:
    app = make_app({**_aws(**{"public-cluster-size": "t3.small"}), **_web(memory=40000)})
    assert problem_lines(app) == [
        f"app/web/service.yml:12: production.aws.memory: the task needs 40000 MiB, one t3.small (public-cluster-size) offers 1792 MiB for tasks {RESERVE}; no t3 in exosphere-cdk's size table holds it: its tasks can never be placed",
    ]


def test_a_docker_image_service_has_the_default_size(make_app: AppFactory) -> None:
    app = make_app(
        {
            "application.yml": {
                "environments": {
                    "production": {"providers": {"aws": {"private-cluster-size": "t3.nano"}}}
                },
                "services": {"private": {"cache": {"docker_image": "redis:7.2", "messages": {}}}},
            }
        }
    )
    assert problem_lines(app) == [
        f"app/application.yml:18: services.private.cache: the task needs 500 MiB (the default memory: the service has no service.yml), one t3.nano (private-cluster-size) offers 256 MiB for tasks {RESERVE}; the smallest t3 that holds it is t3.micro: its tasks can never be placed",
        f"app/users/service.yml: production.aws.memory: the task needs 500 MiB, one t3.nano (private-cluster-size) offers 256 MiB for tasks {RESERVE}; the smallest t3 that holds it is t3.micro: its tasks can never be placed",
    ]


def test_cluster_at_max_tasks_is_an_error(make_app: AppFactory) -> None:
    app = make_app(_several_per_role(_web(cpu=1024, memory=1024, **{"max-tasks": 4})))
    assert problem_lines(app) == [
        "app/application.yml:6: environments.production.providers.aws.public-cluster-max: public cluster: the tasks at max-tasks need 4 x t3.small, the cluster has at most 2: raise its max instances or choose a larger type",
    ]


def test_rolling_deployment_that_cannot_fit_is_an_error(make_app: AppFactory) -> None:
    scaled = _web(cpu=1024, memory=512, **{"max-tasks": 2})
    one_instance = {**scaled, **_aws(**{"public-cluster-max": 1})}
    app = make_app(_several_per_role(one_instance))
    assert problem_lines(app) == [
        "app/application.yml:10: environments.production.providers.aws.public-cluster-max: public cluster: a rolling deployment of web (twice its max-tasks, every other service at max-tasks) needs 2 x t3.small, the cluster has at most 1: deployments may stall at max scale",
    ]
    two = {**scaled, **_aws(**{"public-cluster-max": 2})}
    assert _warnings(make_app(_several_per_role(two))) == []


def test_one_task_per_role_deploys_without_a_surge(make_app: AppFactory) -> None:
    # ExoCom 0.21.8: the old task stops before the new one starts (0/100 %)
    one_instance = {**_web(cpu=1024, memory=512), **_aws(**{"public-cluster-max": 1})}
    assert _warnings(make_app(one_instance)) == []


def test_a_type_not_in_the_size_table_warns(make_app: AppFactory) -> None:
    app = make_app(
        _aws(**{"private-cluster-size": "x1e.xlarge", "exocom-cluster-size": "m5zn.large"})
    )
    assert _warnings(app) == [
        f"app/application.yml:10: environments.production.providers.aws.private-cluster-size: warning: capacity unknown for x1e.xlarge: not in exosphere-cdk's size table (dated {AS_OF}): check by hand that its tasks fit",
        f"app/application.yml:11: environments.production.providers.aws.exocom-cluster-size: warning: capacity unknown for m5zn.large: not in exosphere-cdk's size table (dated {AS_OF}): check by hand that ExoCom's task fits",
    ]
