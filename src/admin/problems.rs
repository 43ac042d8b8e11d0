//! The problems of user administration: each code defined once, with its one wording.

use crate::error::Code;

pub const OWN_ACCOUNT: Code = Code::new(
    "own_account",
    409,
    "Conflict",
    "Administrators cannot block their own account.",
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[OWN_ACCOUNT];
