"""What README.md and docs/ say, checked against what the code does, where a test can."""

from __future__ import annotations

import argparse
import ast
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import attrs

from exosphere_cdk.cli import build_parser
from exosphere_cdk.manifest.load.exo_deploy import schema
from exosphere_cdk.manifest.model.constraints import (
    DATA_STACK_PART,
    RESERVED_ENV,
    RESERVED_ROLES,
    STACK_PARTS,
)
from exosphere_cdk.manifest.model.spec import SPEC
from tests.conftest import REPO
from tests.synth import Synthesized

README = (REPO / "README.md").read_text()
MANIFEST_DOC = (REPO / "docs" / "manifest.md").read_text()


def _commands(block: str) -> list[str]:
    """The commands of a shell block: its lines without comments or blank lines."""
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(shlex.join(words))
    return commands


def test_the_readme_sets_up_and_tests_with_two_commands_and_ci_runs_the_second() -> None:
    first_sh_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert first_sh_block is not None
    setup, test = _commands(first_sh_block[1])
    assert (setup, test) == ("scripts/setup", "scripts/check")
    ci = _commands((REPO / ".ci" / "run").read_text())
    assert ci[-1] == test
    assert all(c.startswith(("set ", "cd ")) for c in ci[:-1])


# ---------------------------------------------------------------- the stacks


NUMBERS = {"five": 5, "six": 6, "seven": 7, "eight": 8}


def _stacks_and_waves(outdir: Path) -> tuple[list[str], list[list[str]]]:
    """The stacks of a cloud assembly in its order, and the waves a deploy makes of them
    (each stack in the first wave after every stack it depends on)."""
    artifacts = json.loads((outdir / "manifest.json").read_text())["artifacts"]
    stacks = [n for n, a in artifacts.items() if a["type"] == "aws:cloudformation:stack"]
    wave: dict[str, int] = {}
    while len(wave) < len(stacks):
        for name in stacks:
            needs = [d for d in artifacts[name].get("dependencies", []) if d in stacks]
            if name not in wave and all(d in wave for d in needs):
                wave[name] = 1 + max((wave[d] for d in needs), default=-1)
    waves = [[n for n in stacks if wave[n] == w] for w in range(max(wave.values()) + 1)]
    return stacks, waves


def test_the_readme_counts_and_names_the_stacks_the_example_makes(
    synthesized: Callable[[str], Synthesized],
) -> None:
    stacks, _ = _stacks_and_waves(synthesized("hello").outdir)
    assert len(stacks) == 8
    assert f"hello: {len(stacks)} stacks (environment production)" in README
    listed = re.search(r"Supply a stack id \(([^)]*)\)", README)
    assert listed is not None
    assert listed[1].split(", ") == stacks
    plan_tree = re.findall(r"^[├└]── (hello-[a-z]+) ", README, re.MULTILINE)
    assert plan_tree == stacks
    (word,) = re.findall(r"`npx cdk ls -c app=manifests/hello` lists the (\w+) stacks", README)
    assert NUMBERS[word] == len(stacks)


def test_the_deploy_waves_are_those_the_docs_describe(
    synthesized: Callable[[str], Synthesized],
) -> None:
    _, waves = _stacks_and_waves(synthesized("hello").outdir)
    assert waves == [
        ["hello-network", "hello-zone"],
        ["hello-dns"],
        ["hello-platform"],
        ["hello-exocom"],
        ["hello-greeter", "hello-web"],
        ["hello-monitoring"],
    ]
    operations = (REPO / "docs" / "operations.md").read_text()
    (word,) = re.findall(r"The stacks deploy in (\w+) waves", operations)
    assert NUMBERS[word] == len(waves)


def test_the_architecture_table_has_a_row_per_stack_the_app_makes() -> None:
    architecture = (REPO / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| `<slug>-([a-z<>]+)`", architecture, re.MULTILINE)
    # the data stack (an app with databases only) after ExoCom's, as derive.stack_parts
    shared = list(STACK_PARTS)
    shared.insert(shared.index("exocom") + 1, DATA_STACK_PART)
    assert rows == [*shared[:-1], "<role>", shared[-1]]


# ---------------------------------------------------------------- names and keys


def _backticked_list(text: str, before: str, after: str) -> list[str]:
    """The `a`, `b`, `c` between `before` and `after` in `text` (line breaks ignored)."""
    flat = " ".join(text.split())
    found = re.search(re.escape(before) + r"(.*?)" + re.escape(after), flat)
    assert found is not None, before
    return re.findall(r"`([^`]+)`", found[1])


def test_the_reserved_names_are_the_ones_the_docs_list() -> None:
    assert "monitoring" in RESERVED_ROLES
    assert _backticked_list(MANIFEST_DOC, "and not one of", "(the app's own") == list(
        RESERVED_ROLES
    )
    assert _backticked_list(MANIFEST_DOC, "neither reserved (", ") nor") == list(RESERVED_ENV)


def test_mongo_prod_is_documented_as_what_it_does() -> None:
    # what it does, the service's MONGO variable: tests/stacks/test_architecture.py
    (row,) = [line for line in MANIFEST_DOC.splitlines() if line.startswith("| `prod` |")]
    assert "given to the service as MONGO" in row
    assert "without `dependencies.mongo.prod` gets a notice: it gets no `MONGO` address" in (
        " ".join(MANIFEST_DOC.split())
    )


def _model_fields() -> list[tuple[str, str, str]]:
    """(class, attribute, doc) of every field of the manifest model."""
    return [
        (cls.__name__, field.name, field.metadata[SPEC].doc)
        for cls in vars(schema).values()
        if isinstance(cls, type) and attrs.has(cls) and cls.__module__ == schema.__name__
        for field in attrs.fields(cls)
        if SPEC in field.metadata
    ]


def _attributes_read(*folders: Path) -> set[str]:
    """Every attribute name read (`x.name`) by the Python files under `folders`."""
    names: set[str] = set()
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute):
                    names.add(node.attr)
    return names


def test_a_key_the_reference_says_is_not_used_is_read_by_nothing_that_deploys() -> None:
    # what deploys: the stacks, the constructs, the design layer and the operations
    package = REPO / "exosphere_cdk"
    read = _attributes_read(
        package / "stacks",
        package / "ops",
        package / "manifest" / "design",
        REPO / "constructs",
    )
    fields = _model_fields()
    names = [name for _, name, _ in fields]
    unused = {
        (cls, name)
        for cls, name, doc in fields
        if doc.startswith(("accepted, not used", "ignored"))
    }
    assert ("ServiceDependency", "prod") not in unused
    # a name other fields share cannot be told apart by name: `version` (ExoCom's is used)
    ambiguous = {name for _, name in unused if names.count(name) > 1}
    assert ambiguous == {"version"}
    assert {name for _, name in unused if name not in ambiguous} & read == set()


def test_the_readme_lists_every_exo_cdk_command() -> None:
    (commands,) = [
        action.choices
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    rows = re.findall(r"^\| `exo-cdk ([a-z-]+)", README, re.MULTILINE)
    assert rows == list(commands)
