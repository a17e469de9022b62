"""CDK's logical IDs, computed in Python: a resource made at its stack's top level keeps the ID.

CDK names a CloudFormation resource after its construct path below its stack
(`makeUniqueId` in aws-cdk-lib's core/lib/private/uniqueid.js): the path's
components without `Default`, joined, each stripped to letters and digits,
with `Resource` and repeats left out of the human part, then the first 8 hex
digits of the MD5 of the path, upper-case. A resource directly in its stack
is named after its ID alone. So a resource made in the stack under the ID
`unique_id(path)` gets the logical ID it would have at `path`, without the
constructs of `path` that would each be a jsii request (`top_level`).

tests/constructs/test_logical_id.py holds this to CDK's own result for many
paths: a CDK release that changes the algorithm fails there.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from aws_cdk import Stack
from constructs import IConstruct

from exosphere_constructs.known import has_token, path_in_stack, stack_of

#: A component left out of the path, hash included (`Default`).
HIDDEN_ID = "Default"
#: A component left out of the human part only (`Resource`).
HIDDEN_FROM_HUMAN_ID = "Resource"
HASH_LEN = 8
MAX_HUMAN_LEN = 240
#: A one-component path longer than this (once stripped) is hashed like any other.
MAX_ID_LEN = 255
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def unique_id(components: Sequence[str]) -> str:
    """The logical ID CDK gives the resource at `components` (its path below its stack)."""
    path = [c for c in components if c != HIDDEN_ID]
    if not path:
        raise ValueError("a logical ID needs a path of at least one component but Default")
    if any(has_token(c) for c in path):
        raise ValueError(f"a logical ID's path may not hold a token: {'/'.join(path)}")
    if len(path) == 1 and len(candidate := _alphanumeric(path[0])) <= MAX_ID_LEN:
        return candidate
    digest = hashlib.md5("/".join(path).encode("utf-8"), usedforsecurity=False).hexdigest()
    human = "".join(_alphanumeric(c) for c in _without_repeats(path) if c != HIDDEN_FROM_HUMAN_ID)
    return human[:MAX_HUMAN_LEN] + digest[:HASH_LEN].upper()


def top_level(scope: IConstruct, *path: str) -> tuple[Stack, str]:
    """Where to make a resource that would be at `path` below `scope`, and its construct ID.

    The resource is made in `scope`'s stack under the logical ID it would have
    at `path`: the same template, one construct (one jsii request) instead of
    one for every component of `path`. Its construct path, and so its
    `aws:cdk:path` metadata when `cdk synth` writes it, is `<stack>/<that ID>`.
    """
    stack = stack_of(scope)
    return stack, unique_id([*path_in_stack(scope), *path])


def _alphanumeric(component: str) -> str:
    return _NOT_ALPHANUMERIC.sub("", component)


def _without_repeats(path: Sequence[str]) -> list[str]:
    """`path` without each component that the one kept before it ends with (as CDK does)."""
    kept: list[str] = []
    for component in path:
        if not kept or not kept[-1].endswith(component):
            kept.append(component)
    return kept
