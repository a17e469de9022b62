"""CloudFormation's limits on one template (its quotas page): what it refuses at deploy.

A template over one of them is refused when its change set is made ("Template may
not exceed 1000000 bytes in size"). Every synthesis checks them
(exosphere_cdk.stacks.limits); `exo-cdk plan` and the benchmark show how close
each stack comes.
"""

from __future__ import annotations

#: A template's size, in bytes, as the CDK CLI deploys it: from S3 (the CLI uploads every
#: template over 50 KiB to the bootstrap bucket; a template in the request may hold 51,200).
MAX_TEMPLATE_BYTES = 1_000_000
#: The entries of a template's sections.
MAX_RESOURCES = 500
MAX_OUTPUTS = 200
MAX_PARAMETERS = 200
MAX_MAPPINGS = 200
#: Each section of a template with a limit on its entries, and the limit.
SECTION_LIMITS = {
    "Resources": MAX_RESOURCES,
    "Outputs": MAX_OUTPUTS,
    "Parameters": MAX_PARAMETERS,
    "Mappings": MAX_MAPPINGS,
}
