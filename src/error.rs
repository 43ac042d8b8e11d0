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

use crate::language::Language;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A text of the service's own words in both languages it writes them in: German, the
/// language of the city and the default, and English. Which one a reader gets is decided when
/// the answer is rendered ([`crate::language::Preferences::interface`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub de: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    /// A text whose words are fixed.
    pub const fn new(de: &'static str, en: &'static str) -> Self {
        Self {
            de: Cow::Borrowed(de),
            en: Cow::Borrowed(en),
        }
    }

    /// A text written for one occurrence (a limit, a name, a parser's words).
    pub fn format(de: String, en: String) -> Self {
        Self {
            de: Cow::Owned(de),
            en: Cow::Owned(en),
        }
    }

    /// The words in `lang`.
    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::De => &self.de,
            Language::En => &self.en,
        }
    }
}

/// One invalid field of a request: `field` and `code` are the same in every language, the
/// `message` is said in German and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `limit` or `fields[2].measures[0].code`.
    pub field: String,
    /// Stable code of the rule that failed, e.g. `length` or `invalid_value`.
    pub code: String,
    /// Explanation for people.
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: Text) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message,
        }
    }

    /// The error as a reader of `lang` gets it.
    pub fn render(&self, lang: Language) -> FieldMessage {
        FieldMessage {
            field: self.field.clone(),
            code: self.code.clone(),
            message: self.message.get(lang).to_owned(),
        }
    }
}

/// One invalid field of a request, as answered.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
#[schema(as = FieldError)]
pub struct FieldMessage {
    /// Path of the field, e.g. `limit` or `fields[2].measures[0].code`.
    pub field: String,
    /// Stable code of the rule that failed, e.g. `length` or `invalid_value`; the same in
    /// every language.
    pub code: String,
    /// Explanation for people, in the language of the answer (`Content-Language`).
    pub message: String,
}

/// Problem details (RFC 9457) as every error response of this API carries them.
///
/// `title`, `detail` and `errors[].message` are written for people, in German or English:
/// the first language of `?lang=` or else `Accept-Language` that is one of the two, German when
/// neither is asked for; `Content-Language` says which. `code`, `type`, `status` and
/// `errors[].field`/`errors[].code` are the same in every language: program against those.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI of the problem type: `urn:beteiligung:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type, in the language of the answer.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Explanation of this occurrence, in the language of the answer.
    pub detail: String,
    /// Stable machine-readable code, the same in every language; frontends switch on it.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Field-level errors: one per invalid field for `validation_failed` and `invalid_query`,
    /// empty otherwise.
    pub errors: Vec<FieldMessage>,
}

/// The German wording of a problem code: its `title` and its `meaning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct De(pub &'static str, pub &'static str);

/// The English wording of a problem code: its `title` and its `meaning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct En(pub &'static str, pub &'static str);

/// A kind of problem: its stable `code`, its status, and its one wording in German and in
/// English — the `title`, and the `meaning` that is the `detail` unless an occurrence says
/// more. Each code is defined once, as a constant in the problems module of the layer that
/// first needs it (`codes` here for infrastructure, `<slice>::problems` for a slice); `lib.rs`
/// lists them all for the README's table and the `code` enum of the OpenAPI document. A code
/// cannot be defined without its German wording ([`Code::new`] takes [`De`] and [`En`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub status: u16,
    pub de: De,
    pub en: En,
}

impl Code {
    pub const fn new(code: &'static str, status: u16, de: De, en: En) -> Self {
        Self {
            code,
            status,
            de,
            en,
        }
    }

    /// The short summary, in both languages.
    pub const fn title(&self) -> Text {
        Text::new(self.de.0, self.en.0)
    }

    /// The usual explanation, in both languages.
    pub const fn meaning(&self) -> Text {
        Text::new(self.de.1, self.en.1)
    }

    /// The problem with its usual wording.
    pub fn problem(&self) -> ApiError {
        self.with_detail(self.meaning())
    }

    /// The problem with a detail about this occurrence (a limit, a name, a parser's words).
    pub fn with_detail(&self, detail: Text) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: self.code,
            title: self.title(),
            detail,
            errors: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }
}

/// The problems of the infrastructure: HTTP, validation, the database, limits.
pub mod codes {
    use super::{Code, De, En};

    pub const BAD_REQUEST: Code = Code::new(
        "bad_request",
        400,
        De("Ungültige Anfrage", "Die Anfrage ist nicht verständlich."),
        En("Bad request", "The request could not be understood."),
    );
    pub const VALIDATION_FAILED: Code = Code::new(
        "validation_failed",
        400,
        De(
            "Eingaben ungültig",
            "Mindestens ein Feld ist ungültig. Die Einzelheiten stehen in `errors`.",
        ),
        En(
            "Validation failed",
            "One or more fields are invalid; see `errors`.",
        ),
    );
    pub const MALFORMED_JSON: Code = Code::new(
        "malformed_json",
        400,
        De(
            "Ungültige Anfrage",
            "Der Inhalt der Anfrage ist kein gültiges JSON.",
        ),
        En("Bad request", "The request body is not valid JSON."),
    );
    pub const MALFORMED_BODY: Code = Code::new(
        "malformed_body",
        400,
        De(
            "Ungültige Anfrage",
            "Der Inhalt der Anfrage konnte nicht gelesen werden.",
        ),
        En("Bad request", "The request body could not be read."),
    );
    pub const INVALID_QUERY: Code = Code::new(
        "invalid_query",
        400,
        De(
            "Ungültiger Abfrageparameter",
            "Ein Abfrageparameter ist ungültig. Die Einzelheiten stehen in `errors`.",
        ),
        En(
            "Invalid query parameter",
            "A query parameter is invalid; see `errors`.",
        ),
    );
    pub const INVALID_CHARACTERS: Code = Code::new(
        "invalid_characters",
        400,
        De(
            "Ungültige Anfrage",
            "Text darf keine NUL-Zeichen enthalten.",
        ),
        En("Bad request", "Text must not contain NUL characters."),
    );
    pub const UNAUTHORIZED: Code = Code::new(
    "unauthorized",
    401,
    De("Nicht angemeldet", "Bitte melden Sie sich an und senden Sie das Zugangstoken als `Authorization: Bearer <token>`."),
    En("Unauthorized", "Sign in and send the access token as `Authorization: Bearer <token>`."),
);
    pub const FORBIDDEN: Code = Code::new(
        "forbidden",
        403,
        De("Nicht erlaubt", "Das dürfen Sie nicht tun."),
        En("Forbidden", "You may not do this."),
    );
    pub const NOT_FOUND: Code = Code::new(
        "not_found",
        404,
        De("Nicht gefunden", "Unter dieser Adresse gibt es nichts."),
        En("Not found", "There is nothing at this address."),
    );
    pub const METHOD_NOT_ALLOWED: Code = Code::new(
        "method_not_allowed",
        405,
        De(
            "Methode nicht erlaubt",
            "Diese Methode ist hier nicht erlaubt. `Allow` nennt die erlaubten Methoden.",
        ),
        En(
            "Method not allowed",
            "This resource does not allow this method; `Allow` lists those it does.",
        ),
    );
    pub const NOT_ACCEPTABLE: Code = Code::new(
        "not_acceptable",
        406,
        De(
            "Format nicht verfügbar",
            "Diese Adresse antwortet nur mit JSON.",
        ),
        En("Not acceptable", "This resource answers only JSON."),
    );
    pub const REQUEST_TIMEOUT: Code = Code::new(
        "request_timeout",
        408,
        De(
            "Zeitüberschreitung",
            "Der Inhalt der Anfrage ist nicht rechtzeitig angekommen.",
        ),
        En(
            "Request timeout",
            "The request body did not arrive in time.",
        ),
    );
    pub const IN_USE: Code = Code::new(
        "in_use",
        409,
        De("Konflikt", "Andere Objekte verweisen auf dieses Objekt."),
        En("Conflict", "Other objects refer to this one."),
    );
    pub const ALREADY_EXISTS: Code = Code::new(
    "already_exists",
    409,
    De("Konflikt", "Ein anderes Objekt hat diesen Wert schon, und er darf nur einmal vorkommen (z. B. eine Nummer oder ein Kürzel)."),
    En("Conflict", "Another object already has this value where only one may (e.g. a number or code)."),
);
    pub const PRECONDITION_FAILED: Code = Code::new(
    "precondition_failed",
    412,
    De("Vorbedingung nicht erfüllt", "Das Objekt wurde geändert, seit Sie es geladen haben. Bitte laden Sie es neu und ändern Sie es dann noch einmal."),
    En("Precondition failed", "The object was changed since you loaded it; load it again and reapply your change."),
);
    pub const PAYLOAD_TOO_LARGE: Code = Code::new(
        "payload_too_large",
        413,
        De("Anfrage zu groß", "Der Inhalt der Anfrage ist zu groß."),
        En("Payload too large", "The request body is too large."),
    );
    pub const URI_TOO_LONG: Code = Code::new(
        "uri_too_long",
        414,
        De("Adresse zu lang", "Die Adresse der Anfrage ist zu lang."),
        En("URI too long", "The request address is too long."),
    );
    pub const UNSUPPORTED_MEDIA_TYPE: Code = Code::new(
        "unsupported_media_type",
        415,
        De(
            "Format nicht unterstützt",
            "Der Inhalt der Anfrage muss JSON sein, gesendet mit Content-Type: application/json.",
        ),
        En(
            "Unsupported media type",
            "The request body must be JSON, sent with Content-Type: application/json.",
        ),
    );
    pub const PRECONDITION_REQUIRED: Code = Code::new(
        "precondition_required",
        428,
        De(
            "Vorbedingung fehlt",
            "Bitte senden Sie den ETag der Fassung, die Sie geändert haben, als `If-Match`.",
        ),
        En(
            "Precondition required",
            "Send the ETag of the version you changed as `If-Match`.",
        ),
    );
    pub const RATE_LIMITED: Code = Code::new(
        "rate_limited",
        429,
        De(
            "Zu viele Anfragen",
            "Zu viele Anfragen. Bitte versuchen Sie es später noch einmal (siehe `Retry-After`).",
        ),
        En(
            "Too many requests",
            "Too many requests; try again later (see `Retry-After`).",
        ),
    );
    pub const INTERNAL_ERROR: Code = Code::new(
    "internal_error",
    500,
    De("Interner Fehler", "Bei uns ist etwas schiefgegangen. Mit der Request-ID finden wir den Fehler in unseren Protokollen."),
    En("Internal server error", "Something went wrong on our side. The request id identifies it in our logs."),
);
    pub const SERVICE_UNAVAILABLE: Code = Code::new(
        "service_unavailable",
        503,
        De(
            "Dienst nicht erreichbar",
            "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
        ),
        En(
            "Service unavailable",
            "The service is unavailable; try again shortly.",
        ),
    );
    pub const DATABASE_UNAVAILABLE: Code = Code::new(
        "database_unavailable",
        503,
        De(
            "Dienst nicht erreichbar",
            "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
        ),
        En(
            "Service unavailable",
            "The database cannot be reached right now; try again shortly.",
        ),
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

/// An error answered to the client, with its words in both languages; the answer is rendered
/// in the reader's language by the outermost middleware ([`crate::http::observe`]), which
/// finds the error in the response's extensions.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: Text,
    pub detail: Text,
    pub errors: Vec<FieldError>,
    /// Seconds after which a retry makes sense (sent as `Retry-After`).
    pub retry_after: Option<u64>,
    /// Methods the resource allows (sent as `Allow` with 405).
    pub allow: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.detail.en
        )
    }
}

impl ApiError {
    /// 404 with a detail about what is missing.
    pub fn not_found(detail: Text) -> Self {
        codes::NOT_FOUND.with_detail(detail)
    }

    /// A 400 naming each invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = codes::VALIDATION_FAILED.problem();
        e.errors = errors;
        e
    }

    /// A 400 for one invalid field.
    pub fn invalid_field(field: &str, code: &str, message: Text) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn method_not_allowed(allow: String) -> Self {
        let mut e = codes::METHOD_NOT_ALLOWED.with_detail(Text::format(
            format!("Hier sind nur diese Methoden erlaubt: {allow}."),
            format!("This resource allows only: {allow}."),
        ));
        e.allow = Some(allow);
        e
    }

    /// 429 with the seconds after which a retry can succeed.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = codes::RATE_LIMITED.with_detail(Text::format(
            format!(
                "Zu viele Versuche. Bitte versuchen Sie es in {retry_after_secs} Sekunden noch einmal."
            ),
            format!("Too many attempts; try again in {retry_after_secs} seconds."),
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

    /// The problem as a reader of `lang` gets it.
    pub fn body(&self, lang: Language) -> Problem {
        Problem {
            type_: format!("urn:beteiligung:problem:{}", self.code),
            title: self.title.get(lang).to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.get(lang).to_owned(),
            code: self.code.to_string(),
            errors: self.errors.iter().map(|e| e.render(lang)).collect(),
        }
    }

    /// The whole answer in `lang`: status, headers, body and `Content-Language`. The error
    /// itself goes into the response's extensions, so an outer layer that knows the reader's
    /// language can render it again ([`crate::http::observe`]).
    pub fn response_in(&self, lang: Language) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(PROBLEM_JSON);
        res.insert_header((header::CONTENT_LANGUAGE, lang.as_str()));
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
        res.extensions_mut().insert(self.clone());
        res.json(self.body(lang))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// The answer in German, the language of the city; [`crate::http::observe`] renders it
    /// again in the reader's language.
    fn error_response(&self) -> HttpResponse {
        self.response_in(Language::De)
    }
}

/// A validator error in both languages: `message` holds the English words, the parameter
/// `de` the German ones, so [`From<validator::ValidationErrors>`] can answer in either.
pub fn rule(code: &'static str, message: Text) -> validator::ValidationError {
    let mut e = validator::ValidationError::new(code);
    e.add_param(Cow::Borrowed("de"), &message.de);
    e.message = Some(message.en);
    e
}

/// The words of a validator error: those its rule gave ([`rule`]), or else the usual words
/// for its code, with its limits (`length` with `min`/`max`, `range`, `email`, …).
pub fn rule_message(e: &validator::ValidationError) -> Text {
    if let (Some(en), Some(de)) = (
        &e.message,
        e.params.get("de").and_then(serde_json::Value::as_str),
    ) {
        return Text::format(de.to_owned(), en.to_string());
    }
    let param = |name: &str| e.params.get(name).map(ToString::to_string);
    match (e.code.as_ref(), param("min"), param("max"), param("equal")) {
        ("length", _, _, Some(n)) => Text::format(
            format!("muss genau {n} Zeichen lang sein"),
            format!("must be exactly {n} characters long"),
        ),
        ("length", Some(min), Some(max), _) => Text::format(
            format!("muss {min} bis {max} Zeichen lang sein"),
            format!("must be {min} to {max} characters long"),
        ),
        ("length", Some(min), None, _) => Text::format(
            format!("muss mindestens {min} Zeichen lang sein"),
            format!("must be at least {min} characters long"),
        ),
        ("length", None, Some(max), _) => Text::format(
            format!("darf höchstens {max} Zeichen lang sein"),
            format!("must be at most {max} characters long"),
        ),
        ("length", ..) => Text::new("hat eine ungültige Länge", "has an invalid length"),
        ("range", Some(min), Some(max), _) => Text::format(
            format!("muss zwischen {min} und {max} liegen"),
            format!("must be between {min} and {max}"),
        ),
        ("range", Some(min), None, _) => Text::format(
            format!("muss mindestens {min} sein"),
            format!("must be at least {min}"),
        ),
        ("range", None, Some(max), _) => Text::format(
            format!("darf höchstens {max} sein"),
            format!("must be at most {max}"),
        ),
        ("range", ..) => Text::new("liegt außerhalb des erlaubten Bereichs", "is out of range"),
        ("email", ..) => Text::new("muss eine E-Mail-Adresse sein", "must be an e-mail address"),
        ("url", ..) => Text::new("muss eine Webadresse sein", "must be a web address"),
        ("required", ..) => Text::new("darf nicht leer sein", "must not be empty"),
        (other, ..) => Text::format(
            format!("ist ungültig ({other})"),
            format!("is invalid ({other})"),
        ),
    }
}

/// The field errors of `errors`, nested ones named by their path (`on_behalf_of.name`,
/// `allocations[2].points`).
fn field_errors(prefix: &str, errors: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let name = format!("{prefix}{field}");
        match kind {
            ValidationErrorsKind::Field(errors) => out.extend(
                errors
                    .iter()
                    .map(|e| FieldError::new(name.clone(), e.code.to_string(), rule_message(e))),
            ),
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
            Error::NotFound => Self::not_found(Text::new(
                "Das gesuchte Objekt gibt es nicht.",
                "The requested object does not exist.",
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_errors_are_worded_from_their_rule_and_limits_in_both_languages() {
        let mut length = validator::ValidationError::new("length");
        length.add_param(Cow::Borrowed("min"), &1);
        length.add_param(Cow::Borrowed("max"), &80);
        assert_eq!(
            rule_message(&length),
            Text::new(
                "muss 1 bis 80 Zeichen lang sein",
                "must be 1 to 80 characters long"
            )
        );
        let worded = rule("date", Text::new("muss ein Datum sein", "must be a date"));
        assert_eq!(
            rule_message(&worded),
            Text::new("muss ein Datum sein", "must be a date")
        );
        let unknown = validator::ValidationError::new("odd");
        assert_eq!(
            rule_message(&unknown).get(Language::De),
            "ist ungültig (odd)"
        );
    }

    #[test]
    fn a_problem_renders_in_the_language_asked_for_with_the_same_code() {
        let mut e = codes::VALIDATION_FAILED.problem();
        e.errors.push(FieldError::new(
            "limit",
            "range",
            Text::new("zu groß", "too large"),
        ));
        let (de, en) = (e.body(Language::De), e.body(Language::En));
        assert_eq!(
            (de.code.as_str(), en.code.as_str()),
            ("validation_failed", "validation_failed")
        );
        assert_eq!(
            (de.title.as_str(), en.title.as_str()),
            ("Eingaben ungültig", "Validation failed")
        );
        assert_eq!(
            (de.errors[0].message.as_str(), en.errors[0].message.as_str()),
            ("zu groß", "too large")
        );
        assert_eq!(
            (de.errors[0].field.as_str(), en.errors[0].code.as_str()),
            ("limit", "range")
        );
    }
}
