# ruff: noqa: E501 - exact one-line messages
"""providers.aws `waf`, production.aws `read-only-root` and `user`: read, defaulted, checked."""

from __future__ import annotations

import pytest

from exosphere_cdk.manifest.load.eras import load_app
from tests.apps import AppFactory
from tests.manifest.load.test_invalid import aws, lines, web_aws


def test_defaults_are_off_and_the_images_user(make_app: AppFactory) -> None:
    app = load_app(make_app(None))
    assert app.aws.waf is False
    for svc in app.services:
        assert svc.read_only_root is False
        assert svc.user is None


@pytest.mark.parametrize("user", ["node", "1000", "1000:1000", "app:app", "www-data", "_svc:0"])
def test_a_user_as_docker_takes_it(make_app: AppFactory, user: str) -> None:
    app = load_app(make_app({**web_aws(**{"read-only-root": True, "user": user}), **aws(waf=True)}))
    web = next(s for s in app.services if s.role == "web")
    assert (web.read_only_root, web.user) == (
        True,
        user,
    )
    assert app.aws.waf is True


@pytest.mark.parametrize("user", ["", "root user", "1000:", ":1000", "Node", "a:b:c", "x" * 33])
def test_an_invalid_user_is_refused(make_app: AppFactory, user: str) -> None:
    assert lines(make_app(web_aws(user=user))) == [
        f"app/web/service.yml:12: production.aws.user: invalid user {user!r}, expected a user name or uid, optionally ':group' (e.g. 'node' or '1000:1000')"
    ]


def test_waf_and_read_only_root_are_booleans(make_app: AppFactory) -> None:
    assert lines(make_app({**web_aws(**{"read-only-root": "yes"}), **aws(waf="on")})) == [
        "app/application.yml:10: environments.production.providers.aws.waf: invalid value 'on', expected true or false",
        "app/web/service.yml:12: production.aws.read-only-root: invalid value 'yes', expected true or false",
    ]
