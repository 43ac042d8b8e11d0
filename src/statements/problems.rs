//! The problems of formal statements: each code defined once, with its one wording.

use crate::error::Code;

pub const NOT_A_DRAFT: Code = Code::new(
    "statement_not_a_draft",
    409,
    "Conflict",
    "The statement was submitted: its text and attachments no longer change.",
);
pub const TOO_MANY_ATTACHMENTS: Code = Code::new(
    "too_many_attachments",
    409,
    "Conflict",
    "A statement has at most five attachments; remove one first.",
);
pub const NOT_A_PDF: Code = Code::new(
    "not_a_pdf",
    415,
    "Unsupported Media Type",
    "Attachments are PDF documents: the content must be a PDF file (it starts with `%PDF-` and ends with `%%EOF`), whatever its name says.",
);
pub const NOT_WITHDRAWABLE: Code = Code::new(
    "statement_not_withdrawable",
    409,
    "Conflict",
    "Only a submitted statement that is not answered yet can be withdrawn.",
);
pub const NOT_IN_QUEUE: Code = Code::new(
    "statement_not_in_review_queue",
    409,
    "Conflict",
    "The statement is not waiting for review: it is a draft, withdrawn or answered already.",
);
pub const NO_RESPONSE: Code = Code::new(
    "statement_response_missing",
    409,
    "Conflict",
    "Write the response before the statement is published with it.",
);
pub const NOT_A_REVIEWER: Code = Code::new(
    "not_a_reviewer",
    400,
    "Bad Request",
    "Statements are assigned to moderators or administrators only.",
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[
    NOT_A_DRAFT,
    TOO_MANY_ATTACHMENTS,
    NOT_A_PDF,
    NOT_WITHDRAWABLE,
    NOT_IN_QUEUE,
    NO_RESPONSE,
    NOT_A_REVIEWER,
];
