//! The problems of formal statements: each code defined once, with its one wording.

use crate::error::{Code, De, En};

pub const NOT_A_DRAFT: Code = Code::new(
    "statement_not_a_draft",
    409,
    De(
        "Konflikt",
        "Die Stellungnahme ist eingereicht: Text und Anhänge ändern sich nicht mehr.",
    ),
    En(
        "Conflict",
        "The statement was submitted: its text and attachments no longer change.",
    ),
);
pub const TOO_MANY_ATTACHMENTS: Code = Code::new(
    "too_many_attachments",
    409,
    De(
        "Konflikt",
        "Eine Stellungnahme hat höchstens fünf Anhänge. Bitte entfernen Sie zuerst einen.",
    ),
    En(
        "Conflict",
        "A statement has at most five attachments; remove one first.",
    ),
);
pub const NOT_A_PDF: Code = Code::new(
    "not_a_pdf",
    415,
    De("Format nicht unterstützt", "Anhänge sind PDF-Dokumente: Der Inhalt muss eine PDF-Datei sein (sie beginnt mit `%PDF-` und endet mit `%%EOF`), egal wie sie heißt."),
    En("Unsupported Media Type", "Attachments are PDF documents: the content must be a PDF file (it starts with `%PDF-` and ends with `%%EOF`), whatever its name says."),
);
pub const NOT_WITHDRAWABLE: Code = Code::new(
    "statement_not_withdrawable",
    409,
    De("Konflikt", "Nur eine eingereichte Stellungnahme, die noch nicht beantwortet ist, kann zurückgezogen werden."),
    En("Conflict", "Only a submitted statement that is not answered yet can be withdrawn."),
);
pub const NOT_IN_QUEUE: Code = Code::new(
    "statement_not_in_review_queue",
    409,
    De("Konflikt", "Die Stellungnahme wartet nicht auf Prüfung: Sie ist ein Entwurf, zurückgezogen oder schon beantwortet."),
    En("Conflict", "The statement is not waiting for review: it is a draft, withdrawn or answered already."),
);
pub const NO_RESPONSE: Code = Code::new(
    "statement_response_missing",
    409,
    De(
        "Konflikt",
        "Bitte schreiben Sie die Antwort, bevor die Stellungnahme mit ihr veröffentlicht wird.",
    ),
    En(
        "Conflict",
        "Write the response before the statement is published with it.",
    ),
);
pub const NOT_A_REVIEWER: Code = Code::new(
    "not_a_reviewer",
    400,
    De(
        "Ungültige Anfrage",
        "Stellungnahmen werden nur Moderatorinnen, Moderatoren oder der Administration zugewiesen.",
    ),
    En(
        "Bad Request",
        "Statements are assigned to moderators or administrators only.",
    ),
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
