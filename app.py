#!/usr/bin/env python3
"""CDK entry point: `cdk synth|diff|deploy [--all] [-c app=DIR] [-c env=production]`."""

from exosphere_cdk.synth import exit_now, main

if __name__ == "__main__":
    exit_now(main())
