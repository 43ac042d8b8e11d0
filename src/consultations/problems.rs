//! The problems of consultations: each code defined once, with its one wording.

use crate::error::{Code, De, En};

pub const RULES_FROZEN: Code = Code::new(
    "rules_frozen",
    409,
    De("Konflikt", "Diese Regeln stehen fest: Seit die Phase begonnen hat, verlassen sich die Teilnehmenden auf sie."),
    En("Conflict", "These rules are frozen: participants rely on them since the phase they govern began."),
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[RULES_FROZEN];
