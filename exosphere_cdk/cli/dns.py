"""`exo-cdk dns APP_DIR`: the public zone's name servers, and whether the domain is delegated.

Exit 0 when public DNS delegates the domain to the zone's name servers; 1 when
it does not, cannot tell, or there is no zone (yet) or a kept one to reuse; 2
when AWS cannot answer (credentials, region) or the app has no domain.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.text import Text

from exosphere_cdk.cli.common import add_app_arguments, load
from exosphere_cdk.ops.aws import new_session
from exosphere_cdk.ops.dns import DnsReport, Resolver, Zone, dns_report, public_name_servers
from exosphere_cdk.reporting import EXIT_INVALID, EXIT_OK, console

#: What public DNS is asked with (tests give their own).
RESOLVER: Resolver = public_name_servers


def _servers(zone: Zone) -> str:
    return ", ".join(zone.name_servers) or "(none)"


def lines(report: DnsReport, app_dir: str) -> list[tuple[str, str]]:
    """What `dns` prints: (line, style)."""
    out: list[tuple[str, str]] = []
    domain, zone = report.domain, report.zone
    if zone is None:
        for kept in report.kept:
            out.append((f"{domain}: zone {kept.zone_id} {kept.origin}: {_servers(kept)}", ""))
        if report.kept:
            first = report.kept[0].zone_id
            out.append(
                (
                    f"reuse it: set hosted-zone-id: {first} in application.yml"
                    " (environments.<env>.providers.aws), then deploy; deploying"
                    f" {report.zone_stack} instead would create a second zone of {domain}"
                    f" (or delete the kept zone first: exo-cdk remove {app_dir} --yes)",
                    "yellow",
                )
            )
        else:
            out.append(
                (
                    f"{domain}: no zone yet: {report.zone_stack} is not deployed; deploy it first:"
                    f" npx cdk deploy -e {report.zone_stack} -c app={app_dir}",
                    "yellow",
                )
            )
        return out
    out.append((f"{domain}: zone {zone.zone_id} ({zone.origin})", "bold"))
    out.append((f"name servers: {_servers(zone)}", ""))
    for kept in report.kept:
        out.append(
            (
                f"also a zone of {domain} {kept.origin}: {kept.zone_id} ({_servers(kept)}): not"
                f" the app's zone; delete it: aws route53 delete-hosted-zone --id {kept.zone_id}"
                " (once it holds only its NS and SOA records)",
                "yellow",
            )
        )
    out.append(_delegation(report, app_dir))
    return out


def _delegation(report: DnsReport, app_dir: str) -> tuple[str, str]:
    delegated, public = report.delegated, report.public
    if delegated is None:
        return (f"delegated: cannot tell: {public.why_not}", "yellow")
    if delegated:
        return (
            f"delegated: yes: public DNS answers with these name servers; deploy the rest:"
            f" npx cdk deploy --all --concurrency 10 -c app={app_dir}",
            "green",
        )
    answered = ", ".join(public.name_servers or ()) or "no name servers"
    return (
        f"delegated: no: public DNS answers {answered}; delegate {report.domain} to the name"
        " servers above (at its registrar, or NS records in its parent zone), then run"
        f" exo-cdk dns {app_dir} again",
        "red",
    )


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    report = dns_report(loaded, new_session(args.profile), RESOLVER)
    code = EXIT_OK if report.delegated else EXIT_INVALID
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return code
    out = console()
    for line, style in lines(report, args.app_dir):
        out.print(Text(line, style=style), soft_wrap=True)
    return code


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "dns",
        help="print the public zone's name servers and whether public DNS delegates to them",
        description=(
            "Find the app's public hosted zone (its zone stack, or hosted-zone-id) and the"
            " zones of its domain kept from an earlier deploy; print the name servers and ask"
            " public DNS whether the domain is delegated to them. Needs credentials; exit 0"
            " once delegated, else 1."
        ),
    )
    add_app_arguments(parser)
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or the default)")
    parser.set_defaults(handler=run)
