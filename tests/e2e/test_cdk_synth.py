"""End to end: the real `cdk synth` CLI, no credentials, no network, an empty HOME."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk import synth
from exosphere_cdk.manifest.load import eras
from tests.apps import write_app
from tests.conftest import APP_PY, EXAMPLES, REPO, cdk_json_context

pytestmark = pytest.mark.slow


def _cdk(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CDK_")) and key != "HOME"
    }
    # As `npx cdk`: the pinned Node first on PATH, for the CLI and the jsii under it.
    env.update(HOME=str(home), PATH=f"{REPO / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}")
    return subprocess.run(
        [str(REPO / "node_modules" / ".bin" / "cdk"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cdk_synth_writes_every_stack_without_aws(tmp_path: Path) -> None:
    context_file = REPO / "cdk.context.json"
    before = context_file.read_text() if context_file.exists() else None
    out = tmp_path / "cdk.out"
    result = _cdk(
        ["synth", "--quiet", "-c", f"app={EXAMPLES['shop']}", "-o", str(out)],
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    # The CLI warns of a reserved (`aws:`) context key in cdk.json, naming the file.
    assert "cdk.json" not in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    stacks = sorted(
        name
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    )
    assert stacks == [
        f"exosphere-shop-{part}"
        for part in (
            "admin",
            "api",
            "cart",
            "dns",
            "exocom",
            "mailer",
            "monitoring",
            "network",
            "orders",
            "payments",
            "platform",
            "products",
            "storefront",
            "zone",
        )
    ]
    for name in stacks:
        template = json.loads((out / f"{name}.template.json").read_text())
        assert template["Resources"]
    # No lookups: nothing was asked of AWS, so nothing was cached.
    assert "missing" not in json.dumps(manifest)
    after = context_file.read_text() if context_file.exists() else None
    assert after == before


def test_an_invalid_app_fails_synth_with_its_problems_and_no_traceback(tmp_path: Path) -> None:
    app = tmp_path / "broken"
    app.mkdir()
    (app / "application.yml").write_text(
        "name: broken\nbus: {type: exocom, version: 0.21.8}\n"
        "services:\n  public:\n    web: {location: ./web}\n"
    )
    (app / "web").mkdir()
    (app / "web" / "service.yml").write_text("type: web\nmesages: {}\n")
    result = _cdk(["synth", "--quiet", "-c", f"app={app}", "-o", str(tmp_path / "out")], tmp_path)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert (
        f"{app}/web/service.yml:2: mesages: unknown key 'mesages', did you mean 'messages'?"
        in output
    )
    assert f"exo-cdk: {app} is invalid: 1 error, 0 warnings, 0 notices" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "manifest.json").exists()


def _run_app(tmp_path: Path, context: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `python app.py` as the CLI does: context and output folder in the environment."""
    out = tmp_path / "cdk.out"
    env = {
        **os.environ,
        "CDK_OUTDIR": str(out),
        "CDK_CONTEXT_JSON": json.dumps({**cdk_json_context(), **context}),
    }
    return subprocess.run(
        APP_PY,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _python_app(tmp_path: Path, context: dict[str, str]) -> dict[str, Any]:
    """The cloud assembly manifest of a successful `python app.py`."""
    result = _run_app(tmp_path, context)
    assert result.returncode == 0, result.stderr
    manifest: dict[str, Any] = json.loads((tmp_path / "cdk.out" / "manifest.json").read_text())
    return manifest


def test_teardown_context_lifts_termination_protection(tmp_path: Path) -> None:
    app = str(REPO / "manifests" / "hello")
    protected = _python_app(tmp_path / "a", {"app": app})
    lifted = _python_app(tmp_path / "b", {"app": app, "teardown": "true"})

    def flags(manifest: dict[str, Any]) -> dict[str, bool]:
        return {
            name: bool(artifact.get("properties", {}).get("terminationProtection"))
            for name, artifact in manifest["artifacts"].items()
            if artifact["type"] == "aws:cloudformation:stack"
        }

    assert flags(protected)["hello-platform"] is True
    assert not any(flags(lifted).values())


def test_without_an_app_the_bundled_example_is_synthesized_and_said_so(tmp_path: Path) -> None:
    result = _run_app(tmp_path, {})

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "exo-cdk: no -c app=DIR given: synthesizing the bundled example manifests/hello"
        " (deploying it deploys that example)"
    ]
    assert (tmp_path / "cdk.out" / "hello-web.template.json").is_file()


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"ap": "x"}, "exo-cdk: error: unknown context key 'ap' (-c ap=...), did you mean 'app'?"),
        (
            {"App": "x"},
            "exo-cdk: error: unknown context key 'App' (-c App=...), did you mean 'app'?",
        ),
        (
            {"teardwn": "true"},
            "exo-cdk: error: unknown context key 'teardwn' (-c teardwn=...),"
            " did you mean 'teardown'?",
        ),
        (
            {"colour": "blue"},
            "exo-cdk: error: unknown context key 'colour' (-c colour=...),"
            " expected one of: app, env, teardown, nag-packs",
        ),
        ({"teardown": "yes"}, "exo-cdk: error: -c teardown=yes: expected true or false"),
        (
            {"nag-packs": "aws-solutions,nist"},
            "exo-cdk: error: -c nag-packs=aws-solutions,nist: unknown pack 'nist',"
            " expected aws-solutions, nist-800-53-r5, control-tower",
        ),
        (
            {"nag-packs": "control-towr"},
            "exo-cdk: error: -c nag-packs=control-towr: unknown pack 'control-towr',"
            " did you mean 'control-tower'?",
        ),
        (
            {"nag-packs": ","},
            "exo-cdk: error: -c nag-packs=,: expected one or more of aws-solutions,"
            " nist-800-53-r5, control-tower",
        ),
        ({"app": "no/such/folder"}, "exo-cdk: error: no such folder: no/such/folder"),
    ],
)
def test_a_wrong_context_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, context: dict[str, str], message: str
) -> None:
    result = _run_app(tmp_path, context)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [message]
    assert not (tmp_path / "cdk.out" / "manifest.json").exists()


def _app_yml(web: str) -> str:
    return (
        "name: demo\nbus: {type: exocom, version: 0.21.8}\nservices:\n  public:\n"
        f"    web: {web}\n  private:\n    users: {{location: ./users}}\n"
    )


#: A user's mistakes that once ended in a traceback (issue 11): each is one line, exit 1.
MISTAKES: dict[str, tuple[dict[str, Any], str]] = {
    "nul-in-location": (
        {"application.yml": _app_yml('{location: "./w\\0eb"}')},
        "application.yml:5: services.public.web.location: holds a NUL character,"
        " expected a folder path",
    ),
    "long-location": (
        {"application.yml": _app_yml(f'{{location: "./{"a" * 6000}"}}')},
        "application.yml:5: services.public.web.location: a path of 6,002 characters,"
        " expected a folder path of at most 1,024",
    ),
    "symlink-loop": (
        {"application.yml": _app_yml("{location: ./loop}")},
        "application.yml:5: services.public.web.location: './loop' cannot be followed"
        " (a loop), expected a service folder",
    ),
    "token-in-environment": (
        {"web/service.yml": {"production": {"environment": {"A": "${Token[TOKEN.12]}"}}}},
        "web/service.yml:13: production.environment.A: holds a CDK token ('${Token[…'),"
        " expected plain text: use production.secrets for secrets",
    ),
    "long-name": (
        {"application.yml": {"name": "a" * 1100, "slug": "demo"}},
        "application.yml:1: name: the name starts every stack's description, the longest"
        " would be 1132 bytes, CloudFormation takes at most 1024: a shorter name",
    ),
    "image-reference": (
        {"users/service.yml": {"author": "Acme Inc."}},
        "users/service.yml:2: author: 'Acme Inc.' makes 'acme-inc-' of the image name"
        " 'acme-inc-/users', expected lowercase letters and digits, joined by single '.', '_',"
        " '__' or dashes, neither starting nor ending with one (or a Dockerfile, or"
        " docker_image in application.yml)",
    ),
    "health-check-path": (
        {"web/service.yml": {"production": {"aws": {"health-check-path": "/a b"}}}},
        "web/service.yml:12: production.aws.health-check-path: holds a space at character 3,"
        " expected a path of printable ASCII characters without spaces, as a load balancer's"
        " health check takes it (percent-encode others: %20 for a space)",
    ),
    "deep-nesting": (
        {"web/service.yml": "type: web\nx: " + "[" * 10_000 + "]" * 10_000 + "\n"},
        "web/service.yml:2: nested more than 64 levels deep, expected a manifest of at most"
        " 64 levels",
    ),
}


@pytest.mark.parametrize(("changes", "message"), MISTAKES.values(), ids=list(MISTAKES))
def test_a_users_mistake_is_one_line_and_exit_1(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    app = write_app(tmp_path, changes)
    (app / "loop").symlink_to("loop2")
    (app / "loop2").symlink_to("loop")
    result = _run_app(tmp_path, {"app": str(app)})

    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"{app}/{message}",
        f"exo-cdk: {app} is invalid: 1 error, 0 warnings, 0 notices",
    ]
    assert not (tmp_path / "cdk.out" / "manifest.json").exists()


def test_a_build_context_problem_is_one_line_each_and_exit_1(tmp_path: Path) -> None:
    """What once failed synthesis with an internal error, or packaged a file from elsewhere."""
    app = write_app(tmp_path, {"users/Dockerfile": "FROM node:20\n"})
    os.mkfifo(app / "users" / "pipe")
    (tmp_path / "credentials").write_text("secret\n")
    os.link(tmp_path / "credentials", app / "users" / "config")
    result = _run_app(tmp_path, {"app": str(app)})

    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"{app}/users/config: a hard link with 2 names, 1 of them in the application folder,"
        " expected a file whose every name is inside it (another name may lie outside the app"
        " folder, and the content would be packaged into the image: copy the file instead)"
        " (or list it in .dockerignore)",
        f"{app}/users/pipe: is a FIFO, expected a file, a folder or a symbolic link in the"
        " image's build context (or list it in .dockerignore)",
        f"exo-cdk: {app} is invalid: 2 errors, 0 warnings, 0 notices",
    ]
    assert not (tmp_path / "cdk.out").exists()


def test_a_bug_is_one_line_asking_for_a_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(app_dir: str, env: str) -> None:
        raise ZeroDivisionError("division by zero")

    new_app = synth.new_app
    monkeypatch.setattr(eras, "load_directory", broken)  # synth imports it when it loads
    monkeypatch.setattr(synth, "new_app", lambda: new_app(context={"app": "manifests/hello"}))
    assert synth.main() == 70
    assert capsys.readouterr().err == (
        "exo-cdk: internal error: ZeroDivisionError: division by zero (a bug in exosphere-cdk:"
        " please report it with the command you ran)\n"
    )


def test_local_is_refused_and_staging_synthesizes_its_own_stacks(tmp_path: Path) -> None:
    app = write_app(tmp_path, {"application.yml": {"environments": {"local": None, "staging": {}}}})
    local = _run_app(tmp_path / "local", {"app": str(app), "env": "local"})
    assert (local.returncode, local.stderr.splitlines()[-1]) == (
        2,
        "exo-cdk: error: environment 'local' is Exosphere's development environment (exo run,"
        " on a developer's machine) and is never deployed: expected another environment of"
        " application.yml (default: production)",
    )
    staging = _python_app(tmp_path / "staging", {"app": str(app), "env": "staging"})
    stacks = sorted(
        name
        for name, artifact in staging["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    )
    assert stacks == [
        "demo-staging-exocom",
        "demo-staging-monitoring",
        "demo-staging-network",
        "demo-staging-platform",
        "demo-staging-users",
        "demo-staging-web",
    ]
