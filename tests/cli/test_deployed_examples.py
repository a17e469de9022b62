"""`exo-cdk status` and `exo-cdk logs` on hello and shop, deployed from their templates.

tests/moto_synth.py creates each app's stacks in moto's CloudFormation from the
templates it synthesizes to (and says what it changes for moto); production and
staging (tests/conftest.py's `with_staging`) live side by side in one account
(shared by this module's tests, which change nothing but add log events), in
the one app folder a user would have. The commands run as a user runs them,
with their exit codes and exact lines. doctor, destroy and remove, which need
an account each, are in test_deployed_teardown.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID

from exosphere_cdk.cli import main
from exosphere_cdk.manifest.design import derive
from tests import moto_synth
from tests.conftest import STAGING
from tests.synth import Synthesized

ACCOUNT = DEFAULT_ACCOUNT_ID
Deployable = Callable[[str, str], Synthesized]
ENVS = ("production", STAGING)


@pytest.fixture(scope="module")
def account(
    deployable: Deployable, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[moto_synth.Account]:
    """hello and shop, production and staging, deployed in one account."""
    apps = [deployable(example, env) for example in ("hello", "shop") for env in ENVS]
    with moto_synth.deployed_account(apps, tmp_path_factory.mktemp("aws")) as deployed:
        yield deployed


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def folder(synthesized: Synthesized) -> str:
    return str(synthesized.app.directory)


def env_flag(env: str) -> list[str]:
    return [] if env == "production" else ["--env", env]


def _bare(name: str) -> str:
    """A name CloudFormation made without the suffix it adds."""
    return re.sub(r"-[A-Z0-9]{8,}\b", "", name)


# ---------------------------------------------------------------- status and logs


@pytest.mark.parametrize("env", ENVS)
def test_status_of_hello(
    deployable: Deployable,
    account: moto_synth.Account,
    env: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hello = deployable("hello", env)
    name = derive.deployment_name(hello.app)
    assert main(["status", folder(hello), *env_flag(env)]) == 0
    out = [_bare(line.rstrip()) for line in capsys.readouterr().out.splitlines()]
    stacks = [line for line in out if line.startswith(f"│ {name}-")]
    assert [line.split("│")[1].strip() for line in stacks] == derive.stack_names(hello.app)
    assert all(line.split("│")[2].strip() == "CREATE_COMPLETE" for line in stacks)
    assert out[-1] == "3 of 3 services steady"
    rows = [line for line in out if re.match(r"│ (exocom|greeter|web) ", line)]
    assert [re.sub(r" +", " ", row) for row in rows] == [
        "│ exocom │ 1 │ 1 │ 0 │ COMPLETED │ - │",
        "│ greeter │ 1 │ 1 │ 0 │ COMPLETED │ - │",
        "│ web │ 1 │ 1 │ 0 │ COMPLETED │ no targets │",
    ]
    assert main(["status", folder(hello), *env_flag(env), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["slug"], document["env"], document["region"]) == ("hello", env, "us-east-1")
    assert [(s["role"], s["steady"]) for s in document["services"]] == [
        ("exocom", True),
        ("greeter", True),
        ("web", True),
    ]


def test_status_of_shop(
    deployable: Deployable, account: moto_synth.Account, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = deployable("shop", "production")
    assert main(["status", folder(shop), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["status"]) for s in document["stacks"]] == [
        (stack, "CREATE_COMPLETE") for stack in derive.stack_names(shop.app)
    ]
    assert [(s["role"], s["desired"], s["running"], s["steady"]) for s in document["services"]] == [
        ("exocom", 1, 1, True),
        *((s.role, s.min_tasks, s.min_tasks, True) for s in shop.app.services),
    ]
    assert main(["status", folder(shop)]) == 0
    assert capsys.readouterr().out.endswith("\n9 of 9 services steady\n")


@pytest.mark.parametrize("env", ENVS)
def test_logs_of_each_service(
    deployable: Deployable,
    account: moto_synth.Account,
    env: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hello = deployable("hello", env)
    logs = account.session.client("logs", region_name="us-east-1")
    now = int(time.time() * 1000) - 1000
    for role in ("exocom", "greeter", "web"):
        stack = derive.stack_name(hello.app, role)
        group = next(
            r["PhysicalResourceId"]
            for r in account.session.client(
                "cloudformation", region_name="us-east-1"
            ).describe_stack_resources(StackName=stack)["StackResources"]
            if r["ResourceType"] == "AWS::Logs::LogGroup"
        )
        stream = f"{role}/{role}/0a1b2c3d"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": now, "message": f"{role} of {env} listening"}],
        )
        assert main(["logs", folder(hello), role, *env_flag(env), "--since", "5m"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1, lines
        assert lines[0].endswith(f" {stream} {role} of {env} listening"), lines


def test_logs_of_an_unknown_role(
    deployable: Deployable, account: moto_synth.Account, capsys: pytest.CaptureFixture[str]
) -> None:
    hello = deployable("hello", STAGING)
    assert main(["logs", folder(hello), "greter", "--env", STAGING]) == 2
    assert capsys.readouterr().err == (
        "exo-cdk: error: hello has no service greter: did you mean greeter? (services:"
        " greeter, web; exocom for ExoCom's logs)\n"
    )
