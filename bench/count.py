"""Counts the jsii requests of a synthesis, per stack, by wrapping the jsii kernel's provider.

    .venv/bin/python bench/count.py [APP_DIR] [--json]   # default: the bundled example

Every call from Python into the CDK (creating an object, invoking a method,
reading a property, a static call) is one request to the Node process that
jsii runs, and one round trip. `RequestCounter` wraps the kernel's provider
(the object that sends them), records each request and passes it on unchanged;
it is installed only inside `counting()`, never on the normal synth path.
`count_app` synthesizes one app in-process as `exo-cdk`'s `app.py` does
(`new_app`, `build` with the default rule packs, `synth`) and returns the
requests per stack, from a clean slate (`exosphere_constructs.known.forget`: the
value objects an earlier app made are made again, as in a fresh process). The
method of attribution is in bench/run.py's docstring.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import jsii._runtime
from jsii._kernel.providers import BaseProvider
from jsii._kernel.types import (
    BeginRequest,
    BeginResponse,
    Callback,
    CallbacksRequest,
    CallbacksResponse,
    CompleteRequest,
    CompleteResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DeleteResponse,
    EndRequest,
    EndResponse,
    GetRequest,
    GetResponse,
    GetScriptCommandRequest,
    GetScriptCommandResponse,
    InvokeRequest,
    InvokeResponse,
    KernelResponse,
    LoadRequest,
    LoadResponse,
    ObjRef,
    SetRequest,
    SetResponse,
    StaticBeginRequest,
    StaticGetRequest,
    StaticInvokeRequest,
    StaticSetRequest,
    StatsRequest,
    StatsResponse,
)

#: The buckets that are no stack: the App and what belongs to no stack, and `app.synth()`.
APP, SYNTH = "(app)", "(synth)"
#: The kinds of request, in the order tables show them.
KINDS = (
    "create",
    "invoke",
    "get",
    "set",
    "static invoke",
    "static get",
    "static set",
    "callback",
    "other",
)
#: Issue 20's budgets, in jsii requests, for the bundled example (manifests/hello), checked
#: by tests/bench/test_budget.py and bench/run.py: each service stack by its kind, at what it
#: takes (the issue's bar: 30 each; the alarms and the alias record are made at their stack's
#: top level under the logical IDs they would have deeper, one request each: see
#: exosphere_constructs.logical_id), and the shared stacks together: half of the 629 they took
#: before the issue.
SERVICE_BUDGET = {"private service": 19, "public service": 30}
SHARED_BUDGET = 314  # bench/run.py's SHARED_BEFORE (629) halved
#: The shared stacks' kinds.
SHARED_KINDS = ("network", "dns", "platform", "exocom", "monitoring")
#: The packages whose frames are "our code" (the app builder and the construct library).
OUR_PACKAGES = ("exosphere_cdk", "exosphere_constructs")


@dataclass(frozen=True)
class Request:
    """One request: the stack it is counted to, its kind, what it calls, and from where."""

    stack: str
    kind: str
    #: The CDK class and member: `create aws_cloudwatch.Alarm`, `get aws_ecs.Ec2Service.cluster`.
    target: str
    #: The innermost frame of our code that made it: `exosphere_constructs/log_group.py:LogGroup`.
    site: str


def _fqn(name: str) -> str:
    """A jsii type name, shorter: `aws_ecs.Ec2Service` for `aws-cdk-lib.aws_ecs.Ec2Service`."""
    return name.removeprefix("aws-cdk-lib.")


def _ref_type(ref: ObjRef) -> str:
    return _fqn(ref.ref.rsplit("@", 1)[0])


def _ref_of(value: object) -> str | None:
    ref = getattr(value, "__jsii_ref__", None)
    return ref.ref if isinstance(ref, ObjRef) else None


def _our_roots() -> tuple[str, ...]:
    import exosphere_cdk  # noqa: PLC0415 - the roots of the checkout being measured
    import exosphere_constructs  # noqa: PLC0415

    return tuple(
        str(Path(module.__file__ or "").resolve().parent) + "/"
        for module in (exosphere_cdk, exosphere_constructs)
    )


class RequestCounter(BaseProvider):
    """A provider that records every request, attributed to a stack, and forwards it."""

    def __init__(self, inner: BaseProvider) -> None:
        from aws_cdk import Stack  # noqa: PLC0415 - only a counting run loads the CDK here

        self.inner, self.stack_type = inner, Stack
        self.roots = _our_roots()
        #: The wiring: its functions pass the stacks to one another, and work on none (rule 2).
        self.wiring = self.roots[0] + "stacks/app_stacks.py"
        self.records: list[Request] = []
        #: When set, every request is counted to this bucket (APP, SYNTH) whatever made it.
        self.phase: str | None = None
        #: The stack of every object created from Python in a stack (by jsii reference).
        self.placed: dict[str, str] = {}
        #: Requests no rule placed yet: counted with the next request that is placed.
        self.held: list[tuple[str, str, str]] = []
        #: The stacks of the creates under way (a create may call back into Python).
        self.creating: list[str | None] = []

    # ------------------------------------------------------------ attribution

    def attribute(self, kind: str, target: str, scope: object | None, obj: ObjRef | None) -> None:
        """Record one request; `scope`: a create's first argument; `obj`: the object called.

        The rules (1 to 4) are those of bench/run.py's docstring.
        """
        constructing: str | None = None
        named: str | None = None
        site = "-"
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            code = frame.f_code
            ours = code.co_filename.startswith(self.roots)
            if ours and site == "-":
                root = next(r for r in self.roots if code.co_filename.startswith(r))
                site = f"{Path(root).name}/{code.co_filename[len(root) :]}:{code.co_qualname}"
            if constructing is None and code.co_name == "__init__":
                constructing = self.constructing(frame)
            if ours and constructing is None and code.co_filename != self.wiring:
                named = self.named(frame) or named  # the outermost call wins
            frame = frame.f_back
        stack = self.phase or constructing or named  # a phase, rule 1, rule 2
        if stack is None and scope is not None:  # rule 3: a create in a placed scope
            stack = self.placed.get(_ref_of(scope) or "")
        if stack is None and obj is not None and kind != "get":  # rule 3: a call on one
            stack = self.placed.get(obj.ref)
        if kind == "create":
            self.creating.append(stack if stack not in (APP, SYNTH) else None)
        if stack is None:  # rule 4: held until the next request that is placed
            self.held.append((kind, target, site))
            return
        for held in self.held:
            self.records.append(Request(stack, *held))
        self.held.clear()
        self.records.append(Request(stack, kind, target, site))

    def constructing(self, frame: FrameType) -> str | None:
        """The stack a `__init__` frame constructs, if its `self` is a Stack: its construct id."""
        this = frame.f_locals.get("self")
        code = frame.f_code
        if not isinstance(this, self.stack_type) or code.co_argcount < 3:
            return None
        construct_id = frame.f_locals.get(code.co_varnames[2])  # (self, scope, id, ...)
        return construct_id if isinstance(construct_id, str) else None

    def named(self, frame: FrameType) -> str | None:
        """The stack of the first argument of `frame`'s call (self first) placed in a stack."""
        code = frame.f_code
        local = frame.f_locals
        for name in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]:
            stack = self.placed.get(_ref_of(local.get(name)) or "")
            if stack is not None:
                return stack
        return None

    def created(self, response: object) -> None:
        """A create has returned: its object belongs to the stack its request was counted to."""
        if isinstance(response, Callback) or not self.creating:
            return
        stack = self.creating.pop()
        if stack is not None and isinstance(response, ObjRef):
            self.placed[response.ref] = stack

    def finish(self) -> None:
        """Count what is still held (made after the last stack was built) to the App."""
        for held in self.held:
            self.records.append(Request(APP, *held))
        self.held.clear()

    # ------------------------------------------------------------ the provider

    def load(self, request: LoadRequest) -> LoadResponse:
        self.attribute("other", f"load {request.name}", None, None)
        return self.inner.load(request)

    def getScriptCommand(  # noqa: N802 - jsii's name
        self, request: GetScriptCommandRequest
    ) -> GetScriptCommandResponse:
        self.attribute("other", "getScriptCommand", None, None)
        return self.inner.getScriptCommand(request)

    def create(self, request: CreateRequest) -> CreateResponse:
        scope = request.args[0] if request.args else None
        self.attribute("create", f"create {_fqn(request.fqn)}", scope, None)
        response = self.inner.create(request)
        self.created(response)
        return response

    def get(self, request: GetRequest) -> GetResponse:
        target = f"get {_ref_type(request.objref)}.{request.property}"
        self.attribute("get", target, None, request.objref)
        return self.inner.get(request)

    def set(self, request: SetRequest) -> SetResponse:
        target = f"set {_ref_type(request.objref)}.{request.property}"
        self.attribute("set", target, None, request.objref)
        return self.inner.set(request)

    def sget(self, request: StaticGetRequest) -> GetResponse:
        self.attribute(
            "static get", f"static get {_fqn(request.fqn)}.{request.property}", None, None
        )
        return self.inner.sget(request)

    def sset(self, request: StaticSetRequest) -> SetResponse:
        self.attribute(
            "static set", f"static set {_fqn(request.fqn)}.{request.property}", None, None
        )
        return self.inner.sset(request)

    def invoke(self, request: InvokeRequest) -> InvokeResponse | Callback:
        target = f"invoke {_ref_type(request.objref)}.{request.method}"
        self.attribute("invoke", target, None, request.objref)
        return self.inner.invoke(request)

    def sinvoke(self, request: StaticInvokeRequest) -> InvokeResponse:
        target = f"static invoke {_fqn(request.fqn)}.{request.method}"
        self.attribute("static invoke", target, None, None)
        return self.inner.sinvoke(request)

    def delete(self, request: DeleteRequest) -> DeleteResponse:
        self.attribute("other", "delete", None, request.objref)
        return self.inner.delete(request)

    def begin(self, request: BeginRequest) -> BeginResponse:
        self.attribute("other", f"begin {_ref_type(request.objref)}.{request.method}", None, None)
        return self.inner.begin(request)

    def sbegin(self, request: StaticBeginRequest) -> BeginResponse:
        self.attribute("other", f"static begin {_fqn(request.fqn)}.{request.method}", None, None)
        return self.inner.sbegin(request)

    def end(self, request: EndRequest) -> EndResponse:
        self.attribute("other", "end", None, None)
        return self.inner.end(request)

    def callbacks(self, request: CallbacksRequest) -> CallbacksResponse:
        self.attribute("other", "callbacks", None, None)
        return self.inner.callbacks(request)

    def complete(self, request: CompleteRequest) -> CompleteResponse:
        self.attribute("callback", "complete", None, None)
        return self.inner.complete(request)

    def sync_complete(
        self, request: CompleteRequest, response_type: type[KernelResponse]
    ) -> InvokeResponse | GetResponse:
        # The answer to a callback from JavaScript (an aspect's visit, a plugin's validate).
        self.attribute("callback", "callback", None, None)
        response = self.inner.sync_complete(request, response_type)
        if response_type is CreateResponse:
            self.created(response)
        return response

    def stats(self, request: StatsRequest | None = None) -> StatsResponse:
        self.attribute("other", "stats", None, None)
        return self.inner.stats(request)


@contextmanager
def counting() -> Iterator[RequestCounter]:
    """Count every jsii request made inside the block (the kernel's provider, wrapped)."""
    kernel = jsii._runtime.kernel
    inner = kernel.provider
    counter = RequestCounter(inner)
    kernel.provider = counter
    try:
        yield counter
    finally:
        kernel.provider = inner
        counter.finish()


# ---------------------------------------------------------------- an app's counts


@dataclass
class StackRequests:
    """The requests counted to one stack (or bucket): by kind, by CDK member, by our code."""

    name: str
    #: network, dns, platform, exocom, monitoring, public service, private service, or a bucket.
    kind: str
    requests: Counter[str] = field(default_factory=Counter)
    targets: Counter[str] = field(default_factory=Counter)
    sites: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "requests": dict(self.requests),
            "targets": dict(self.targets),
            "sites": dict(self.sites),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StackRequests:
        return cls(
            data["name"],
            data["kind"],
            Counter(data["requests"]),
            Counter(data["targets"]),
            Counter(data["sites"]),
        )


def tally(records: Sequence[Request], kinds: dict[str, str]) -> dict[str, StackRequests]:
    """The records per stack, in the order of `kinds` (stack name: its kind), buckets last."""
    stacks = {name: StackRequests(name, kind) for name, kind in kinds.items()}
    for bucket in (APP, SYNTH):
        stacks[bucket] = StackRequests(bucket, bucket)
    for record in records:
        stack = stacks.setdefault(record.stack, StackRequests(record.stack, "?"))
        stack.requests[record.kind] += 1
        stack.targets[record.target] += 1
        stack.sites[record.site] += 1
    return stacks


def count_app(
    app_dir: Path | None, outdir: Path, *, env: str = "production"
) -> dict[str, StackRequests]:
    """Synthesize the app in `app_dir` (default: the bundled example) into `outdir`, counting.

    As `cdk synth` without `-c` keys: cdk.json's context, the default rule
    packs. Loading the modules is not counted (it happens once a process,
    whatever the app): the stacks' modules are imported first.
    """
    import exosphere_cdk.stacks  # noqa: F401, PLC0415 - imported before counting
    from exosphere_cdk.manifest.design import derive  # noqa: PLC0415
    from exosphere_cdk.manifest.load.eras import load_directory  # noqa: PLC0415
    from exosphere_cdk.manifest.model.constraints import STACK_PARTS  # noqa: PLC0415
    from exosphere_cdk.synth import DEFAULT_APP, build, new_app  # noqa: PLC0415
    from exosphere_constructs.known import forget  # noqa: PLC0415

    forget()  # as in a fresh process: value objects another app made are not reused
    app = load_directory(app_dir or DEFAULT_APP, env)
    shared = set(derive.shared_stack_names(app))
    kinds = {name: part for part in STACK_PARTS if (name := derive.stack_name(app, part)) in shared}
    for svc in app.services:
        kinds[derive.stack_name(app, svc.role)] = f"{'public' if svc.public else 'private'} service"
    with counting() as counter:
        counter.phase = APP
        scope = new_app(outdir=outdir)
        counter.phase = None
        build(scope, app)
        counter.finish()
        counter.phase = SYNTH
        scope.synth()
    return tally(counter.records, kinds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Count the jsii requests of one synthesis.")
    parser.add_argument("app", nargs="?", type=Path, help="the app folder (default: the example)")
    parser.add_argument("--out", type=Path, help="the cloud assembly folder (default: temporary)")
    parser.add_argument("--json", action="store_true", help="print every stack's counts as JSON")
    parser.add_argument(
        "--profile",
        metavar="STACK",
        action="append",
        default=[],
        help="also print where a stack's requests go (a stack name, or a kind: the first of it)",
    )
    parser.add_argument("--top", type=int, default=15, help="rows of each profile")
    args = parser.parse_args(argv)
    import tempfile  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="exosphere-count-") as tmp:
        stacks = count_app(args.app, args.out or Path(tmp))
    if args.json:
        print(json.dumps([stack.as_json() for stack in stacks.values()]))
        return 0
    for wanted in args.profile:
        found = stacks.get(wanted) or next((s for s in stacks.values() if s.kind == wanted), None)
        if found is None:
            parser.error(f"--profile {wanted}: no such stack or kind")
        print(f"{found.name} ({found.kind}): {found.total} requests")
        for title, counts in (("by CDK member", found.targets), ("by our code", found.sites)):
            print(f"  {title}:")
            for what, n in counts.most_common(args.top):
                print(f"    {n:5d}  {what}")
    for stack in stacks.values():
        kinds = ", ".join(f"{k} {stack.requests[k]}" for k in KINDS if stack.requests[k])
        print(f"{stack.name} ({stack.kind}): {stack.total} ({kinds})")
    print(f"total: {sum(s.total for s in stacks.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
