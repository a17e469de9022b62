"""Every generated file of the checkout, and how it is made: one list, one `scripts/regenerate`.

A generated file is either whole (the EC2 type names and the AWS regions, from
the installed botocore's data) or a block between markers inside a document (the
manifest reference, the ExoCom releases table, the graph of manifests/shop).
`scripts/regenerate` rewrites the stale ones; `tests/ops/test_generated.py`
fails while one is stale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from attrs import frozen

#: The checkout.
ROOT = Path(__file__).resolve().parents[2]


@frozen
class Generated:
    """One generated file (or block): where it is, what it is made from, and its content."""

    #: The file, relative to the checkout.
    path: str
    #: What it is generated from, for messages.
    source: str
    #: The file's expected text, given its current text (a block keeps what surrounds it).
    expected: Callable[[str], str]

    def current(self) -> str:
        file = ROOT / self.path
        return file.read_text() if file.is_file() else ""

    def stale(self) -> bool:
        current = self.current()
        return self.expected(current) != current

    def write(self) -> bool:
        """Rewrite the file when it is stale; whether it was."""
        current = self.current()
        expected = self.expected(current)
        if expected == current:
            return False
        (ROOT / self.path).write_text(expected)
        return True


def between_markers(begin: str, end: str, render: Callable[[], str]) -> Callable[[str], str]:
    """`text` with the block after the `begin` marker's line and before `end` rendered anew."""

    def expected(text: str) -> str:
        head, found, rest = text.partition(begin)
        if not found:
            raise ValueError(f"no marker {begin!r}")
        marker, _, rest = rest.partition("-->\n")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"no marker {end!r}")
        return f"{head}{begin}{marker}-->\n\n{render()}\n{end}{tail}"

    return expected


def _ec2_type_names(_: str) -> str:
    import botocore  # type: ignore[import-untyped]  # noqa: PLC0415 - only when regenerating
    import botocore.loaders  # type: ignore[import-untyped]  # noqa: PLC0415

    from exosphere_cdk.manifest.data.ec2_types import render  # noqa: PLC0415

    model = botocore.loaders.Loader().load_service_model("ec2", "service-2")
    names: list[str] = model["shapes"]["InstanceType"]["enum"]
    return render(botocore.__version__, names)


def _aws_region_names(_: str) -> str:
    import botocore  # noqa: PLC0415 - only when regenerating
    import botocore.loaders  # noqa: PLC0415

    from exosphere_cdk.manifest.data.aws_regions import regions_of, render  # noqa: PLC0415

    endpoints = botocore.loaders.Loader().load_data("endpoints")
    return render(botocore.__version__, regions_of(endpoints))


def _manifest_reference() -> str:
    from exosphere_cdk.ops.schema import reference_markdown  # noqa: PLC0415

    return reference_markdown()


def _go_reference() -> str:
    from exosphere_cdk.ops.schema import go_reference_markdown  # noqa: PLC0415

    return go_reference_markdown()


def _exocom_releases() -> str:
    from exosphere_cdk.ops.schema import exocom_releases_markdown  # noqa: PLC0415

    return exocom_releases_markdown()


def _shop_graph(text: str) -> str:
    """docs/commands.md with its one mermaid block the graph of manifests/shop."""
    from exosphere_cdk.manifest.load.eras import load_app  # noqa: PLC0415
    from exosphere_cdk.ops.graph import message_graph, to_mermaid  # noqa: PLC0415

    graph = to_mermaid(message_graph(load_app(ROOT / "manifests" / "shop")))
    blocks = re.findall(r"```mermaid\n(.*?)```", text, re.DOTALL)
    if len(blocks) != 1:
        raise ValueError("docs/commands.md: expected one ```mermaid block")
    return text.replace(f"```mermaid\n{blocks[0]}```", f"```mermaid\n{graph}```")


#: Every generated file, in the order `scripts/regenerate` writes them.
GENERATED: tuple[Generated, ...] = (
    Generated(
        "exosphere_cdk/manifest/data/ec2_type_names.py",
        "the installed botocore's EC2 model",
        _ec2_type_names,
    ),
    Generated(
        "exosphere_cdk/manifest/data/aws_region_names.py",
        "the installed botocore's endpoints data",
        _aws_region_names,
    ),
    Generated(
        "docs/manifest.md",
        "exosphere_cdk/manifest/load/exo_deploy/schema.py's field specs",
        between_markers("<!-- BEGIN reference", "<!-- END reference -->", _manifest_reference),
    ),
    Generated(
        "docs/manifest.md",
        "exosphere_cdk/manifest/load/go_era/schema.py's field specs",
        between_markers("<!-- BEGIN go-reference", "<!-- END go-reference -->", _go_reference),
    ),
    Generated(
        "docs/architecture.md",
        "exosphere_cdk/manifest/data/exocom.py's table of releases",
        between_markers(
            "<!-- BEGIN exocom-releases", "<!-- END exocom-releases -->", _exocom_releases
        ),
    ),
    Generated("docs/commands.md", "the message graph of manifests/shop", _shop_graph),
)


def stale() -> list[Generated]:
    """The generated files that differ from what their sources make now."""
    return [g for g in GENERATED if g.stale()]
