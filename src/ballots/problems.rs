//! The problems of priority voting: each code defined once, with its one wording. Closed
//! windows, e-mail verification and acting for an organisation refuse with the codes of the
//! slices that own those rules (`phase_closed`, `email_unverified`, `not_a_member`,
//! `organisation_not_verified`, `representative_required`).

use crate::error::{ApiError, Code, De, En, FieldError, Text};

pub const POINTS_BUDGET_EXCEEDED: Code = Code::new(
    "points_budget_exceeded",
    422,
    De(
        "Nicht verarbeitbar",
        "Der Stimmzettel vergibt mehr Punkte, als die Beteiligungsrunde erlaubt.",
    ),
    En(
        "Unprocessable Content",
        "The ballot gives more points than the consultation's points budget.",
    ),
);
pub const OPTION_NOT_ON_BALLOT: Code = Code::new(
    "option_not_on_ballot",
    422,
    De(
        "Nicht verarbeitbar",
        "Der Stimmzettel vergibt Punkte an etwas, das keine Option dieser Beteiligungsrunde ist.",
    ),
    En(
        "Unprocessable Content",
        "The ballot gives points to something that is not one of the consultation's options.",
    ),
);
pub const TOO_MANY_POINTS_FOR_OPTION: Code = Code::new(
    "too_many_points_for_option",
    422,
    De("Nicht verarbeitbar", "Der Stimmzettel gibt einer Option mehr Punkte, als die Beteiligungsrunde pro Option erlaubt."),
    En("Unprocessable Content", "The ballot gives one option more points than the consultation allows per option."),
);
pub const OPTION_LISTED_TWICE: Code = Code::new(
    "option_listed_twice",
    422,
    De("Nicht verarbeitbar", "Der Stimmzettel nennt eine Option mehrmals. Bitte geben Sie jeder Option ihre Punkte nur einmal."),
    En("Unprocessable Content", "The ballot names an option more than once; give each option its points once."),
);
pub const EMPTY_BALLOT: Code = Code::new(
    "empty_ballot",
    422,
    De("Nicht verarbeitbar", "Ein Stimmzettel vergibt mindestens einen Punkt. Wenn Sie nicht mehr teilnehmen möchten, ziehen Sie ihn zurück."),
    En("Unprocessable Content", "A ballot gives at least one point; to take part no longer, withdraw it."),
);
pub const RESULTS_NOT_YET_PUBLIC: Code = Code::new(
    "results_not_yet_public",
    403,
    De(
        "Nicht erlaubt",
        "Die Ergebnisse dieser Abstimmung werden veröffentlicht, wenn die Abstimmung endet.",
    ),
    En(
        "Forbidden",
        "The results of this vote are published when the voting window closes.",
    ),
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[
    POINTS_BUDGET_EXCEEDED,
    OPTION_NOT_ON_BALLOT,
    TOO_MANY_POINTS_FOR_OPTION,
    OPTION_LISTED_TWICE,
    EMPTY_BALLOT,
    RESULTS_NOT_YET_PUBLIC,
];

/// `code`, pointing at the allocation `index` of the ballot.
pub fn at_allocation(code: Code, index: usize, message: Text) -> ApiError {
    let mut e = code.problem();
    e.errors.push(FieldError::new(
        format!("allocations[{index}]"),
        code.code,
        message,
    ));
    e
}
