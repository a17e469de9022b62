"""jsii's Node started, and the CDK modules a synthesis uses loaded in it, while Python imports.

A synthesis alternates between two processes that never work at once: Python
(importing the CDK's bindings, about a second; building the stacks) and jsii's
Node (starting, loading the CDK's libraries, requiring each CDK module's
JavaScript the first time a class of it is used, about a second for the
modules below). `start()` puts the Node half of the start-up on a thread of its
own, so that on a machine with two cores it runs while the main thread imports
the manifest code, the stacks and the CDK's Python modules:

1. `import aws_cdk` (jsii starts its Node and loads the CDK's libraries) and
   `import cdk_nag` (its library);
2. for each module of `MODULES` one static read (`CFN_RESOURCE_TYPE_NAME` of
   one of its L1 classes), which makes Node require that module's JavaScript
   (and what it requires) ahead of the first construct of it; then of
   `NAG_MODULES`, ahead of cdk-nag's first rule that tests for one, but only
   in a kernel jsii starts itself: one of `kernel.start()` loads those only for
   resources of them (`kernel_nag_modules.cjs`), which an app of ours has none
   of; then region-info's facts (`REGION_FACTS`) and the file of each L2 class
   of `CLASSES` (its `PROPERTY_INJECTION_ID`), ahead of the first stack.

Nothing is built and nothing is read back but those strings: the templates are
the same with or without it. While the thread runs, every request to jsii's
kernel is made under one lock, so a request of the main thread (a CDK value
made when one of our modules is imported, then the stacks' constructs) waits for
the thread's request in flight instead of crossing it on the pipe, and goes
before the thread's next one: the thread's reads fill the time the kernel would
wait for the main thread, and its last ones may run while the stacks are built.
The thread imports only `aws_cdk` and `cdk_nag`, which the main thread waits for
as for any module being imported; never a module the main thread may be
importing at the same time.
The thread takes the lock away once it has made its last read, and
`Warmup.finish()` waits for it; a failure of the thread is not reported (the
main thread meets the same error on its own).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

#: The CDK modules whose JavaScript every app's synthesis requires, each with one of its L1
#: classes: what the stacks and constructs import from aws_cdk but those of NAG_MODULES
#: (tests/test_warmup.py holds the lists together).
MODULES: dict[str, str] = {
    "aws_autoscaling": "CfnAutoScalingGroup",
    "aws_certificatemanager": "CfnCertificate",
    "aws_cloudwatch": "CfnAlarm",
    "aws_ec2": "CfnVPC",
    "aws_ecs": "CfnCluster",
    "aws_elasticloadbalancingv2": "CfnLoadBalancer",
    "aws_iam": "CfnRole",
    "aws_kms": "CfnKey",
    "aws_logs": "CfnLogGroup",
    "aws_route53": "CfnHostedZone",
    "aws_servicediscovery": "CfnPrivateDnsNamespace",
    "aws_sns": "CfnTopic",
}
#: The CDK modules whose L1 classes the rules of cdk-nag's AwsSolutions pack test resources
#: against (`node instanceof CfnDataSource`): under jsii's own start, the first test of each
#: rule requires its module's JavaScript, for every app. Each with a class its rules use
#: (tests/test_warmup.py reads them from cdk-nag's own library).
NAG_MODULES: dict[str, str] = {
    "aws_apigateway": "CfnStage",
    "aws_apigatewayv2": "CfnStage",
    "aws_applicationautoscaling": "CfnScalableTarget",
    "aws_appsync": "CfnGraphQLApi",
    "aws_backup": "CfnBackupSelection",
    "aws_cloud9": "CfnEnvironmentEC2",
    "aws_cloudfront": "CfnDistribution",
    "aws_codebuild": "CfnProject",
    "aws_cognito": "CfnUserPool",
    "aws_dax": "CfnCluster",
    "aws_docdb": "CfnDBCluster",
    "aws_dynamodb": "CfnTable",
    "aws_ecr": "CfnRegistryPolicy",
    "aws_efs": "CfnFileSystem",
    "aws_eks": "CfnCluster",
    "aws_elasticache": "CfnReplicationGroup",
    "aws_elasticbeanstalk": "CfnEnvironment",
    "aws_elasticloadbalancing": "CfnLoadBalancer",
    "aws_elasticsearch": "CfnDomain",
    "aws_emr": "CfnCluster",
    "aws_events": "CfnEventBusPolicy",
    "aws_glue": "CfnJob",
    "aws_kinesis": "CfnStream",
    "aws_kinesisanalytics": "CfnApplicationV2",
    "aws_kinesisfirehose": "CfnDeliveryStream",
    "aws_lambda": "CfnFunction",
    "aws_lex": "CfnBotAlias",
    "aws_mediastore": "CfnContainer",
    "aws_msk": "CfnCluster",
    "aws_neptune": "CfnDBCluster",
    "aws_opensearchservice": "CfnDomain",
    "aws_quicksight": "CfnDataSource",
    "aws_rds": "CfnDBInstance",
    "aws_redshift": "CfnCluster",
    "aws_s3": "CfnBucket",
    "aws_sagemaker": "CfnNotebookInstance",
    "aws_sam": "CfnApi",
    "aws_secretsmanager": "CfnSecret",
    "aws_sqs": "CfnQueue",
    "aws_stepfunctions": "CfnStateMachine",
    "aws_timestream": "CfnDatabase",
    "aws_wafv2": "CfnWebACLAssociation",
}
#: The L2 classes the stacks make for every app, in the order a synthesis first makes them.
#: A module's L2 classes are required one file at a time, on first use: one static read of
#: each (`PROPERTY_INJECTION_ID`, its name) requires its file ahead of the first construct.
#: (tests/test_warmup.py checks them against every example's construct tree.)
CLASSES: tuple[str, ...] = (
    "aws_kms.Key",
    "aws_kms.Alias",
    "aws_ec2.Vpc",
    "aws_logs.LogGroup",
    "aws_ec2.FlowLog",
    "aws_iam.Role",
    "aws_iam.Policy",
    "aws_s3.Bucket",
    "aws_s3.BucketPolicy",
    "aws_sns.Topic",
    "aws_sns.TopicPolicy",
    "aws_ecs.Cluster",
    "aws_ec2.SecurityGroup",
    "aws_ec2.LaunchTemplate",
    "aws_autoscaling.AutoScalingGroup",
    "aws_ecs.AsgCapacityProvider",
    "aws_elasticloadbalancingv2.ApplicationLoadBalancer",
    "aws_elasticloadbalancingv2.ApplicationListener",
    "aws_servicediscovery.PrivateDnsNamespace",
    "aws_ecs.Ec2TaskDefinition",
    "aws_ecs.ContainerDefinition",
    "aws_ecs.Ec2Service",
    "aws_servicediscovery.Service",
    "aws_elasticloadbalancingv2.ApplicationTargetGroup",
)
#: The read that loads region-info's facts (1.3 MB of JavaScript registering every region's),
#: which the first stack with a region needs for its partition.
REGION_FACTS = ("region_info.FactName", "PARTITION")
#: The jsii assembly of aws_cdk: the first part of every type's name in jsii's kernel.
ASSEMBLY = "aws-cdk-lib"
#: The provider methods that send a request to jsii's Node (jsii's BaseProvider).
REQUESTS = (
    "load",
    "getScriptCommand",
    "create",
    "get",
    "set",
    "sget",
    "sset",
    "invoke",
    "sinvoke",
    "complete",
    "sync_complete",
    "delete",
    "begin",
    "sbegin",
    "end",
    "callbacks",
    "stats",
)


class Warmup:
    """The thread of `start()`; `finish()` before the first construct is made."""

    def __init__(self, provider: Any, reads: list[tuple[str, str]]) -> None:
        self._provider = provider
        self._reads = reads  # (type, static property), the type without ASSEMBLY
        #: One request to the kernel at a time; the main thread's before the warm-up's.
        self._turn = threading.Condition()
        self._owner: int | None = None  # the thread whose request is in flight
        self._depth = 0  # its requests in flight (a callback's answer is one more)
        self._waiting = 0  # requests of other threads than the warm-up's, waiting
        self._thread = threading.Thread(target=self._run, name="exo-cdk-warmup", daemon=True)
        #: The static reads made, in order, as (type, value): for the tests.
        self.read: list[tuple[str, str]] = []

    def start(self) -> Warmup:
        self.lock()
        self._thread.start()
        return self

    def lock(self) -> None:
        """Every request to the kernel made under the lock, until `finish()`."""
        for name in REQUESTS:
            method = getattr(self._provider, name, None)
            if method is not None:
                setattr(self._provider, name, self._locked(method))

    def finish(self) -> None:
        """Wait for the thread (if started); the kernel's requests go unlocked again."""
        if self._thread.ident is not None:
            self._thread.join()
        self.unlock()

    def unlock(self) -> None:
        """The kernel's requests unlocked: the thread has made its last (a request in flight
        under the lock ends as it began)."""
        for name in REQUESTS:
            self._provider.__dict__.pop(name, None)

    def _locked(self, method: Any) -> Any:
        def locked(*args: Any, **kwargs: Any) -> Any:
            self._acquire()
            try:
                return method(*args, **kwargs)
            finally:
                self._release()

        return locked

    def _acquire(self) -> None:
        """The kernel for this thread's request: once no other thread's is in flight and, for
        the warm-up's, none of another thread waits (its reads fill the kernel's idle time)."""
        me = threading.get_ident()
        warm = me == self._thread.ident
        with self._turn:
            if self._owner == me:  # a request made while answering a callback
                self._depth += 1
                return
            if not warm:
                self._waiting += 1
            try:
                while self._owner is not None or (warm and self._waiting):
                    self._turn.wait()
            finally:  # also when the wait is interrupted (Ctrl-C): the warm-up must not wait on
                if not warm:
                    self._waiting -= 1
                    self._turn.notify_all()
            self._owner, self._depth = me, 1

    def _release(self) -> None:
        with self._turn:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._turn.notify_all()

    def _run(self) -> None:
        try:
            import aws_cdk  # noqa: F401, PLC0415 - jsii starts its Node and loads the CDK
            import cdk_nag  # noqa: F401, PLC0415 - and cdk-nag's library
            import jsii  # noqa: PLC0415

            for name, static in self._reads:
                fqn = f"{ASSEMBLY}.{name}"
                # jsii.sget reads `__jsii_type__` of the class it is given: the name alone
                # does, without importing the module's Python bindings on this thread.
                value = jsii.sget(type("Read", (), {"__jsii_type__": fqn}), static)
                self.read.append((fqn, str(value)))
        except Exception:  # the main thread meets it again, and reports it
            pass
        finally:  # no other thread's request to wait for: the main thread's go unlocked
            self.unlock()


def start() -> Warmup | None:
    """The warm-up started, when jsii's Node is not running yet (else None: nothing to gain)."""
    if "aws_cdk" in sys.modules:
        return None
    import jsii  # noqa: PLC0415 - before the thread, so both threads share one import of it

    from exosphere_cdk import kernel  # noqa: PLC0415

    return Warmup(jsii.kernel.provider, reads(nag_modules=not kernel.installed())).start()


def reads(*, nag_modules: bool) -> list[tuple[str, str]]:
    """The warm-up's reads, in order: MODULES, NAG_MODULES (`nag_modules`: a kernel of
    kernel.start() loads those only for resources of them), region-info, CLASSES."""
    modules = {**MODULES, **NAG_MODULES} if nag_modules else MODULES
    l1 = [(f"{module}.{cfn}", "CFN_RESOURCE_TYPE_NAME") for module, cfn in modules.items()]
    return [*l1, REGION_FACTS, *((name, "PROPERTY_INJECTION_ID") for name in CLASSES)]
