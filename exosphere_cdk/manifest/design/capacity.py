"""Do an app's tasks fit their clusters' instances, at max-tasks and while deploying?"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import frozen

from exosphere_cdk.manifest.data.instances import (
    AGENT_RESERVE_FRACTION,
    AGENT_RESERVE_MIB,
    AS_OF,
    INSTANCE_TYPES,
    lookup,
    unknown_size_message,
)
from exosphere_cdk.manifest.design import derive
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService

#: ExoCom's task's size (what the ExoCom stack gives its construct).
EXOCOM_CPU = 256
EXOCOM_MEMORY_MIB = 256

RESERVE_NOTE = (
    f"memory for tasks = instance memory minus max({AGENT_RESERVE_MIB} MiB,"
    f" {AGENT_RESERVE_FRACTION:.0%}) for the OS, Docker and the ECS agent;"
    " CPU = 1024 units per vCPU"
)
BRIDGE_NOTE = (
    "services use bridge networking: tasks share the instance's network interface,"
    " so ENI slots do not limit them; ExoCom's task is awsvpc and takes one ENI slot"
)
ROLLING_NOTE = (
    "rolling deployment: minimum healthy 100 %, maximum 200 %, so a service"
    " deploying momentarily runs twice its tasks; the check assumes every service"
    " at max-tasks while the largest one deploys"
)
ONE_AT_A_TIME_NOTE = (
    "one task per service (ExoCom keeps one connection per role): a deployment stops"
    " the old task before it starts the new one (minimum healthy 0 %, maximum 100 %),"
    " so a deployment needs no room beyond the tasks themselves"
)
SIZES_NOTE = (
    f"instance sizes: exosphere-cdk's table of {len(INSTANCE_TYPES)} types, copied from"
    f" AWS's instance type pages on {AS_OF}; any other type's capacity is unknown"
)


SOFT_MEMORY_NOTE = (
    "memory is a soft reservation (memoryReservation, as the Go era deployed it): ECS places"
    " a task by it, so the check counts it; a container may use more while its instance has"
    " memory free"
)


def notes(app: LoadedApp) -> tuple[str, ...]:
    """How the capacity check counts, for `app`'s ExoCom and memory settings."""
    deploying = ROLLING_NOTE if app.exocom.several_per_role else ONE_AT_A_TIME_NOTE
    soft = (SOFT_MEMORY_NOTE,) if any(s.memory_is_reservation for s in app.services) else ()
    return (RESERVE_NOTE, BRIDGE_NOTE, deploying, *soft, SIZES_NOTE)


@frozen
class Task:
    role: str
    cpu: int
    memory: int


def instances_needed(tasks: Iterable[Task], cpu: int, memory: int) -> int | None:
    """Instances with `cpu` units and `memory` MiB that hold `tasks` (first-fit decreasing).

    None when a task is larger than one instance (it can never be placed).
    """
    free: list[list[int]] = []
    for task in sorted(tasks, key=lambda t: (t.memory, t.cpu), reverse=True):
        if task.cpu > cpu or task.memory > memory:
            return None
        for room in free:
            if room[0] >= task.cpu and room[1] >= task.memory:
                room[0] -= task.cpu
                room[1] -= task.memory
                break
        else:
            free.append([cpu - task.cpu, memory - task.memory])
    return len(free)


@frozen
class ClusterCapacity:
    """One cluster's capacity check."""

    name: str
    instance_type: str
    min_instances: int
    max_instances: int
    #: Per instance, for tasks (None: instance type not in the table).
    cpu_units: int | None
    memory_mib: int | None
    tasks_at_max: int
    cpu_at_max: int
    memory_at_max: int
    #: Instances needed at max-tasks, and while the largest service deploys (its surge).
    needed_steady: int | None
    needed_deploying: int | None
    #: Tasks no instance of this type can hold.
    too_large: tuple[str, ...]
    awsvpc_slots: int | None = None
    warnings: tuple[str, ...] = ()
    #: The surge of a rolling deployment of the largest service: its tasks once more.
    surge: tuple[Task, ...] = ()

    @property
    def known(self) -> bool:
        return self.cpu_units is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "cluster": self.name,
            "instance_type": self.instance_type,
            "instances": {"min": self.min_instances, "max": self.max_instances},
            "known": self.known,
            "per_instance": None
            if not self.known
            else {"cpu_units": self.cpu_units, "memory_mib": self.memory_mib},
            "at_max_tasks": {
                "tasks": self.tasks_at_max,
                "cpu_units": self.cpu_at_max,
                "memory_mib": self.memory_at_max,
                "instances_needed": self.needed_steady,
            },
            "rolling_deployment": {
                "tasks": self.tasks_at_max + len(self.surge),
                "cpu_units": self.cpu_at_max + sum(t.cpu for t in self.surge),
                "memory_mib": self.memory_at_max + sum(t.memory for t in self.surge),
                "instances_needed": self.needed_deploying,
            },
            "awsvpc_task_slots": self.awsvpc_slots,
            "fits": self.known and not self.warnings,
            "warnings": list(self.warnings),
        }


def _footprint(tasks: Iterable[Task]) -> tuple[int, int]:
    """Memory, then CPU, that `tasks` take together (the largest service deploys)."""
    listed = list(tasks)
    return sum(t.memory for t in listed), sum(t.cpu for t in listed)


def cluster_capacity(
    name: str,
    instance_type: str,
    bounds: tuple[int, int],
    services: Iterable[LoadedService],
    *,
    rolling: bool = True,
) -> ClusterCapacity:
    """Do `services` fit on at most bounds[1] instances of `instance_type`, also deploying?

    With `rolling` a deploying service runs its tasks twice (100 % / 200 %);
    without, it stops a task before it starts one (0 % / 100 %): no surge.
    """
    tasks, surge = _tasks(services, rolling=rolling)
    cpu_at_max = sum(t.cpu for t in tasks)
    memory_at_max = sum(t.memory for t in tasks)
    spec = lookup(instance_type)
    low, high = bounds
    if spec is None:
        return ClusterCapacity(
            name,
            instance_type,
            low,
            high,
            None,
            None,
            len(tasks),
            cpu_at_max,
            memory_at_max,
            None,
            None,
            (),
            warnings=(f"{name}: {unknown_size_message(instance_type)}",),
        )
    cpu, memory = spec.cpu_units, spec.task_memory_mib
    too_large = tuple(sorted({t.role for t in tasks if t.cpu > cpu or t.memory > memory}))
    steady = instances_needed(tasks, cpu, memory)
    deploying = instances_needed(tasks + surge, cpu, memory)
    warning = _fit_warning(
        name,
        instance_type,
        high,
        too_large=too_large,
        steady=steady,
        deploying=deploying,
        surge=surge,
        offered=(cpu, memory),
    )
    return ClusterCapacity(
        name,
        instance_type,
        low,
        high,
        cpu,
        memory,
        len(tasks),
        cpu_at_max,
        memory_at_max,
        steady,
        deploying,
        too_large,
        warnings=() if warning is None else (warning,),
        surge=tuple(surge),
    )


def _tasks(services: Iterable[LoadedService], *, rolling: bool) -> tuple[list[Task], list[Task]]:
    """Every task at max-tasks, and the extra tasks of the largest rolling deployment."""
    tasks: list[Task] = []
    surge: list[Task] = []
    for svc in services:
        own = [Task(svc.role, svc.cpu, svc.memory)] * svc.max_tasks
        tasks += own
        if rolling and _footprint(own) > _footprint(surge):
            surge = own
    return tasks, surge


def _fit_warning(
    name: str,
    instance_type: str,
    high: int,
    *,
    too_large: tuple[str, ...],
    steady: int | None,
    deploying: int | None,
    surge: list[Task],
    offered: tuple[int, int],
) -> str | None:
    """The first of: a task larger than an instance, too few instances, too few to deploy."""
    if too_large:
        cpu, memory = offered
        return (
            f"{name}: tasks of {', '.join(too_large)} are larger than one {instance_type}"
            f" ({cpu} CPU units, {memory} MiB for tasks): they can never be placed"
        )
    if steady is not None and steady > high:
        return (
            f"{name}: the tasks at max-tasks need {steady} x {instance_type}, the cluster"
            f" has at most {high}: raise its max instances or choose a larger type"
        )
    if surge and deploying is not None and deploying > high:
        return (
            f"{name}: a rolling deployment of {surge[0].role} (twice its max-tasks, every"
            f" other service at max-tasks) needs {deploying} x {instance_type}, the cluster"
            f" has at most {high}: deployments may stall at max scale"
        )
    return None


def exocom_capacity(app: LoadedApp) -> ClusterCapacity:
    """ExoCom's single instance: its one awsvpc task needs CPU, memory and one ENI slot."""
    name = "ExoCom cluster"
    instance_type = derive.exocom_instance_type(app)
    spec = lookup(instance_type)
    if spec is None:
        return ClusterCapacity(
            name,
            instance_type,
            1,
            1,
            None,
            None,
            1,
            EXOCOM_CPU,
            EXOCOM_MEMORY_MIB,
            None,
            None,
            (),
            warnings=(f"{name}: {unknown_size_message(instance_type)}",),
        )
    fits = (
        spec.cpu_units >= EXOCOM_CPU
        and spec.task_memory_mib >= EXOCOM_MEMORY_MIB
        and spec.awsvpc_tasks >= 1
    )
    warnings = () if fits else (f"{name}: ExoCom's task does not fit on a {instance_type}",)
    return ClusterCapacity(
        name,
        instance_type,
        1,
        1,
        spec.cpu_units,
        spec.task_memory_mib,
        1,
        EXOCOM_CPU,
        EXOCOM_MEMORY_MIB,
        1 if fits else None,
        # ExoCom deploys with minimum healthy 0 %, maximum 100 %: never two at once.
        1 if fits else None,
        (),
        awsvpc_slots=spec.awsvpc_tasks,
        warnings=warnings,
    )


def capacity(app: LoadedApp) -> list[ClusterCapacity]:
    aws = app.aws
    return [
        cluster_capacity(
            "public cluster",
            derive.instance_type(app, public=True),
            (aws.public_cluster_min, aws.public_cluster_max),
            app.public_services,
            rolling=app.exocom.several_per_role,
        ),
        cluster_capacity(
            "private cluster",
            derive.instance_type(app, public=False),
            (aws.private_cluster_min, aws.private_cluster_max),
            app.private_services,
            rolling=app.exocom.several_per_role,
        ),
        exocom_capacity(app),
    ]
