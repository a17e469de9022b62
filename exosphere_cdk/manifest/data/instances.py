"""A small table of EC2 instance types: vCPUs, memory and network interfaces.

Covers the families Exosphere apps use (t2, t3, t3a, t4g, m5, m6i, m6g,
m7g, c5, c6i, c6g, r5, r6i, r6g; nano to 4xlarge where they exist), copied by
hand from AWS's instance type pages on AS_OF. Every other type EC2 knows
(ec2_types) has a capacity unknown to `validate` and `plan`: they say so.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import frozen

#: Memory ECS cannot give to tasks: the OS, Docker and the ECS agent. ECS registers
#: an instance with somewhat less than its nominal memory; we reserve the larger of
#: 256 MiB and 8 % of it (the ECS-optimized AMI's usual gap between nominal and
#: registered memory), so a plan that fits here also fits the registered figure.
AGENT_RESERVE_MIB = 256
AGENT_RESERVE_FRACTION = 0.08

#: When the table was copied from AWS's instance type pages.
AS_OF = "2026-11-30"

SIZES = ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge")


@frozen
class InstanceType:
    name: str
    vcpus: int
    memory_mib: int
    #: Network interfaces (ENIs), the primary one included.
    enis: int

    @property
    def cpu_units(self) -> int:
        """ECS CPU units: 1024 per vCPU."""
        return self.vcpus * 1024

    @property
    def reserve_mib(self) -> int:
        return max(AGENT_RESERVE_MIB, round(self.memory_mib * AGENT_RESERVE_FRACTION))

    @property
    def task_memory_mib(self) -> int:
        """Memory left for tasks after the OS, Docker and the ECS agent."""
        return self.memory_mib - self.reserve_mib

    @property
    def awsvpc_tasks(self) -> int:
        """Tasks in awsvpc mode one instance can run: one ENI each, the primary excluded."""
        return self.enis - 1


def _family(names: str, sizes: Mapping[str, tuple[int, float, int]]) -> dict[str, InstanceType]:
    out: dict[str, InstanceType] = {}
    for family in names.split():
        for size, (vcpus, gib, enis) in sizes.items():
            name = f"{family}.{size}"
            out[name] = InstanceType(name, vcpus, int(gib * 1024), enis)
    return out


_BURSTABLE = {
    "nano": (2, 0.5, 2),
    "micro": (2, 1, 2),
    "small": (2, 2, 3),
    "medium": (2, 4, 3),
    "large": (2, 8, 3),
    "xlarge": (4, 16, 4),
    "2xlarge": (8, 32, 4),
}
_T2 = {**_BURSTABLE, "nano": (1, 0.5, 2), "micro": (1, 1, 2), "small": (1, 2, 3)}
_GENERAL = {"large": (2, 8, 3), "xlarge": (4, 16, 4), "2xlarge": (8, 32, 4), "4xlarge": (16, 64, 8)}
_COMPUTE = {"large": (2, 4, 3), "xlarge": (4, 8, 4), "2xlarge": (8, 16, 4), "4xlarge": (16, 32, 8)}
_MEMORY = {
    "large": (2, 16, 3),
    "xlarge": (4, 32, 4),
    "2xlarge": (8, 64, 4),
    "4xlarge": (16, 128, 8),
}

INSTANCE_TYPES: dict[str, InstanceType] = {
    **_family("t3 t3a t4g", _BURSTABLE),
    **_family("t2", _T2),
    **_family("m5 m6i m6g m7g", _GENERAL),
    **_family("c5 c6i c6g", _COMPUTE),
    **_family("r5 r6i r6g", _MEMORY),
}


def lookup(name: str) -> InstanceType | None:
    """The instance type `name` (`t3.small`), or None when it is not in the table."""
    return INSTANCE_TYPES.get(name)


def next_size(name: str) -> str | None:
    """The next larger size of the same family (`t3.small` -> `t3.medium`), if known."""
    family, _, size = name.partition(".")
    if size not in SIZES:
        return None
    for bigger in SIZES[SIZES.index(size) + 1 :]:
        candidate = f"{family}.{bigger}"
        if candidate in INSTANCE_TYPES:
            return candidate
    return None


def smallest_holding(family: str, cpu: int, memory_mib: int) -> str | None:
    """The smallest `family` type of the table whose instance holds a `cpu`/`memory_mib` task."""
    for size in SIZES:
        spec = INSTANCE_TYPES.get(f"{family}.{size}")
        if spec is not None and spec.cpu_units >= cpu and spec.task_memory_mib >= memory_mib:
            return spec.name
    return None


def unknown_size_message(instance_type: str) -> str:
    """`capacity unknown for x1e.xlarge: not in exosphere-cdk's size table (dated …)`."""
    return (
        f"capacity unknown for {instance_type}: not in exosphere-cdk's size table (dated {AS_OF})"
    )
