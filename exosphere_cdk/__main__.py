"""`python -m exosphere_cdk`: the same as `exo-cdk`."""

from exosphere_cdk.cli import main

raise SystemExit(main())
