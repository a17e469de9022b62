"""Loading real and example apps, and the loader's rules beyond single errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.errors import ManifestError, Problem
from exosphere_cdk.manifest.load.exo_deploy.loader import load_app, read_manifests
from exosphere_cdk.manifest.load.exo_deploy.schema import Environment
from exosphere_cdk.manifest.model.app import Secret
from tests.conftest import CORPUS, MANIFESTS, corpus, corpus_variant, needs_corpus

ERA_1 = sorted(
    p.name
    for p in (CORPUS.iterdir() if CORPUS else ())
    if (p / "application.yml").is_file() and "go-era" not in p.name and p.name != "invalid"
)
DELETE = "<delete>"

MakeApp = Callable[[Mapping[str, Any] | None], Path]


def problems_of(app: Path, env: str = "production") -> list[str]:
    with pytest.raises(ManifestError) as info:
        load_app(app, env)
    return [str(p) for p in info.value.problems]


@needs_corpus
def test_the_shared_corpus_has_the_era_1_apps() -> None:
    assert ERA_1 == [
        "app-with-external-docker-images",
        "external-dependency",
        "running",
        "simple",
        "space-tweet",
        "test",
    ]


#: Era-1 examples we refuse, and the test that says why.
REFUSED = {"app-with-external-docker-images": "test_a_docker_image_without_its_messages_is_refused"}
LOADED = [name for name in ERA_1 if name not in REFUSED]


@pytest.mark.parametrize("name", LOADED or [pytest.param("corpus", marks=needs_corpus)])
def test_every_era_1_example_loads(name: str, tmp_path: Path) -> None:
    # space-tweet as published is refused (tests/manifest/rules/test_capacity.py)
    app = load_app(corpus_variant(name, tmp_path) if name == "space-tweet" else corpus(name))
    assert app.services
    assert not [p for p in app.problems if p.is_error]


def test_space_tweet_is_read_as_exo_deploy_read_it(tmp_path: Path) -> None:
    # with a private cluster that fits (as published it is refused: rules/test_capacity.py)
    directory = corpus_variant("space-tweet", tmp_path)
    app = load_app(directory)
    assert app.slug == "space-tweet"
    assert app.exocom_version == "0.21.3"
    assert app.domain == "spacetweet.originate.com"
    assert app.aws.region == "us-west-2"
    assert app.aws.public_cluster_size == "t2.medium"
    assert [(s.role, s.public) for s in app.services] == [
        ("exosphere-tweets-service", False),
        ("exosphere-users-service", False),
        ("space-tweet-web-service", True),
    ]
    web = app.services[2]
    assert web.url == "spacetweet.originate.com"
    assert web.port == 3000
    notices = [str(p) for p in app.problems if p.severity == "notice"]
    assert notices == [
        f"{_shown(directory / 'application.yml')}:18: "
        "environments.production.providers.aws.remote-state-store: notice: has no meaning "
        "under CloudFormation: the stacks are the state; ignored",
        f"{_shown(directory / 'web-server/service.yml')}:33: docker: notice: "
        "local development only (exo run); ignored by deploy",
    ]


def _shown(path: Path) -> str:
    """How the loader shows a path outside the working folder: absolute, `..` resolved."""
    shown = os.path.normpath(path.absolute())
    assert not shown.startswith(f"{Path.cwd()}{os.sep}"), "expected a path outside the repo"
    return shown


@needs_corpus
def test_a_docker_image_without_its_messages_is_refused() -> None:
    # ExoCom 0.21.8 exits on any message a role sends that its routes do not list
    assert problems_of(corpus("app-with-external-docker-images")) == [
        f"{corpus('app-with-external-docker-images')}/application.yml:11:"
        " services.public.external-service: no service.yml, so ExoCom cannot know the messages"
        " of 'external-service' (it would refuse every message the service sends), expected"
        " 'messages: {sends: [...], receives: [...]}' here (or a location with a service.yml)"
    ]


def test_a_docker_image_only_service_has_no_folder(make_app: MakeApp) -> None:
    messages = {"sends": ["users.list"], "receives": ["users.listed"]}
    image = {"docker_image": "originate/test-web-server", "messages": messages}
    app = load_app(make_app({"application.yml": {"services": {"private": {"extra": image}}}}))
    svc = next(s for s in app.services if s.role == "extra")
    assert svc.directory is None
    assert svc.image_name == "originate/test-web-server"
    assert svc.messages.sends == ("users.list",)
    assert svc.messages.receives == ("users.listed",)


def test_messages_beside_a_location_are_refused(make_app: MakeApp) -> None:
    app = make_app(
        {"application.yml": {"services": {"private": {"users": {"messages": {"sends": ["x"]}}}}}}
    )
    assert problems_of(app) == [
        "app/application.yml:15: services.private.users.messages: the service's messages are"
        " in ./users's service.yml, expected them in one place (messages here are for a"
        " service without a service.yml)"
    ]


@pytest.mark.parametrize("name", ["hello", "shop"])
def test_our_examples_load_without_warnings(name: str) -> None:
    problems = load_app(MANIFESTS / name).problems
    assert [p for p in problems if p.severity != "notice"] == []
    # shop's mongo services give no dependencies.mongo.prod: they get no MONGO address
    notices = [(Path(p.file).parent.name, p.path) for p in problems]
    assert notices == (
        [("orders", "dependencies.mongo"), ("catalog-service", "dependencies.mongo")]
        if name == "shop"
        else []
    )


def test_shop_uses_the_extensions() -> None:
    app = load_app(MANIFESTS / "shop")
    assert len(app.services) >= 6
    assert len([s for s in app.public_services if s.url]) >= 2
    assert app.exocom_version == "0.26.4"
    assert app.aws.availability_zones == 3
    assert app.aws.nat_gateways == 2
    payments = next(s for s in app.services if s.role == "payments")
    assert payments.secrets == {
        "PAYMENT_API_KEY": Secret(name="shop/payment-api-key"),
        "PAYMENT_WEBHOOK_SECRET": Secret(name="shop/payment-provider", json_key="webhook-secret"),
    }
    api = next(s for s in app.services if s.role == "api")
    assert api.environment == {"PORT": "8080", "RATE_LIMIT_PER_MINUTE": "600"}
    assert next(s for s in app.services if s.role == "products").namespace == "mongo"


def test_services_are_sorted_by_role(make_app: MakeApp) -> None:
    zeta = {"docker_image": "x/z:1", "messages": {"receives": ["users.listed"]}}
    app = load_app(make_app({"application.yml": {"services": {"private": {"zeta": zeta}}}}))
    assert [s.role for s in app.services] == ["users", "web", "zeta"]


def test_the_0_22_dependencies_form_of_the_bus(make_app: MakeApp) -> None:
    app = load_app(
        make_app(
            {
                "application.yml": {
                    "bus": DELETE,
                    "dependencies": [{"type": "exocom", "version": "0.22.1"}],
                }
            }
        )
    )
    assert app.exocom_version == "0.22.1"


def test_numeric_versions_are_read_as_written(make_app: MakeApp) -> None:
    text = (
        "name: demo\nversion: 1.10\nbus:\n  type: exocom\n  version: 1.10\n"
        "services:\n  private:\n    users:\n      location: ./users\n"
    )
    assert problems_of(make_app({"application.yml": text})) == [
        "app/application.yml:5: bus.version: unsupported ExoCom version '1.10', expected a"
        " released ExoCom (0.21.0-0.22.1, 0.23.0, 0.24.0, 0.25.0-0.26.2, 0.26.3-0.26.4, 0.27.0)"
    ]
    app = load_app(
        make_app(
            {
                "application.yml": text.replace(
                    "version: 1.10\nservices", "version: 0.22.1\nservices"
                )
            }
        )
    )
    assert app.exocom_version == "0.22.1"
    assert read_manifests(app.directory).application.version == "1.10"


def test_null_collections_are_empty(make_app: MakeApp) -> None:
    text = "type: users\nauthor: demo\nmessages:\n  sends:\n  receives:\nproduction:\n"
    app = load_app(make_app({"users/service.yml": text, "web/service.yml": {"messages": DELETE}}))
    users = next(s for s in app.services if s.role == "users")
    assert users.messages.sends == ()
    assert users.cpu == 100


def test_no_environments_means_defaults(make_app: MakeApp) -> None:
    app = load_app(
        make_app(
            {
                "application.yml": {"environments": DELETE},
                "web/service.yml": {"production": {"url": DELETE}},
            }
        )
    )
    assert read_manifests(app.directory).environment == Environment()
    assert app.domain is None
    assert app.aws.availability_zones == 2


def test_other_environments_are_not_read(make_app: MakeApp) -> None:
    app = load_app(
        make_app(
            {
                "application.yml": {
                    "environments": {
                        "local": None,
                        "staging": {"url": "dev.example.com", "provider": "aws"},
                    }
                }
            }
        )
    )
    assert app.env_name == "production"


def test_a_missing_environment_is_named_with_a_suggestion(make_app: MakeApp) -> None:
    assert problems_of(make_app(None), env="prodution") == [
        "app/application.yml:5: environments: no environment 'prodution', expected one of: "
        "production, did you mean 'production'?",
    ]


def test_a_location_symlink_may_not_leave_the_app(make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(
        {"application.yml": {"services": {"private": {"users": {"location": "./link"}}}}}
    )
    (tmp_path / "outside").mkdir()
    (tmp_path / "app" / "link").symlink_to(tmp_path / "outside")
    assert problems_of(app) == [
        "app/application.yml:14: services.private.users.location: './link' is outside the "
        "application folder, expected a folder inside it",
    ]


def test_unmatched_messages_are_warnings_after_namespace_translation(make_app: MakeApp) -> None:
    app = load_app(
        make_app(
            {
                "application.yml": {"services": {"private": {"users": {"namespace": "mongo"}}}},
                "users/service.yml": {
                    "messages": {
                        "receives": ["mongo.list", "mongo.drop"],
                        "sends": ["mongo.listed"],
                    }
                },
                "web/service.yml": {"messages": {"sends": ["users.list", "users.lost"]}},
            }
        )
    )
    assert [str(p) for p in app.problems] == [
        "app/users/service.yml:6: messages.receives[1]: warning: 'mongo.drop' "
        "(on the bus 'users.drop'): no service sends it, did you mean 'users.lost' on the bus?",
        "app/web/service.yml:6: messages.sends[1]: warning: 'users.lost': no service receives it,"
        " did you mean 'users.drop'?",
    ]


def test_all_problems_of_a_run_are_reported_together(make_app: MakeApp) -> None:
    app = make_app(
        {
            "application.yml": {
                "colour": "blue",
                "services": {"private": {"cart": {"location": "./cart"}}},
            },
            "web/service.yml": {"production": {"aws": {"cpu": "lots"}}},
            "users/service.yml": "type: users\ntype: users\n",
        }
    )
    assert problems_of(app) == [
        "app/application.yml:16: services.private.cart.location: folder './cart' not found, "
        "expected a service folder at app/cart",
        "app/application.yml:17: colour: unknown key 'colour', expected one of: author, bus, "
        "dependencies, description, environments, name, services, slug, version",
        "app/users/service.yml:2: type: duplicate key 'type' (first at line 1), "
        "expected each key once",
        "app/web/service.yml:12: production.aws.cpu: invalid value 'lots', expected an integer",
    ]


def test_value_checks_run_even_when_another_file_is_broken(make_app: MakeApp) -> None:
    app = make_app(
        {
            "users/service.yml": "type: [\n",
            "web/service.yml": {"production": {"aws": {"cpu": 0}}},
        }
    )
    assert problems_of(app) == [
        "app/users/service.yml:2: YAML syntax error at column 1: expected the node content, "
        "but found '<stream end>'",
        "app/web/service.yml:12: production.aws.cpu: invalid value 0, expected 1 to 16384 CPU "
        "units (1024 = 1 vCPU)",
    ]


def test_a_folder_without_application_yml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert problems_of(Path("empty")) == [
        "empty/application.yml: file not found, expected the app's manifest"
    ]


def test_problem_str_without_line_or_path() -> None:
    assert str(Problem("a.yml", "", "the file is empty", "warning")) == (
        "a.yml: warning: the file is empty"
    )


@pytest.mark.parametrize(("services", "severity"), [(10, None), (160, "warning"), (220, "error")])
def test_exocom_routes_must_fit_in_a_task_definition(
    tmp_path: Path, services: int, severity: str | None
) -> None:
    app = tmp_path / "big"
    app.mkdir()
    roles = [f"service-number-{i:03d}" for i in range(services)]
    private = "".join(f"    {role}: {{location: ./{role}}}\n" for role in roles)
    (app / "application.yml").write_text(
        f"name: big\nbus: {{type: exocom, version: 0.21.8}}\nservices:\n  private:\n{private}"
    )
    for role in roles:
        (app / role).mkdir()
        messages = [f"{role}.message-{n}" for n in range(5)]
        (app / role / "service.yml").write_text(
            f"type: {role}\nauthor: acme\nmessages:\n"
            f"  sends: [{', '.join(messages)}]\n  receives: [{', '.join(messages)}]\n"
        )
    try:
        problems = [p for p in load_app(app).problems if p.path == "services"]
    except ManifestError as exc:
        problems = [p for p in exc.problems if p.path == "services"]
    assert [p.severity for p in problems] == ([severity] if severity else [])
    if severity:
        assert problems[0].message.startswith("ExoCom's SERVICE_ROUTES would be ")
        assert problems[0].message.endswith(
            "bytes, expected at most 60000 (ECS refuses a task definition over 64 KiB):"
            " fewer services or messages per app"
        )
