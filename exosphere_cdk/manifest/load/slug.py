"""The stack name prefix made from an app's free-text name, when the app gives no slug."""

from __future__ import annotations

import re

from exosphere_cdk.manifest.model.constraints import SLUG_MAX


def derive_slug(name: str) -> str:
    """A stack name prefix from the app's free-text name; "" when none can be made.

    CamelCase is split ("SpaceTweet" -> "space-tweet"), every run of other
    characters becomes one '-', the result is lowercased, trimmed of '-' and cut
    to 40 characters at a '-' when it is longer.
    """
    # "spaceTweet" -> "space-Tweet", "HTTPServer" -> "HTTP-Server" (not with
    # `([A-Z]+)([A-Z][a-z])`: that one is quadratic on a long run of capitals)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name)
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[: SLUG_MAX + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:SLUG_MAX]
        slug = slug[:SLUG_MAX].strip("-")
    return slug
