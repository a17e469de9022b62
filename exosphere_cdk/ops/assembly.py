"""Cloud assemblies read and made: templates by stack name, in-process synthesis, stack limits."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from attrs import frozen

from exosphere_cdk.manifest.data.cloudformation import MAX_TEMPLATE_BYTES, SECTION_LIMITS
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.synth import build, new_app

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"

#: A stack past this share of one of CloudFormation's limits (manifest.data.cloudformation)
#: is flagged.
LIMIT_WARN = 0.8


class AssemblyError(UsageError):
    """A folder that is not a readable cloud assembly."""


def read_assembly(directory: Path) -> dict[str, dict[str, Any]]:
    """The templates of a cloud assembly by stack name (nested assemblies included)."""
    return {name: info.template for name, info in read_stacks(directory).items()}


def read_stacks(directory: Path) -> dict[str, StackInfo]:
    """Every stack of a cloud assembly with its template and size, in the assembly's order."""
    manifest_file = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text())
    except FileNotFoundError:
        raise AssemblyError(f"{directory}: no manifest.json, expected a cloud assembly") from None
    except (OSError, ValueError) as exc:
        raise AssemblyError(f"{manifest_file}: unreadable ({exc})") from None
    stacks: dict[str, StackInfo] = {}
    artifacts = manifest.get("artifacts", {}) if isinstance(manifest, dict) else {}
    for artifact_id, artifact in artifacts.items():
        properties = artifact.get("properties", {})
        if artifact.get("type") == NESTED_ASSEMBLY:
            stacks.update(read_stacks(directory / properties["directoryName"]))
        elif artifact.get("type") == STACK_ARTIFACT:
            name = str(properties.get("stackName") or artifact.get("displayName") or artifact_id)
            template_file = directory / properties["templateFile"]
            try:
                text = template_file.read_bytes()
                template = json.loads(text)
            except (OSError, ValueError) as exc:
                raise AssemblyError(f"{template_file}: unreadable ({exc})") from None
            stacks[name] = StackInfo(name, template, len(text))
    return stacks


@frozen
class StackInfo:
    """One synthesized stack: its name, template and template size in bytes."""

    name: str
    template: dict[str, Any]
    template_bytes: int

    @property
    def resources(self) -> dict[str, Any]:
        found: dict[str, Any] = self.template.get("Resources", {})
        return found

    @property
    def outputs(self) -> dict[str, Any]:
        found: dict[str, Any] = self.template.get("Outputs", {})
        return found

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [r.get("Properties", {}) for r in self.resources.values() if r["Type"] == kind]

    def limits(self) -> dict[str, Any]:
        """Each of CloudFormation's limits on a template: this one's count, and the limit."""
        sections = {
            section.lower(): {"count": len(self.template.get(section) or {}), "limit": limit}
            for section, limit in SECTION_LIMITS.items()
        }
        bytes_ = {"count": self.template_bytes, "limit": MAX_TEMPLATE_BYTES}
        return {"resources": sections.pop("resources"), "template_bytes": bytes_, **sections}

    def limit_warnings(self) -> list[str]:
        return [
            f"{self.name}: {what} {v['count']} is {v['count'] / v['limit']:.0%} of"
            f" CloudFormation's limit ({v['limit']})"
            for what, v in self.limits().items()
            if v["count"] >= LIMIT_WARN * v["limit"]
        ]


def synthesize_into(
    app: LoadedApp,
    outdir: Path,
    *,
    context: dict[str, Any] | None = None,
    protect: bool = True,
    compliance: bool = True,
) -> dict[str, StackInfo]:
    """Synthesize `app` in-process into `outdir` as `cdk synth` does; its stacks by name."""
    scope = new_app(outdir=outdir, context=context)
    build(scope, app, protect=protect, compliance=compliance)
    scope.synth()
    return read_stacks(outdir)


def synthesize(app: LoadedApp) -> dict[str, StackInfo]:
    """Every stack of `app`, synthesized in-process into a temporary folder, by stack name."""
    outdir = Path(tempfile.mkdtemp(prefix="exo-cdk-synth-"))
    try:
        return synthesize_into(app, outdir, compliance=False)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
