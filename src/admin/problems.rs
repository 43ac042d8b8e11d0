//! The problems of user administration: each code defined once, with its one wording.

use crate::error::{Code, De, En};

pub const OWN_ACCOUNT: Code = Code::new(
    "own_account",
    409,
    De(
        "Konflikt",
        "Administratorinnen und Administratoren können ihr eigenes Konto nicht sperren.",
    ),
    En("Conflict", "Administrators cannot block their own account."),
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[OWN_ACCOUNT];
