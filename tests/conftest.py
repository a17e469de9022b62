"""Shared test fixtures: the repository's paths, the examples, the optional corpus, cdk.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from exosphere_cdk.synth import app_context, cdk_json_app, cdk_json_context
from tests.apps import AppFactory, write_app
from tests.synth import Synthesized, synthesize

REPO = Path(__file__).resolve().parents[1]
#: `python app.py` as cdk.json's command runs it (`-OO`), on the checkout's venv; run in REPO.
APP_PY = [str(REPO / ".venv" / "bin" / "python"), *cdk_json_app()[1:]]
MANIFESTS = REPO / "manifests"


@pytest.fixture(scope="session", autouse=True)
def kernel_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The kernel's compile cache (exosphere_cdk.kernel) of every app.py the tests start, in a
    folder of the session's: the tests never write the user's ~/.cache."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        yield cache


def run_probe(
    code: str, *args: str, env: Mapping[str, str] | None = None, timeout: int = 120
) -> tuple[dict[str, Any], str]:
    """Run `code` in a fresh Python (this one, in REPO) with `args`: the JSON object it
    printed on its last line of stdout, and its stderr. Fails the test if it fails."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return report, result.stderr


#: This project's own example apps, by folder name: every one is loaded, synthesized,
#: snapshotted and checked by cfn-lint and checkov.
EXAMPLES: dict[str, Path] = {
    d.name: d for d in sorted(MANIFESTS.iterdir()) if (d / "application.yml").is_file()
}

#: Real Exosphere apps from the original project (an external corpus, read in place,
#: never copied): EXOSPHERE_EXAMPLES, else ../shared/exosphere-examples beside the clone.
CORPUS_ENV = "EXOSPHERE_EXAMPLES"


def _corpus() -> Path | None:
    given = os.environ.get(CORPUS_ENV)
    folder = Path(given) if given else REPO.parent / "shared" / "exosphere-examples"
    return folder if folder.is_dir() else None


CORPUS = _corpus()
CORPUS_MISSING = (
    f"the Exosphere corpus is not here: set {CORPUS_ENV}=/path/to/exosphere-examples"
    " to run the tests on the original project's apps"
)
#: Marks a test that reads the corpus: skipped, with one line saying how to run it, without it.
needs_corpus = pytest.mark.skipif(CORPUS is None, reason=CORPUS_MISSING)


def corpus(name: str) -> Path:
    """The corpus app `name` (skips the calling test when the corpus is not here)."""
    if CORPUS is None:
        pytest.skip(CORPUS_MISSING)
    return CORPUS / name


__all__ = [
    "CORPUS",
    "EXAMPLES",
    "MANIFESTS",
    "REPO",
    "cdk_json_context",
    "corpus",
    "needs_corpus",
]


@pytest.fixture(scope="session")
def cdk_context() -> dict[str, Any]:
    """The context an App of the app's starts with (synth.app_context)."""
    return app_context()


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppFactory:
    """Writes BASE with changes to ./app in a temporary working folder; returns Path("app")."""
    monkeypatch.chdir(tmp_path)

    def make(changes: Mapping[str, Any] | None = None) -> Path:
        return write_app(tmp_path, changes).relative_to(tmp_path)

    return make


#: space-tweet as published asks for a t2.nano private cluster, which cannot hold its
#: 500 MiB tasks (refused, tests/manifest); the tests deploy it on the size that fits.
SPACE_TWEET_FIX = ("private-cluster-size: t2.nano", "private-cluster-size: t2.medium")


def corpus_variant(name: str, root: Path) -> Path:
    """A corpus-based app written under `root`: `space-tweet`, `space-tweet-no-domain`."""
    directory = root / name / "space-tweet"
    shutil.copytree(corpus("space-tweet"), directory)
    application = directory / "application.yml"
    text = application.read_text().replace(*SPACE_TWEET_FIX)
    if name == "space-tweet-no-domain":
        text = text.replace("    domain: spacetweet.originate.com\n", "")
    application.write_text(text)
    return directory


CORPUS_VARIANTS = ("space-tweet", "space-tweet-no-domain")


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Synthesized]:
    """`synthesized("shop")`: an example (or a corpus variant), synthesized once per session."""
    cache: dict[str, Synthesized] = {}

    def get(example: str) -> Synthesized:
        if example not in cache:
            root = tmp_path_factory.mktemp(example)
            directory = EXAMPLES[example] if example in EXAMPLES else corpus_variant(example, root)
            cache[example] = synthesize(directory, root / "cdk.out")
        return cache[example]

    return get


#: The environment the deployment tests deploy beside production (tests/moto_synth.py),
#: added to a copy of an example: its domain under production's, production's region.
STAGING = "staging"


def with_staging(example: str, root: Path) -> Path:
    """A copy of the example `example` under `root` with a `staging` environment beside its
    production: production's settings (region, account, clusters), the domain
    `staging.<production's>`."""
    directory = root / example
    shutil.copytree(EXAMPLES[example], directory)
    application = directory / "application.yml"
    production = yaml.safe_load(application.read_text())["environments"]["production"]
    staging = {**production, "domain": f"{STAGING}.{production['domain']}"}
    added = yaml.safe_dump({STAGING: staging}, sort_keys=False)
    text = application.read_text().replace(
        "\nenvironments:\n", "\nenvironments:\n" + textwrap.indent(added, "  "), 1
    )
    application.write_text(text)
    return directory


@pytest.fixture(scope="session")
def deployable(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Synthesized]:
    """`deployable("shop", "staging")`: an example with a staging environment beside production
    (`with_staging`), synthesized in that environment once per session, without cdk-nag's
    packs (the snapshots' synthesis runs them; they change no template): what
    tests/moto_synth.py deploys."""
    folders: dict[str, Path] = {}
    cache: dict[tuple[str, str], Synthesized] = {}

    def get(example: str, env: str) -> Synthesized:
        if example not in folders:
            folders[example] = with_staging(example, tmp_path_factory.mktemp(example))
        if (example, env) not in cache:
            outdir = folders[example].parent / f"{env}.out"
            cache[example, env] = synthesize(folders[example], outdir, env=env, compliance=False)
        return cache[example, env]

    return get
