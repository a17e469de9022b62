"""Secrets Manager secrets named in the manifests: by name, by full ARN, or by partial ARN."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from constructs import Construct

if TYPE_CHECKING:
    from aws_cdk import aws_secretsmanager as secretsmanager

#: A complete secret ARN ends with the six characters Secrets Manager appends to the name.
COMPLETE_ARN_RE = re.compile(r"^arn:[a-z-]+:secretsmanager:[^:]*:[^:]*:secret:.+-[A-Za-z0-9]{6}$")


def import_secret(scope: Construct, id_: str, secret: str) -> secretsmanager.ISecret:
    """The secret `secret` names, used as written.

    A name (`shop/db`) is a secret of the stack's account and region; an ARN is
    used as given: a complete one (ending in Secrets Manager's `-AbCdEf`) as is,
    one without that suffix as a partial ARN (permissions then cover any suffix).
    """
    # Loaded only by an app that names a secret.
    from aws_cdk import aws_secretsmanager as secretsmanager  # noqa: PLC0415

    if not secret.startswith("arn:"):
        return secretsmanager.Secret.from_secret_name_v2(scope, id_, secret)
    if COMPLETE_ARN_RE.match(secret):
        return secretsmanager.Secret.from_secret_complete_arn(scope, id_, secret)
    return secretsmanager.Secret.from_secret_partial_arn(scope, id_, secret)
