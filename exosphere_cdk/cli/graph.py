"""`exo-cdk graph APP_DIR`: the app's message flow as Mermaid, DOT, SVG or PNG."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from exosphere_cdk.cli.common import add_app_arguments, load, new_output_file, write_output
from exosphere_cdk.ops.graph import FORMATS, message_graph, render, to_dot, to_mermaid
from exosphere_cdk.reporting import EXIT_OK


def run(args: argparse.Namespace) -> int:
    output = new_output_file(args.output) if args.output else None
    loaded = load(args)
    graph = message_graph(loaded)
    data: bytes
    if args.json:
        data = (json.dumps(graph.as_json(), indent=2) + "\n").encode()
    elif args.format == "mermaid":
        data = to_mermaid(graph).encode()
    else:
        dot = to_dot(graph, loaded.slug)
        data = dot.encode() if args.format == "dot" else render(dot, args.format)
    if output is not None:
        write_output(output, data, args.output)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "graph",
        help="draw the app's message flow (Mermaid, DOT, SVG, PNG)",
        description="Services as nodes, messages as labelled edges after namespace translation.",
    )
    add_app_arguments(parser)
    parser.add_argument("--format", choices=FORMATS, default="mermaid", help="default: mermaid")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")
    parser.set_defaults(handler=run, problems_on_stderr=True)
