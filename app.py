#!/usr/bin/env python3
"""CDK entry point: `cdk synth|diff|deploy [--all] [-c app=DIR] [-c env=production]`."""

import sys

from exosphere_cdk.synth import main

if __name__ == "__main__":
    sys.exit(main())
