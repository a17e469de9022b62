"""ExoCom's releases (manifest/data/exocom.py): each family's command, variables, routes, names."""

from __future__ import annotations

import json

import pytest

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.data.exocom import Route

PRODUCTS = Route(
    role="products",
    receives=("mongo.item.get", "products.list", "ping"),
    sends=("mongo.item.got", "mongo.item.listed"),
    namespace="mongo",
)
PLAIN = Route(role="web", receives=("users.listed",), sends=("users.list",))


def fam(version: str) -> exocom.ExoComFamily:
    found = exocom.family(version)
    assert found is not None, version
    return found


def test_every_tag_is_in_exactly_one_family() -> None:
    versions = [v for f in exocom.FAMILIES for v in f.versions]
    assert len(versions) == len(set(versions))
    assert versions[0] == "0.21.0"
    assert versions[-1] == "0.27.0"
    assert "0.21.6" not in versions  # never tagged
    assert versions == sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))
    assert tuple(versions) == exocom.VERSIONS


def test_unknown_versions_have_no_family() -> None:
    for version in ("0.21.6", "0.28.0", "latest", "v0.21.8", "1.0.0", ""):
        assert exocom.family(version) is None


@pytest.mark.parametrize(
    ("version", "command", "server"),
    [
        ("0.21.0", ("bin/exocom",), "Node.js"),
        ("0.21.8", ("bin/exocom",), "Node.js"),
        ("0.22.1", ("bin/exocom",), "Node.js"),
        ("0.23.0", None, "Go"),
        ("0.24.0", None, "Go"),
        ("0.26.4", None, "Go"),
        ("0.27.0", None, "Go"),
    ],
)
def test_command_per_family(version: str, command: tuple[str, ...] | None, server: str) -> None:
    assert fam(version).command == command
    assert fam(version).server == server


@pytest.mark.parametrize(
    ("version", "variables"),
    [
        ("0.21.8", {"PORT", "SERVICE_ROUTES"}),
        ("0.23.0", {"PORT", "SERVICE_ROUTES"}),
        ("0.26.2", {"PORT", "SERVICE_ROUTES"}),
        ("0.26.4", {"PORT", "SERVICE_ROUTES"}),
        ("0.27.0", {"PORT", "SERVICE_DATA"}),
    ],
)
def test_variable_names_per_family(version: str, variables: set[str]) -> None:
    env = exocom.environment(fam(version), [PLAIN])
    assert set(env) == variables
    assert env["PORT"] == "3100"


def test_routes_shape_node_and_go_0_23_list_with_namespace() -> None:
    for version in ("0.21.8", "0.23.0"):
        assert json.loads(exocom.routes_json(fam(version), [PRODUCTS, PLAIN])) == [
            {
                "role": "products",
                "receives": ["mongo.item.get", "products.list", "ping"],
                "sends": ["mongo.item.got", "mongo.item.listed"],
                "namespace": "mongo",
            },
            {"role": "web", "receives": ["users.listed"], "sends": ["users.list"]},
        ]


def test_routes_shape_go_0_24_to_0_26_list_with_translations() -> None:
    for version in ("0.24.0", "0.26.4"):
        assert json.loads(exocom.routes_json(fam(version), [PRODUCTS, PLAIN])) == [
            {
                "role": "products",
                "receives": ["mongo.item.get", "products.list", "ping"],
                "sends": ["mongo.item.got", "mongo.item.listed"],
                "messageTranslations": [
                    {"public": "products.item.got", "internal": "mongo.item.got"},
                    {"public": "products.item.listed", "internal": "mongo.item.listed"},
                    {"public": "products.item.get", "internal": "mongo.item.get"},
                ],
            },
            {"role": "web", "receives": ["users.listed"], "sends": ["users.list"]},
        ]


def test_routes_shape_go_0_27_map_by_role() -> None:
    assert json.loads(exocom.routes_json(fam("0.27.0"), [PRODUCTS, PLAIN])) == {
        "products": {
            "receives": ["mongo.item.get", "products.list", "ping"],
            "sends": ["mongo.item.got", "mongo.item.listed"],
            "translations": [
                {"public": "products.item.got", "internal": "mongo.item.got"},
                {"public": "products.item.listed", "internal": "mongo.item.listed"},
                {"public": "products.item.get", "internal": "mongo.item.get"},
            ],
        },
        "web": {"receives": ["users.listed"], "sends": ["users.list"], "translations": []},
    }


def test_routes_json_is_compact() -> None:
    assert " " not in exocom.routes_json(fam("0.21.8"), [PLAIN])


@pytest.mark.parametrize(
    ("message", "direction", "expected"),
    [
        # ExoCom 0.21-0.22 keeps only the second dot-segment, whatever the first is.
        ("mongo.item.get", "receives", "products.item"),
        ("a.b", "receives", "products.b"),
        ("products.list", "receives", "products.list"),
        ("ping", "receives", "ping"),
        ("mongo.item.got", "sends", "products.item"),
        ("other.thing", "sends", "other.thing"),
    ],
)
def test_node_translation_as_exocom(
    message: str, direction: exocom.Direction, expected: str
) -> None:
    assert exocom.bus_name(fam("0.21.8"), PRODUCTS, message, direction) == expected


@pytest.mark.parametrize(
    ("message", "direction", "expected"),
    [
        ("mongo.item.get", "receives", "products.item"),
        ("a.b", "receives", "products.b"),
        ("other.thing", "sends", "products.thing"),
        ("ping", "sends", "ping"),
    ],
)
def test_go_0_23_translation_as_exocom(
    message: str, direction: exocom.Direction, expected: str
) -> None:
    assert exocom.bus_name(fam("0.23.0"), PRODUCTS, message, direction) == expected


@pytest.mark.parametrize(
    ("message", "direction", "expected"),
    [
        ("mongo.item.get", "receives", "products.item.get"),
        ("mongo.item.got", "sends", "products.item.got"),
        ("a.b", "receives", "a.b"),
        ("products.list", "receives", "products.list"),
    ],
)
def test_translations_from_0_24_are_one_to_one(
    message: str, direction: exocom.Direction, expected: str
) -> None:
    for version in ("0.24.0", "0.27.0"):
        assert exocom.bus_name(fam(version), PRODUCTS, message, direction) == expected


def test_without_a_namespace_names_are_unchanged() -> None:
    for f in exocom.FAMILIES:
        assert exocom.bus_name(f, PLAIN, "users.list", "sends") == "users.list"
        assert exocom.bus_name(f, PLAIN, "a.b", "receives") == "a.b"


def test_bus_messages_by_bus_name() -> None:
    consumer = Route(role="web", receives=("products.item",), sends=("products.b",))
    found = exocom.bus_messages(fam("0.21.8"), [PRODUCTS, consumer])
    assert found.senders == {"products.item": ("products",), "products.b": ("web",)}
    assert found.receivers == {
        "products.item": ("products", "web"),
        "products.list": ("products",),
        "ping": ("products",),
    }


@pytest.mark.parametrize(
    ("version", "several", "reconnect", "deployment"),
    [
        ("0.21.8", False, False, (0, 100)),
        ("0.22.1", False, False, (0, 100)),
        ("0.23.0", False, True, (0, 100)),
        ("0.26.2", False, True, (0, 100)),
        ("0.26.3", True, True, (100, 200)),
        ("0.27.0", True, True, (100, 200)),
    ],
)
def test_connections_per_role_and_deployments(
    version: str, several: bool, reconnect: bool, deployment: tuple[int, int]
) -> None:
    f = fam(version)
    assert f.several_per_role is several
    assert f.clients_reconnect is reconnect
    d = exocom.service_deployment(f)
    assert (d.minimum_healthy_percent, d.maximum_percent) == deployment
    assert d.rolling is (deployment[1] > 100)


def test_several_per_role_from() -> None:
    assert exocom.SEVERAL_PER_ROLE_FROM == "0.26.3"


@pytest.mark.parametrize(
    ("given", "nearest"),
    [
        ("0.22.2", "0.22.1"),
        ("0.21.6", "0.21.7"),
        ("0.21.9", "0.21.8"),
        ("v0.21.8", "0.21.8"),
        ("0.26.9", "0.26.4"),
        ("0.27.1", "0.27.0"),
        ("0.2.18", "0.21.8"),
        ("0,21,8", "0.21.8"),
        ("0.21.8a", "0.21.8"),
        ("1.10", None),
        ("0." * 1000, None),
        ("latest", None),
        ("2.0.0", None),
    ],
)
def test_nearest_version(given: str, nearest: str | None) -> None:
    assert exocom.nearest_version(given) == nearest


def test_image_and_supported_text() -> None:
    assert exocom.image("0.21.8") == "originate/exocom:0.21.8"
    assert exocom.supported_versions_text() == (
        "0.21.0-0.22.1, 0.23.0, 0.24.0, 0.25.0-0.26.2, 0.26.3-0.26.4, 0.27.0"
    )
