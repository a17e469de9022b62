"""Rules: capacity is a gate.

A task larger than what one instance of its cluster offers ECS can never be
placed: an error, at the value (cpu or memory). A cluster at its max instances
that cannot hold every service at max-tasks, or a rolling deployment of all of
them, is an error at its max: a deployment at max scale could not place its new
tasks and would stall until the circuit breaker rolls it back (holding every
task at max-tasks is the lesser need: a cluster that cannot, cannot deploy at
max scale either). A type EC2 knows but our size table does not is a warning:
its capacity cannot be checked.
"""

from __future__ import annotations

from exosphere_cdk.manifest.data.ec2_types import family, known_types
from exosphere_cdk.manifest.data.instances import (
    InstanceType,
    lookup,
    smallest_holding,
    unknown_size_message,
)
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.design.capacity import (
    EXOCOM_CPU,
    EXOCOM_MEMORY_MIB,
    cluster_capacity,
    exocom_capacity,
)
from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService


def check(app: LoadedApp) -> list[Problem]:
    return [*tasks_larger_than_an_instance(app), *clusters_at_max(app), *exocom_fits(app)]


def _cluster_key(public: bool) -> str:
    return f"{'public' if public else 'private'}-cluster"


def _offer(spec: InstanceType, key: str, cpu: int, memory: int, what: str) -> str:
    """`one t2.nano (private-cluster-size) offers 256 MiB …; the smallest t2 …`."""
    if what == "memory":
        offers = (
            f"offers {spec.task_memory_mib} MiB for tasks (after the OS's, Docker's and the"
            f" ECS agent's reserve of {spec.reserve_mib} MiB)"
        )
    else:
        offers = f"offers {spec.cpu_units} CPU units ({spec.vcpus} vCPU)"
    fam = family(spec.name)
    bigger = smallest_holding(fam, cpu, memory)
    fix = (
        f"the smallest {fam} that holds it is {bigger}"
        if bigger
        else f"no {fam} in exosphere-cdk's size table holds it"
    )
    return f"one {spec.name} ({key}-size) {offers}; {fix}"


def tasks_larger_than_an_instance(app: LoadedApp) -> list[Problem]:
    """A task whose cpu or memory exceeds one instance of its cluster: an error at the value."""
    problems: list[Problem] = []
    for svc in app.services:
        instance_type = derive.instance_type(app, public=svc.public)
        spec = lookup(instance_type)
        if spec is None:
            continue  # unknown to EC2 (rules_instances) or to the size table (a warning)
        key = _cluster_key(svc.public)
        for what, needs, offered, unit in (
            ("cpu", svc.cpu, spec.cpu_units, "CPU units"),
            ("memory", svc.memory, spec.task_memory_mib, "MiB"),
        ):
            if needs <= offered:
                continue
            problems.append(
                svc.source.at(what).problem(
                    f"the task needs {needs} {unit}{_default(svc, what)}, "
                    + _offer(spec, key, svc.cpu, svc.memory, what)
                    + ": its tasks can never be placed",
                )
            )
    return problems


def _default(svc: LoadedService, what: str) -> str:
    """A note when the service's cpu or memory is the default of a service without a manifest."""
    if svc.source.written(what):
        return ""
    return f" (the default {what}: the service has no service.yml)"


def clusters_at_max(app: LoadedApp) -> list[Problem]:
    """The public and private clusters at max instances: max-tasks, then rolling deployments."""
    problems: list[Problem] = []
    aws = app.aws
    for public, bounds, services in (
        (True, (aws.public_cluster_min, aws.public_cluster_max), app.public_services),
        (False, (aws.private_cluster_min, aws.private_cluster_max), app.private_services),
    ):
        if not services:
            continue
        key = _cluster_key(public)
        instance_type = derive.instance_type(app, public=public)
        if instance_type not in known_types():
            continue  # an error of rules_instances
        result = cluster_capacity(
            f"{key.replace('-', ' ')}",
            instance_type,
            bounds,
            services,
            rolling=app.exocom.several_per_role,
        )
        if not result.known:
            message = unknown_size_message(instance_type) + ": check by hand that its tasks fit"
            at = app.source.at(f"aws.{key.replace('-', '_')}_size")
            problems.append(at.problem(message, "warning"))
        elif not result.too_large and result.warnings:
            at = app.source.at(f"aws.{key.replace('-', '_')}_max")
            problems.append(at.problem(result.warnings[0]))
    return problems


def exocom_fits(app: LoadedApp) -> list[Problem]:
    """ExoCom's one task on its one instance."""
    instance_type = derive.exocom_instance_type(app)
    if instance_type not in known_types():
        return []
    at = app.source.at("aws.exocom_cluster_size")
    result = exocom_capacity(app)
    if not result.known:
        message = unknown_size_message(instance_type) + ": check by hand that ExoCom's task fits"
        return [at.problem(message, "warning")]
    if result.warnings:
        spec = lookup(instance_type)
        assert spec is not None
        return [
            at.problem(
                f"ExoCom's task needs {EXOCOM_CPU} CPU units, {EXOCOM_MEMORY_MIB} MiB and one"
                f" network interface slot; one {instance_type} offers {spec.cpu_units} CPU"
                f" units, {spec.task_memory_mib} MiB for tasks and {spec.awsvpc_tasks} slot(s)",
            )
        ]
    return []
