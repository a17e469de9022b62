# ruff: noqa: E501 - exact one-line messages
"""Image references and health-check paths, parsed by the grammar of what they become (issue 19)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from exosphere_cdk.manifest.load.exo_deploy.loader import load_app
from exosphere_cdk.manifest.model.constraints import SLUG_PATTERN
from exosphere_cdk.manifest.rules.grammars import reference_problem
from tests.apps import AppFactory, problem_lines

FORM = "expected [registry[:port]/]name[/name...][:tag][@sha256:digest]"
COMPONENT = "lowercase letters and digits, joined by single '.', '_', '__' or dashes, neither starting nor ending with one"
DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "image",
    [
        "redis:7.2",
        "originate/exocom:0.21.8",
        "library/redis_cache__x-y.z:1",
        "a--b/c",
        "localhost/x:1",
        "localhost:5000/team/cache:1.0",
        "Registry.Example.com/x:1",
        "[::1]:5000/x:1",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/cache:1",
        f"redis@{DIGEST}",
        f"redis:7.2@{DIGEST}",
        "redis:" + "a" * 128,
    ],
)
def test_an_image_reference_docker_takes(image: str) -> None:
    assert reference_problem(image) is None


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("acme/Cache:1", f"the name component 'Cache' is not {COMPONENT}"),
        ("acme/-cache:1", f"the name component '-cache' is not {COMPONENT}"),
        ("acme/cache.:1", f"the name component 'cache.' is not {COMPONENT}"),
        ("acme/ca___che:1", f"the name component 'ca___che' is not {COMPONENT}"),
        ("acme//cache:1", "a name component is empty ('//', or '/' at an end)"),
        (
            "redis:",
            "the tag '' is not 1 to 128 letters, digits, '_', '.' and '-' starting with a letter, a digit or '_'",
        ),
        (
            "redis:.7",
            "the tag '.7' is not 1 to 128 letters, digits, '_', '.' and '-' starting with a letter, a digit or '_'",
        ),
        (
            "redis:" + "a" * 129,
            f"the tag '{'a' * 129}' is not 1 to 128 letters, digits, '_', '.' and '-' starting with a letter, a digit or '_'",
        ),
        (
            "redis@sha256:abc",
            "the digest 'sha256:abc' is not 'sha256:' and 64 lowercase hex digits",
        ),
        (
            "redis@md5:" + "0" * 32,
            f"the digest 'md5:{'0' * 32}' is not 'sha256:' and 64 lowercase hex digits",
        ),
        (
            f"redis@{DIGEST.upper()}",
            f"the digest '{DIGEST.upper()}' is not 'sha256:' and 64 lowercase hex digits",
        ),
        (
            "reg.example.com:http/x",
            "the registry 'reg.example.com:http' has the port 'http', expected 1 to 5 digits",
        ),
        (
            "reg_1.example.com/x",
            "the registry 'reg_1.example.com' is not a host name (letters, digits and '-', joined by '.') with an optional ':port'",
        ),
        (
            "-reg.example.com/x",
            "the registry '-reg.example.com' is not a host name (letters, digits and '-', joined by '.') with an optional ':port'",
        ),
    ],
)
def test_an_image_reference_docker_refuses(image: str, problem: str) -> None:
    assert reference_problem(image) == problem


def _cache(image: str) -> dict[str, object]:
    cache = {"docker_image": image, "messages": {"receives": ["cache.get"]}}
    return {"application.yml": {"services": {"private": {"cache": cache}}}}


def _errors(app: Path) -> list[str]:
    return [line for line in problem_lines(app) if ": warning: " not in line]


def test_a_docker_image_is_reported_at_its_line_with_the_grammar(make_app: AppFactory) -> None:
    app = make_app(_cache("acme/Cache:1.0"))
    assert _errors(app) == [
        f"app/application.yml:16: services.private.cache.docker_image: 'acme/Cache:1.0' is not an image reference: the name component 'Cache' is not {COMPONENT}, {FORM}",
    ]


def test_a_docker_image_the_models_pattern_refuses_is_one_line(make_app: AppFactory) -> None:
    assert _errors(make_app(_cache("acme/ca che:1"))) == [
        "app/application.yml:16: services.private.cache.docker_image: invalid image 'acme/ca che:1', expected an image name like 'originate/exocom:0.21.8'"
    ]


def test_an_author_that_makes_no_image_name(make_app: AppFactory) -> None:
    app = make_app({"users/service.yml": {"author": "Acme Inc."}})
    assert problem_lines(app) == [
        f"app/users/service.yml:2: author: 'Acme Inc.' makes 'acme-inc-' of the image name 'acme-inc-/users', expected {COMPONENT} (or a Dockerfile, or docker_image in application.yml)",
    ]


def test_an_author_does_not_matter_with_a_dockerfile(make_app: AppFactory) -> None:
    app = make_app({"users/service.yml": {"author": "Acme Inc."}, "users/Dockerfile": "FROM x\n"})
    assert load_app(app).problems == ()


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("/health check", "a space at character 8"),
        ("/héalth", "'é' (U+00E9) at character 3"),
        ("/health\t", "'\\t' (U+0009) at character 8"),
    ],
)
def test_a_health_check_path_a_load_balancer_refuses(
    make_app: AppFactory, path: str, found: str
) -> None:
    app = make_app({"web/service.yml": {"production": {"aws": {"health-check-path": path}}}})
    assert problem_lines(app) == [
        f"app/web/service.yml:12: production.aws.health-check-path: holds {found}, expected a path of printable ASCII characters without spaces, as a load balancer's health check takes it (percent-encode others: %20 for a space)",
    ]


def test_a_health_check_path_with_a_query_and_escapes_loads(make_app: AppFactory) -> None:
    path = "/health%20check?probe=alb&x=~_-.@:+$!*'()"
    app = make_app({"web/service.yml": {"production": {"aws": {"health-check-path": path}}}})
    assert load_app(app).problems == ()


def test_every_slug_is_inside_the_log_group_grammar() -> None:
    """Log group names are CloudFormation's; their IAM prefix `<slug>-` must fit CloudWatch's grammar."""
    log_group = re.compile(r"[.\-_/#A-Za-z0-9]+")
    slug = re.compile(SLUG_PATTERN)
    taken = [ch for ch in string.printable if slug.fullmatch(f"a{ch}b")]
    assert taken and all(log_group.fullmatch(f"a{ch}b-") for ch in taken)
