"""`exo-cdk graph`: edges after namespace translation, unmatched messages, formats, docs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import attrs
import pytest

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.ops.graph import NOBODY, Edge, message_graph, to_dot, to_mermaid
from tests.apps import AppFactory, go_era_app
from tests.conftest import REPO, corpus
from tests.ops.conftest import SHOP


def test_shared_test_example_edges_after_namespace_translation() -> None:
    # web sends users.list; role `users` (namespace mongo) receives mongo.list = users.list
    graph = message_graph(load_app(corpus("test")))
    assert graph.edges == (
        Edge("dashboard", "users", ("users.list",)),
        Edge("users", "dashboard", ("users.created", "users.listed")),
        Edge("users", "web", ("users.created", "users.listed")),
        Edge("web", "users", ("users.create", "users.list")),
    )
    assert graph.public == {"dashboard": False, "users": False, "web": True}
    assert graph.namespaces == {"users": "mongo"}
    assert not graph.has_nobody


@pytest.mark.parametrize(
    ("version", "on_bus"),
    [("0.21.8", "users.item"), ("0.23.0", "users.item"), ("0.26.4", "users.item.get")],
)
def test_graph_and_validate_translate_as_the_app_s_exocom(
    make_app: AppFactory, version: str, on_bus: str
) -> None:
    # users (namespace mongo) receives mongo.item.get: on the bus that is users.item for
    # ExoCom 0.21-0.23 (only the second dot-segment is kept), users.item.get from 0.24
    app = make_app(
        {
            "application.yml": {
                "bus": {"version": version},
                "services": {"private": {"users": {"namespace": "mongo"}}},
            },
            "web/service.yml": {"messages": {"sends": [on_bus], "receives": []}},
            "users/service.yml": {"messages": {"receives": ["mongo.item.get"], "sends": []}},
        }
    )
    loaded = load_app(app)
    graph = message_graph(loaded)
    assert graph.edges == (Edge("web", "users", (on_bus,)),)
    assert not graph.has_nobody
    assert [p for p in loaded.problems if "mongo.item.get" in p.message] == []


def test_unmatched_messages_go_to_nobody(make_app: AppFactory) -> None:
    app = make_app(
        {
            "web/service.yml": {"messages": {"sends": ["users.list", "orders.place"]}},
            "users/service.yml": {"messages": {"receives": ["users.list", "users.purge"]}},
        }
    )
    graph = message_graph(load_app(app))
    assert Edge("web", NOBODY, ("orders.place",)) in graph.edges
    assert Edge(NOBODY, "users", ("users.purge",)) in graph.edges
    mermaid = to_mermaid(graph)
    assert '  nobody(["(nobody)"])' in mermaid.splitlines()
    assert '  s_web -.->|"orders.place"| nobody' in mermaid.splitlines()
    assert '  nobody -.->|"users.purge"| s_users' in mermaid.splitlines()
    assert re.search(r"^  linkStyle [\d,]+ stroke:#dc2626", mermaid, re.MULTILINE)
    dot = to_dot(graph)
    assert '  "web" -> "(nobody)" [label="orders.place", color="#dc2626"' in dot


def test_parallel_edges_merge_their_labels(make_app: AppFactory) -> None:
    app = make_app(
        {
            "web/service.yml": {"messages": {"sends": ["users.list", "users.count"]}},
            "users/service.yml": {"messages": {"receives": ["users.list", "users.count"]}},
        }
    )
    graph = message_graph(load_app(app))
    assert Edge("web", "users", ("users.count", "users.list")) in graph.edges
    assert '  s_web -->|"users.count<br/>users.list"| s_users' in to_mermaid(graph).splitlines()
    assert '"web" -> "users" [label="users.count\\nusers.list"];' in to_dot(graph)


def test_cli_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(SHOP)]) == 0
    assert capsys.readouterr().out.startswith("flowchart LR\n")
    assert main(["graph", str(SHOP), "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith('digraph "exosphere-shop" {\n')
    out = tmp_path / "shop.mmd"
    assert main(["graph", str(SHOP), "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert out.read_text().startswith("flowchart LR\n")


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json  # noqa: PLC0415

    assert main(["graph", str(corpus("test")), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["services"][2] == {"role": "web", "public": True, "namespace": None}
    assert {"from": "web", "to": "users", "messages": ["users.create", "users.list"]} in (
        document["edges"]
    )


def test_cli_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "no/such/app"]) == 2
    assert "exo-cdk: error: no such folder: no/such/app" in capsys.readouterr().err
    assert main(["graph", str(SHOP), "--format", "gif"]) == 2


needs_renderer = pytest.mark.skipif(
    shutil.which("node") is None or not (REPO / "node_modules" / "@hpcc-js").is_dir(),
    reason="needs Node and `npm ci`",
)


@needs_renderer
@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<svg"), ("png", b"\x89PNG\r\n\x1a\n")])
def test_cli_pictures(tmp_path: Path, fmt: str, magic: bytes) -> None:
    out = tmp_path / f"shop.{fmt}"
    assert main(["graph", str(SHOP), "--format", fmt, "-o", str(out)]) == 0
    data = out.read_bytes()
    assert magic in data[:400]
    if fmt == "svg":
        assert b"products.list" in data


def test_databases_are_drawn_beside_the_services_that_use_them() -> None:
    graph = message_graph(go_era_app())
    assert graph.as_json()["databases"] == [
        {
            "id": "main-db",
            "label": "main-db (postgres 17.6)",
            "used_by": ["web", "greeter", "mailer"],
        },
        {"id": "users", "label": "users (mysql 8.4.6)", "used_by": ["web"]},
    ]
    mermaid = to_mermaid(graph)
    assert '    d_main_db[("main-db (postgres 17.6)")]' in mermaid.splitlines()
    assert "  s_web -.- d_users" in mermaid.splitlines()
    dot = to_dot(graph)
    assert '  "greeter" -> "d_main_db" [style=dotted, arrowhead=none];' in dot.splitlines()
    # the translated name is the one on the bus
    assert [(e.sender, e.receiver, e.messages) for e in graph.edges] == [
        ("greeter", "web", ("greeting.reply",)),
        ("web", "greeter", ("greeting.request",)),
    ]
    # an app without databases says nothing of them
    assert "databases" not in message_graph(attrs.evolve(go_era_app(), databases=())).as_json()
