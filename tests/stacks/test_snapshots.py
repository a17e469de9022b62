"""Every stack of every example, against its syrupy snapshot (asset hashes normalised)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.load.eras import load_app
from tests.conftest import EXAMPLES
from tests.synth import Synthesized, normalise


def _stack_names() -> list[tuple[str, str]]:
    names = []
    for example, directory in EXAMPLES.items():
        app = load_app(directory)
        names += [(example, name) for name in derive.stack_names(app)]
    return names


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize(
    ("example", "stack_name"), [pytest.param(ex, name, id=name) for ex, name in _stack_names()]
)
def test_stack_matches_snapshot(
    synthesized: Callable[[str], Synthesized],
    snapshot_json: SnapshotAssertion,
    example: str,
    stack_name: str,
) -> None:
    templates = synthesized(example).templates
    assert normalise(templates[stack_name]) == snapshot_json


@pytest.mark.parametrize("example", list(EXAMPLES))
def test_snapshots_cover_every_stack(
    synthesized: Callable[[str], Synthesized], example: str
) -> None:
    expected = {name for ex, name in _stack_names() if ex == example}
    assert set(synthesized(example).templates) == expected


@pytest.mark.parametrize("example", list(EXAMPLES))
def test_the_stacks_are_named_as_derive_says(
    synthesized: Callable[[str], Synthesized], example: str
) -> None:
    synth = synthesized(example)
    names = derive.stack_names(synth.app)
    assert sorted(synth.templates) == sorted(names)
    assert len(names) == len(set(names))
