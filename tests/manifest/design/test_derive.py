"""Values derived for the stacks: routes, images, commands, priorities, names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.app import design
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.load.exo_deploy import translate
from exosphere_cdk.manifest.load.exo_deploy.manifests import Manifests, WrittenService
from exosphere_cdk.manifest.load.exo_deploy.schema import (
    Application,
    AwsService,
    Environment,
    Production,
    Service,
    ServiceRef,
    Startup,
)
from exosphere_cdk.manifest.load.slug import derive_slug
from exosphere_cdk.manifest.model import constraints as model
from exosphere_cdk.manifest.model.app import Image, LoadedService
from tests.conftest import MANIFESTS, corpus, corpus_variant

MakeApp = Callable[[Mapping[str, Any] | None], Path]


def svc(role: str = "web", public: bool = True, **service: Any) -> LoadedService:
    """A service of no folder, as the exo-deploy era makes it from these service.yml keys."""
    written = WrittenService(role, public, ServiceRef(), Service(**service), None)
    manifests = Manifests(
        directory=Path(),
        application=Application(name="demo"),
        env_name="production",
        environment=Environment(),
        services=(written,),
        slug="demo",
        exocom_version="0.21.8",
        bus_path="bus",
    )
    return translate.loaded_service(manifests, written)


def test_service_routes_of_the_shared_test_app() -> None:
    app = load_app(corpus("test"))
    assert derive.service_routes(app) == [
        {
            "role": "dashboard",
            "receives": ["users.listed", "users.created"],
            "sends": ["users.list"],
        },
        {
            "role": "users",
            "receives": ["mongo.list", "mongo.create"],
            "sends": ["mongo.listed", "mongo.created"],
            "namespace": "mongo",
        },
        {
            "role": "web",
            "receives": ["users.listed", "users.created"],
            "sends": ["users.list", "users.create"],
        },
    ]


def test_bus_messages_after_namespace_translation() -> None:
    # GIVEN the chat example, whose rooms service has the namespace `store`
    chat = load_app(MANIFESTS / "chat")
    # WHEN the senders and receivers of every message are collected
    on_bus = derive.bus_messages(chat)
    # THEN each is keyed by its name on the bus, roles in role order and each once
    for svc in chat.services:
        for name in svc.messages.sends:
            assert svc.role in on_bus.senders[derive.bus_name(chat, svc, name, "sends")]
        for name in svc.messages.receives:
            assert svc.role in on_bus.receivers[derive.bus_name(chat, svc, name, "receives")]
    for roles in [*on_bus.senders.values(), *on_bus.receivers.values()]:
        assert list(roles) == sorted(set(roles))
    assert not any(name.startswith("store.") for name in on_bus.receivers)


def test_routes_are_the_json_routes() -> None:
    chat = load_app(MANIFESTS / "chat")
    assert [r.as_json() for r in derive.routes(chat)] == derive.service_routes(chat)
    assert [r.role for r in derive.routes(chat)] == [s.role for s in chat.services]


def test_image_sources_of_the_shop() -> None:
    app = load_app(MANIFESTS / "shop")
    by_role = {s.role: s.image for s in app.services}
    assert by_role["storefront"] == Image(
        "asset", str((MANIFESTS / "shop" / "storefront").resolve())
    )
    assert by_role["orders"] == Image("registry", "exosphere-cdk-examples/shop-orders")


def test_image_source_prefers_docker_image_over_author_and_type(tmp_path: Path) -> None:
    app = load_app(corpus_variant("space-tweet", tmp_path))  # as published it is refused
    web = next(s for s in app.services if s.public)
    assert web.image == Image("registry", "originate/space-tweet-web-service")


def test_image_source_dashifies_author_and_type() -> None:
    loaded = svc(author="Exosphere Dev", type="Web_Server")
    assert loaded.image == Image("registry", "exosphere-dev/web-server")


def test_container_command() -> None:
    assert derive.container_command(svc(startup=Startup(command="node  server.js --port 3"))) == [
        "node",
        "server.js",
        "--port",
        "3",
    ]
    assert derive.container_command(svc()) is None
    assert derive.container_command(svc(startup=Startup(command="  "))) is None


def test_listener_priorities() -> None:
    assert derive.derived_priority("web") == 24931
    assert derive.listener_priority(svc("web")) == derive.CATCH_ALL_PRIORITY
    with_url = svc("web", production=Production(url="a.example.com"))
    assert derive.listener_priority(with_url) == 24931
    explicit = svc(
        "web", production=Production(url="a.example.com", aws=AwsService(listener_priority=9))
    )
    assert derive.listener_priority(explicit) == 9


@given(st.text(min_size=1, max_size=40))
def test_derived_priorities_are_in_range(role: str) -> None:
    assert 1 <= derive.derived_priority(role) <= derive.DERIVED_PRIORITIES


def test_mongo_secret_names() -> None:
    app = load_app(MANIFESTS / "shop")
    by_role = {s.role: derive.mongo_secret_name(app, s) for s in app.services}
    assert by_role["products"] == "exosphere-shop/mongo"
    assert by_role["orders"] == "shop/orders-mongo"
    assert by_role["cart"] is None


def test_instance_types() -> None:
    shop = load_app(MANIFESTS / "shop")
    assert derive.instance_type(shop, public=True) == "t3.medium"
    assert derive.instance_type(shop, public=False) == "t3.large"
    assert derive.exocom_instance_type(shop) == "t3.micro"
    hello = load_app(MANIFESTS / "hello")
    assert derive.instance_type(hello, public=True) == "t3.small"
    assert derive.instance_type(hello, public=False) == "t3.small"
    assert derive.exocom_instance_type(hello) == "t3.micro"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("SpaceTweet", "space-tweet"),
        ("Example application", "example-application"),
        ("app-with-external-docker-images", "app-with-external-docker-images"),
        (
            "Exosphere-application-with-a-third-party-dependency",
            "exosphere-application-with-a-third-party",
        ),
        ("Simplest possible Exosphere web application", "simplest-possible-exosphere-web"),
        ("ABCService v2!", "abc-service-v2"),
        ("  __hello__  ", "hello"),
        ("a" * 50, "a" * 40),
        ("!!!", ""),
    ],
)
def test_derive_slug(name: str, slug: str) -> None:
    assert derive_slug(name) == slug


@given(st.text(max_size=80))
def test_derived_slugs_are_short_lowercase_and_trimmed(name: str) -> None:
    slug = derive_slug(name)
    assert len(slug) <= model.SLUG_MAX
    assert slug == slug.strip("-")
    assert all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in slug)


def test_an_explicit_slug_wins(make_app: MakeApp) -> None:
    app = load_app(make_app({"application.yml": {"name": "Demo App", "slug": "demo-prod"}}))
    assert app.slug == "demo-prod"


def test_exocom_s_names_are_made_once(make_app: MakeApp) -> None:
    app = load_app(make_app(None))
    assert derive.private_zone(app) == "demo.internal"
    assert derive.exocom_host(app) == "exocom.demo.internal"
    assert design(app).exocom.address == "exocom.demo.internal:3100"
