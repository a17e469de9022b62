"""ops.cdk_cli: the pinned CDK CLI's command lines, and its event lines read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from exosphere_cdk.manifest.load.exo_deploy.loader import load_directory
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.ops import cdk_cli
from exosphere_cdk.ops.cdk_cli import (
    CdkNotInstalledError,
    StackEvent,
    UnknownServiceError,
    cdk_executable,
    cdk_run,
    destroy_runs,
    parse_event,
)
from tests.apps import AppFactory
from tests.conftest import REPO

STACKS = (
    "demo-network",
    "demo-zone",
    "demo-dns",
    "demo-platform",
    "demo-exocom",
    "demo-monitoring",
)


@pytest.fixture
def app(make_app: AppFactory) -> LoadedApp:
    return load_directory(str(make_app(None)), "production")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A folder with a `node_modules/.bin/cdk` file, as scripts/setup leaves it."""
    cdk = tmp_path / "checkout" / "node_modules" / ".bin" / "cdk"
    cdk.parent.mkdir(parents=True)
    cdk.write_text("")
    return tmp_path / "checkout"


def test_the_pinned_cli_is_the_checkouts() -> None:
    """node_modules/.bin/cdk is the aws-cdk package at the version package.json pins."""
    cdk = cdk_executable()
    assert cdk == REPO / "node_modules" / ".bin" / "cdk"
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"]["aws-cdk"]
    installed = cdk.resolve().parents[1] / "package.json"
    assert json.loads(installed.read_text())["version"] == pinned


def test_no_cli(tmp_path: Path) -> None:
    with pytest.raises(CdkNotInstalledError) as raised:
        cdk_executable(tmp_path)
    assert str(raised.value) == (
        f"the CDK CLI is not installed: no node_modules/.bin/cdk in {tmp_path}"
        " (run scripts/setup there)"
    )


def test_deploy_every_stack(app: LoadedApp, checkout: Path) -> None:
    run = cdk_run("deploy", app, require_approval="never", root=checkout)
    assert run.argv == (
        str(checkout / "node_modules/.bin/cdk"),
        "deploy",
        "--all",
        "--concurrency",
        "10",
        "--progress",
        "events",
        "--require-approval",
        "never",
        "--no-color",
        "-c",
        f"app={app.directory}",
        "-c",
        "env=production",
    )
    assert app.directory.is_absolute()
    assert run.cwd == checkout
    assert run.env["PATH"].split(os.pathsep)[0] == str(checkout / "node_modules/.bin")
    assert set(run.stacks) == {*STACKS, "demo-users", "demo-web"}
    assert run.notes == ()


def test_a_deploy_that_asks_goes_one_stack_at_a_time(app: LoadedApp, checkout: Path) -> None:
    run = cdk_run("deploy", app, root=checkout, profile="ops")
    assert run.argv[2:9] == (
        "--all",
        "--concurrency",
        "1",
        "--progress",
        "events",
        "--require-approval",
        "broadening",
    )
    assert run.argv[-2:] == ("--profile", "ops")
    assert run.notes == (
        "--require-approval broadening: the stacks deploy one at a time (the CDK CLI cannot ask"
        " while it deploys several at once); --require-approval never deploys 10 at a time",
    )


def test_one_service(app: LoadedApp, checkout: Path) -> None:
    deploy = cdk_run("deploy", app, service="web", root=checkout)
    assert deploy.argv[1:4] == ("deploy", "-e", "demo-web")
    assert deploy.argv[4:6] == ("--concurrency", "10")  # one stack: nothing to ask in turn
    assert deploy.stacks == ("demo-web",)
    assert cdk_run("diff", app, service="web", root=checkout).argv[1:5] == (
        "diff",
        "-e",
        "demo-web",
        "--no-color",
    )
    destroy = cdk_run("destroy", app, service="users", force=True, root=checkout)
    assert destroy.argv[1:6] == ("destroy", "-e", "demo-users", "--force", "--no-color")


def test_diff_and_destroy_of_every_stack(app: LoadedApp, checkout: Path) -> None:
    assert cdk_run("diff", app, root=checkout).argv[1:3] == ("diff", "--no-color")
    destroy = cdk_run("destroy", app, root=checkout)
    assert destroy.argv[1:6] == ("destroy", "--all", "--concurrency", "10", "--no-color")
    lift = cdk_run("deploy", app, require_approval="never", teardown=True, root=checkout)
    assert lift.argv[-6:] == (
        "-c",
        f"app={app.directory}",
        "-c",
        "env=production",
        "-c",
        "teardown=true",
    )


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("wbe", "demo has no service wbe: did you mean web? (services: users, web)"),
        ("exocom", "demo has no service exocom (services: users, web)"),
    ],
)
def test_an_unknown_service(role: str, message: str, app: LoadedApp, checkout: Path) -> None:
    with pytest.raises(UnknownServiceError) as raised:
        cdk_run("deploy", app, service=role, root=checkout)
    assert str(raised.value) == message
    assert raised.value.exit_code == 2


def test_event_lines() -> None:
    line = (
        "demo-network |  3/12 | 10:40:21 AM | CREATE_COMPLETE      | AWS::EC2::VPC           |"
        " demo-network/Vpc/Resource (Vpc8378EB38) \n"
    )
    assert parse_event(line) == StackEvent(
        stack="demo-network",
        progress="3/12",
        time="10:40:21 AM",
        status="CREATE_COMPLETE",
        resource_type="AWS::EC2::VPC",
        resource="demo-network/Vpc/Resource (Vpc8378EB38)",
    )
    failed = (
        "demo-web | 10:41:02 AM | CREATE_FAILED        | AWS::ECS::Service | demo-web/Service"
        ' (Service9571FDD8) Resource handler returned message: "x | y"'
    )
    assert parse_event(failed) == StackEvent(
        "demo-web",
        None,
        "10:41:02 AM",
        "CREATE_FAILED",
        "AWS::ECS::Service",
        'demo-web/Service (Service9571FDD8) Resource handler returned message: "x | y"',
    )
    for other in ("✨  Synthesis time: 9.1s", "demo-web: deploying... [1/7]", "a | b | c"):
        assert parse_event(other) is None


def test_what_destroy_runs(app: LoadedApp, checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cdk_cli, "CHECKOUT", checkout)
    assert destroy_runs(app, [], service=None, profile=None) == []
    assert destroy_runs(app, ["demo-web"], service="users", profile=None) == []
    (one,) = destroy_runs(app, ["demo-users"], service="users", profile=None)
    assert one.argv[1:5] == ("destroy", "-e", "demo-users", "--force")
    lift, destroy = destroy_runs(app, ["demo-platform", "demo-web"], service=None, profile="p")
    assert lift.argv[1:5] == ("deploy", "-e", "demo-platform", "--concurrency")
    assert lift.argv[-4:] == ("-c", "teardown=true", "--profile", "p")
    assert "--require-approval" in lift.argv
    assert lift.argv[lift.argv.index("--require-approval") + 1] == "never"
    assert destroy.argv[1:3] == ("destroy", "--all")
    # Only unprotected stacks left: nothing to lift.
    (alone,) = destroy_runs(app, ["demo-monitoring"], service=None, profile=None)
    assert alone.argv[1:3] == ("destroy", "--all")


def test_a_deploy_of_several_named_stacks_that_asks(app: LoadedApp, checkout: Path) -> None:
    run = cdk_run("deploy", app, only=["demo-network", "demo-dns"], root=checkout)
    assert run.argv[1:6] == ("deploy", "-e", "demo-network", "demo-dns", "--concurrency")
    assert run.argv[6] == "1"
    assert run.stacks == ("demo-network", "demo-dns")
