# ruff: noqa: E501 - exact one-line messages
"""A message name holds no control or bidirectional character; no pattern takes a final newline."""

from __future__ import annotations

import pytest

from exosphere_cdk.manifest.load.exo_deploy.loader import load_app
from exosphere_cdk.manifest.load.go_era import schema as go
from exosphere_cdk.manifest.model.spec import spec_of
from tests.apps import AppFactory, problem_lines

EXPECTED = "expected a name without spaces or control characters"


def test_an_escape_sequence_in_a_message_name_is_one_error(make_app: AppFactory) -> None:
    # Printed to a terminal it would run: a new window title, a cleared screen.
    name = "users.list\x1b]0;PWNED\x07\x1b[2J"
    app = make_app({"web/service.yml": {"messages": {"sends": ["users.list", name]}}})
    assert problem_lines(app) == [
        f"app/web/service.yml:6: messages.sends[1]: invalid message name 'users.list\\x1b]0;PWNED\\x07\\x1b[2J', {EXPECTED}",
    ]


@pytest.mark.parametrize(
    ("char", "shown"),
    [("\x00", "\\x00"), ("\x7f", "\\x7f"), ("\x9b", "\\x9b"), ("\u202e", "\\u202e"), ("\n", "\\n")],
)
def test_a_control_or_bidirectional_character_is_refused(
    make_app: AppFactory, char: str, shown: str
) -> None:
    app = make_app({"users/service.yml": {"messages": {"receives": ["users.list", f"x{char}y"]}}})
    assert problem_lines(app) == [
        f"app/users/service.yml:6: messages.receives[1]: invalid message name 'x{shown}y', {EXPECTED}",
    ]


def test_printable_names_in_any_script_are_names(make_app: AppFactory) -> None:
    app = make_app({"users/service.yml": {"messages": {"receives": ["users.list", "café.ß"]}}})
    assert all(p.severity != "error" for p in load_app(app).problems)


@pytest.mark.parametrize("field", ["sends", "receives"])
def test_go_era_names_take_inner_spaces_but_no_control_character(field: str) -> None:
    spec = spec_of(go.Messages, field)
    assert spec.accepts("create tweet")
    assert not any(spec.accepts(v) for v in ("a\x1bb", "x\u2066y", " a", "a ", "a\n"))


def test_a_final_newline_is_not_taken_by_a_pattern(make_app: AppFactory) -> None:
    # Python's `$` matches before a final newline; JSON Schema's (the schema's) does not.
    app = make_app(
        {
            "web/service.yml": {
                "messages": {"sends": ["users.list\n"]},
                "production": {"url": "hello.example.com\n"},
            },
        }
    )
    lines = problem_lines(app)
    assert (
        f"app/web/service.yml:5: messages.sends[0]: invalid message name 'users.list\\n', {EXPECTED}"
        in lines
    )
    assert any("production.url" in line and "'hello.example.com\\n'" in line for line in lines)
    assert not any("did you mean 'users.list\\n'" in line for line in lines)  # no hint to it
