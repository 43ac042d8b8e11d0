//! The OpenAPI document: title, description and tags. Paths and schemas are collected from the
//! same `.service(…)` registration that builds the router (see [`crate::routes`]).

use crate::error::{Code, Problem};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Beteiligung API",
        description = "Participation and consultation API for a city revising a policy together with its people \
(Beteiligungsverfahren). First deployment: the revision of Bielefeld's integration concept \
„Wir fördern Integration“.\n\n\
Conventions: JSON with snake_case fields; every error is `application/problem+json` (RFC 9457) with a stable \
`code`; lists take `limit` (1–100, default 20) and an opaque `cursor` and answer `{items, next_cursor}`; \
every response carries `X-Request-Id`. The words of a problem (`title`, `detail`, `errors[].message`) are German or English: the first of the two in `?lang=` or else `Accept-Language`, German when neither is asked for; `Content-Language` names the language, `code` is the same in every language, and every response says `Vary: Accept-Language`. The document itself is served at `/openapi.json`, Swagger UI at `/docs/`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "catalogue", description = "Integrationskonzept: Leitbild (vision), Priorisierte Ziele (priority goals), Handlungsfelder (fields of action) and Maßnahmen (measures) with their Stand der Umsetzung (implementation status)."),
        (name = "consultations", description = "Beteiligungsrunden: consultations with their scope, commenting and voting windows, moderation mode, voting rules and current phase."),
        (name = "accounts", description = "Registration, e-mail verification, sign-in (access and refresh tokens), passwords and the own account (`/me`)."),
        (name = "organisations", description = "Organisations as participants — migrant organisations (Migrant*innenorganisationen), free welfare providers (freie Träger) and other civil society: registration, the public directory of verified organisations, profiles, members and roles, invitations and requests to join, and the caller's memberships (`/me/organisations`)."),
        (name = "participation", description = "Comments on fields of action, measures and proposals, in threads four levels deep; proposals of new measures with the staff's public answer; supports and reports. Texts are plain text, returned exactly as written."),
        (name = "statements", description = "Formal statements (Stellungnahmen) of verified organisations: drafts with PDF attachments, submission by a representative with a signed receipt (Eingangsnummer, SHA-256, Ed25519), withdrawal, the public check of a receipt, published statements with the city's responses, and the Abwägungstabelle as CSV and XLSX."),
        (name = "moderation", description = "Moderators and administrators: the review queue of organisations and decisions with reasons; the queue of comments and proposals (pending, reported, unanswered), decisions, answers to proposals and earlier texts; the review queue of statements, reviewers, responses in versions and publication."),
        (name = "search", description = "Finding things: one ranked search over measures, fields of action, proposals, published statements and visible comments, in the reader's language with the German text as fallback."),
        (name = "transparency", description = "The public record of moderation: every decision with its reason and date, and counts per reason, decision and month — nothing that identifies a person."),
        (name = "administration", description = "Administrators: users, roles, blocking and the audit log."),
        (name = "operations", description = "Liveness, readiness and metrics for operators."),
    ),
    components(schemas(Problem))
)]
pub struct ApiDoc;

/// Completes the document once the routes have added their paths: adds the errors every
/// operation can answer, so routes do not repeat them by hand — 500 everywhere, 503 where the
/// database is used, and 413 and 415 wherever a JSON body is read.
pub fn complete(
    mut api: OpenApiDoc,
    problems: &[&[Code]],
    rate_limited: &[(&str, &str, &str)],
    without_consent: &[(&str, &str)],
) -> OpenApiDoc {
    CommonErrors.modify(&mut api);
    document_consent(&mut api, without_consent);
    document_rate_limits(&mut api, rate_limited);
    api = answers_say_every_field(api);
    let components = api.components.get_or_insert_with(Default::default);
    // Every `code` a problem can carry, so a client can switch on them exhaustively.
    if let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem") {
        if let Some(RefOr::T(Schema::Object(code))) = problem.properties.get_mut("code") {
            let mut all: Vec<&str> = problems
                .iter()
                .flat_map(|c| c.iter().map(|c| c.code))
                .collect();
            all.sort_unstable();
            code.enum_values = Some(all.into_iter().map(Into::into).collect());
        }
    }
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "Access token from `POST /api/v1/auth/login` or `/auth/refresh`; valid for at most 15 minutes.",
                ))
                .build(),
        ),
    );
    api
}

/// `If-Match` as RFC 9110 writes it: `*`, or a comma-separated list of (weak or strong)
/// entity tags.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)$"#;

/// What the API answers always has every field of its type, `null` where there is no value:
/// the schemas that only responses use list every property as `required`, so a client (and a
/// validator such as ajv) can tell "null" from "missing". Schemas that a request uses keep
/// `Option` fields optional — there a left-out field means "unchanged" or "none".
fn answers_say_every_field(api: OpenApiDoc) -> OpenApiDoc {
    use serde_json::Value;
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => {
                            if let Some(name) = r.strip_prefix("#/components/schemas/") {
                                out.push(name.to_owned());
                            }
                        }
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(&api).expect("the document serialises");
    // Every schema a request body or parameter reaches, through references.
    let mut pending = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            refs(&op["requestBody"], &mut pending);
            refs(&op["parameters"], &mut pending);
        }
    }
    let mut requested = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if requested.insert(name.clone()) {
            refs(&doc["components"]["schemas"][&name], &mut pending);
        }
    }
    let mut api = api;
    for (name, schema) in api.components.iter_mut().flat_map(|c| c.schemas.iter_mut()) {
        if requested.contains(name) {
            continue;
        }
        if let RefOr::T(Schema::Object(object)) = schema {
            // The fields already required first, in their order; then the nullable ones.
            for key in object.properties.keys() {
                if !object.required.contains(key) {
                    object.required.push(key.clone());
                }
            }
        }
    }
    api
}

/// `rate_limited` lists (method, path, what a 429 means there) for the operations a slice
/// limits; each gets its 429 here, with `Retry-After`.
fn document_rate_limits(api: &mut OpenApiDoc, rate_limited: &[(&str, &str, &str)]) {
    for (method, path, description) in rate_limited {
        let Some(item) = api.paths.paths.get_mut(*path) else {
            continue;
        };
        let op = match *method {
            "get" => item.get.as_mut(),
            "post" => item.post.as_mut(),
            "put" => item.put.as_mut(),
            "patch" => item.patch.as_mut(),
            "delete" => item.delete.as_mut(),
            _ => None,
        };
        if let Some(op) = op {
            op.responses.responses.insert(
                "429".into(),
                ResponseBuilder::new()
                    .description(*description)
                    .header(
                        "Retry-After",
                        utoipa::openapi::HeaderBuilder::new()
                            .schema(Some(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::Integer),
                            ))
                            .description(Some("Seconds until a retry can succeed"))
                            .build(),
                    )
                    .content(
                        "application/problem+json",
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build()
                    .into(),
            );
        }
    }
}

/// Every write with a session answers `403 consent_required` while a newer version of the
/// terms or the privacy notice waits for the person — except the writes in `without_consent`
/// (method, path).
fn document_consent(api: &mut OpenApiDoc, without_consent: &[(&str, &str)]) {
    const SAYS: &str = "a new version of the terms or the privacy notice waits for acceptance (`consent_required`; `POST /api/v1/me/consents`)";
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, op) in [
            ("POST", item.post.as_mut()),
            ("PUT", item.put.as_mut()),
            ("PATCH", item.patch.as_mut()),
            ("DELETE", item.delete.as_mut()),
        ] {
            let Some(op) = op else { continue };
            let bearer = op.security.as_ref().is_some_and(|requirements| {
                requirements
                    .iter()
                    .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some()))
            });
            if !bearer || without_consent.contains(&(method, path.as_str())) {
                continue;
            }
            match op.responses.responses.get_mut("403") {
                Some(RefOr::T(response)) => {
                    response.description = format!("{}; or {SAYS}", response.description);
                }
                Some(RefOr::Ref(_)) => {}
                None => {
                    op.responses.responses.insert(
                        "403".into(),
                        ResponseBuilder::new()
                            .description(format!("Forbidden: {SAYS}"))
                            .content(
                                "application/problem+json",
                                Content::new(Some(Ref::from_schema_name("Problem"))),
                            )
                            .build()
                            .into(),
                    );
                }
            }
        }
    }
}

struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, api: &mut OpenApiDoc) {
        let problem = || Content::new(Some(Ref::from_schema_name("Problem")));
        for (path, item) in api.paths.paths.iter_mut() {
            let uses_db = path.starts_with("/api/") || path == "/readyz";
            let staff_only = if path.starts_with("/api/v1/admin/") {
                Some("Not an administrator (`forbidden`)")
            } else if path.starts_with("/api/v1/moderation/") {
                Some("Not a moderator or administrator (`forbidden`)")
            } else {
                None
            };
            for op in operations(item) {
                let reads_body = op.request_body.is_some();
                let bearer = op.security.as_ref().is_some_and(|requirements| {
                    requirements
                        .iter()
                        .any(|r| serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some()))
                });
                let mut if_match = false;
                let mut lang = false;
                for param in op.parameters.iter_mut().flatten() {
                    if let RefOr::T(param) = param {
                        lang |= param.name == "lang";
                        if param.name.eq_ignore_ascii_case("if-match") {
                            if_match = true;
                            // RFC 9110: `*` or a list of entity tags, never empty.
                            param.schema = Some(RefOr::T(Schema::Object(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::String)
                                    .min_length(Some(1))
                                    .max_length(Some(1024))
                                    .pattern(Some(IF_MATCH_PATTERN))
                                    .build(),
                            )));
                        }
                    }
                }
                let responses = &mut op.responses.responses;
                // What every operation of a kind shares is said here once; an operation's own
                // annotation may say more (e.g. `invalid_credentials` for sign-in).
                let mut shared: Vec<(&str, &str)> = Vec::new();
                if bearer {
                    shared.push(("401", "No valid access token: none sent (`unauthorized`), or invalid, expired or of an ended session (`invalid_token`)"));
                }
                if let Some(description) = staff_only {
                    shared.push(("403", description));
                }
                if if_match {
                    shared.push(("412", "Changed since the given ETag, or `If-Match` names no entity tag (`precondition_failed`)"));
                    shared.push(("428", "No `If-Match` header (`precondition_required`)"));
                }
                if lang {
                    shared.push((
                        "400",
                        "`lang` is no language tag (`invalid_query`, field `lang`)",
                    ));
                }
                shared.push((
                    "500",
                    "Internal error; the body names no cause, the log has it under the request id",
                ));
                if reads_body {
                    shared.push((
                        "408",
                        "The body did not arrive within the read timeout (`request_timeout`)",
                    ));
                    shared.push((
                        "413",
                        "The body is larger than the limit (`payload_too_large`)",
                    ));
                    shared.push((
                        "415",
                        "The body is not `application/json` (`unsupported_media_type`)",
                    ));
                }
                if uses_db {
                    shared.push(("503", "The database cannot be reached (code `database_unavailable`); retry after `Retry-After` seconds"));
                }
                for (status, description) in shared {
                    responses.entry(status.into()).or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(description)
                            .content("application/problem+json", problem())
                            .build()
                            .into()
                    });
                }
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}
