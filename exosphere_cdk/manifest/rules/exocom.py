"""Rules: what the app's ExoCom release can do at run time (manifest/data/exocom.py's table)."""

from __future__ import annotations

from exosphere_cdk.manifest.data import exocom
from exosphere_cdk.manifest.data.ec2_types import architecture, known_types
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp

#: The routes ExoCom 0.25 and later give the role `security`, whatever the service says.
SECURITY_SENDS = ("message authorized", "message unauthorized", "security request")
SECURITY_RECEIVES = ("authorize message", "security response")


def check(app: LoadedApp) -> list[Problem]:
    if exocom.family(app.exocom_version) is None:
        return []  # the loader reports the version
    return [
        *one_task_per_role(app),
        *shared_subscriptions(app),
        *merged_names(app),
        *security_role(app),
        *exocom_architecture(app),
        *translations_read(app),
    ]


def translations_read(app: LoadedApp) -> list[Problem]:
    """Written message translations where the app's ExoCom reads none (0.21-0.23 translate
    by namespace only): an error at the service's translations."""
    if app.exocom.translation == "one-to-one":
        return []
    return [
        svc.source.at("translations").problem(
            f"ExoCom {app.exocom_version} reads no message translations (it translates by"
            " namespace only), expected none, or ExoCom 0.24.0 or later"
        )
        for svc in app.services
        if svc.translations
    ]


def one_task_per_role(app: LoadedApp) -> list[Problem]:
    """min-tasks or max-tasks above 1 where ExoCom keeps one connection per role: an error."""
    bus = app.exocom
    if bus.several_per_role:
        return []
    problems: list[Problem] = []
    for svc in app.services:
        for name, value in (("min_tasks", svc.min_tasks), ("max_tasks_given", svc.max_tasks_given)):
            if value is None or value <= 1:
                continue
            problems.append(
                svc.source.at(name).problem(
                    f"invalid value {value}, expected 1: ExoCom {app.exocom_version} keeps one"
                    f" connection per role, so a second task of '{svc.role}' would take the"
                    " first's place (messages twice to one task, replies to the wrong one, the"
                    f" bus broken when either leaves); ExoCom {exocom.SEVERAL_PER_ROLE_FROM} and"
                    " later route to several tasks of a role",
                )
            )
    return problems


def shared_subscriptions(app: LoadedApp) -> list[Problem]:
    """A message several roles receive, where a leaving client drops every role's
    subscription to it (Node.js ExoCom): a warning per message."""
    if not app.exocom.drops_shared_subscriptions:
        return []
    problems: list[Problem] = []
    for name, roles in derive.bus_messages(app).receivers.items():
        if len(roles) < 2:
            continue
        problems.append(
            app.source.at("version").problem(
                f"'{name}' is received by {', '.join(roles)}: when one of them restarts, ExoCom"
                f" {app.exocom_version} drops the others' subscriptions to it too (they stop"
                " receiving it until they restart); ExoCom 0.23.0 and later keep them",
                "warning",
            )
        )
    return problems


def merged_names(app: LoadedApp) -> list[Problem]:
    """Two names a service writes that ExoCom carries as one (a namespaced role: only the
    second dot-segment is kept): a warning at the second."""
    problems: list[Problem] = []
    for svc in app.services:
        if not svc.namespace:
            continue
        messages = svc.messages
        sides: tuple[tuple[exocom.Direction, tuple[str, ...]], ...] = (
            ("sends", messages.sends),
            ("receives", messages.receives),
        )
        for kind, names in sides:
            first: dict[str, str] = {}
            for index, name in enumerate(names):
                on_bus = derive.bus_name(app, svc, name, kind)
                other = first.setdefault(on_bus, name)
                if other == name:
                    continue
                problems.append(
                    svc.source.at("messages")
                    .key(kind, index)
                    .problem(
                        f"'{name}' is '{on_bus}' on the bus, as '{other}' is: ExoCom"
                        f" {app.exocom_version} keeps only the second dot-segment of a"
                        " namespaced role's names, expected names that differ there",
                        "warning",
                    )
                )
    return problems


def security_role(app: LoadedApp) -> list[Problem]:
    """The role `security`, which ExoCom 0.25 and later take for their security adapter."""
    if not app.exocom.security_role:
        return []
    return [
        svc.source.fallback.problem(
            f"ExoCom {app.exocom_version} takes the role 'security' for its security adapter:"
            " every message waits for its authorization, and its routes are ExoCom's own"
            f" (sends {', '.join(SECURITY_SENDS)}; receives {', '.join(SECURITY_RECEIVES)}),"
            " not its service.yml's",
            "warning",
        )
        for svc in app.services
        if svc.role == "security"
    ]


def exocom_architecture(app: LoadedApp) -> list[Problem]:
    """ExoCom's host of an architecture its image is not published for: an error."""
    instance_type = derive.exocom_instance_type(app)
    if instance_type not in known_types():
        return []  # rules_instances
    arch = architecture(instance_type)
    published = app.exocom.architectures
    if arch in published:
        return []
    return [
        app.source.at("aws.exocom_cluster_size").problem(
            f"'{instance_type}' is an {arch} type, expected an {' or '.join(published)} one:"
            f" ExoCom's image {exocom.image(app.exocom_version)} is published for"
            f" {' and '.join(published)} only",
        )
    ]
