"""Rules: strings that become part of an image reference or a load balancer's path, parsed.

Each is checked against the grammar of the part it becomes, at its key, with
what that grammar allows:

- an image reference (`docker_image`, or `<author>/<type>` from service.yml)
  as Docker's reference grammar (distribution/reference) reads it:
  `[registry[:port]/]name[/name...][:tag][@sha256:digest]`, each name
  lowercase letters and digits joined by `.`, `_`, `__` or dashes, a tag of
  at most 128 characters, a digest `sha256:` and 64 hex digits;
- a public service's `health-check-path`, as a load balancer takes it:
  printable ASCII without spaces.

Secret names and JSON keys, version stages (the schema's patterns) and derived
names (rules/quotas.py) are checked where they are; the image name a service's
author and type make is checked by its era's loader, which knows those keys.
Log group names are CloudFormation's own: no manifest string is one (their
IAM prefix is `<slug>-`, inside the log group grammar as every slug is).
Values longer than AWS takes are rules/quotas.py's, and are not parsed here:
every parse is of at most 1,024 characters.
"""

from __future__ import annotations

import re

from exosphere_cdk.manifest.errors import Problem
from exosphere_cdk.manifest.model.app import LoadedApp, LoadedService
from exosphere_cdk.manifest.model.constraints import CDK_TOKEN, DYNAMIC_REFERENCE
from exosphere_cdk.manifest.rules.quotas import HEALTH_CHECK_PATH_CHARS, IMAGE_NAME_CHARS

#: A path component of an image name (distribution/reference's grammar).
NAME_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
DOMAIN_COMPONENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
PORT = re.compile(r"[0-9]{1,5}")
IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+\]")
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
#: What the model's docker_image pattern lets through (it reports the rest itself).
_IMAGE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/:@-")

REFERENCE_FORM = "expected [registry[:port]/]name[/name...][:tag][@sha256:digest]"
COMPONENT_RULE = (
    "lowercase letters and digits, joined by single '.', '_', '__' or dashes, neither"
    " starting nor ending with one"
)


def check(app: LoadedApp) -> list[Problem]:
    problems: list[Problem] = []
    for svc in app.services:
        problems.extend(_image_problems(app, svc))
        if svc.public:
            problems.extend(_health_check_path_problems(app, svc))
    return problems


def reference_problem(reference: str) -> str | None:
    """What in `reference` Docker's reference grammar does not take, or None."""
    name, _, digest = reference.partition("@")
    if "@" in reference and not DIGEST.fullmatch(digest):
        return f"the digest '{digest}' is not 'sha256:' and 64 lowercase hex digits"
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    if tag is not None and not TAG.fullmatch(tag):
        return (
            f"the tag '{tag}' is not 1 to 128 letters, digits, '_', '.' and '-' starting with"
            " a letter, a digit or '_'"
        )
    components = name.split("/")
    first = components[0]
    if len(components) > 1 and (
        "." in first or ":" in first or first == "localhost" or first.lower() != first
    ):
        problem = _registry_problem(first)
        if problem is not None:
            return problem
        components = components[1:]
    for component in components:
        if not component:
            return "a name component is empty ('//', or '/' at an end)"
        if not NAME_COMPONENT.fullmatch(component):
            return f"the name component '{component}' is not {COMPONENT_RULE}"
    return None


def _registry_problem(registry: str) -> str | None:
    host, port = registry, None
    if ":" in registry and not registry.endswith("]"):
        host, _, port = registry.rpartition(":")
    if port is not None and not PORT.fullmatch(port):
        return f"the registry '{registry}' has the port '{port}', expected 1 to 5 digits"
    if IPV6.fullmatch(host) or all(DOMAIN_COMPONENT.fullmatch(p) for p in host.split(".")):
        return None
    return (
        f"the registry '{registry}' is not a host name (letters, digits and '-', joined by"
        " '.') with an optional ':port'"
    )


def _image_problems(app: LoadedApp, svc: LoadedService) -> list[Problem]:
    """The image the app names, against Docker's reference grammar (an image name made of a
    service's own keys is checked by its era's loader, which knows those keys)."""
    image = svc.image_name
    if svc.image.kind != "registry" or not image:
        return []
    if len(image) > IMAGE_NAME_CHARS or not _IMAGE_CHARS.issuperset(image):
        return []  # rules/quotas.py and the model's pattern say so
    problem = reference_problem(image)
    if problem is None:
        return []
    message = f"'{image}' is not an image reference: {problem}, {REFERENCE_FORM}"
    return [svc.source.at("image_name").problem(message)]


def _health_check_path_problems(app: LoadedApp, svc: LoadedService) -> list[Problem]:
    path = svc.health_check_path
    if len(path) > HEALTH_CHECK_PATH_CHARS or not path.startswith("/"):
        return []  # rules/quotas.py and the model's pattern say so
    if DYNAMIC_REFERENCE.search(path) or CDK_TOKEN.search(path):
        return []  # a dynamic reference or a token: load/values.py's one line
    bad = next((i for i, ch in enumerate(path) if not "!" <= ch <= "~"), None)
    if bad is None:
        return []
    found = "a space" if path[bad] == " " else f"{path[bad]!r} (U+{ord(path[bad]):04X})"
    return [
        svc.source.at("health_check_path").problem(
            f"holds {found} at character {bad + 1}, expected a path of printable ASCII"
            " characters without spaces, as a load balancer's health check takes it"
            " (percent-encode others: %20 for a space)",
        )
    ]
