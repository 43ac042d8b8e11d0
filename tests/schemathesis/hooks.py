"""Schemathesis hooks (SCHEMATHESIS_HOOKS=hooks, from tests/schemathesis/run.sh).

Statement attachments are `application/pdf` bodies, which schemathesis cannot generate by
itself: this strategy makes PDF documents as the API checks them (`%PDF-` at the start, `%%EOF`
in the last kilobyte), with generated text in between.
"""

from hypothesis import strategies as st

import schemathesis

schemathesis.openapi.media_type(
    "application/pdf",
    st.binary(max_size=2048).map(lambda middle: b"%PDF-1.4\n" + middle + b"\n%%EOF\n"),
)


@schemathesis.hook
def map_query(ctx, query):
    """Integer query parameters (ids, `limit`) are sent as integers.

    JSON Schema counts 1.0 as an integer, so schemathesis may send `field_id=1.0`; the API reads
    a query integer strictly as digits and refuses "1.0" (400 `invalid_query`, the field
    named), as it refuses "1e0" or "01x". A client that builds its URL from the document sends
    "1". Only integral floats are turned into integers here; every other generated value,
    and every negative test, is sent as generated.
    """
    if not query:
        return query
    return {
        key: int(value) if isinstance(value, float) and value.is_integer() else value
        for key, value in query.items()
    }
