"""Rules: a plain-text secret in `production.environment` warns, pointing at `production.secrets`.

A plain environment variable is written into the task definition: anyone who
may describe it (or read the template, the stack or `cdk.out`) reads the
value. A variable warns when its name says secret or its value looks like a
credential; the value is never repeated in the warning.

- **Names.** A word of the name (split at `_` and at camelCase) is PASSWORD,
  PASSWD, SECRET(S), TOKEN(S), CREDENTIAL(S), APIKEY, or the pair API KEY,
  PRIVATE KEY, ACCESS KEY (`DB_PASSWORD`, `stripeApiKey`,
  `AWS_SECRET_ACCESS_KEY`). A name whose last word says it holds where or
  what a secret is, not the secret (URL, URI, HOST, PORT, NAME, ID, FILE, PATH,
  DIR, ARN, TTL, TIMEOUT, LENGTH, EXPIRY: `TOKEN_URL`, `SECRET_NAME`,
  `PASSWORD_FILE`), and an empty value, do not warn.
- **Values**, whatever the name: an AWS access key id (`AKIA`/`ASIA` and 16
  letters or digits), a Stripe live key (`sk_live_`, `rk_live_`), a PEM
  private key block, a JWT (`eyJ….eyJ….…`), a GitHub token (`ghp_` and its
  kin, `github_pat_`), a Slack token (`xoxb-` and its kin), a URL with a
  password (`mongodb://user:password@host`).
"""

from __future__ import annotations

import re

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.rules.quotas import TASK_DEFINITION_BYTES

#: Words (and pairs of words) of a variable's name that say it holds a secret.
SECRET_WORDS: tuple[tuple[str, ...], ...] = (
    ("PASSWORD",),
    ("PASSWD",),
    ("SECRET",),
    ("SECRETS",),
    ("TOKEN",),
    ("TOKENS",),
    ("CREDENTIAL",),
    ("CREDENTIALS",),
    ("APIKEY",),
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("ACCESS", "KEY"),
)
#: A name ending in one of these words holds where or what a secret is, not the secret.
NOT_SECRET_ENDINGS = frozenset(
    {
        "URL",
        "URI",
        "HOST",
        "PORT",
        "NAME",
        "ID",
        "FILE",
        "PATH",
        "DIR",
        "ARN",
        "TTL",
        "TIMEOUT",
        "LENGTH",
        "EXPIRY",
    }
)
#: What a credential looks like, by what it is. Each pattern runs in time linear
#: in the value (a 1 MB value is searched in milliseconds): a match can start at
#: few places, and what it repeats cannot be given back to try again.
#:
#: - JWT: `(?<![A-Za-z0-9])eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.`, started only where a
#:   run of `[\w-]` starts, committed (atomic group) to the run's first `eyJ`
#:   with 4 characters after it: a later `eyJ` of the run ends at the same `.`.
#: - URL with a password: `[A-Za-z][A-Za-z0-9+.-]*://user:password@`, started
#:   only where a run of scheme characters starts (the scheme holds a letter).
CREDENTIALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a Stripe live key", re.compile(r"(?<![A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{8,}")),
    ("a PEM private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    (
        "a JWT",
        re.compile(r"(?<![\w-])(?>[\w-]*?(?<![A-Za-z0-9])eyJ[\w-]{4})[\w-]*+\.eyJ[\w-]{4,}+\."),
    ),
    (
        "a GitHub token",
        re.compile(r"(?<![A-Za-z0-9])(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})"),
    ),
    ("a Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}")),
    (
        "a URL with a password",
        re.compile(
            r"(?<![A-Za-z0-9+.-])[0-9+.-]*+[A-Za-z][A-Za-z0-9+.-]*+://[^/\s:@]++:[^/\s@]++@"
        ),
    ),
)
IN_PLAIN_TEXT = (
    "in plain text: the task definition shows it to whoever may describe it; use production.secrets"
)

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def name_words(name: str) -> list[str]:
    """`DB_PASSWORD` -> DB, PASSWORD; `stripeApiKey` -> STRIPE, API, KEY."""
    return [word.upper() for part in name.split("_") for word in _WORD.findall(part)]


def secret_word(name: str) -> str | None:
    """The words of `name` that say it holds a secret (`API_KEY`), or None."""
    words = name_words(name)
    if not words or words[-1] in NOT_SECRET_ENDINGS:
        return None
    spaced = f" {' '.join(words)} "  # one substring search per secret word (or pair)
    for secret in SECRET_WORDS:
        if f" {' '.join(secret)} " in spaced:
            return "_".join(secret)
    return None


def credential(value: str) -> str | None:
    """What `value` looks like (`an AWS access key id`), when it looks like a credential."""
    for what, pattern in CREDENTIALS:
        if pattern.search(value):
            return what
    return None


def secret_problem(name: str, value: str) -> str | None:
    """The warning for the plain variable `name: value`, or None.

    A variable longer than a task definition takes is refused by its size
    (rules_quotas): it is not searched for secrets (cheap, but not free).
    """
    if len(name) + len(value) > TASK_DEFINITION_BYTES:
        return None
    what = credential(value)
    if what is not None:
        return f"looks like {what}, {IN_PLAIN_TEXT}"
    word = secret_word(name)
    if word is not None and value.strip():
        return f"a secret by its name ({word}), {IN_PLAIN_TEXT}"
    return None


def check(app: LoadedApp) -> list[Problem]:
    problems: list[Problem] = []
    for svc in app.services:
        for name, value in svc.environment.items():
            message = secret_problem(str(name), str(value))
            if message is not None:
                at = svc.source.at("environment").key(name)
                problems.append(at.problem(message, "warning"))
    return problems
