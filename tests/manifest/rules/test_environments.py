"""Environments other than production: their names, urls, account key, and `local` refused."""

from __future__ import annotations

from typing import Any

import pytest

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import design
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.load.eras import load_app
from tests.apps import AppFactory, problem_lines

STAGING_DOMAIN = "staging.demo.example.com"


def staging(**environment: Any) -> dict[str, Any]:
    return {"application.yml": {"environments": {"staging": environment}}}


def urls(make_app: AppFactory, changes: dict[str, Any], env: str = "staging") -> dict[str, Any]:
    return {s.role: s.url for s in load_app(make_app(changes), env).public_services}


@pytest.mark.parametrize(
    ("url", "production", "domain", "expected"),
    [
        ("api.notes.acme-demo.io", "notes.acme-demo.io", "staging.notes.acme-demo.io",
         "api.staging.notes.acme-demo.io"),
        ("notes.acme-demo.io", "notes.acme-demo.io", "staging.notes.acme-demo.io",
         "staging.notes.acme-demo.io"),
        ("a.b.notes.io", "notes.io", "notes-staging.com", "a.b.notes-staging.com"),
        # not inside production's domain (a name that only ends like it is not)
        ("api.elsewhere.io", "notes.io", "staging.notes.io", None),
        ("apinotes.io", "notes.io", "staging.notes.io", None),
        # either environment without a domain
        ("api.notes.io", None, "staging.notes.io", None),
        ("api.notes.io", "notes.io", None, None),
    ],
)  # fmt: skip
def test_environment_url(
    url: str, production: str | None, domain: str | None, expected: str | None
) -> None:
    assert derive.environment_url(url, production, domain) == expected


def test_urls_move_into_the_environments_domain(make_app: AppFactory) -> None:
    changes = staging(domain=STAGING_DOMAIN)
    assert urls(make_app, changes) == {"web": STAGING_DOMAIN}
    assert urls(make_app, changes, "production") == {"web": "demo.example.com"}


def test_a_url_given_for_the_environment_wins(make_app: AppFactory) -> None:
    changes = staging(domain=STAGING_DOMAIN, urls={"web": f"www.{STAGING_DOMAIN}"})
    assert urls(make_app, changes) == {"web": f"www.{STAGING_DOMAIN}"}


def test_a_url_outside_the_environments_domain(make_app: AppFactory) -> None:
    app = make_app(staging(domain="other.io", urls={"web": "demo.example.com"}))
    assert problem_lines(app, "staging") == [
        "app/application.yml:11: environments.staging.urls.web: 'demo.example.com' is outside"
        " the app's domain 'other.io', expected 'other.io' or a name ending in '.other.io'",
    ]


def test_a_production_url_that_cannot_be_moved_says_where_to_give_it(
    make_app: AppFactory,
) -> None:
    app = make_app(
        {
            "application.yml": {
                "environments": {"production": None, "staging": {"domain": STAGING_DOMAIN}}
            }
        }
    )
    assert problem_lines(app, "staging") == [
        "app/web/service.yml:9: production.url: 'demo.example.com' is outside the app's domain"
        f" '{STAGING_DOMAIN}', expected '{STAGING_DOMAIN}' or a name ending in"
        f" '.{STAGING_DOMAIN}' (its production url as written: only a url in production's"
        " domain is moved into this environment's; set environments.staging.urls.web in"
        " app/application.yml)",
    ]


def test_each_environments_urls_are_unique(make_app: AppFactory) -> None:
    app = make_app(
        {
            "application.yml": {
                "services": {"public": {"admin": {"location": "./admin"}}},
                "environments": {
                    "staging": {"domain": STAGING_DOMAIN, "urls": {"admin": STAGING_DOMAIN}}
                },
            },
            "admin/service.yml": {
                "type": "admin",
                "author": "demo",
                "production": {"url": "admin.demo.example.com", "aws": {"public-port": 3000}},
            },
        }
    )
    assert problem_lines(app, "staging") == [
        f"app/web/service.yml:9: production.url: '{STAGING_DOMAIN}' is also the url of public"
        " service 'admin', expected a url of its own",
    ]


def test_urls_name_public_services_with_valid_urls(make_app: AppFactory) -> None:
    app = make_app(
        staging(domain=STAGING_DOMAIN, urls={"web": "Bad Url", "usres": "x.io", "users": "y.io"})
    )
    assert problem_lines(app, "staging") == [
        "app/application.yml:11: environments.staging.urls.web: invalid url 'Bad Url', expected"
        " a lowercase host name like 'www.example.com' (no scheme, no path)",
        "app/application.yml:12: environments.staging.urls.usres: no public service 'usres',"
        " expected one of: web",
        "app/application.yml:13: environments.staging.urls.users: warning: ignored: 'users' is"
        " a private service, which gets no load balancer route",
    ]


def test_production_has_no_urls_key(make_app: AppFactory) -> None:
    app = make_app(
        {"application.yml": {"environments": {"production": {"urls": {"web": "a.b.io"}}}}}
    )
    assert problem_lines(app) == [
        "app/application.yml:8: environments.production.urls: production's urls are each"
        " public service's production.url in its service.yml, expected them there (urls is"
        " for the other environments)",
    ]


def test_an_environment_name_that_cannot_start_aws_names(make_app: AppFactory) -> None:
    app = make_app({"application.yml": {"environments": {"Staging_1": {}}}})
    assert problem_lines(app, "Staging_1") == [
        "app/application.yml:8: environments.Staging_1: environment name 'Staging_1' starts the"
        " name of every stack and resource of the environment, expected lowercase letters,"
        " digits and '-', starting with a letter, at most 20 characters",
    ]


def test_local_is_never_deployed(make_app: AppFactory) -> None:
    app = make_app({"application.yml": {"environments": {"local": None}}})
    with pytest.raises(UsageError) as raised:
        load_app(app, "local")
    assert str(raised.value) == (
        "environment 'local' is Exosphere's development environment (exo run, on a developer's"
        " machine) and is never deployed: expected another environment of application.yml"
        " (default: production)"
    )
    assert raised.value.exit_code == 2


def test_account_id_pins_and_account_is_its_deprecated_name(make_app: AppFactory) -> None:
    def aws(**values: str) -> dict[str, Any]:
        return staging(providers={"aws": values})

    pinned = load_app(make_app(aws(**{"account-id": "123456789012"})), "staging")
    assert (pinned.aws.account, design(pinned).account) == ("123456789012", "123456789012")
    assert [p for p in pinned.problems if "account" in p.path] == []
    former = load_app(make_app(aws(account="123456789012")), "staging")
    assert former.aws.account == "123456789012"
    assert [str(p) for p in former.problems if "account" in p.path] == [
        "app/application.yml:11: environments.staging.providers.aws.account: warning:"
        " deprecated: the key is account-id (Exosphere's name), expected account-id",
    ]
    both = make_app(aws(account="123456789012", **{"account-id": "123456789012"}))
    assert [line for line in problem_lines(both, "staging") if "account" in line] == [
        "app/application.yml:11: environments.staging.providers.aws.account: found both"
        " account-id and account (its former name), expected account-id only",
    ]


def test_every_derived_name_of_staging_starts_with_its_deployment_name(
    make_app: AppFactory,
) -> None:
    app = load_app(make_app(staging(domain=STAGING_DOMAIN)), "staging")
    plan = design(app)
    assert derive.deployment_name(app) == plan.deployment == "demo-staging"
    assert derive.stack_names(app) == [
        "demo-staging-network",
        "demo-staging-zone",
        "demo-staging-dns",
        "demo-staging-platform",
        "demo-staging-exocom",
        "demo-staging-monitoring",
        "demo-staging-users",
        "demo-staging-web",
    ]
    assert (plan.network.key_alias, plan.monitoring.dashboard_name) == (
        "exosphere/demo-staging",
        "demo-staging",
    )
    assert (plan.exocom.namespace, plan.exocom.host, plan.log_group_name_prefix) == (
        "demo-staging.internal",
        "exocom.demo-staging.internal",
        "demo-staging-",
    )
    assert plan.tags == {"exosphere:app": "demo", "exosphere:env": "staging"}
    assert plan.dns is not None and plan.dns.domain == STAGING_DOMAIN


@pytest.mark.parametrize("env", ["production", "staging"])
def test_a_service_named_like_another_environments_stack(make_app: AppFactory, env: str) -> None:
    app = make_app(
        {
            "application.yml": {
                "environments": {"staging": {}, "local": None, "Not_Deployable": {}},
                "services": {
                    "private": {
                        "staging-users": {"location": "./users"},
                        "staging-network": {"location": "./users"},
                    }
                },
            }
        }
    )
    assert [line for line in problem_lines(app, env) if "share a stack" in line] == [
        "app/application.yml:18: services.private.staging-users: service name 'staging-users'"
        " makes the stack demo-staging-users in environment 'production', which is also the"
        " stack of service 'users' of environment 'staging', expected another name (no two"
        " environments share a stack)",
        "app/application.yml:20: services.private.staging-network: service name"
        " 'staging-network' makes the stack demo-staging-network in environment 'production',"
        " which is also the network stack of environment 'staging', expected another name (no"
        " two environments share a stack)",
    ]
