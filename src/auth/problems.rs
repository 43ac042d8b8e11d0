//! The problems of accounts and sign-in: each code defined once, with its one wording.

use crate::error::Code;

pub const INVALID_TOKEN: Code = Code::new(
    "invalid_token",
    401,
    "Unauthorized",
    "The access token is invalid, expired or its session has ended.",
);
pub const INVALID_CREDENTIALS: Code = Code::new(
    "invalid_credentials",
    401,
    "Unauthorized",
    "The e-mail address or the password is wrong.",
);
pub const INVALID_REFRESH_TOKEN: Code = Code::new(
    "invalid_refresh_token",
    401,
    "Unauthorized",
    "The refresh token is unknown or its session has ended; sign in again.",
);
pub const REFRESH_TOKEN_REUSED: Code = Code::new(
    "refresh_token_reused",
    401,
    "Unauthorized",
    "This refresh token was used before; its session has been ended. Sign in again.",
);
pub const INVALID_OR_EXPIRED_TOKEN: Code = Code::new(
    "invalid_or_expired_token",
    400,
    "Bad request",
    "The link or token is invalid, expired or was used already; ask for a new one.",
);
pub const EMAIL_UNVERIFIED: Code = Code::new(
    "email_unverified",
    403,
    "Forbidden",
    "Confirm your e-mail address first; the link is in the mail we sent.",
);
pub const CONSENT_REQUIRED: Code = Code::new(
    "consent_required",
    403,
    "Forbidden",
    "A new version of the terms of participation or of the privacy notice was published: accept it (POST /api/v1/me/consents, or the versions with the sign-in) before writing again; GET /api/v1/legal-documents names the current versions.",
);
pub const ACCOUNT_BLOCKED: Code = Code::new(
    "account_blocked",
    403,
    "Forbidden",
    "This account is blocked. Contact the moderation team of the city.",
);
pub const LAST_ADMIN: Code = Code::new(
    "last_admin",
    409,
    "Conflict",
    "This is the last active administrator; name another one first.",
);
pub const SERVER_BUSY: Code = Code::new(
    "server_busy",
    503,
    "Service unavailable",
    "Too many sign-ins are being checked right now; try again in a few seconds.",
);

/// Every problem of this slice.
pub const ALL: &[Code] = &[
    INVALID_TOKEN,
    INVALID_CREDENTIALS,
    INVALID_REFRESH_TOKEN,
    REFRESH_TOKEN_REUSED,
    INVALID_OR_EXPIRED_TOKEN,
    EMAIL_UNVERIFIED,
    CONSENT_REQUIRED,
    ACCOUNT_BLOCKED,
    LAST_ADMIN,
    SERVER_BUSY,
];
