"""cdk-nag's rules in jsii's kernel: the CDK modules they test for loaded only once needed.

`exosphere_cdk/kernel_nag_modules.cjs`, which `kernel.start()` loads into every kernel it
starts: first against a small stand-in of aws-cdk-lib and cdk-nag (what is loaded when,
and what `instanceof` answers), then through the real kernel against jsii's own start
(the same findings of cdk-nag's rules).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from exosphere_cdk import kernel
from exosphere_cdk.reporting import jsii_node
from tests.conftest import run_probe

RTTI = "Symbol.for('jsii.rtti')"

#: A module of the stand-in aws-cdk-lib: an L1 class carrying its jsii name, its load recorded.
MODULE = """

globalThis.loads.push('{name}');
class CfnThing {{ static [{rtti}] = {{ fqn: 'aws-cdk-lib.{jsii}.CfnThing', version: '2' }}; }}
exports.CfnThing = CfnThing;
exports.Mode = {{ A: 'a' }};
exports.CfnThing.TYPE = 'AWS::{name}::Thing';
"""

#: The stand-in cdk-nag: a rule of each kind cdk-nag has, and what else it may ask for.
RULE = """
const { Stack } = require('aws-cdk-lib');
const fake = require('aws-cdk-lib/aws-fake');
exports.rule = (node) => node instanceof fake.CfnThing;
exports.mode = () => fake.Mode.A;
exports.type = () => fake.CfnThing.TYPE;
exports.keys = () => Object.keys(fake).sort();
exports.Stack = Stack;
"""

#: Each scenario, in a fresh Node: what the rule answered, and the modules loaded by then.
MAIN = """
globalThis.loads = [];
const nag = require("cdk-nag/lib/rule.js");
const out = { loadedByNag: [...globalThis.loads] };
const scenario = process.argv[2];
if (scenario === 'unrelated') {
  const other = require('aws-cdk-lib/aws-other');
  out.answers = [nag.rule(new other.CfnThing()), nag.rule({}), nag.rule(null), nag.rule(5),
                 nag.rule(Object.create(null)), nag.rule(() => 1)];
} else if (scenario === 'instances') {
  const fake = require('aws-cdk-lib/aws-fake');  // a file outside cdk-nag: the real module
  class Sub extends fake.CfnThing {}
  out.real = fake.CfnThing.name === 'CfnThing' && !('then' in fake);
  out.answers = [nag.rule(new fake.CfnThing()), nag.rule(new Sub()), nag.rule({})];
} else if (scenario === 'mode') {
  out.answers = [nag.mode()];
} else if (scenario === 'static') {
  out.answers = [nag.type()];
} else if (scenario === 'keys') {
  out.answers = nag.keys();
} else if (scenario === 'core') {
  out.answers = [nag.Stack === require('aws-cdk-lib').Stack];
}
out.loads = globalThis.loads;
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as jsii's kernel lays its libraries out: node_modules of both."""
    root = tmp_path_factory.mktemp("kernel")
    lib = root / "node_modules" / "aws-cdk-lib"
    for name in ("fake", "other"):
        folder = lib / f"aws-{name}"
        folder.mkdir(parents=True)
        (folder / "index.js").write_text(MODULE.format(name=name, jsii=f"aws_{name}", rtti=RTTI))
    (lib / "index.js").write_text("exports.Stack = class Stack {};\n")
    exports = {".": "./index.js", "./aws-fake": "./aws-fake/index.js"}
    exports["./aws-other"] = "./aws-other/index.js"
    (lib / "package.json").write_text(json.dumps({"name": "aws-cdk-lib", "exports": exports}))
    nag = root / "node_modules" / "cdk-nag" / "lib"
    nag.mkdir(parents=True)
    (nag / "rule.js").write_text(RULE)
    (root / "main.js").write_text(MAIN)
    return root


def _run(libraries: Path, scenario: str, *, preload: bool = True) -> dict[str, Any]:
    flags = ["--preserve-symlinks"] + (["--require", str(kernel.NAG_PRELOAD)] if preload else [])
    result = subprocess.run(
        [jsii_node(), *flags, "main.js", scenario],
        cwd=libraries,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_a_rule_loads_no_module_for_resources_of_other_modules(libraries: Path) -> None:
    out = _run(libraries, "unrelated")
    assert out["loadedByNag"] == []
    # A same-named class of another module, plain objects, no object: not instances; the
    # rule's module never loaded.
    assert out["answers"] == [False] * 6
    assert out["loads"] == ["other"]
    # Without the preload, the rule's own require loads its module at once.
    assert _run(libraries, "unrelated", preload=False)["loadedByNag"] == ["fake"]


def test_instances_of_the_class_and_of_its_subclasses_are_instances(libraries: Path) -> None:
    out = _run(libraries, "instances")
    assert out["real"] is True
    assert out["answers"] == [True, True, False]
    assert out["loads"] == ["fake"]
    assert out["answers"] == _run(libraries, "instances", preload=False)["answers"]


@pytest.mark.parametrize(
    ("scenario", "answers"),
    [("mode", ["a"]), ("static", ["AWS::fake::Thing"]), ("keys", ["CfnThing", "Mode"])],
)
def test_anything_else_asked_of_the_module_is_the_real_modules_answer(
    libraries: Path, scenario: str, answers: list[str]
) -> None:
    out = _run(libraries, scenario)
    assert out["answers"] == answers
    assert out["loads"] == ["fake"]
    assert _run(libraries, scenario, preload=False)["answers"] == answers


def test_the_library_itself_is_the_same_object_for_cdk_nag_and_the_rest(libraries: Path) -> None:
    assert _run(libraries, "core")["answers"] == [True]


def test_the_kernel_of_kernel_start_loads_the_preload() -> None:
    assert kernel.NAG_PRELOAD.is_file()
    # Shipped with the package, beside the module that names it.
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert kernel.NAG_PRELOAD.name in pyproject


#: A fresh Python: cdk-nag's AwsSolutions pack over a QuickSight data source without SSL and
#: an ECS cluster, through kernel.install()'s kernel or jsii's own (argv[2]); its findings.
PROBE = r"""
import json, sys
from pathlib import Path
from exosphere_cdk import kernel

if sys.argv[2] == "direct":
    assert kernel.install()
import aws_cdk as cdk
from aws_cdk import aws_ecs, aws_quicksight
from cdk_nag import AwsSolutionsChecks

app = cdk.App(outdir=sys.argv[1], context={"@aws-cdk/core:failSynthOnValidationErrors": False})
stack = cdk.Stack(app, "Probe", env=cdk.Environment(account="123456789012", region="eu-west-1"))
aws_quicksight.CfnDataSource(
    stack, "Source", aws_account_id="123456789012", data_source_id="s", name="s",
    type="ATHENA",
    ssl_properties=aws_quicksight.CfnDataSource.SslPropertiesProperty(disable_ssl=True),
)
aws_ecs.CfnCluster(stack, "Cluster")
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
try:
    app.synth()
except Exception as exc:
    pass
report = json.loads((Path(sys.argv[1]) / "validation-report.json").read_text())
found = sorted(
    (v["ruleName"], c["constructPath"])
    for plugin in report["pluginReports"] for v in plugin["violations"]
    for c in v["violatingConstructs"]
)
template = (Path(sys.argv[1]) / "Probe.template.json").read_text()
print(json.dumps({"found": found, "template": template}))
"""


@pytest.mark.slow
def test_through_the_kernel_cdk_nag_finds_what_it_finds_under_jsiis_own_start(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    direct, _ = run_probe(PROBE, str(tmp_path / "direct"), "direct", env=env)
    relayed, _ = run_probe(PROBE, str(tmp_path / "relayed"), "relayed", env=env)
    assert direct == relayed
    rules = {rule for rule, _ in direct["found"]}
    assert "AwsSolutions-QS1" in rules  # QuickSight's rule, its module loaded only for it
    assert ["AwsSolutions-ECS4", "Probe/Cluster"] in direct["found"]
