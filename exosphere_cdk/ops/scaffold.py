"""New app folders (`exo-cdk init`) and new services in them (`exo-cdk add-service`).

The files are written as a person would: commented YAML pointing at
docs/manifest.md. A service is added to application.yml by inserting lines
under `services.public` or `services.private`, so the user's comments and
layout stay as they were. Nothing is overwritten: any file already there
stops the operation before it writes anything. Nothing here prints.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from exosphere_cdk.manifest.errors import UsageError
from exosphere_cdk.manifest.load.slug import derive_slug
from exosphere_cdk.manifest.model.app import LoadedApp
from exosphere_cdk.manifest.model.constraints import RESERVED_ROLES, ROLE_PATTERN

__all__ = [
    "ExistsError",
    "add_service",
    "app_files",
    "insert_service",
    "service_files",
    "write_files",
]

EXOCOM_VERSION = "0.21.8"
#: The port the scaffolded public service listens on.
PUBLIC_PORT = 3000


class ExistsError(UsageError):
    """A file the operation would write is already there."""


_APPLICATION = """\
# An Exosphere application, deployed to AWS by exosphere-cdk.
# Every key, its default and its limits: docs/manifest.md in the exosphere-cdk
# checkout (section application.yml). Check it with `exo-cdk validate DIR`
# (DIR: this folder).
name: {name}
description: {name}, deployed with exosphere-cdk
version: '0.1'

# The message bus the services talk over: ExoCom, the image originate/exocom:<version>.
bus:
  type: exocom
  version: {exocom}

environments:
  production:
    # A public DNS zone you control (docs/manifest.md, environments.<env>): the public
    # services are then served over HTTPS at their production.url. Without one they
    # are served over HTTP at the load balancer's own address.
    # domain: {slug}.example.com
    providers:
      aws:
        region: us-east-1
        # account: '123456789012'   # pin the account every stack deploys to

# One folder per service, each with its service.yml (docs/manifest.md, services).
# `exo-cdk add-service DIR ROLE --public|--private` adds one.
services:
  public:
    web:
      location: ./web
  private:
    worker:
      location: ./worker
"""

_SERVICE = """\
# A {visibility} service of {name} (docs/manifest.md, section service.yml).
type: {role}
description: {description}
# Without a Dockerfile in this folder or a docker_image in application.yml, the
# image is <author>/<type> from Docker Hub: {author}/{role}.
author: {author}

startup:
  command: node server.js
  online-text: {role} running

# ExoCom's routes: the messages this service sends and receives
# (docs/manifest.md, messages).
messages:
  sends:{sends}
  receives:{receives}

production:
{url}  aws:
    # CPU units (1024 = one vCPU) and MiB of the task (docs/manifest.md, production.aws).
    cpu: 128
    memory: 256
{port}"""

_PORT = f"""\
    # The port the container listens on; the load balancer routes to it.
    public-port: {PUBLIC_PORT}
"""

_URL = """\
  # With a domain, the name the load balancer routes to this service:
  # url: {slug}.example.com
"""

_DOCKERFILE = """\
# Built at `exo-cdk deploy` and pushed to the CDK bootstrap ECR repository.
FROM node:22-alpine
WORKDIR /app
COPY . .
USER node
CMD ["node", "server.js"]
"""

_SERVER_PUBLIC = f"""\
// A placeholder: answers every request; replace it with the service.
const http = require("http");
http
  .createServer((request, response) => response.end("{{role}} is running\\n"))
  .listen({PUBLIC_PORT}, () => console.log("{{role}} running at port {PUBLIC_PORT}"));
"""

_SERVER_PRIVATE = """\
// A placeholder: stays up; replace it with the service (it talks over ExoCom).
console.log("{role} running");
setInterval(() => {{}}, 60 * 60 * 1000);
"""


def _messages(names: list[str]) -> str:
    return "".join(f"\n    - {name}" for name in names) if names else " []"


def service_files(
    app_name: str,
    role: str,
    *,
    public: bool,
    dockerfile: bool,
    sends: list[str] | None = None,
    receives: list[str] | None = None,
    url: str | None = None,
) -> dict[str, str]:
    """The files of one service's folder, by path relative to the app folder."""
    slug = derive_slug(app_name)
    text = _SERVICE.format(
        visibility="public" if public else "private",
        name=app_name,
        role=role,
        description=f"the {role} service of {app_name}",
        author=slug,
        sends=_messages(sends or []),
        receives=_messages(receives or []),
        url=(f"  url: {url}\n" if url else _URL.format(slug=slug)) if public else "",
        port=_PORT if public else "",
    )
    files = {f"{role}/service.yml": text}
    if dockerfile:
        server = _SERVER_PUBLIC if public else _SERVER_PRIVATE
        files[f"{role}/Dockerfile"] = _DOCKERFILE
        files[f"{role}/server.js"] = server.format(role=role)
    return files


def app_files(directory: str, *, dockerfile: bool = False) -> dict[str, str]:
    """A new app of two services: `web` (public) asks `worker` (private) over ExoCom."""
    name = Path(directory).resolve().name
    if not derive_slug(name):
        raise UsageError(
            f"{directory}: its name '{name}' has no letter or digit to name the app's stacks"
        )
    files = {
        "application.yml": _APPLICATION.format(
            name=name, slug=derive_slug(name), exocom=EXOCOM_VERSION
        )
    }
    files |= service_files(
        name,
        "web",
        public=True,
        dockerfile=dockerfile,
        sends=["work.request"],
        receives=["work.done"],
    )
    files |= service_files(
        name,
        "worker",
        public=False,
        dockerfile=dockerfile,
        sends=["work.done"],
        receives=["work.request"],
    )
    return files


def write_files(directory: Path, files: dict[str, str]) -> list[Path]:
    """Write `files` under `directory`; ExistsError (nothing written) when one exists."""
    if directory.exists() and not directory.is_dir():
        raise ExistsError(f"{directory} exists and is not a folder: nothing was written")
    targets = [directory / name for name in files]
    for target in targets:
        if target.exists() or target.is_symlink():
            raise ExistsError(f"{target} exists: nothing was written (it is never overwritten)")
    for target, text in zip(targets, files.values(), strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return targets


def add_service(
    app: LoadedApp, role: str, *, public: bool, dockerfile: bool, url: str | None = None
) -> list[Path]:
    """Add service `role` to `app`: its folder, and its two lines in application.yml.

    A public service gets `url` (default `<role>.<domain>` when the app has a domain);
    without one it takes every request no url matches, which only one service may.
    Raises UsageError for a name that is no service name or one the app has.
    """
    _check_role(role)
    if role in {s.role for s in app.services}:
        raise ExistsError(f"{app.slug} has a service {role} already")
    if public and url is None and app.domain is not None:
        url = f"{role}.{app.domain}"
    catch_all = [s.role for s in app.public_services if s.url is None]
    if public and url is None and catch_all:
        raise UsageError(
            f"{catch_all[0]} takes every request already (a public service without"
            f" production.url): give {role} one with --url HOST"
        )
    application = app.directory / "application.yml"
    name = app.name
    files = service_files(name, role, public=public, dockerfile=dockerfile, url=url)
    updated = insert_service(
        application.read_text(), role, "public" if public else "private", application
    )
    written = write_files(app.directory, files)
    application.write_text(updated)
    return [application, *written]


def _check_role(role: str) -> None:
    if not re.match(ROLE_PATTERN, role):
        raise UsageError(
            f"invalid service name '{role}': expected a DNS label (lowercase letters, digits"
            " and '-', at most 32 characters, not starting or ending with '-')"
        )
    if role in RESERVED_ROLES:
        raise UsageError(
            f"service name '{role}' is reserved for a stack of the app's own, expected another"
            f" name (not {', '.join(RESERVED_ROLES)})"
        )


_KEY = re.compile(r"^(?P<indent> *)(?P<key>[^\s#:'\"][^:#]*?|'[^']*'|\"[^\"]*\") *:(?P<rest>.*)$")


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _find_key(lines: list[str], key: str, indent: int, start: int, end: int) -> int | None:
    for i in range(start, end):
        match = _KEY.match(lines[i].rstrip("\n"))
        if match and len(match["indent"]) == indent and match["key"].strip("'\"") == key:
            return i
    return None


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """The line after the last content line of the block that opens at `start`."""
    end = start + 1
    for i in range(start + 1, len(lines)):
        if not _content(lines[i]):
            continue
        if _indent(lines[i]) <= indent:
            break
        end = i + 1
    return end


def _first_child_indent(lines: list[str], start: int, end: int) -> int | None:
    return next((_indent(line) for line in lines[start + 1 : end] if _content(line)), None)


def _block_opener(lines: list[str], i: int, where: str, file: Path) -> None:
    """Refuse a key written inline (`public: {web: ...}`): only block style takes a line."""
    match = _KEY.match(lines[i].rstrip("\n"))
    rest = match["rest"].strip() if match else ""
    if rest and not rest.startswith("#"):
        raise UsageError(
            f"{file}:{i + 1}: {where} is written inline: add the service there by hand"
        )


def insert_service(text: str, role: str, visibility: str, file: Path) -> str:
    """application.yml's text with `role` (location ./role) added under services.<visibility>.

    Lines are inserted after the last entry of that block, indented as its entries are;
    every other line stays as it was. Raises UsageError when the layout is not one a
    line can go into (flow style), or the result does not read as intended.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    entry = [f"{role}:\n", f"  location: ./{role}\n"]
    services = _find_key(lines, "services", 0, 0, len(lines))
    if services is None:
        lines += ["services:\n", f"  {visibility}:\n", *(f"    {x}" for x in entry)]
        return _checked("".join(lines), role, visibility, file)
    _block_opener(lines, services, "services", file)
    end = _block_end(lines, services, 0)
    step = _first_child_indent(lines, services, end) or 2
    group = _find_key(lines, visibility, step, services + 1, end)
    if group is None:
        block = [f"{visibility}:\n", *(" " * step + x for x in entry)]
        lines[end:end] = [" " * step + x for x in block]
    else:
        _block_opener(lines, group, f"services.{visibility}", file)
        group_end = _block_end(lines, group, step)
        inner = _first_child_indent(lines, group, group_end) or 2 * step
        first, second = entry
        new = [" " * inner + first, " " * (inner + step) + second.lstrip()]
        lines[group_end:group_end] = new
    return _checked("".join(lines), role, visibility, file)


def _checked(text: str, role: str, visibility: str, file: Path) -> str:
    try:
        document = yaml.safe_load(text)
        added = document["services"][visibility][role]
    except (yaml.YAMLError, KeyError, TypeError):
        added = None
    if added != {"location": f"./{role}"}:
        raise UsageError(
            f"{file}: services.{visibility} is laid out in a way lines cannot be added to:"
            f" add {role} (location: ./{role}) there by hand"
        )
    return text
