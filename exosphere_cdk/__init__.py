"""exosphere-cdk: deploy Exosphere applications to AWS with the AWS CDK."""
