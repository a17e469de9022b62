"""`exo-cdk graph`: the app's message flow, after ExoCom's namespace translation.

Services are nodes (public and private styled apart); an edge goes from a
sender to each receiver of a message on the bus, labelled with the message
names (parallel edges merged). A message nobody receives goes to the
`(nobody)` node, a message nobody sends comes from it; both are drawn red and
dashed. Mermaid and DOT are text; SVG and PNG are rendered from the DOT text
by Graphviz compiled to WebAssembly (npm `@hpcc-js/wasm-graphviz`) and resvg
(npm `@resvg/resvg-js`), both run by Node, no system package needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from attrs import frozen

from exosphere_cdk.manifest.design.app import design
from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.model.app import LoadedApp

#: The node standing for "no service" at the loose end of an unmatched message.
NOBODY = "(nobody)"
FORMATS = ("mermaid", "dot", "svg", "png")
#: Node script rendering DOT (stdin) to SVG or PNG (stdout).
RENDERER = Path(__file__).with_name("render.cjs")


class RenderError(UsageError):
    """SVG or PNG could not be rendered (no Node, npm packages missing, renderer failed)."""


@frozen
class Edge:
    """Messages from `sender` to `receiver` (roles, or NOBODY), names as on the bus."""

    sender: str
    receiver: str
    messages: tuple[str, ...]

    @property
    def dangling(self) -> bool:
        return NOBODY in (self.sender, self.receiver)


@frozen
class DatabaseNode:
    """A database of the app and the roles that get its variables (drawn dotted)."""

    id: str
    label: str
    roles: tuple[str, ...]


@frozen
class MessageGraph:
    """Services (role -> public) and the merged edges between them, in a stable order; the
    app's databases and who uses them."""

    public: dict[str, bool]
    namespaces: dict[str, str]
    edges: tuple[Edge, ...]
    databases: tuple[DatabaseNode, ...] = ()

    @property
    def has_nobody(self) -> bool:
        return any(e.dangling for e in self.edges)

    def as_json(self) -> dict[str, Any]:
        return {
            "services": [
                {"role": role, "public": public, "namespace": self.namespaces.get(role)}
                for role, public in self.public.items()
            ],
            "edges": [
                {"from": e.sender, "to": e.receiver, "messages": list(e.messages)}
                for e in self.edges
            ],
            **(
                {
                    "databases": [
                        {"id": d.id, "label": d.label, "used_by": list(d.roles)}
                        for d in self.databases
                    ]
                }
                if self.databases
                else {}
            ),
        }


def message_graph(app: LoadedApp) -> MessageGraph:
    """Who sends what to whom on the bus (after namespace translation)."""
    spec = design(app)
    on_bus = spec.exocom.bus_messages
    pairs: dict[tuple[str, str], set[str]] = {}
    for message in sorted(set(on_bus.senders) | set(on_bus.receivers)):
        senders = sorted(on_bus.senders.get(message, ())) or [NOBODY]
        receivers = sorted(on_bus.receivers.get(message, ())) or [NOBODY]
        for sender in senders:
            for receiver in receivers:
                pairs.setdefault((sender, receiver), set()).add(message)
    edges = tuple(Edge(s, r, tuple(sorted(ms))) for (s, r), ms in sorted(pairs.items()))
    databases = tuple(
        DatabaseNode(
            id=db.id,
            label=f"{db.id} ({db.engine} {db.engine_version})",
            roles=tuple(s.role for s in spec.services if db.id in s.databases),
        )
        for db in (spec.data.databases if spec.data else ())
    )
    return MessageGraph(
        public={s.role: s.public for s in spec.services},
        namespaces={r.role: r.namespace for r in spec.exocom.routes if r.namespace},
        edges=edges,
        databases=databases,
    )


# ---------------------------------------------------------------- text formats


def _mermaid_id(node: str) -> str:
    return "nobody" if node == NOBODY else "s_" + node.replace("-", "_")


def _database_id(database: DatabaseNode) -> str:
    return "d_" + database.id.replace("-", "_")


def _node_label(graph: MessageGraph, role: str) -> str:
    ns = graph.namespaces.get(role)
    return f"{role} (namespace {ns})" if ns else role


def to_mermaid(graph: MessageGraph) -> str:
    """A Mermaid flowchart (GitHub renders it in Markdown)."""
    lines = ["flowchart LR"]
    for title, public in (("public", True), ("private", False)):
        roles = [r for r, p in graph.public.items() if p is public]
        if not roles:
            continue
        lines.append(f"  subgraph {title}")
        lines.extend(f'    {_mermaid_id(r)}["{_node_label(graph, r)}"]' for r in roles)
        lines.append("  end")
    if graph.has_nobody:
        lines.append(f'  nobody(["{NOBODY}"])')
    dangling: list[str] = []
    for index, edge in enumerate(graph.edges):
        label = "<br/>".join(edge.messages)
        arrow = "-.->" if edge.dangling else "-->"
        lines.append(
            f'  {_mermaid_id(edge.sender)} {arrow}|"{label}"| {_mermaid_id(edge.receiver)}'
        )
        if edge.dangling:
            dangling.append(str(index))
    lines += [
        "  classDef public fill:#dbeafe,stroke:#1d4ed8,color:#1e3a8a",
        "  classDef private fill:#f3f4f6,stroke:#4b5563,color:#111827",
        "  classDef nobody fill:#fee2e2,stroke:#dc2626,color:#991b1b",
    ]
    for title, public in (("public", True), ("private", False)):
        ids = [_mermaid_id(r) for r, p in graph.public.items() if p is public]
        if ids:
            lines.append(f"  class {','.join(ids)} {title}")
    if graph.has_nobody:
        lines.append("  class nobody nobody")
    if dangling:
        lines.append(f"  linkStyle {','.join(dangling)} stroke:#dc2626,color:#dc2626")
    return "\n".join(lines + _mermaid_databases(graph)) + "\n"


def _mermaid_databases(graph: MessageGraph) -> list[str]:
    """The databases as cylinders, each service using one linked to it dotted."""
    if not graph.databases:
        return []
    lines = ["  subgraph databases"]
    lines += [f'    {_database_id(d)}[("{d.label}")]' for d in graph.databases]
    lines.append("  end")
    for database in graph.databases:
        lines += [f"  {_mermaid_id(r)} -.- {_database_id(database)}" for r in database.roles]
    return lines


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: MessageGraph, title: str = "") -> str:
    """A Graphviz digraph."""
    lines = [
        f"digraph {_dot_quote(title or 'messages')} {{",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname=Helvetica, margin="0.25,0.1"];',
        "  edge [fontname=Helvetica, fontsize=10];",
    ]
    for title_, public in (("public", True), ("private", False)):
        roles = [r for r, p in graph.public.items() if p is public]
        if not roles:
            continue
        colour = (
            'fillcolor="#dbeafe", color="#1d4ed8"'
            if public
            else 'fillcolor="#f3f4f6", color="#4b5563"'
        )
        lines.append(f"  subgraph cluster_{title_} {{")
        lines.append(f'    label="{title_}"; style=dashed; color="#9ca3af";')
        lines.extend(
            f"    {_dot_quote(r)} [label={_dot_quote(_node_label(graph, r))}, {colour}];"
            for r in roles
        )
        lines.append("  }")
    if graph.has_nobody:
        lines.append(
            f'  {_dot_quote(NOBODY)} [shape=ellipse, fillcolor="#fee2e2", color="#dc2626",'
            ' fontcolor="#991b1b"];'
        )
    for edge in graph.edges:
        style = ', color="#dc2626", fontcolor="#dc2626", style=dashed' if edge.dangling else ""
        label = _dot_quote("\n".join(edge.messages)).replace("\n", "\\n")
        lines.append(
            f"  {_dot_quote(edge.sender)} -> {_dot_quote(edge.receiver)} [label={label}{style}];"
        )
    for database in graph.databases:
        node = _dot_quote(_database_id(database))
        lines.append(
            f'  {node} [label={_dot_quote(database.label)}, shape=cylinder, fillcolor="#fef3c7",'
            ' color="#b45309"];'
        )
        lines += [
            f"  {_dot_quote(r)} -> {node} [style=dotted, arrowhead=none];" for r in database.roles
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- pictures


def _node_modules() -> list[Path]:
    """Where the renderer's npm packages may be: the working folder's and this checkout's."""
    found = [Path.cwd() / "node_modules", Path(__file__).resolve().parents[2] / "node_modules"]
    return [p for p in found if p.is_dir()]


def render(dot: str, fmt: str) -> bytes:
    """SVG or PNG of a DOT graph, rendered by Node (Graphviz in WebAssembly, resvg)."""
    node = os.environ.get("JSII_NODE") or shutil.which("node")  # the pinned Node first
    if node is None:
        raise RenderError(f"--format {fmt} needs Node.js (node on PATH)")
    env = {**os.environ, "NODE_PATH": os.pathsep.join(str(p) for p in _node_modules())}
    result = subprocess.run(
        [node, str(RENDERER), fmt], input=dot.encode(), capture_output=True, env=env, check=False
    )
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        hint = detail[-1] if detail else f"exit {result.returncode}"
        if "Cannot find module" in result.stderr.decode(errors="replace"):
            hint = "npm packages missing: run `npm ci` (scripts/setup) in the exosphere-cdk folder"
        raise RenderError(f"cannot render {fmt}: {hint}")
    return result.stdout
