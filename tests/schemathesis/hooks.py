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
