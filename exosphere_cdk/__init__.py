"""exosphere-cdk: deploy Exosphere applications to AWS with the AWS CDK."""

import os

# jsii prints a banner on every start under Node 20 (end of life): not ours to fix, and
# noise in every command. Set here, before any module of the package imports aws_cdk.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
