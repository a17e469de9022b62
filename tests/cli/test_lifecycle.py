"""`exo-cdk deploy|diff|destroy|doctor` against moto, with a fake `cdk` in place of the CDK CLI.

The fake is a small script at `node_modules/.bin/cdk` of a temporary checkout:
it records its arguments, folder and PATH, prints canned lines on stderr (as
the CDK CLI prints `--progress events`) and exits with a chosen code. The real
CDK CLI never runs here, and never against AWS. The preflight's templates are
the hello-dns snapshot's (the in-process synthesis is tested on its own, slow).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID

from exosphere_cdk.cli import deploy, lifecycle, main
from exosphere_cdk.manifest.load.eras import load_app
from exosphere_cdk.manifest.load.exo_deploy.loader import load_directory
from exosphere_cdk.ops import cdk_cli
from exosphere_cdk.ops.aws import CredentialsError
from tests import moto_app
from tests.apps import AppFactory
from tests.conftest import REPO
from tests.ops.test_preflight import HELLO_DNS, bootstrap, ecs_role
from tests.ops.test_status import DATA_ADVICE, without_its_database

REGION = moto_app.REGION
ACCOUNT = DEFAULT_ACCOUNT_ID
EVENTS = (
    "demo-network |  1/12 | 10:40:01 AM | CREATE_IN_PROGRESS   | AWS::CloudFormation::Stack"
    " | demo-network User Initiated\n"
    "demo-network | 12/12 | 10:43:21 AM | CREATE_COMPLETE      | AWS::EC2::VPC              |"
    " demo-network/Vpc/Resource (Vpc8378EB38) \n"
    " ✅  demo-network\n"
)
FAKE = """#!{python}
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
action = sys.argv[1]
with open(os.path.join(here, "calls.jsonl"), "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd(),
                          "path": os.environ["PATH"].split(os.pathsep)[0]}}) + "\\n")
canned = os.path.join(here, action + ".stderr")
if os.path.exists(canned):
    sys.stderr.write(open(canned).read())
print("stdout of cdk " + action)
sys.exit(int(open(os.path.join(here, action + ".exit")).read()) if os.path.exists(
    os.path.join(here, action + ".exit")) else 0)
"""


class FakeCdk:
    """The fake CDK CLI of a temporary checkout: what it was asked, what it answers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "node_modules" / ".bin"
        self.bin.mkdir(parents=True)
        script = self.bin / "cdk"
        script.write_text(FAKE.format(python=sys.executable))
        script.chmod(0o755)

    def answer(self, action: str, stderr: str = "", code: int = 0) -> None:
        (self.bin / f"{action}.stderr").write_text(stderr)
        (self.bin / f"{action}.exit").write_text(str(code))

    @property
    def calls(self) -> list[dict[str, Any]]:
        log = self.bin / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    @property
    def argvs(self) -> list[list[str]]:
        return [call["argv"] for call in self.calls]


@pytest.fixture
def cdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCdk:
    fake = FakeCdk(tmp_path / "checkout")
    monkeypatch.setattr(cdk_cli, "CHECKOUT", fake.root)
    templates = {"demo-dns": json.loads(HELLO_DNS.read_text())}
    monkeypatch.setattr(lifecycle, "app_templates", lambda app: templates)
    return fake


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[boto3.Session]:
    moto_app.fake_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    with mock_aws():
        yield boto3.Session()


@pytest.fixture
def ready(session: boto3.Session) -> boto3.Session:
    """An account bootstrapped, with the ECS service-linked role."""
    bootstrap(session)
    ecs_role(session)
    return session


@pytest.fixture
def app_dir(make_app: AppFactory) -> str:
    return str(make_app(None))


def context(app_dir: str) -> list[str]:
    return ["-c", f"app={Path(app_dir).resolve()}", "-c", "env=production"]


PREFLIGHT_OK = [
    f"ok: credentials: account {ACCOUNT} in {REGION} as arn:aws:sts::{ACCOUNT}:user/moto",
    f"ok: bootstrap: CDKToolkit version 30 in {REGION}",
    "notice: dns: the deploy creates the hosted zone demo.example.com: register its name servers"
    " (output NameServers of demo-dns) at your domain's registrar while it waits for the"
    " certificate",
    "ok: ecs role: AWSServiceRoleForECS exists",
    "ok: quotas: VPCs: 1 of 5 in use, the app adds 1",
    "ok: quotas: Elastic IPs: 0 of 5 in use, the app adds 1",
    "ok: quotas: application load balancers: 0 of 20 in use, the app adds 1",
]


def test_deploy(
    cdk: FakeCdk, ready: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    cdk.answer("deploy", EVENTS)
    assert main(["deploy", app_dir]) == 0
    out = capfd.readouterr().out.splitlines()
    argv = [
        "deploy",
        "--all",
        "--concurrency",
        "1",
        "--progress",
        "events",
        "--require-approval",
        "broadening",
        "--no-color",
        *context(app_dir),
    ]
    assert cdk.calls == [
        {"argv": argv, "cwd": str(cdk.root), "path": str(cdk.bin)},
    ]
    assert out[: len(PREFLIGHT_OK)] == PREFLIGHT_OK
    # The fake's own stdout reaches the terminal directly: when, beside the lines read
    # from its stderr, is up to the two pipes.
    assert out.count("stdout of cdk deploy") == 1
    rest = [line for line in out[len(PREFLIGHT_OK) :] if line != "stdout of cdk deploy"]
    assert rest[0] == (
        "note: --require-approval broadening: the stacks deploy one at a time (the CDK CLI cannot"
        " ask while it deploys several at once); --require-approval never deploys 10 at a time"
    )
    assert rest[1] == "$ cdk " + " ".join(argv)
    # The events, aligned; other lines as they are.
    assert rest[2:5] == [
        "10:40:01 AM demo-network 1/12 CREATE_IN_PROGRESS       AWS::CloudFormation::Stack"
        " demo-network User Initiated",
        "10:43:21 AM demo-network 12/12 CREATE_COMPLETE          AWS::EC2::VPC"
        " demo-network/Vpc/Resource (Vpc8378EB38)",
        " ✅  demo-network",
    ]
    assert rest[-1] == f"nothing of demo is deployed in {REGION}"


def test_deploy_ends_with_the_status(
    cdk: FakeCdk,
    ready: boto3.Session,
    make_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    app_dir = make_app(None)
    moto_app.deploy(load_directory(str(app_dir), "production"), ready, monkeypatch=monkeypatch)
    assert main(["deploy", str(app_dir), "--require-approval", "never"]) == 0
    out = capfd.readouterr().out
    assert cdk.argvs[0][:9] == [
        "deploy",
        "--all",
        "--concurrency",
        "10",
        "--progress",
        "events",
        "--require-approval",
        "never",
        "--no-color",
    ]
    assert "note:" not in out
    assert "ok: quotas: VPCs: 2 of 5 in use, the app adds 0" in out
    assert "│ demo-network    │ CREATE_COMPLETE │" in out
    assert out.endswith("3 of 3 services steady\n")


def test_deploy_one_service(
    cdk: FakeCdk, ready: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["deploy", app_dir, "--service", "web", "--concurrency", "4"]) == 0
    assert cdk.argvs == [
        [
            "deploy",
            "-e",
            "demo-web",
            "--concurrency",
            "4",
            "--progress",
            "events",
            "--require-approval",
            "broadening",
            "--no-color",
            *context(app_dir),
        ]
    ]


def test_an_unknown_service(
    cdk: FakeCdk, ready: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    for argv in (["deploy"], ["diff"], ["destroy", "--yes"]):
        assert main([*argv, app_dir, "--service", "wbe"]) == 2
        captured = capfd.readouterr()
        assert (captured.out, captured.err) == (
            "",
            "exo-cdk: error: demo has no service wbe: did you mean web? (services: users, web)\n",
        )
    assert cdk.calls == []


def test_deploy_stops_on_the_preflight(
    cdk: FakeCdk, session: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["deploy", app_dir]) == 1
    out = capfd.readouterr().out.splitlines()
    assert out[1] == (
        f"error: bootstrap: account {ACCOUNT} is not bootstrapped in {REGION}: run `npx cdk"
        f" bootstrap aws://{ACCOUNT}/{REGION}` from the exosphere-cdk checkout"
    )
    assert out[-1] == "1 problem: nothing was deployed"
    assert cdk.calls == []


def test_deploy_creates_the_ecs_role(
    cdk: FakeCdk, session: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    bootstrap(session)
    assert main(["deploy", app_dir]) == 0
    out = capfd.readouterr().out.splitlines()
    assert "created the ECS service-linked role AWSServiceRoleForECS" in out
    (role,) = session.client("iam").list_roles(PathPrefix="/aws-service-role/ecs.amazonaws.com/")[
        "Roles"
    ]
    assert len(cdk.calls) == 1
    assert role["Path"] == "/aws-service-role/ecs.amazonaws.com/"


def test_a_failed_deploy(
    cdk: FakeCdk, ready: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    cdk.answer(
        "deploy",
        "demo-web | 10:41:02 AM | CREATE_FAILED        | AWS::ECS::Service | demo-web/Service"
        " (Service9571FDD8) Resource handler returned message: no capacity\n",
        code=1,
    )
    assert main(["deploy", app_dir]) == 1
    captured = capfd.readouterr()
    assert (
        "10:41:02 AM demo-web CREATE_FAILED            AWS::ECS::Service demo-web/Service"
        " (Service9571FDD8) Resource handler returned message: no capacity"
    ) in captured.out.splitlines()
    assert captured.err == (
        "exo-cdk: error: cdk deploy failed (exit code 1): see its output above\n"
    )


def test_diff(
    cdk: FakeCdk, session: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", app_dir]) == 0
    assert main(["diff", app_dir, "--service", "users", "--profile", "default"]) == 2
    captured = capfd.readouterr()
    assert captured.err == (
        "exo-cdk: error: no AWS credentials: The config profile (default) could not be found\n"
    )
    assert cdk.argvs == [["diff", "--no-color", *context(app_dir)]]
    assert "stdout of cdk diff" in captured.out


def test_diff_of_one_service(
    cdk: FakeCdk, session: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    cdk.answer("diff", "Stack demo-users\nThere were no differences\n", code=0)
    assert main(["diff", app_dir, "--service", "users"]) == 0
    assert cdk.argvs == [["diff", "-e", "demo-users", "--no-color", *context(app_dir)]]
    assert "There were no differences" in capfd.readouterr().out


def test_without_credentials_nothing_runs(
    cdk: FakeCdk,
    app_dir: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    moto_app.isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    no_credentials = (
        "no AWS credentials: none found in the environment, the shared files or the instance"
        " role (set AWS_PROFILE, or run `aws configure`)"
    )
    assert main(["diff", app_dir]) == 2
    assert capfd.readouterr().err == f"exo-cdk: error: {no_credentials}\n"
    assert main(["destroy", app_dir, "--yes"]) == 2
    assert capfd.readouterr().err == f"exo-cdk: error: {no_credentials}\n"
    assert main(["deploy", app_dir]) == 1
    assert capfd.readouterr().out.splitlines() == [
        f"error: credentials: {no_credentials}",
        "1 problem: nothing was deployed",
    ]
    assert cdk.calls == []


def test_the_pinned_account(
    cdk: FakeCdk, session: boto3.Session, make_app: AppFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    pin = {"providers": {"aws": {"account": "210987654321"}}}
    app_dir = str(make_app({"application.yml": {"environments": {"production": pin}}}))
    assert main(["destroy", app_dir, "--yes"]) == 2
    assert capfd.readouterr().err == (
        f"exo-cdk: error: the credentials are for account {ACCOUNT}"
        f" (arn:aws:sts::{ACCOUNT}:user/moto), the app deploys to 210987654321"
        " (environments.production.providers.aws.account): use credentials of 210987654321"
        " (AWS_PROFILE or --profile)\n"
    )
    assert cdk.calls == []


@pytest.fixture
def deployed(session: boto3.Session, make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """BASE's stacks in moto (as tests/moto_app.py makes them); its folder."""
    app_dir = str(make_app(None))
    moto_app.deploy(load_directory(app_dir, "production"), session, monkeypatch=monkeypatch)
    return app_dir


def test_destroy_every_stack(
    cdk: FakeCdk, deployed: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["destroy", deployed, "--yes"]) == 0
    # The zone's stack has termination protection too: it is lifted with the others.
    shared = ["demo-network", "demo-zone", "demo-dns", "demo-platform", "demo-exocom"]
    assert cdk.argvs == [
        [
            "deploy",
            "-e",
            *shared,
            "--concurrency",
            "10",
            "--progress",
            "events",
            "--require-approval",
            "never",
            "--no-color",
            *context(deployed),
            "-c",
            "teardown=true",
        ],
        ["destroy", "--all", "--concurrency", "10", "--force", "--no-color", *context(deployed)],
    ]
    out = capfd.readouterr().out
    # The fake destroyed nothing: the status says so.
    assert "│ demo-network    │ CREATE_COMPLETE │" in out
    assert out.endswith("3 of 3 services steady\n")


def test_destroy_an_app_with_a_database(
    cdk: FakeCdk,
    session: boto3.Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The data stack's termination protection and its instances' deletion protection are
    lifted with the others', or `destroy --all` fails at it."""
    app_dir = tmp_path / "go-f5"
    shutil.copytree(REPO / "manifests" / "go-f5", app_dir)
    moto_app.deploy(load_app(app_dir, "staging"), session, monkeypatch=monkeypatch)
    assert main(["destroy", str(app_dir), "--env", "staging", "--yes"]) == 0
    lift, destroy = cdk.argvs
    # (no dns stack: every Go-era environment gives its certificate)
    shared = ["network", "zone", "platform", "exocom", "data"]
    assert lift[:7] == ["deploy", "-e", *(f"go-notes-staging-{part}" for part in shared)]
    assert lift[7] == "--concurrency"
    assert lift[-2:] == ["-c", "teardown=true"]
    assert destroy[:2] == ["destroy", "--all"]


def test_destroy_names_the_data_stack_the_manifest_no_longer_makes(
    cdk: FakeCdk,
    session: boto3.Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The database left the manifest: destroy does not know its stack, and its closing
    status says what to do with it."""
    moto_app.deploy(
        load_app(REPO / "manifests" / "go-f5", "staging"), session, monkeypatch=monkeypatch
    )
    app_dir = str(without_its_database(tmp_path))
    assert main(["destroy", app_dir, "--env", "staging", "--yes"]) == 0
    lift, _ = cdk.argvs
    assert "go-notes-staging-data" not in lift
    assert (
        "go-notes-staging-data (CREATE_COMPLETE) is deployed but the manifest no longer makes"
        f" it: {DATA_ADVICE}"
    ) in capfd.readouterr().out.splitlines()


def test_destroy_lifts_only_what_exists(
    cdk: FakeCdk,
    session: boto3.Session,
    make_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    app_dir = str(make_app(None))
    app = load_directory(app_dir, "production")
    moto_app.deploy(app, session, skip=["dns", "exocom", "web"], monkeypatch=monkeypatch)
    assert main(["destroy", app_dir, "--yes"]) == 0
    assert cdk.argvs[0][:5] == ["deploy", "-e", "demo-network", "demo-zone", "demo-platform"]
    assert cdk.argvs[1][:2] == ["destroy", "--all"]


def test_destroy_with_nothing_deployed(
    cdk: FakeCdk, session: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["destroy", app_dir, "--yes"]) == 0
    assert capfd.readouterr().out == (
        f"nothing of demo is deployed in {REGION}: nothing to destroy\n"
    )
    assert main(["destroy", app_dir, "--service", "users"]) == 0
    assert capfd.readouterr().out == (
        f"demo-users is not deployed in {REGION}: nothing to destroy\n"
    )
    assert cdk.calls == []


def test_destroy_stops_when_lifting_the_protection_fails(
    cdk: FakeCdk, deployed: str, capfd: pytest.CaptureFixture[str]
) -> None:
    cdk.answer("deploy", code=1)
    assert main(["destroy", deployed, "--yes"]) == 1
    assert [argv[0] for argv in cdk.argvs] == ["deploy"]
    assert capfd.readouterr().err == (
        "exo-cdk: error: cdk deploy failed (exit code 1): see its output above\n"
    )


def test_destroy_one_service(
    cdk: FakeCdk, deployed: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["destroy", deployed, "--service", "users", "--yes"]) == 0
    assert cdk.argvs == [
        ["destroy", "-e", "demo-users", "--force", "--no-color", *context(deployed)]
    ]


def test_destroy_asks(
    cdk: FakeCdk,
    deployed: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert main(["destroy", deployed]) == 2
    assert capfd.readouterr().err == (
        "exo-cdk: error: destroy asks before it deletes: give --yes when no terminal can answer\n"
    )
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    answers = iter(["n", "y"])
    questions: list[str] = []

    def answer(question: str) -> str:
        questions.append(question)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)
    assert main(["destroy", deployed, "--service", "web"]) == 0
    assert capfd.readouterr().out == (
        f"destroy 1 stack in {REGION}: demo-web\nnothing was destroyed\n"
    )
    assert cdk.calls == []
    assert main(["destroy", deployed]) == 0
    assert capfd.readouterr().out.startswith(
        f"destroy 8 stacks in {REGION} (their protection is lifted first): demo-network,"
        " demo-zone, demo-dns, demo-platform, demo-exocom, demo-monitoring, demo-users,"
        " demo-web\n"
    )
    assert questions == ["destroy them? (y/n) "] * 2
    assert [argv[0] for argv in cdk.argvs] == ["deploy", "destroy"]


def test_doctor(
    cdk: FakeCdk, ready: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", app_dir]) == 0
    assert capfd.readouterr().out.splitlines() == [*PREFLIGHT_OK, "ready to deploy"]
    assert main(["doctor", app_dir, "--json"]) == 0
    document = json.loads(capfd.readouterr().out)
    assert (document["ok"], document["account"], document["region"]) == (True, ACCOUNT, REGION)
    assert [f["check"] for f in document["findings"]] == [
        "credentials",
        "bootstrap",
        "dns",
        "ecs role",
        "quotas",
        "quotas",
        "quotas",
    ]
    assert cdk.calls == []


def test_doctor_with_problems(
    cdk: FakeCdk, session: boto3.Session, make_app: AppFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    bootstrap(session, "5")
    mongo = {"dependencies": {"mongo": {"version": "3.4"}}}
    app_dir = str(make_app({"users/service.yml": mongo}))
    assert main(["doctor", app_dir]) == 1
    out = capfd.readouterr().out.splitlines()
    assert [line for line in out if line.startswith("error")] == [
        f"error: bootstrap: CDKToolkit in {REGION} is version 5, the templates need 6 or later:"
        f" run `npx cdk bootstrap aws://{ACCOUNT}/{REGION}` from the exosphere-cdk checkout again",
        f"error: secrets: secret demo/mongo does not exist in {REGION} (read by users"
        " (MONGODB_PW, MONGODB_USER)): create it (docs/operations.md#secrets); its service's"
        " tasks cannot start without it",
    ]
    assert out[-1] == "2 problems: `exo-cdk deploy` would stop here"
    # docs/commands.md shows this run, word for word.
    docs = (REPO / "docs" / "commands.md").read_text()
    shown = docs.split("$ exo-cdk doctor app\n", 1)[1].split("```", 1)[0]
    assert out == shown.splitlines()
    assert main(["doctor", app_dir, "--json"]) == 1


def test_doctor_checks_the_database_password(
    cdk: FakeCdk,
    ready: boto3.Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """go-f5's staging with no secret of its own: only the data stack reads the secret,
    the password of the store's database (its services build from a Dockerfile: a fake
    `docker` answers `docker info`)."""
    docker = tmp_path / "bin" / "docker"
    docker.parent.mkdir()
    docker.write_text("#!/bin/sh\necho 27.0.0\n")
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", f"{docker.parent}:{os.environ['PATH']}")
    app_dir = tmp_path / "go-f5"
    shutil.copytree(REPO / "manifests" / "go-f5", app_dir)
    manifest = app_dir / "application.yml"
    text = manifest.read_text()
    own = "      secrets:\n        - SESSION_KEY\n"
    manifest.write_text(text[: text.rindex(own)] + text[text.rindex(own) + len(own) :])
    read_by = "read by go-notes-staging-data (notes-db's password)"
    assert main(["doctor", str(app_dir), "--env", "staging"]) == 1
    out = capfd.readouterr().out.splitlines()
    assert [line for line in out if line.startswith("error")] == [
        f"error: secrets: secret go-notes-staging/secrets does not exist in {REGION} ({read_by}):"
        " create it (docs/operations.md#secrets); go-notes-staging-data cannot deploy without it"
    ]
    assert out[-1] == "1 problem: `exo-cdk deploy` would stop here"
    ready.client("secretsmanager").create_secret(
        Name="go-notes-staging/secrets", SecretString='{"NOTES_DB_PASSWORD": "x"}'
    )
    assert main(["doctor", str(app_dir), "--env", "staging"]) == 0
    out = capfd.readouterr().out.splitlines()
    assert f"ok: secrets: secret go-notes-staging/secrets exists ({read_by})" in out
    assert out[-1] == "ready to deploy"


def test_the_app_folder_is_required(cdk: FakeCdk, capfd: pytest.CaptureFixture[str]) -> None:
    for command in ("deploy", "diff", "destroy", "doctor"):
        assert main([command]) == 2
        assert "the following arguments are required: APP_DIR" in capfd.readouterr().err
    assert cdk.calls == []


def test_no_cdk_cli(
    session: boto3.Session,
    app_dir: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cdk_cli, "CHECKOUT", tmp_path)
    assert main(["deploy", app_dir]) == 2
    assert capfd.readouterr().err == (
        f"exo-cdk: error: the CDK CLI is not installed: no node_modules/.bin/cdk in {tmp_path}"
        " (run scripts/setup there)\n"
    )


@pytest.mark.slow
def test_doctor_synthesizes_the_app(
    ready: boto3.Session, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """The real templates: the bootstrap version they need is compared (6 > 5)."""
    ready.client("ssm").put_parameter(
        Name="/cdk-bootstrap/hnb659fds/version", Value="5", Type="String", Overwrite=True
    )
    assert main(["doctor", app_dir]) == 1
    assert (
        f"error: bootstrap: CDKToolkit in {REGION} is version 5, the templates need 6 or later:"
        f" run `npx cdk bootstrap aws://{ACCOUNT}/{REGION}` from the exosphere-cdk checkout again"
    ) in capfd.readouterr().out.splitlines()


def test_deploy_goes_on_when_the_ecs_role_cannot_be_made(
    cdk: FakeCdk,
    session: boto3.Session,
    app_dir: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    bootstrap(session)

    def refuse(session: boto3.Session) -> bool:
        raise CredentialsError(
            "AWS refused the credentials: AccessDenied: iam:CreateServiceLinkedRole"
        )

    monkeypatch.setattr(deploy, "ensure_ecs_role", refuse)
    assert main(["deploy", app_dir]) == 0
    assert (
        "warning: ecs role: AWSServiceRoleForECS could not be created (AWS refused the"
        " credentials: AccessDenied: iam:CreateServiceLinkedRole): the first capacity provider"
        " fails without it; `aws iam create-service-linked-role --aws-service-name"
        " ecs.amazonaws.com` creates it"
    ) in capfd.readouterr().out.splitlines()
    assert len(cdk.calls) == 1


@pytest.mark.parametrize("value", ["0", "-3", "ten"])
def test_concurrency_is_a_positive_number(
    value: str, cdk: FakeCdk, app_dir: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["deploy", app_dir, "--concurrency", value]) == 2
    assert (
        f"argument --concurrency: expected a whole number of at least 1, got '{value}'"
        in capfd.readouterr().err
    )


def test_a_status_aws_refuses_after_the_deploy(
    cdk: FakeCdk,
    ready: boto3.Session,
    app_dir: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    def expired(app: Any, *, session: boto3.Session) -> Any:
        raise CredentialsError("AWS refused the credentials: ExpiredToken: expired")

    monkeypatch.setattr(lifecycle, "app_status", expired)
    assert main(["deploy", app_dir]) == 0
    assert capfd.readouterr().out.splitlines()[-1] == (
        "warning: status: cannot tell (AWS refused the credentials: ExpiredToken: expired):"
        f" `exo-cdk status {Path(app_dir).resolve()}` asks again"
    )
