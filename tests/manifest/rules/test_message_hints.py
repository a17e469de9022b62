# ruff: noqa: E501 - exact one-line messages
"""A message no other service matches gets a did-you-mean from the app's other messages."""

from __future__ import annotations

import time
from pathlib import Path

from exosphere_cdk.manifest.load.exo_deploy.loader import load_app
from exosphere_cdk.manifest.rules import messages as message_hints
from tests.apps import AppFactory


def _warnings(app: Path) -> list[str]:
    return [str(p) for p in load_app(app).problems if p.severity == "warning"]


def test_a_misspelt_message_gets_the_name_the_other_side_has(make_app: AppFactory) -> None:
    app = make_app({"web/service.yml": {"messages": {"sends": ["users.lsit"]}}})
    assert _warnings(app) == [
        "app/users/service.yml:5: messages.receives[0]: warning: 'users.list': no service sends it, did you mean 'users.lsit'?",
        "app/web/service.yml:5: messages.sends[0]: warning: 'users.lsit': no service receives it, did you mean 'users.list'?",
    ]


def test_a_name_the_service_already_writes_is_not_suggested(make_app: AppFactory) -> None:
    # web sends users.list (received) and users.lost (received by nobody): users.list is
    # web's own already, so users.lost gets no hint; neither does a name nobody resembles.
    app = make_app(
        {"web/service.yml": {"messages": {"sends": ["users.list", "users.lost", "zzz"]}}}
    )
    assert _warnings(app) == [
        "app/web/service.yml:6: messages.sends[1]: warning: 'users.lost': no service receives it",
        "app/web/service.yml:7: messages.sends[2]: warning: 'zzz': no service receives it",
    ]


def test_a_message_only_the_service_itself_has_is_not_suggested(make_app: AppFactory) -> None:
    # users sends users.listed, which web receives; users' own receive of users.listd
    # must not be pointed at users' own send.
    app = make_app({"users/service.yml": {"messages": {"receives": ["users.list", "users.listd"]}}})
    assert _warnings(app) == [
        "app/users/service.yml:6: messages.receives[1]: warning: 'users.listd': no service sends it",
    ]


def test_thousands_of_unmatched_messages_are_checked_at_once(make_app: AppFactory) -> None:
    count = 1_500
    app = make_app(
        {
            "web/service.yml": {"messages": {"sends": [f"s.{i}" for i in range(count)]}},
            "users/service.yml": {"messages": {"receives": [f"r.{i}" for i in range(count)]}},
        }
    )
    start = time.process_time()
    warnings = _warnings(app)
    assert time.process_time() - start < 5
    assert len(warnings) == 2 * count
    hinted = [w for w in warnings if "did you mean" in w]
    # each hint compares with the other side's names: the budget ends the hints early
    assert 0 < len(hinted) <= message_hints.BUDGET // count
