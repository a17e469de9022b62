# ruff: noqa: E501 - a table of exact one-line messages
"""Invalid manifests: each gives exactly these one-line problems, all together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk.manifest.errors import ManifestError
from exosphere_cdk.manifest.load.eras import load_app

DELETE = "<delete>"


def aws(**values: Any) -> dict[str, Any]:
    return {"application.yml": {"environments": {"production": {"providers": {"aws": values}}}}}


def web(**values: Any) -> dict[str, Any]:
    return {"web/service.yml": values}


def web_aws(**values: Any) -> dict[str, Any]:
    return web(production={"aws": values})


#: ExoCom 0.26.4, which routes to several tasks of one role.
BUS_0_26_4 = {"application.yml": {"bus": {"version": "0.26.4"}}}


def lines(app: Path, env: str = "production") -> list[str]:
    with pytest.raises(ManifestError) as info:
        load_app(app, env)
    return [str(p) for p in info.value.problems]


CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("cpu-not-int", web_aws(cpu="lots"), [
        "app/web/service.yml:12: production.aws.cpu: invalid value 'lots', expected an integer",
    ]),
    ("cpu-bool", web_aws(cpu=True), [
        'app/web/service.yml:12: production.aws.cpu: invalid value true, expected an integer',
    ]),
    ("cpu-quoted-number", web_aws(cpu="100"), [
        "app/web/service.yml:12: production.aws.cpu: invalid value '100', expected an integer",
    ]),
    ("cpu-range", web_aws(cpu=0), [
        'app/web/service.yml:12: production.aws.cpu: invalid value 0, expected 1 to 16384 CPU units (1024 = 1 vCPU)',
    ]),
    ("memory-zero", web_aws(memory=0), [
        'app/web/service.yml:12: production.aws.memory: invalid value 0, expected 6 to 122880 MiB',
    ]),
    ("port-range", web_aws(**{"public-port": 70000}), [
        'app/web/service.yml:11: production.aws.public-port: invalid value 70000, expected 1 to 65535',
    ]),
    ("essential-not-bool", web_aws(essential="yes"), [
        "app/web/service.yml:12: production.aws.essential: invalid value 'yes', expected true or false",
    ]),
    ("instance-type-no-size", aws(**{"public-cluster-size": "t3"}), [
        "app/application.yml:10: environments.production.providers.aws.public-cluster-size: unknown instance type 't3' (not in EC2's list of botocore 1.44.8), expected one of the sizes of t3: nano, micro, small, medium, large, xlarge, 2xlarge",
    ]),
    ("instance-type-case", aws(**{"private-cluster-size": "T3.Medium"}), [
        "app/application.yml:10: environments.production.providers.aws.private-cluster-size: unknown instance type 'T3.Medium' (not in EC2's list of botocore 1.44.8), did you mean 't3.medium'?",
    ]),
    ("instance-type-no-family", aws(**{"exocom-cluster-size": "medium"}), [
        "app/application.yml:10: environments.production.providers.aws.exocom-cluster-size: unknown instance type 'medium' (not in EC2's list of botocore 1.44.8), did you mean 't3.medium'?",
    ]),
    ("unknown-key-did-you-mean", web(mesages={"sends": ["users.list"]}), [
        "app/web/service.yml:12: mesages: unknown key 'mesages', did you mean 'messages'?",
    ]),
    ("unknown-key-list", {"application.yml": {"colour": "blue"}}, [
        "app/application.yml:15: colour: unknown key 'colour', expected one of: author, bus, dependencies, description, environments, name, services, slug, version",
    ]),
    ("unknown-aws-key", aws(zones=3), [
        "app/application.yml:10: environments.production.providers.aws.zones: unknown key 'zones', expected one of: account, account-id, alarms, availability-zones, certificate-arn, container-insights, dockerhub-credentials, ecs-exec, exocom-cluster-size, hosted-zone-id, log-retention-days, nat-gateways, private-cluster-max, private-cluster-min, private-cluster-size, public-cluster-max, public-cluster-min, public-cluster-size, region, remote-state-store, ssm, waf",
    ]),
    ("folder-missing", {"application.yml": {"services": {"private": {"users": {"location": "./nope"}}}}}, [
        "app/application.yml:14: services.private.users.location: folder './nope' not found, expected a service folder at app/nope",
    ]),
    ("no-service-yml", {"users/service.yml": DELETE, "users/README.md": "users"}, [
        "app/application.yml:14: services.private.users.location: no service.yml in './users', expected app/users/service.yml",
    ]),
    ("location-escapes", {"application.yml": {"services": {"private": {"users": {"location": "../users"}}}}}, [
        "app/application.yml:14: services.private.users.location: '../users' is outside the application folder, expected a folder inside it",
    ]),
    ("location-absolute", {"application.yml": {"services": {"private": {"users": {"location": "/etc"}}}}}, [
        "app/application.yml:14: services.private.users.location: '/etc' is outside the application folder, expected a folder inside it",
    ]),
    ("location-is-app", {"application.yml": {"services": {"private": {"users": {"location": "."}}}}}, [
        "app/application.yml:14: services.private.users.location: '.' is the application folder, expected a service folder inside it",
    ]),
    ("no-location-no-image", {"application.yml": {"services": {"private": {"users": {"location": DELETE}}}}}, [
        "app/application.yml:13: services.private.users: neither location nor docker_image, expected a service folder in 'location' or an image in 'docker_image'",
    ]),
    ("role-not-dns-label", {"application.yml": {"services": {"private": {"users": DELETE, "Users_1": {"location": "./users"}}}}}, [
        "app/application.yml:13: services.private.Users_1: invalid service name 'Users_1', expected a DNS label: lowercase letters, digits and '-', at most 32 characters, not starting or ending with '-'",
    ]),
    ("role-reserved", {"application.yml": {"services": {"private": {"users": DELETE, "exocom": {"location": "./users"}}}}}, [
        "app/application.yml:13: services.private.exocom: service name 'exocom' is reserved for a stack of the app's own, expected another name (not dns, exocom, monitoring, network, platform, zone)",
    ]),
    ("role-twice", {"application.yml": {"services": {"private": {"web": {"location": "./users"}}}}}, [
        "app/application.yml:15: services.private.web: service 'web' is also a public service, expected each name once",
        "app/application.yml:4: bus.version: warning: 'users.list' is received by users, web: when one of them restarts, ExoCom 0.21.8 drops the others' subscriptions to it too (they stop receiving it until they restart); ExoCom 0.23.0 and later keep them",
    ]),
    ("bus-type", {"application.yml": {"bus": {"type": "nats"}}}, [
        "app/application.yml:3: bus.type: unsupported bus type 'nats', expected 'exocom'",
    ]),
    ("bus-and-dependencies", {"application.yml": {"dependencies": [{"type": "exocom", "version": "0.22.1"}]}}, [
        "app/application.yml:15: dependencies: found both bus and dependencies, expected one of them (dependencies is Exosphere 0.22's form of bus)",
    ]),
    ("no-bus", {"application.yml": {"bus": DELETE}}, [
        "app/application.yml: bus: required key missing, expected 'bus: {type: exocom, version: X}' (or Exosphere 0.22's 'dependencies: [{type: exocom, version: X}]')",
    ]),
    ("bus-version-missing", {"application.yml": {"bus": {"version": DELETE}}}, [
        'app/application.yml:2: bus.version: required key missing',
    ]),
    ("no-services", {"application.yml": {"services": DELETE}}, [
        'app/application.yml: services: no services, expected at least one under public or private',
    ]),
    ("url-outside-domain", web(production={"url": "demo.example.org"}), [
        "app/web/service.yml:9: production.url: 'demo.example.org' is outside the app's domain 'demo.example.com', expected 'demo.example.com' or a name ending in '.demo.example.com'",
    ]),
    ("url-suffix-not-subdomain", web(production={"url": "notdemo.example.com"}), [
        "app/web/service.yml:9: production.url: 'notdemo.example.com' is outside the app's domain 'demo.example.com', expected 'demo.example.com' or a name ending in '.demo.example.com'",
    ]),
    ("url-with-scheme", web(production={"url": "https://demo.example.com"}), [
        "app/web/service.yml:9: production.url: invalid url 'https://demo.example.com', expected a lowercase host name like 'www.example.com' (no scheme, no path)",
    ]),
    ("url-twice", {"application.yml": {"services": {"public": {"www": {"location": "./web"}}}}}, [
        "app/web/service.yml:9: production.url: for www: 'demo.example.com' is also the url of public service 'web', expected a url of its own",
        "app/application.yml:4: bus.version: warning: 'users.listed' is received by web, www: when one of them restarts, ExoCom 0.21.8 drops the others' subscriptions to it too (they stop receiving it until they restart); ExoCom 0.23.0 and later keep them",
    ]),
    ("url-without-port", web_aws(**{"public-port": DELETE}), [
        "app/web/service.yml:10: production.aws.public-port: required key missing, expected the container port that 'demo.example.com' is routed to",
    ]),
    ("two-catch-alls", {"application.yml": {"services": {"public": {"www": {"location": "./www"}}}}, "www/service.yml": "type: www\nauthor: demo\nproduction:\n  aws:\n    public-port: 80\n", "web/service.yml": {"production": {"url": DELETE}}}, [
        'app/application.yml:9: services.public: more than one public service without production.url (web, www), expected at most one (it receives every request no url matches)',
    ]),
    ("health-check-path", web_aws(**{"health-check-path": "health"}), [
        "app/web/service.yml:12: production.aws.health-check-path: invalid value 'health', expected a path starting with '/'",
    ]),
    ("tasks-min-max", {**web_aws(**{"min-tasks": 3, "max-tasks": 2, "cpu-target": 101}), **BUS_0_26_4}, [
        'app/web/service.yml:13: production.aws.max-tasks: invalid value 2, expected at least min-tasks (3)',
        'app/web/service.yml:14: production.aws.cpu-target: invalid value 101, expected 1 to 100 percent',
    ]),
    ("tasks-one-per-role", web_aws(**{"min-tasks": 2, "max-tasks": 4}), [
        "app/web/service.yml:12: production.aws.min-tasks: invalid value 2, expected 1: ExoCom 0.21.8 keeps one connection per role, so a second task of 'web' would take the first's place (messages twice to one task, replies to the wrong one, the bus broken when either leaves); ExoCom 0.26.3 and later route to several tasks of a role",
        "app/web/service.yml:13: production.aws.max-tasks: invalid value 4, expected 1: ExoCom 0.21.8 keeps one connection per role, so a second task of 'web' would take the first's place (messages twice to one task, replies to the wrong one, the bus broken when either leaves); ExoCom 0.26.3 and later route to several tasks of a role",
    ]),
    ("tasks-one-per-role-go", {**web_aws(**{"max-tasks": 3}), "application.yml": {"bus": {"version": "0.26.2"}}}, [
        "app/web/service.yml:12: production.aws.max-tasks: invalid value 3, expected 1: ExoCom 0.26.2 keeps one connection per role, so a second task of 'web' would take the first's place (messages twice to one task, replies to the wrong one, the bus broken when either leaves); ExoCom 0.26.3 and later route to several tasks of a role",
    ]),
    ("bus-version-unsupported", {"application.yml": {"bus": {"version": "0.22.2"}}}, [
        "app/application.yml:4: bus.version: unsupported ExoCom version '0.22.2', expected a released ExoCom (0.21.0-0.22.1, 0.23.0, 0.24.0, 0.25.0-0.26.2, 0.26.3-0.26.4, 0.27.0), did you mean '0.22.1'?",
    ]),
    ("bus-version-latest", {"application.yml": {"bus": {"version": "latest"}}}, [
        "app/application.yml:4: bus.version: unsupported ExoCom version 'latest', expected a released ExoCom (0.21.0-0.22.1, 0.23.0, 0.24.0, 0.25.0-0.26.2, 0.26.3-0.26.4, 0.27.0)",
    ]),
    ("docker-image-without-messages", {"application.yml": {"services": {"private": {"cache": {"docker_image": "redis:7"}}}}}, [
        "app/application.yml:15: services.private.cache: no service.yml, so ExoCom cannot know the messages of 'cache' (it would refuse every message the service sends), expected 'messages: {sends: [...], receives: [...]}' here (or a location with a service.yml)",
    ]),
    ("exocom-on-arm", aws(**{"exocom-cluster-size": "t4g.micro"}), [
        "app/application.yml:10: environments.production.providers.aws.exocom-cluster-size: 't4g.micro' is an arm64 type, expected an x86_64 one: ExoCom's image originate/exocom:0.21.8 is published for x86_64 only",
    ]),
    ("env-names", web(production={"environment": {"ROLE": "x", "1X": "y", "OK": "z"}, "secrets": {"OK": "s"}}), [
        "app/web/service.yml:13: production.environment.ROLE: 'ROLE' is set by the deployment, expected another name (reserved: EXOCOM_HOST, EXOCOM_PORT, ROLE, MONGO, MONGODB_USER, MONGODB_PW)",
        "app/web/service.yml:14: production.environment.1X: invalid variable name '1X', expected letters, digits and '_', not starting with a digit",
        "app/web/service.yml:17: production.secrets.OK: 'OK' is also in production.environment, expected it in one of them",
    ]),
    ("env-value-bool", web(production={"environment": {"DEBUG": True}}), [
        'app/web/service.yml:13: production.environment.DEBUG: invalid value true, expected a string (quote it to keep it as text)',
    ]),
    ("secret-not-string", web(production={"secrets": {"TOKEN": 5, "KEY": {"nme": "k"}}}), [
        "app/web/service.yml:13: production.secrets.TOKEN: invalid value 5, expected a secret name or a mapping with 'name' and 'json-key'",
        'app/web/service.yml:14: production.secrets.KEY.name: required key missing',
        "app/web/service.yml:15: production.secrets.KEY.nme: unknown key 'nme', did you mean 'name'?",
    ]),
    ("network", aws(**{"availability-zones": 1, "nat-gateways": 2}), [
        'app/application.yml:10: environments.production.providers.aws.availability-zones: invalid value 1, expected 2 to 6',
        'app/application.yml:11: environments.production.providers.aws.nat-gateways: invalid value 2, expected 1 to 1 (at most one per availability zone)',
    ]),
    ("cluster-min-max", aws(**{"public-cluster-min": 3, "public-cluster-max": 2}), [
        'app/application.yml:11: environments.production.providers.aws.public-cluster-max: invalid value 2, expected at least public-cluster-min (3)',
    ]),
    ("log-retention", aws(**{"log-retention-days": 42}), [
        "app/application.yml:10: environments.production.providers.aws.log-retention-days: invalid value 42, expected one of CloudWatch's: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ]),
    ("aws-ids", aws(**{"account-id": "1234"}, region="us-west", **{"hosted-zone-id": "abc", "certificate-arn": "arn:aws:iam::123456789012:certificate/x"}), [
        "app/application.yml:10: environments.production.providers.aws.account-id: invalid account '1234', expected a 12-digit AWS account id",
        "app/application.yml:11: environments.production.providers.aws.region: invalid region 'us-west', expected an AWS region like 'us-west-2'",
        "app/application.yml:12: environments.production.providers.aws.hosted-zone-id: invalid hosted zone id 'abc', expected an id like 'Z0123456789ABCDEFGHIJ'",
        "app/application.yml:13: environments.production.providers.aws.certificate-arn: invalid certificate ARN 'arn:aws:iam::123456789012:certificate/x', expected 'arn:aws:acm:<region>:<account>:certificate/<id>'",
    ]),
    ("certificate-region", aws(region="us-east-1", **{"certificate-arn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123"}), [
        "app/application.yml:11: environments.production.providers.aws.certificate-arn: certificate in region 'eu-west-1', expected one in 'us-east-1' (the load balancer's region)",
    ]),
    ("slug-invalid", {"application.yml": {"slug": "My_App"}}, [
        "app/application.yml:15: slug: invalid slug 'My_App', expected lowercase letters, digits and '-', starting with a letter, at most 40 characters (it starts every stack name)",
    ]),
    ("slug-underivable", {"application.yml": {"name": "!!!"}}, [
        "app/application.yml:1: name: cannot make a stack name prefix from '!!!', expected a name starting with a letter, or a 'slug' key (lowercase letters, digits and '-')",
    ]),
    ("name-missing", {"application.yml": {"name": DELETE}}, [
        'app/application.yml: name: required key missing',
    ]),
    ("namespace", {"application.yml": {"services": {"private": {"users": {"namespace": "mongo.db"}}}}}, [
        "app/application.yml:15: services.private.users.namespace: invalid namespace 'mongo.db', expected a message prefix: letters, digits, '-' and '_', without dots",
    ]),
    ("no-image", {"users/service.yml": {"author": DELETE}}, [
        'app/users/service.yml: author: cannot tell which image to run, expected a Dockerfile in the service folder, docker_image in services.private.users of application.yml, or author and type here',
    ]),
    ("listener-priority-collision", {"application.yml": {"services": {"public": {"www": {"location": "./www"}}}}, "www/service.yml": "type: www\nauthor: demo\nproduction:\n  url: www.demo.example.com\n  aws:\n    public-port: 80\n    listener-priority: 7\n", **web_aws(**{"listener-priority": 7})}, [
        "app/www/service.yml:7: production.aws.listener-priority: listener priority 7 is already used by public service 'web', expected a priority of its own: set listener-priority (1 to 50000) in one of them",
    ]),
    ("list-not-mapping", web(messages=["users.list"]), [
        'app/web/service.yml:3: messages: found a list, expected a mapping',
    ]),
    ("messages-not-list", web(messages={"sends": "users.list"}), [
        "app/web/service.yml:4: messages.sends: invalid value 'users.list', expected a list",
    ]),
    ("environment-not-mapping", {"application.yml": {"environments": {"production": "yes please"}}}, [
        "app/application.yml:6: environments.production: invalid value 'yes please', expected a mapping",
    ]),
    ("syntax-error", {"web/service.yml": "type: web\nmessages:\n  sends: [users.list\n"}, [
        "app/web/service.yml:4: YAML syntax error at column 1: expected ',' or ']', but got '<stream end>'",
    ]),
    ("duplicate-key", {"web/service.yml": "type: web\nauthor: demo\nproduction:\n  aws:\n    cpu: 100\n    cpu: 200\n"}, [
        "app/web/service.yml:6: production.aws.cpu: duplicate key 'cpu' (first at line 5), expected each key once",
    ]),
    ("empty-file", {"users/service.yml": "# nothing yet\n"}, [
        'app/users/service.yml: the file is empty, expected a mapping',
    ]),
    ("top-level-list", {"users/service.yml": "- type: users\n"}, [
        'app/users/service.yml:1: found a list, expected a mapping',
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_manifest(
    make_app: Callable[[Mapping[str, Any] | None], Path],
    changes: dict[str, Any],
    expected: list[str],
) -> None:
    assert lines(make_app(changes)) == expected
