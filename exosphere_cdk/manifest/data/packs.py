"""The compliance rule packs a synthesis can be gated by (`cdk synth -c nag-packs=a,b`)."""

from __future__ import annotations

#: Every pack: cdk-nag's AWS Solutions and NIST 800-53 rev 5, and AWS Control Tower's
#: proactive controls (stacks.add_compliance_checks builds each).
COMPLIANCE_PACKS = ("aws-solutions", "nist-800-53-r5", "control-tower")
#: The packs of every `cdk synth` without `-c nag-packs`.
DEFAULT_PACKS = ("aws-solutions",)
