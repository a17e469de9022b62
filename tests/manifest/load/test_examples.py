"""The project's own examples chat and blog: each shows the manifest forms it was written for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.load.exo_deploy.loader import load_app, read_manifests
from exosphere_cdk.manifest.load.exo_deploy.manifests import Manifests, WrittenService
from exosphere_cdk.manifest.load.exo_deploy.schema import (
    AwsService,
    Bus,
    Messages,
    Production,
    Service,
    ServiceRef,
)
from exosphere_cdk.manifest.model import constraints as model
from exosphere_cdk.manifest.model.app import Image, LoadedApp, LoadedService

MANIFESTS = Path(__file__).parents[3] / "manifests"
CHAT = MANIFESTS / "chat"
BLOG = MANIFESTS / "blog"


@pytest.fixture(scope="module")
def chat() -> LoadedApp:
    return load_app(CHAT)


@pytest.fixture(scope="module")
def blog() -> LoadedApp:
    return load_app(BLOG)


@pytest.fixture(scope="module")
def chat_read() -> Manifests:
    return read_manifests(CHAT)


@pytest.fixture(scope="module")
def blog_read() -> Manifests:
    return read_manifests(BLOG)


def _service(app: LoadedApp, role: str) -> LoadedService:
    return next(s for s in app.services if s.role == role)


def _written(manifests: Manifests, role: str) -> WrittenService:
    """A service as the exo-deploy era's schema read it."""
    return next(s for s in manifests.services if s.role == role)


def _raw(path: Path) -> dict[str, Any]:
    """A manifest as YAML reads it: proves the example holds the form, not only its effect."""
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


# ---------------------------------------------------------------- chat (Exosphere 0.22)


def test_chat_loads_without_any_problem(chat: LoadedApp) -> None:
    # but one notice: store-service uses mongo without dependencies.mongo.prod
    assert [(p.severity, p.path, p.line) for p in chat.problems] == [
        ("notice", "dependencies.mongo", 21)
    ]
    assert [(s.role, s.public) for s in chat.services] == [
        ("history", False),
        ("notifier", False),
        ("presence", False),
        ("rooms", False),
        ("web", True),
    ]


def test_chat_names_exocom_in_the_0_22_dependencies_form(
    chat: LoadedApp, chat_read: Manifests
) -> None:
    assert "bus" not in _raw(CHAT / "application.yml")
    assert chat_read.application.bus is None
    assert chat_read.application.dependencies == (Bus(type="exocom", version="0.22.1"),)
    assert chat.exocom_version == "0.22.1"
    assert chat.source.at("version").path == "dependencies[0].version"


def test_a_service_named_only_by_its_image(chat: LoadedApp, chat_read: Manifests) -> None:
    presence = _service(chat, "presence")
    messages = Messages(sends=("presence.changed",), receives=("presence.ping",))
    written = _written(chat_read, "presence")
    assert written.ref == ServiceRef(
        docker_image="exosphere-cdk-examples/chat-presence:2.0.1", messages=messages
    )
    assert written.service == Service(messages=messages)
    assert presence.directory is None
    assert presence.messages.sends == ("presence.changed",)
    assert presence.source.at("messages").path == "services.private.presence.messages"
    assert presence.source.at("cpu").path == "services.private.presence"
    assert presence.image == Image("registry", "exosphere-cdk-examples/chat-presence:2.0.1")
    assert derive.container_command(presence) is None
    assert derive.routes(chat)[2].as_json() == {
        "role": "presence",
        "receives": ["presence.ping"],
        "sends": ["presence.changed"],
    }


def test_an_empty_sends_list_and_no_production_section(
    chat: LoadedApp, chat_read: Manifests
) -> None:
    raw = _raw(CHAT / "notifier" / "service.yml")
    assert raw["messages"] == {"sends": None, "receives": ["notification.due"]}
    assert "production" not in raw
    written = _written(chat_read, "notifier").service
    assert written.production == Production()
    assert written.production.aws == AwsService(cpu=100, memory=500, min_tasks=1, max_tasks=None)
    notifier = _service(chat, "notifier")
    assert notifier.messages.sends == ()
    assert notifier.messages.receives == ("notification.due",)
    assert (notifier.cpu, notifier.memory, notifier.min_tasks) == (100, 500, 1)
    assert notifier.max_tasks_given is None
    assert notifier.max_tasks == 1


def test_a_namespace_mounts_the_store_under_its_role(chat: LoadedApp) -> None:
    rooms = _service(chat, "rooms")
    assert rooms.namespace == "store"
    assert rooms.image == Image("registry", "exosphere-cdk-examples/chat-store")
    receives = rooms.messages.receives
    assert [derive.bus_name(chat, rooms, m, "receives") for m in receives] == [
        "rooms.list",
        "rooms.create",
    ]
    web = _service(chat, "web").messages
    assert {"rooms.list", "rooms.create"} <= set(web.sends)
    route = next(r for r in derive.routes(chat) if r.role == "rooms")
    assert route.as_json() == {
        "role": "rooms",
        "receives": ["store.list", "store.create"],
        "sends": ["store.listed", "store.created"],
        "namespace": "store",
    }


def test_a_mongo_dependency_with_its_production_address(
    chat: LoadedApp, chat_read: Manifests
) -> None:
    history = _service(chat, "history")
    assert history.mongo is not None
    assert history.mongo.address == "chat-history.db.example.net:27017"
    assert history.dependencies == ("mongo",)
    mongo = _written(chat_read, "history").service.dependencies["mongo"]
    assert mongo.prod == "chat-history.db.example.net:27017"
    assert mongo.version == "3.6"
    assert mongo.docker_flags == {
        "volume": "-v {{EXO_DATA_PATH}}:/data/db",
        "online_text": "waiting for connections on port 27017",
    }
    assert derive.mongo_secret_name(chat, history) == "chat/mongo"
    assert derive.mongo_secret_name(chat, _service(chat, "rooms")) == "chat/mongo"
    assert derive.mongo_secret_name(chat, _service(chat, "notifier")) is None


def test_docker_image_wins_over_author_and_type(chat: LoadedApp, chat_read: Manifests) -> None:
    web = _service(chat, "web")
    assert web.directory == (CHAT / "web").resolve()
    written = _written(chat_read, "web").service
    assert (written.author, written.type) == ("exosphere-cdk-examples", "chat-web")
    assert web.image == Image("registry", "exosphere-cdk-examples/chat-web:1.4.2")
    assert derive.container_command(web) == ["node", "dist/server.js", "--port", "3000"]
    assert web.url == "chat.example.com"
    assert web.port == 3000


def test_chat_has_a_domain_and_a_sized_private_cluster(chat: LoadedApp) -> None:
    assert chat.slug == "chat"
    assert chat.domain == "chat.example.com"
    assert chat.aws.region == "eu-central-1"
    assert derive.instance_type(chat, public=True) == model.DEFAULT_INSTANCE_TYPE
    assert derive.instance_type(chat, public=False) == "t3.medium"


# ---------------------------------------------------------------- blog (exo-deploy era)


def test_blog_is_read_as_exo_deploy_read_it(blog: LoadedApp, blog_read: Manifests) -> None:
    assert blog.name == "TinyBlog"
    assert blog.slug == "tiny-blog"
    assert blog_read.application.bus == Bus(type="exocom", version="0.21.8")
    assert blog_read.application.dependencies == ()
    assert blog.exocom_version == "0.21.8"
    assert blog.source.at("version").path == "bus.version"
    assert blog.aws.region == "us-west-2"
    assert blog_read.environment.providers.aws.remote_state_store == "tinyblog-terraform-state"
    assert derive.instance_type(blog, public=True) == "t2.small"
    assert derive.instance_type(blog, public=False) == "t2.micro"
    assert [(s.role, s.public) for s in blog.services] == [
        ("posts", False),
        ("scheduler", False),
        ("web", True),
    ]
    for svc in blog.services:
        assert svc.image == Image("registry", f"exosphere-cdk-examples/tinyblog-{svc.role}")


def test_blog_has_no_domain_and_a_catch_all_web(blog: LoadedApp, blog_read: Manifests) -> None:
    assert blog.domain is None
    assert blog.env_name == "production"
    assert set(blog_read.application.environments) == {"local", "production", "staging"}
    web = _service(blog, "web")
    assert web.url is None
    assert web.port == 8080
    assert derive.listener_priority(web) == derive.CATCH_ALL_PRIORITY


def test_blog_has_only_the_notices_of_exo_deploy_keys(blog: LoadedApp) -> None:
    shown = [
        (str(Path(p.file).resolve().relative_to(BLOG.resolve())), p.line, p.path, p.severity)
        for p in blog.problems
    ]
    assert shown == [
        # exo-deploy era images are untagged: Docker Hub's moving latest
        ("application.yml", 32, "services.public.web.docker_image", "warning"),
        ("application.yml", 36, "services.private.posts.docker_image", "warning"),
        ("application.yml", 39, "services.private.scheduler.docker_image", "warning"),
        (
            "application.yml",
            21,
            "environments.production.providers.aws.remote-state-store",
            "notice",
        ),
        ("scheduler/service.yml", 9, "restart", "notice"),
        ("web-server/service.yml", 23, "docker", "notice"),
    ]


def test_an_empty_receives_list(blog: LoadedApp) -> None:
    raw = _raw(BLOG / "scheduler" / "service.yml")
    assert raw["messages"] == {"sends": ["posts.publish-due"], "receives": None}
    scheduler = _service(blog, "scheduler")
    assert scheduler.messages.receives == ()
    assert scheduler.messages.sends == ("posts.publish-due",)
    assert "posts.publish-due" in _service(blog, "posts").messages.receives


def test_blog_posts_use_a_production_mongo(blog: LoadedApp, blog_read: Manifests) -> None:
    posts = _service(blog, "posts")
    assert posts.mongo is not None
    assert posts.mongo.address == "tinyblog-posts.mongo.example.net:27017"
    written = _written(blog_read, "posts").service
    mongo = written.dependencies["mongo"]
    assert mongo.prod == "tinyblog-posts.mongo.example.net:27017"
    assert mongo.docker_flags == {"volume": "-v {{EXO_DATA_PATH}}:/data/db"}
    assert derive.mongo_secret_name(blog, posts) == "tiny-blog/mongo"
    assert written.tests == "node_modules/.bin/cucumber-js"
