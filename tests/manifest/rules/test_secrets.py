# ruff: noqa: E501 - exact one-line messages
"""A plain-text secret in production.environment warns, pointing at production.secrets."""

from __future__ import annotations

import pytest

from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.rules.secrets import credential, name_words, secret_word
from tests.apps import AppFactory

PLAIN = (
    "in plain text: the task definition shows it to whoever may describe it; use production.secrets"
)


def warnings(make_app: AppFactory, environment: dict[str, str]) -> list[str]:
    app = load_app(make_app({"users/service.yml": {"production": {"environment": environment}}}))
    return [str(p) for p in app.problems if "plain text" in p.message]


def test_the_issues_examples_warn_at_their_key_without_the_value(make_app: AppFactory) -> None:
    lines = warnings(
        make_app,
        {"DB_PASSWORD": "hunter2", "STRIPE": "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "PORT": "80"},
    )
    assert lines == [
        f"app/users/service.yml:10: production.environment.DB_PASSWORD: warning: a secret by its name (PASSWORD), {PLAIN}",
        f"app/users/service.yml:11: production.environment.STRIPE: warning: looks like a Stripe live key, {PLAIN}",
    ]
    assert not any("hunter2" in line or "sk_live_4eC39" in line for line in lines)


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("DB_PASSWORD", "PASSWORD"),
        ("MYSQL_PASSWD", "PASSWD"),
        ("password", "PASSWORD"),
        ("JWT_SECRET", "SECRET"),
        ("AWS_SECRET_ACCESS_KEY", "SECRET"),
        ("GITHUB_TOKEN", "TOKEN"),
        ("authToken", "TOKEN"),
        ("STRIPE_API_KEY", "API_KEY"),
        ("stripeApiKey", "API_KEY"),
        ("SENDGRID_APIKEY", "APIKEY"),
        ("SSH_PRIVATE_KEY", "PRIVATE_KEY"),
        ("ACCESS_KEY", "ACCESS_KEY"),
        ("GOOGLE_CREDENTIALS", "CREDENTIALS"),
        ("TOKEN_SECRET_2", "SECRET"),
    ],
)
def test_names_that_say_secret(name: str, word: str) -> None:
    assert secret_word(name) == word


@pytest.mark.parametrize(
    "name",
    [
        "TOKEN_URL",
        "SECRET_NAME",
        "PASSWORD_FILE",
        "AWS_ACCESS_KEY_ID",
        "SECRET_ARN",
        "TOKEN_TTL",
        "PASSWORD_MIN_LENGTH",
        "OAUTH_TOKEN_HOST",
        "KEYBOARD",
        "PASSENGER_COUNT",
        "TOKENIZER",
        "SECRETARY",
        "PWD",
        "API",
        "MONKEY",
        "PUBLIC_KEY",
    ],
)
def test_names_that_do_not(name: str) -> None:
    assert secret_word(name) is None


def test_name_words() -> None:
    assert name_words("AWS_SECRET_ACCESS_KEY") == ["AWS", "SECRET", "ACCESS", "KEY"]
    assert name_words("stripeApiKey") == ["STRIPE", "API", "KEY"]
    assert name_words("OAuthToken2") == ["O", "AUTH", "TOKEN", "2"]


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
        ("key=ASIAY34FZKBOKMUTVV7A;", "an AWS access key id"),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "a Stripe live key"),
        ("rk_live_51H8abcdefgh", "a Stripe live key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "a PEM private key"),
        ("-----BEGIN PRIVATE KEY-----", "a PEM private key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "a PEM private key"),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "a JWT",
        ),
        ("ghp_" + "a1B2" * 9, "a GitHub token"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "a GitHub token"),
        ("xoxb-1234567890-abcdefghij", "a Slack token"),
        ("mongodb://admin:hunter2@db.internal:27017/app", "a URL with a password"),
    ],
)
def test_values_that_look_like_credentials(value: str, what: str) -> None:
    assert credential(value) == what


@pytest.mark.parametrize(
    "value",
    [
        "AKIA-not-a-key",
        "AKIAIOSFODNN7EXAMPLEX",  # 17 after AKIA
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "-----BEGIN PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----",
        "eyJhbGciOiJIUzI1NiJ9",
        "https://example.com/path",
        "mongodb://db.internal:27017/app",
        "https://user@example.com",
        "production",
        "",
    ],
)
def test_values_that_do_not(value: str) -> None:
    assert credential(value) is None


def test_an_empty_secret_by_name_is_not_a_secret(make_app: AppFactory) -> None:
    assert warnings(make_app, {"DB_PASSWORD": "", "API_KEY": " "}) == []


def test_a_credential_under_any_name_warns_once(make_app: AppFactory) -> None:
    assert warnings(make_app, {"AWS_KEY_PASSWORD": "AKIAIOSFODNN7EXAMPLE"}) == [
        f"app/users/service.yml:10: production.environment.AWS_KEY_PASSWORD: warning: looks like an AWS access key id, {PLAIN}"
    ]


def test_secrets_do_not_warn(make_app: AppFactory) -> None:
    app = load_app(
        make_app({"users/service.yml": {"production": {"secrets": {"DB_PASSWORD": "prod/db"}}}})
    )
    assert [p for p in app.problems if "plain text" in p.message] == []
