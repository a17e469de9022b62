"""Exosphere manifests: model, loader, checks and derived values (no aws_cdk here)."""
