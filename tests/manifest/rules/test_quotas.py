# ruff: noqa: E501 - exact one-line messages
"""Quotas known offline, each at its boundary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.rules.quotas import derived_names, stack_descriptions, value_lengths
from tests.apps import DELETE, AppFactory


def _public(count: int, url: str = "s{i}.demo.example.com") -> dict[str, Any]:
    """`count` public services s0..s<count-1>, each with a url, a port and a priority."""
    files: dict[str, Any] = {
        "application.yml": {
            "services": {
                "public": {
                    "web": DELETE,
                    **{f"s{i}": {"location": f"./s{i}"} for i in range(count)},
                }
            },
            "environments": {"production": {"providers": {"aws": {"public-cluster-max": 100}}}},
        },
    }
    for i in range(count):
        files[f"s{i}/service.yml"] = {
            "type": "web",
            "author": "demo",
            "production": {
                "url": url.format(i=i),
                "aws": {"public-port": 3000, "listener-priority": i + 1, "memory": 64, "cpu": 16},
            },
        }
    return files


def _quota_lines(app: Path) -> list[str]:
    try:
        problems = load_app(app).problems
    except ManifestError as exc:
        problems = exc.problems
    return [str(p) for p in problems if p.path in ("services.public", "production", "name", "slug")]


TG = "app/application.yml:12: services.public: {n} public services with a public-port need {n} target groups, an Application Load Balancer holds at most 100 (a hard limit): split the app, or make some services private"
RULES = "app/application.yml:12: services.public: {n} listener rules (one per public service with a public-port), a listener holds 100 by default: request a quota increase of 'Rules per Application Load Balancer' (Service Quotas, Elastic Load Balancing) before deploying"
RULES_WARN = "app/application.yml:12: services.public: warning: {n} listener rules (one per public service with a public-port), a listener holds 100 by default: consider requesting a quota increase of 'Rules per Application Load Balancer'"


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (79, []),
        (80, [RULES_WARN.format(n=80)]),
        (100, [RULES_WARN.format(n=100)]),
        (101, [TG.format(n=101), RULES.format(n=101)]),
    ],
)
def test_target_groups_and_listener_rules(
    make_app: AppFactory, count: int, expected: list[str]
) -> None:
    assert _quota_lines(make_app(_public(count))) == expected


CERTS = "app/application.yml:12: services.public: 26 certificates on the HTTPS listener (the app's, and one each for the URLs more than one level below demo.example.com: 25), a listener holds at most 25: move URLs one level below demo.example.com (covered by *.demo.example.com) or give certificate-arn a certificate that covers them"


def test_certificates_per_listener(make_app: AppFactory) -> None:
    deep = "a.s{i}.demo.example.com"
    assert _quota_lines(make_app(_public(24, deep))) == []
    assert _quota_lines(make_app(_public(25, deep))) == [CERTS]


def _env(count: int, value_bytes: int) -> dict[str, Any]:
    env = {f"V{i:04d}": "x" * value_bytes for i in range(count)}
    return {"users/service.yml": {"production": {"environment": env}}}


def test_task_definition_size(make_app: AppFactory) -> None:
    # each variable: {"name": "V0000", "value": "x...x"} is 32 bytes + the value, plus ", "
    assert _quota_lines(make_app(_env(700, 50))) == []
    lines = _quota_lines(make_app(_env(700, 90)))
    assert len(lines) == 1
    assert lines[0].startswith(
        "app/users/service.yml:8: production: the task definition would be about 8"
    )
    assert lines[0].endswith(
        "bytes (environment, secrets and command), ECS takes at most 65536 (64 KiB): move values into fewer variables or into a secret's JSON"
    )


def test_stack_description_length(make_app: AppFactory) -> None:
    app = load_app(make_app(None))
    # the longest description: "<name>: ECS clusters and load balancer" (32 more bytes)
    assert stack_descriptions(attrs.evolve(app, name="n" * 992)) == []
    [problem] = stack_descriptions(attrs.evolve(app, name="n" * 993))
    assert (
        str(problem)
        == "app/application.yml: name: the name starts every stack's description, the longest would be 1025 bytes, CloudFormation takes at most 1024: a shorter name"
    )


def test_derived_names(make_app: AppFactory) -> None:
    app = load_app(make_app(None))
    assert derived_names(app) == []
    long = attrs.evolve(app, slug="s" * 117)  # 117 + "-monitoring" = 128
    assert derived_names(long) == []
    [problem] = derived_names(attrs.evolve(app, slug="s" * 118))
    assert (
        str(problem)
        == f"app/application.yml: slug: stack name '{'s' * 118}-monitoring' is 129 characters, AWS takes at most 128: a shorter slug or service name"
    )


def test_health_check_path_length(make_app: AppFactory) -> None:
    fits = "/" + "h" * 1023
    web = {"web/service.yml": {"production": {"aws": {"health-check-path": fits}}}}
    assert value_lengths(load_app(make_app(web))) == []
    web["web/service.yml"]["production"]["aws"]["health-check-path"] = fits + "h"
    with pytest.raises(ManifestError) as info:
        load_app(make_app(web))
    assert [str(p) for p in info.value.problems] == [
        "app/web/service.yml:12: production.aws.health-check-path: a path of 1,025 characters, a load balancer's health check takes at most 1,024: a shorter path"
    ]


def test_image_name_length(make_app: AppFactory) -> None:
    name = "org/" + "i" * 247 + ":1.0"  # 255
    users = {"application.yml": {"services": {"private": {"users": {"docker_image": name}}}}}
    assert value_lengths(load_app(make_app(users))) == []
    users["application.yml"]["services"]["private"]["users"]["docker_image"] = "o" + name
    with pytest.raises(ManifestError) as info:
        load_app(make_app(users))
    assert [str(p) for p in info.value.problems] == [
        "app/application.yml:15: services.private.users.docker_image: the image name 'oorg/iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii…' is 256 characters, ECS takes at most 255: a shorter name"
    ]
    long_type = {"users/service.yml": {"type": "t" * 251}}  # demo/ttt...: 256
    with pytest.raises(ManifestError) as info:
        load_app(make_app(long_type))
    assert [str(p) for p in info.value.problems] == [
        f"app/users/service.yml:1: type: the image name 'demo/{'t' * 35}…' is 256 characters, ECS takes at most 255: a shorter name"
    ]
