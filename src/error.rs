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
    /// Field-level errors, present for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
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
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }

    pub fn not_found(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    pub fn bad_request(code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    /// A 400 naming each invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "Validation failed",
            "One or more fields are invalid; see `errors`.",
        );
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
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            format!("This resource allows only: {allow}."),
        );
        e.allow = Some(allow);
        e
    }

    /// 401: no usable access token.
    pub fn unauthorized(code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, "Unauthorized", detail)
    }

    /// 403: signed in, but not allowed.
    pub fn forbidden(code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, "Forbidden", detail)
    }

    /// 409: the request conflicts with the state of the object.
    pub fn conflict(code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "Conflict", detail)
    }

    /// 429 with the seconds after which a retry can succeed.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
            format!("Too many attempts; try again in {retry_after_secs} seconds."),
        );
        e.retry_after = Some(retry_after_secs.max(1));
        e
    }

    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "Service unavailable",
            "The database cannot be reached right now; try again shortly.",
        );
        e.retry_after = Some(5);
        e
    }

    /// A 500 whose body says nothing about the cause; the cause goes to the log.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
            "Something went wrong on our side. The request id identifies it in our logs.",
        )
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

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut list: Vec<FieldError> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, errors)| {
                errors.iter().map(move |e| FieldError {
                    field: field.to_string(),
                    code: e.code.to_string(),
                    message: e.message.as_deref().map_or_else(
                        || match e.code.as_ref() {
                            "length" => "has an invalid length".to_owned(),
                            "email" => "must be an e-mail address".to_owned(),
                            other => format!("is invalid ({other})"),
                        },
                        str::to_owned,
                    ),
                })
            })
            .collect();
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
                Self::conflict("in_use", "Other objects refer to this one.")
            }
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::conflict(
                "already_exists",
                "Another object already has this value where only one may (e.g. a number or code).",
            ),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Self::unavailable(),
            // PostgreSQL refuses NUL in text; input checks keep it out, this is the net below.
            Error::DatabaseError(_, info) if info.message().contains("invalid byte sequence") => {
                Self::bad_request(
                    "invalid_characters",
                    "Text must not contain NUL characters.",
                )
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
