# ruff: noqa: E501 - exact one-line messages
"""No CloudFormation dynamic reference or CDK token in a string bound for a template."""

from __future__ import annotations

from typing import Any

import pytest

from exosphere_cdk.manifest.load.eras import load_app
from tests.apps import AppFactory, problem_lines

REF = "{{resolve:ssm:/prod/db-password}}"
DYNAMIC = "holds a CloudFormation dynamic reference ('{{resolve:…'), which CloudFormation would resolve with the deploying role's rights: use production.secrets for secrets"
TOKEN = (
    "holds a CDK token ('{sign}{{Token[…'), expected plain text: use production.secrets for secrets"
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"web/service.yml": {"production": {"environment": {"DB_URL": REF}}}},
            [f"app/web/service.yml:13: production.environment.DB_URL: {DYNAMIC}"],
            id="environment value",
        ),
        pytest.param(
            {"users/service.yml": {"startup": {"command": f"node server.js --password {REF}"}}},
            [f"app/users/service.yml:9: startup.command: {DYNAMIC}"],
            id="command",
        ),
        pytest.param(
            {
                "web/service.yml": {
                    "production": {"aws": {"health-check-path": "/{{ RESOLVE:secretsmanager:db}}"}}
                }
            },
            [f"app/web/service.yml:12: production.aws.health-check-path: {DYNAMIC}"],
            id="health-check path, any case and spacing",
        ),
        pytest.param(
            {"users/service.yml": {"messages": {"receives": ["users.list", "{{resolve:ssm:x}}"]}}},
            [
                f"app/users/service.yml:6: messages.receives[1]: {DYNAMIC}",
                "app/users/service.yml:6: messages.receives[1]: warning: '{{resolve:ssm:x}}': no service sends it",
            ],
            id="message name",
        ),
        pytest.param(
            {"application.yml": {"description": REF}},
            [f"app/application.yml:15: description: {DYNAMIC}"],
            id="description",
        ),
        pytest.param(
            {"users/service.yml": {"dependencies": {"mongo": {"prod": REF}}}},
            [f"app/users/service.yml:10: dependencies.mongo.prod: {DYNAMIC}"],
            id="unused value",
        ),
        pytest.param(
            {"web/service.yml": {"production": {"environment": {"X": "${Token[TOKEN.123]}"}}}},
            [f"app/web/service.yml:13: production.environment.X: {TOKEN.format(sign='$')}"],
            id="string token",
        ),
        pytest.param(
            {"application.yml": {"name": "#{Token[TOKEN.1]}"}},
            [f"app/application.yml:1: name: {TOKEN.format(sign='#')}"],
            id="list token",
        ),
        # refused by their pattern first: one error, the pattern's
        pytest.param(
            {"web/service.yml": {"production": {"url": REF}}},
            [
                "app/web/service.yml:9: production.url: invalid url '{{resolve:ssm:/prod/db-password}}', expected a lowercase host name like 'www.example.com' (no scheme, no path)"
            ],
            id="url",
        ),
    ],
)
def test_a_reference_is_refused_at_its_key(
    make_app: AppFactory, changes: dict[str, Any], expected: list[str]
) -> None:
    assert problem_lines(make_app(changes)) == expected


def test_a_reference_in_an_image_is_refused_by_its_pattern(make_app: AppFactory) -> None:
    app = make_app(
        {
            "application.yml": {
                "services": {"private": {"users": {"docker_image": f"demo/users:{REF}"}}}
            }
        }
    )
    assert [line for line in problem_lines(app) if "warning:" not in line] == [
        "app/application.yml:15: services.private.users.docker_image: invalid image 'demo/users:{{resolve:ssm:/prod/db-password}}', expected an image name like 'originate/exocom:0.21.8'"
    ]


def test_braces_that_are_not_a_reference_pass(make_app: AppFactory) -> None:
    app = make_app(
        {
            "application.yml": {"description": "a {{name}} app, ${HOME} and {resolve: x}"},
            "web/service.yml": {
                "startup": {"command": "node server.js --greeting '{{name}}' --token ${TOKEN}"},
                "production": {"environment": {"TEMPLATE": "Hello {{name}}", "LIST": "#{Token}"}},
            },
        }
    )
    assert [p for p in load_app(app).problems if p.is_error] == []
