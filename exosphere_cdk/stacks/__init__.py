"""Stacks: translate a loaded Exosphere app into the constructs of exosphere_constructs."""

from exosphere_cdk.stacks.app_stacks import AppStacks, add_compliance_checks, build_stacks

__all__ = ["AppStacks", "add_compliance_checks", "build_stacks"]
