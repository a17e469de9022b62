"""What Python already knows of a construct, so as not to ask JavaScript again.

Every read of a CDK object from Python (a property, `Stack.of`) is a request
to jsii's Node process. A construct's stack and its token-valued attributes
(`topic_arn`, `cluster_name`, ...) never change once it exists, so each is
read at most once and kept here, by the Python object (weakly: nothing is
kept alive for it). `place` records, without a request, that a construct made
in a scope whose stack is known is in that stack (and, given its ID, where in it: `path_in_stack`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any, ParamSpec, TypeVar, cast
from weakref import WeakKeyDictionary

from aws_cdk import App, Aws, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

P = ParamSpec("P")
T = TypeVar("T")
#: The `cache_clear` of every function `made_once` wraps.
_MADE_ONCE: list[Callable[[], None]] = []
#: The longest stack name CDK gives a stack its ID as it is (`makeStackName`).
MAX_STACK_NAME = 128
_STACKS: WeakKeyDictionary[Any, Stack] = WeakKeyDictionary()
_READ: WeakKeyDictionary[Any, dict[str, object]] = WeakKeyDictionary()
_PATHS: WeakKeyDictionary[Any, tuple[str, ...]] = WeakKeyDictionary()
#: How CDK begins a string token (`BEGIN_STRING_TOKEN_MARKER` of its encoding).
_TOKEN_START = "${Token["
#: A whole string token: the start, a key of CDK's `VALID_KEY_CHARS`, `END_TOKEN_MARKER`.
_STRING_TOKEN = re.compile("(" + re.escape(_TOKEN_START) + r"[a-zA-Z0-9:._-]+\]\})")


def stack_of(construct: IConstruct) -> Stack:
    """`Stack.of(construct)`, asked of JavaScript only the first time."""
    if isinstance(construct, Stack):
        return construct
    found = _STACKS.get(construct)
    if found is None:
        found = _STACKS[construct] = Stack.of(construct)
    return found


def place(construct: IConstruct, scope: IConstruct, id_: str | None = None) -> None:
    """Record that `construct` (made in `scope`) is in `scope`'s stack: free when that is known.

    With its construct ID `id_`, also where it is in that stack, when that is
    known of `scope` (a stack, or a construct placed with its ID).
    """
    _STACKS[construct] = stack_of(scope)
    if id_ is not None:
        above = () if isinstance(scope, Stack) else _PATHS.get(scope)
        if above is not None:
            _PATHS[construct] = (*above, id_)


def path_in_stack(construct: IConstruct) -> tuple[str, ...]:
    """The IDs of the path from `construct`'s stack down to it (none for the stack itself).

    Free for a stack and for a construct placed with its ID (`place`); read
    from JavaScript once otherwise.
    """
    if isinstance(construct, Stack):
        return ()
    found = _PATHS.get(construct)
    if found is None:
        stack_path = stack_of(construct).node.path
        found = _PATHS[construct] = tuple(construct.node.path[len(stack_path) + 1 :].split("/"))
    return found


def name_known(stack: Stack, scope: IConstruct, id_: str, stack_name: str | None) -> None:
    """Record `stack`'s name when Python knows it: `stack_name`, else, for a stack at the
    top of an App, its ID (CDK's name for it, `makeStackName` of one component)."""
    if stack_name is None and isinstance(scope, App) and len(id_) <= MAX_STACK_NAME:
        stack_name = id_
    if stack_name is not None:
        remember(stack, "stack_name", stack_name)


def remember(obj: object, attribute: str, value: object) -> None:
    """Record `obj.<attribute>` as Python made it (the cluster it gave a service, say)."""
    _READ.setdefault(obj, {})[attribute] = value


def recall(obj: object, attribute: str) -> object:
    """`obj.<attribute>`, read from JavaScript only the first time (or as remembered)."""
    known = _READ.setdefault(obj, {})
    if attribute not in known:
        known[attribute] = getattr(obj, attribute)
    return known[attribute]


def read_once(obj: object, attribute: str) -> str:
    """`obj.<attribute>` (a token or a name), read from JavaScript only the first time."""
    value = recall(obj, attribute)
    if not isinstance(value, str):
        raise TypeError(f"{type(obj).__name__}.{attribute} is not a string: {value!r}")
    return value


def made_once(function: Callable[P, T]) -> Callable[P, T]:
    """`functools.cache` for a function that makes a CDK value object (a Duration, a
    principal, a placement strategy): made once a process, shared by every construct."""
    cached = cache(function)
    _MADE_ONCE.append(cached.cache_clear)
    return cast(Callable[P, T], cached)


def forget() -> None:
    """Empty every `made_once` cache: the next app makes its value objects afresh.

    For a process that builds several apps and counts each one's requests
    (bench/count.py): `cdk synth` builds one app a process.
    """
    for clear in _MADE_ONCE:
        clear()


@made_once
def region() -> str:
    """`Aws.REGION`, the deploying region's token (a static of the CDK: read once a process)."""
    return Aws.REGION


def has_token(value: str) -> bool:
    """Whether `value` holds a CDK token (`Token.is_unresolved` without asking): CDK writes
    a string token `${Token[...]}`."""
    return _TOKEN_START in value


def token_parts(value: str) -> list[str]:
    """`value` cut into its text and its string tokens, in order, none empty (`[value]`
    when it holds no token; `[]` for "").

    `Fn.join("", token_parts(value))` writes what `value` would (the same
    `Fn::Join`, its texts merged as CDK merges them) in one pass: CDK joins a
    string's fragments two at a time, each join copying and checking the parts
    so far, which is quadratic in the string's tokens. A token this misses
    (a number token, a format CDK has changed) stays inside its text, where
    CDK still resolves it: the template is the same either way, only slower.
    """
    return [part for part in _STRING_TOKEN.split(value) if part]


@made_once
def service_principal(service: str) -> iam.ServicePrincipal:
    """The principal of an AWS service (`ec2.amazonaws.com`): one object a process, shared."""
    return iam.ServicePrincipal(service)
