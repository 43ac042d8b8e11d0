//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.
//!
//! Every failure a client can see — validation, a missing object, a malformed body, an
//! unreachable database — becomes an [`ApiError`] with a stable machine-readable `code`.
//! Internal causes are logged with the request id and never sent to the client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::borrow::Cow;
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `limit` or `fields[2].measures[0].code`.
    pub field: String,
    /// Stable code of the rule that failed, e.g. `length` or `invalid_value`.
    pub code: String,
    /// Explanation for people.
    pub message: String,
}

/// Problem details (RFC 9457) as every error response of this API carries them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI of the problem type: `urn:beteiligung:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Explanation of this occurrence.
    pub detail: String,
    /// Stable machine-readable code; frontends switch on it.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Field-level errors: one per invalid field for `validation_failed` and `invalid_query`,
    /// empty otherwise.
    pub errors: Vec<FieldError>,
}

/// A kind of problem: its stable `code`, its status, and its one wording — the `title`, and
/// the `meaning` that is the `detail` unless an occurrence says more. Each code is defined
/// once, as a constant in the problems module of the layer that first needs it (`codes` here
/// for infrastructure, `<slice>::problems` for a slice); `lib.rs` lists them all for the
/// README's table and the `code` enum of the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub meaning: &'static str,
}

impl Code {
    pub const fn new(
        code: &'static str,
        status: u16,
        title: &'static str,
        meaning: &'static str,
    ) -> Self {
        Self {
            code,
            status,
            title,
            meaning,
        }
    }

    /// The problem with its usual wording.
    pub fn problem(&self) -> ApiError {
        self.with_detail(self.meaning)
    }

    /// The problem with a detail about this occurrence (a limit, a name, a parser's words).
    pub fn with_detail(&self, detail: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: self.code,
            title: self.title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }
}

/// The problems of the infrastructure: HTTP, validation, the database, limits.
pub mod codes {
    use super::Code;

    pub const BAD_REQUEST: Code = Code::new(
        "bad_request",
        400,
        "Bad request",
        "The request could not be understood.",
    );
    pub const VALIDATION_FAILED: Code = Code::new(
        "validation_failed",
        400,
        "Validation failed",
        "One or more fields are invalid; see `errors`.",
    );
    pub const MALFORMED_JSON: Code = Code::new(
        "malformed_json",
        400,
        "Bad request",
        "The request body is not valid JSON.",
    );
    pub const MALFORMED_BODY: Code = Code::new(
        "malformed_body",
        400,
        "Bad request",
        "The request body could not be read.",
    );
    pub const INVALID_QUERY: Code = Code::new(
        "invalid_query",
        400,
        "Invalid query parameter",
        "A query parameter is invalid; see `errors`.",
    );
    pub const INVALID_CHARACTERS: Code = Code::new(
        "invalid_characters",
        400,
        "Bad request",
        "Text must not contain NUL characters.",
    );
    pub const UNAUTHORIZED: Code = Code::new(
        "unauthorized",
        401,
        "Unauthorized",
        "Sign in and send the access token as `Authorization: Bearer <token>`.",
    );
    pub const FORBIDDEN: Code = Code::new("forbidden", 403, "Forbidden", "You may not do this.");
    pub const NOT_FOUND: Code = Code::new(
        "not_found",
        404,
        "Not found",
        "There is nothing at this address.",
    );
    pub const METHOD_NOT_ALLOWED: Code = Code::new(
        "method_not_allowed",
        405,
        "Method not allowed",
        "This resource does not allow this method; `Allow` lists those it does.",
    );
    pub const NOT_ACCEPTABLE: Code = Code::new(
        "not_acceptable",
        406,
        "Not acceptable",
        "This resource answers only JSON.",
    );
    pub const REQUEST_TIMEOUT: Code = Code::new(
        "request_timeout",
        408,
        "Request timeout",
        "The request body did not arrive in time.",
    );
    pub const IN_USE: Code = Code::new(
        "in_use",
        409,
        "Conflict",
        "Other objects refer to this one.",
    );
    pub const ALREADY_EXISTS: Code = Code::new(
        "already_exists",
        409,
        "Conflict",
        "Another object already has this value where only one may (e.g. a number or code).",
    );
    pub const PRECONDITION_FAILED: Code = Code::new(
        "precondition_failed",
        412,
        "Precondition failed",
        "The object was changed since you loaded it; load it again and reapply your change.",
    );
    pub const PAYLOAD_TOO_LARGE: Code = Code::new(
        "payload_too_large",
        413,
        "Payload too large",
        "The request body is too large.",
    );
    pub const URI_TOO_LONG: Code = Code::new(
        "uri_too_long",
        414,
        "URI too long",
        "The request address is too long.",
    );
    pub const UNSUPPORTED_MEDIA_TYPE: Code = Code::new(
        "unsupported_media_type",
        415,
        "Unsupported media type",
        "The request body must be JSON, sent with Content-Type: application/json.",
    );
    pub const PRECONDITION_REQUIRED: Code = Code::new(
        "precondition_required",
        428,
        "Precondition required",
        "Send the ETag of the version you changed as `If-Match`.",
    );
    pub const RATE_LIMITED: Code = Code::new(
        "rate_limited",
        429,
        "Too many requests",
        "Too many requests; try again later (see `Retry-After`).",
    );
    pub const INTERNAL_ERROR: Code = Code::new(
        "internal_error",
        500,
        "Internal server error",
        "Something went wrong on our side. The request id identifies it in our logs.",
    );
    pub const SERVICE_UNAVAILABLE: Code = Code::new(
        "service_unavailable",
        503,
        "Service unavailable",
        "The service is unavailable; try again shortly.",
    );
    pub const DATABASE_UNAVAILABLE: Code = Code::new(
        "database_unavailable",
        503,
        "Service unavailable",
        "The database cannot be reached right now; try again shortly.",
    );

    /// Every infrastructure problem.
    pub const ALL: &[Code] = &[
        BAD_REQUEST,
        VALIDATION_FAILED,
        MALFORMED_JSON,
        MALFORMED_BODY,
        INVALID_QUERY,
        INVALID_CHARACTERS,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        NOT_ACCEPTABLE,
        REQUEST_TIMEOUT,
        IN_USE,
        ALREADY_EXISTS,
        PRECONDITION_FAILED,
        PAYLOAD_TOO_LARGE,
        URI_TOO_LONG,
        UNSUPPORTED_MEDIA_TYPE,
        PRECONDITION_REQUIRED,
        RATE_LIMITED,
        INTERNAL_ERROR,
        SERVICE_UNAVAILABLE,
        DATABASE_UNAVAILABLE,
    ];
}

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: Cow<'static, str>,
    pub errors: Vec<FieldError>,
    /// Seconds after which a retry makes sense (sent as `Retry-After`).
    pub retry_after: Option<u64>,
    /// Methods the resource allows (sent as `Allow` with 405).
    pub allow: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ApiError {
    /// 404 with a detail about what is missing.
    pub fn not_found(detail: impl Into<Cow<'static, str>>) -> Self {
        codes::NOT_FOUND.with_detail(detail)
    }

    /// A 400 naming each invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = codes::VALIDATION_FAILED.problem();
        e.errors = errors;
        e
    }

    /// A 400 for one invalid field.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }])
    }

    pub fn method_not_allowed(allow: String) -> Self {
        let mut e =
            codes::METHOD_NOT_ALLOWED.with_detail(format!("This resource allows only: {allow}."));
        e.allow = Some(allow);
        e
    }

    /// 429 with the seconds after which a retry can succeed.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = codes::RATE_LIMITED.with_detail(format!(
            "Too many attempts; try again in {retry_after_secs} seconds."
        ));
        e.retry_after = Some(retry_after_secs.max(1));
        e
    }

    pub fn unavailable() -> Self {
        let mut e = codes::DATABASE_UNAVAILABLE.problem();
        e.retry_after = Some(5);
        e
    }

    /// A 500 whose body says nothing about the cause; the cause goes to the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        codes::INTERNAL_ERROR.problem()
    }

    pub fn body(&self) -> Problem {
        Problem {
            type_: format!("urn:beteiligung:problem:{}", self.code),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail.to_string(),
            code: self.code.to_string(),
            errors: self.errors.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(PROBLEM_JSON);
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.clone()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750: how to authenticate.
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"beteiligung\""));
        }
        res.json(self.body())
    }
}

/// The field errors of `errors`, nested ones named by their path (`on_behalf_of.name`,
/// `allocations[2].points`).
fn field_errors(prefix: &str, errors: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let name = format!("{prefix}{field}");
        match kind {
            ValidationErrorsKind::Field(errors) => out.extend(errors.iter().map(|e| FieldError {
                field: name.clone(),
                code: e.code.to_string(),
                message: e.message.as_deref().map_or_else(
                    || match e.code.as_ref() {
                        "length" => "has an invalid length".to_owned(),
                        "email" => "must be an e-mail address".to_owned(),
                        other => format!("is invalid ({other})"),
                    },
                    str::to_owned,
                ),
            })),
            ValidationErrorsKind::Struct(inner) => field_errors(&format!("{name}."), inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    field_errors(&format!("{name}[{i}]."), inner, out);
                }
            }
        }
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut list = Vec::new();
        field_errors("", &errors, &mut list);
        list.sort_by(|a, b| a.field.cmp(&b.field));
        Self::validation(list)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::not_found("The requested object does not exist."),
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                codes::IN_USE.problem()
            }
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                codes::ALREADY_EXISTS.problem()
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Self::unavailable(),
            // PostgreSQL refuses NUL in text; input checks keep it out, this is the net below.
            Error::DatabaseError(_, info) if info.message().contains("invalid byte sequence") => {
                codes::INVALID_CHARACTERS.problem()
            }
            other => Self::internal(other),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal(e)
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
