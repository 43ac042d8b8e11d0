//! The problems of comments, proposals and their moderation: each code defined once, with its
//! one wording.

use crate::error::{Code, De, En};

pub const PHASE_CLOSED: Code = Code::new(
    "phase_closed",
    409,
    De(
        "Konflikt",
        "Die Beteiligungsrunde nimmt das gerade nicht an: Der Zeitraum dafür ist nicht offen.",
    ),
    En(
        "Conflict",
        "The consultation does not take this now: its window for it is not open.",
    ),
);
pub const NOT_IN_SCOPE: Code = Code::new(
    "not_in_scope",
    404,
    De(
        "Nicht gefunden",
        "Dieser Eintrag gehört nicht zu dieser Beteiligungsrunde.",
    ),
    En(
        "Not Found",
        "This item is not part of the consultation's scope.",
    ),
);
pub const THREAD_TOO_DEEP: Code = Code::new(
    "thread_too_deep",
    409,
    De("Konflikt", "Antworten gehen höchstens vier Ebenen tief. Bitte antworten Sie auf den Kommentar darüber."),
    En("Conflict", "Replies go four levels deep at most; answer the comment above instead."),
);
pub const EDIT_WINDOW_CLOSED: Code = Code::new(
    "edit_window_closed",
    409,
    De(
        "Konflikt",
        "Ein Beitrag kann nur in den ersten 60 Minuten nach dem Schreiben geändert werden.",
    ),
    En(
        "Conflict",
        "A contribution can be changed for 60 minutes after it was written.",
    ),
);
pub const NOT_THE_AUTHOR: Code = Code::new(
    "not_the_author",
    403,
    De(
        "Nicht erlaubt",
        "Nur die Person, die den Beitrag geschrieben hat, darf ihn ändern oder löschen.",
    ),
    En(
        "Forbidden",
        "Only the person who wrote it may change or delete it.",
    ),
);
pub const CONTRIBUTION_DELETED: Code = Code::new(
    "contribution_deleted",
    409,
    De(
        "Konflikt",
        "Der Beitrag wurde von der Person gelöscht, die ihn geschrieben hat.",
    ),
    En("Conflict", "The contribution was deleted by its author."),
);
/// Reading a deleted contribution by itself: it is gone (410), while the lists keep its
/// placeholder so that the thread around it stays readable.
pub const CONTRIBUTION_GONE: Code = Code::new(
    "contribution_gone",
    410,
    De("Nicht mehr vorhanden", "Der Beitrag wurde von der Person gelöscht, die ihn geschrieben hat. Listen zeigen an seiner Stelle einen Platzhalter."),
    En("Gone", "The contribution was deleted by its author; lists show a placeholder in its place."),
);
pub const ALREADY_FLAGGED: Code = Code::new(
    "already_flagged",
    409,
    De(
        "Konflikt",
        "Sie haben diesen Beitrag schon gemeldet. Die Moderation sieht ihn sich an.",
    ),
    En(
        "Conflict",
        "You have reported this contribution already; moderators will look at it.",
    ),
);
pub const NOT_OPEN_FOR_REACTIONS: Code = Code::new(
    "not_open_for_reactions",
    409,
    De(
        "Konflikt",
        "Nur veröffentlichte Beiträge können unterstützt, gemeldet oder beantwortet werden.",
    ),
    En(
        "Conflict",
        "Only published contributions can be supported, reported or answered.",
    ),
);
pub const DECISION_NOT_APPLICABLE: Code = Code::new(
    "decision_not_applicable",
    409,
    De("Konflikt", "Diese Entscheidung passt nicht zum jetzigen Stand des Beitrags (z. B. Freigabe eines Beitrags, der schon sichtbar ist)."),
    En("Conflict", "This decision does not apply to the contribution as it stands (e.g. approving one that is visible already)."),
);
pub const NOT_A_PROPOSAL: Code = Code::new(
    "not_a_proposal",
    409,
    De(
        "Konflikt",
        "Nur Vorschläge werden auf diesem Weg beantwortet.",
    ),
    En("Conflict", "Only proposals are answered this way."),
);

/// Recording on behalf of somebody else (`on_behalf_of`, assisted ballots) is for
/// facilitators only.
pub const NOT_A_FACILITATOR: Code = Code::new(
    "not_a_facilitator",
    403,
    De(
        "Nicht erlaubt",
        "Nur Begleitpersonen erfassen Beiträge und Stimmzettel für Menschen ohne Konto.",
    ),
    En(
        "Forbidden",
        "Only facilitators record contributions and ballots on behalf of people without an account.",
    ),
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[
    PHASE_CLOSED,
    NOT_IN_SCOPE,
    THREAD_TOO_DEEP,
    EDIT_WINDOW_CLOSED,
    NOT_THE_AUTHOR,
    CONTRIBUTION_DELETED,
    CONTRIBUTION_GONE,
    ALREADY_FLAGGED,
    NOT_OPEN_FOR_REACTIONS,
    DECISION_NOT_APPLICABLE,
    NOT_A_PROPOSAL,
    NOT_A_FACILITATOR,
];
