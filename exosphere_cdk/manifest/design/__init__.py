"""What the deployment is made of, derived from a loaded app (no aws_cdk here)."""
