"""Stacks: translate a loaded Exosphere app into the constructs of exosphere_constructs."""

from exosphere_cdk.stacks.app_stacks import AppStacks, build_stacks

__all__ = ["AppStacks", "build_stacks"]
