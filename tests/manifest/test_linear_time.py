"""Every string-checking rule runs in time linear in its input (issue 19, item 1).

A value just under the 1 MiB file limit, of any character class, is checked in
well under a second by each rule; the rewritten patterns say what the old
(backtracking) ones said, on every short string of their alphabet tried.
"""

from __future__ import annotations

import base64
import random
import re
import shlex
import string
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from exosphere_cdk.manifest.data import exocom, images
from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load import slug
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.load.exo_deploy import schema, translate
from exosphere_cdk.manifest.load.values import reference_problem, value_problem
from exosphere_cdk.manifest.load.yaml_io import Document
from exosphere_cdk.manifest.model import constraints
from exosphere_cdk.manifest.model import spec as model_spec
from exosphere_cdk.manifest.rules import grammars
from exosphere_cdk.manifest.rules import images as rules_images
from exosphere_cdk.manifest.rules.quotas import TASK_DEFINITION_BYTES
from exosphere_cdk.manifest.rules.secrets import (
    CREDENTIALS,
    SECRET_WORDS,
    credential,
    name_words,
    secret_problem,
    secret_word,
)
from exosphere_cdk.manifest.rules.services import SECRET_ARN_RE, shell_split_problem
from tests.apps import write_app

MB = 1_000_000
#: Well under a second of CPU time (a busy machine's waits not counted): the rules
#: take 0.4 s at most on one core of a laptop, most of them a few milliseconds.
LIMIT_SECONDS = 0.5


def _cycle(piece: str, size: int = MB) -> str:
    return (piece * (size // len(piece) + 1))[:size]


#: A 1 MB value of each character class, and of the runs the old patterns choked on.
VALUES: dict[str, str] = {
    "letters": _cycle("a"),
    "capitals": _cycle("A"),
    "digits": _cycle("7"),
    "spaces": _cycle(" "),
    "punctuation": _cycle(string.punctuation),
    "base64": base64.b64encode(random.Random(19).randbytes(MB))[:MB].decode(),
    "mixed": _cycle("aB3 _-.:/@{$#'\"\\"),
    "jwt heads": _cycle("_eyJ"),
    "scheme runs": _cycle("ab+c.d-"),
    "urls without password": _cycle("a://b:"),
    "pem heads": _cycle("-----BEGIN A "),
    "dotted": _cycle("a."),
    "quotes": _cycle("'\"\\"),
}


def _specs() -> Iterator[tuple[str, model_spec.Spec]]:
    """Every Spec of the model with a pattern, its names' Specs included."""
    for cl in vars(schema).values():
        if not (isinstance(cl, type) and attrs.has(cl)):
            continue
        for field in attrs.fields(cl):
            spec = field.metadata.get(model_spec.SPEC)
            for at, each in ((field.name, spec), (f"{field.name} names", spec and spec.names)):
                if isinstance(each, model_spec.Spec) and each.pattern is not None:
                    yield f"{cl.__name__}.{at}", each


def _pattern_rule(spec: model_spec.Spec) -> Callable[[str], object]:
    return lambda value: value_problem(spec, value)


#: Each string-checking rule, by name, as a function of one string.
RULES: dict[str, Callable[[str], object]] = {
    **{f"pattern of {name}": _pattern_rule(spec) for name, spec in _specs()},
    "plain-text secret (value)": lambda v: secret_problem("X", v),
    "plain-text secret (name)": lambda v: secret_problem(v, "x"),
    "dynamic reference or token": reference_problem,
    "shell split": shell_split_problem,
    "secret ARN": SECRET_ARN_RE.match,
    "ECR image": images.ecr_image,
    "registry host": images.registry_host,
    "image tag": rules_images.image_tag,
    "image reference": grammars.reference_problem,
    "slug": slug.derive_slug,
    "dashify": translate.dashify,
    "ExoCom version": exocom.nearest_version,
    "line of a dotted key": lambda v: Document("f", {}, {("a",): 1}).line_of(("a", *v.split("."))),
}

#: What secret_problem calls, on at most a task definition's worth (longer is rules_quotas').
HELPERS: dict[str, Callable[[str], object]] = {
    "credential": credential,
    "secret word": secret_word,
    "name words": name_words,
}


def test_the_model_has_patterns_to_check() -> None:
    assert len([name for name in RULES if name.startswith("pattern of")]) >= 15


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_checks_1_mb_of_every_class_in_well_under_a_second(rule: str) -> None:
    assert _slow(RULES[rule], MB) == {}


@pytest.mark.parametrize("helper", sorted(HELPERS))
def test_secret_problems_helpers_check_a_whole_task_definition_in_well_under_a_second(
    helper: str,
) -> None:
    assert _slow(HELPERS[helper], TASK_DEFINITION_BYTES) == {}


def _slow(check: Callable[[str], object], size: int) -> dict[str, float]:
    """The values (by class) that `check` took more than LIMIT_SECONDS over, and how long."""
    slow = {}
    for kind, whole in VALUES.items():
        value = whole[:size]
        start = time.process_time()
        check(value)
        elapsed = time.process_time() - start
        if elapsed > LIMIT_SECONDS:
            slow[kind] = round(elapsed, 2)
    return slow


# The rewritten patterns against the old ones, on short strings of their alphabets.
OLD_JWT = re.compile(r"(?<![A-Za-z0-9])eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*")
OLD_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")


def _strings(alphabet: list[str], seed: int, count: int = 20_000) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))


@pytest.mark.parametrize(
    ("what", "old", "alphabet"),
    [
        ("a JWT", OLD_JWT, ["eyJ", "a", "_", "-", ".", "1", "é", " "]),
        ("a URL with a password", OLD_URL, ["a", "1", "+", "://", ":", "/", "@", " ", "-", "."]),
    ],
)
def test_a_rewritten_credential_pattern_matches_what_the_old_one_did(
    what: str, old: re.Pattern[str], alphabet: list[str]
) -> None:
    new = dict(CREDENTIALS)[what]
    differ = [s for s in _strings(alphabet, 19) if bool(old.search(s)) != bool(new.search(s))]
    assert differ == []
    example = {"a JWT": "x eyJabcd.eyJefgh.sig", "a URL with a password": "mongodb://u:pw@db"}
    assert new.search(example[what])


def test_the_shell_split_check_says_what_shlex_says() -> None:
    def shlex_problem(command: str) -> str | None:
        try:
            shlex.split(command)
        except ValueError as exc:
            return str(exc).lower()
        return None

    strings = _strings(["a", " ", "'", '"', "\\", "\n"], 19, 30_000)
    differ = [s for s in strings if shell_split_problem(s) != shlex_problem(s)]
    assert differ == []


def test_the_slug_splits_capitals_as_before() -> None:
    def old(name: str) -> str:  # derive_slug before issue 19
        text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name)
        text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", text)
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        if len(slug) > constraints.SLUG_MAX:
            cut = slug[: constraints.SLUG_MAX + 1]
            slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[: constraints.SLUG_MAX]
            slug = slug[: constraints.SLUG_MAX].strip("-")
        return slug

    names = list(_strings(["A", "B", "a", "b", "1", "-", " ", "AbCd" * 5], 19))
    assert [slug.derive_slug(n) for n in names] == [old(n) for n in names]
    assert slug.derive_slug("HTTPServerSpaceTweet") == "http-server-space-tweet"


def test_a_secret_word_is_found_among_whole_words_only() -> None:
    assert all(" " not in word for words in SECRET_WORDS for word in words)
    assert secret_word("MY_API_KEY_2") == "API_KEY"
    assert secret_word("RAPID_KEYBOARD") is None
    assert secret_word("X_" * 100_000 + "TOKEN") == "TOKEN"


def test_a_variable_too_long_for_a_task_definition_is_left_to_the_size_rule() -> None:
    assert secret_problem("DB_PASSWORD", "x" * 70_000) is None
    assert secret_problem("DB_PASSWORD", "x" * 60_000) is not None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("where", "kind"), [("environment", "letters"), ("command", "letters"), ("name", "capitals")]
)
def test_an_app_with_a_1_mb_value_loads_in_seconds(tmp_path: Path, where: str, kind: str) -> None:
    """Through load_app (YAML parsing included), in the places the issue found slow."""
    value = VALUES[kind][: MB - 1000]
    changes: dict[str, dict[str, Any]] = {
        "environment": {"web/service.yml": {"production": {"environment": {"X": value}}}},
        "command": {"web/service.yml": {"startup": {"command": value}}},
        "name": {"application.yml": {"name": value}},
    }
    app = write_app(tmp_path, changes[where])
    start = time.process_time()
    with pytest.raises(ManifestError):  # too long for a task definition, a stack description
        load_app(app)
    assert time.process_time() - start < 10
