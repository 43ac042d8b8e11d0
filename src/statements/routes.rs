//! Statements as routes: the organisation's drafts, submission, receipts and withdrawal; the
//! public list, the receipt check and the Abwägungstabelle. The rules are in [`super::domain`];
//! these handlers extract, call one of its functions and answer.

use super::domain::{self, Seen};
use super::model::{
    Attachment, AttachmentQuery, NewStatement, OwnFilter, PublishedFilter, PublishedStatement,
    ReceiptCheck, ReceiptKey, ReceiptKeys, ReceiptQuery, Statement, StatementEdit, Submission,
    TableQuery, TableVariant, RECEIPT_NUMBER_PATTERN, SHA256_PATTERN,
};
use super::store::Listing;
use super::Desk;
use crate::auth::extract::{CurrentUser, MaybeUser, Verified};
use crate::auth::Auth;
use crate::clock::Now;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Problem, Text};
use crate::http::cache::required_if_match;
use crate::http::pagination::{Page, PageParams};
use crate::http::Body;
use crate::language::{LangParam, Preferences};
use crate::organisations::acting::{self, Capability};
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Routes relative to `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_statement)
        .service(own_statements)
        .service(published_statements)
        .service(get_statement)
        .service(edit_statement)
        .service(delete_statement)
        .service(add_attachment)
        .service(get_attachment)
        .service(remove_attachment)
        .service(canonical_form)
        .service(submit_statement)
        .service(withdraw_statement)
        .service(receipt_key)
        .service(receipt_keys)
        .service(check_receipt)
        .service(table_csv)
        .service(table_xlsx);
}

/// A statement as the caller sees it: in full (its organisation's members, moderators and
/// administrators), or as published (everybody else, once it is answered).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum StatementView {
    Full(Statement),
    Published(PublishedStatement),
}

/// A PDF document, sent as the request body (`Content-Type: application/pdf`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfDocument(pub Vec<u8>);

pub(crate) fn answer(
    mut res: actix_web::HttpResponseBuilder,
    (item, etag): (Statement, String),
) -> HttpResponse {
    res.insert_header((header::ETAG, etag));
    res.json(item)
}

/// Start a draft statement of the organisation, as one of its members: a title, a plain-text
/// body and its target in the consultation's scope (the concept, a field of action or a
/// measure). Only the organisation's members see it until it is submitted.
#[utoipa::path(
    tag = "statements",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation")),
    request_body = NewStatement,
    responses(
        (status = 201, description = "The new draft", body = Statement, headers(("Location" = String, description = "Address of the statement"), ("ETag" = String, description = "Send as `If-Match` to change or submit it"))),
        (status = 400, description = "Invalid body (`validation_failed`, with fields; `target_id` is required for a field or measure and left out for the concept)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`), or not allowed to act for the organisation (`not_a_member`, `organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation, consultation or target, or the target is not in the consultation's scope (`not_in_scope`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations/{id}/statements")]
pub async fn create_statement(
    now: Now,
    user: Verified,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<NewStatement>,
) -> ApiResult<HttpResponse> {
    auth.limits.write(user.0.id()).await?;
    let (now, org, new) = (now.naive(), id.into_inner(), body.into_inner());
    let made = db
        .write(move |conn| domain::create(conn, now, &user, org, new))
        .await?;
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/api/v1/statements/{}", made.0.id),
    ));
    Ok(answer(res, made))
}

/// The organisation's statements — drafts, submitted, answered and withdrawn — for its
/// members, oldest first.
#[utoipa::path(
    tag = "statements",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the organisation"), OwnFilter, PageParams),
    responses(
        (status = 200, description = "One page of the organisation's statements", body = Page<Statement>),
        (status = 400, description = "Invalid filter, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a member (`not_a_member`), or the organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}/statements")]
pub async fn own_statements(
    user: CurrentUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
    filter: web::Query<OwnFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Statement>>> {
    let (org, filter, page) = (id.into_inner(), filter.into_inner(), page.validate()?);
    let listing = Listing {
        organisation_id: Some(org),
        consultation_id: filter.consultation_id,
        states: filter.state.into_iter().collect(),
        ..Listing::default()
    };
    let found = db
        .run(move |conn| {
            acting::authorize(conn, user.id(), org, Capability::Act)?;
            domain::list_full(conn, domain::Access::Member, &listing, &page)
        })
        .await?;
    Ok(web::Json(found))
}

/// Published statements with the city's responses, in the order of their submission;
/// filterable by consultation, field of action (statements on it or on its measures), measure
/// and kind of organisation. An organisation is named only if it chose so. Pages are the same
/// for every caller and kept by each node for a moment (`ETag`; a publication shows on the
/// node that made it at once, on others within `COMMENT_CACHE_TTL_SECS`).
#[utoipa::path(
    tag = "statements",
    security(()),
    params(PublishedFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of published statements", body = Page<PublishedStatement>, headers(("ETag" = String, description = "Send as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 400, description = "Invalid filter, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/statements")]
pub async fn published_statements(
    req: HttpRequest,
    desk: web::Data<Desk>,
    db: web::Data<Db>,
    filter: web::Query<PublishedFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let (filter, page) = (filter.into_inner(), page.validate()?);
    let prefs = Preferences::of(&req);
    let listing = Listing {
        consultation_id: filter.consultation_id,
        field_id: filter.field_id,
        measure_id: filter.measure_id,
        organisation_kind: filter.organisation_kind.map(|k| k.as_str().to_owned()),
        ..Listing::default()
    };
    desk.published
        .json(&req, || async move {
            db.run(move |conn| domain::list_published(conn, &listing, &page, &prefs))
                .await
        })
        .await
}

/// One statement: in full with its `ETag` for the organisation's members (drafts included) and
/// for moderators and administrators (once submitted); as published for everybody else (once
/// answered). 404 for anybody who may not see it.
#[utoipa::path(
    tag = "statements",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement"), LangParam),
    responses(
        (status = 200, description = "The statement", body = StatementView, headers(("ETag" = String, description = "For members: send as `If-Match` to change or submit it"))),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/statements/{id}")]
pub async fn get_statement(
    req: HttpRequest,
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let prefs = Preferences::of(&req);
    let seen = db
        .run(move |conn| domain::one(conn, user.as_ref(), id, &prefs))
        .await?;
    Ok(match seen {
        Seen::Full(view, etag) => answer(HttpResponse::Ok(), (*view, etag)),
        Seen::Published(view) => HttpResponse::Ok().json(view),
    })
}

/// Change a draft's title or body, as a member of its organisation, with its `ETag` as
/// `If-Match`.
#[utoipa::path(
    tag = "statements",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = StatementEdit,
    responses(
        (status = 200, description = "The changed draft", body = Statement, headers(("ETag" = String, description = "The new version's tag"))),
        (status = 400, description = "Invalid body (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`), or the organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement, or not a member of its organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted already (`statement_not_a_draft`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/statements/{id}")]
#[allow(clippy::too_many_arguments)] // actix extractors, one per part of the request
pub async fn edit_statement(
    now: Now,
    user: Verified,
    req: HttpRequest,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<StatementEdit>,
) -> ApiResult<HttpResponse> {
    auth.limits.write(user.0.id()).await?;
    let (now, id, change) = (now.naive(), id.into_inner(), body.into_inner());
    let if_match = required_if_match(&req);
    let changed = db
        .write(move |conn| domain::edit(conn, now, &user, id, if_match, change))
        .await?;
    Ok(answer(HttpResponse::Ok(), changed))
}

/// Delete a draft (with its attachments), as a member of its organisation. A submitted
/// statement stays on record; a representative may withdraw it instead.
#[utoipa::path(
    tag = "statements",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement, or not a member of its organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted already (`statement_not_a_draft`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/statements/{id}")]
pub async fn delete_statement(
    now: Now,
    user: CurrentUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (now, id) = (now.naive(), id.into_inner());
    db.write(move |conn| domain::delete(conn, now, &user, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Attach a PDF document to a draft (at most five, each at most 10 MiB), as a member of its
/// organisation: the body is the file (`Content-Type: application/pdf`), checked by its
/// content; `filename` is the name it is shown under. The draft gets a new `ETag`.
#[utoipa::path(
    tag = "statements",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement"), AttachmentQuery),
    request_body(content = PdfDocument, content_type = "application/pdf", description = "The PDF file, at most 10 MiB"),
    responses(
        (status = 201, description = "The attachment", body = Attachment, headers(("Location" = String, description = "Address of the attachment"))),
        (status = 400, description = "Invalid `filename` (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`), or the organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement, or not a member of its organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted already (`statement_not_a_draft`), or five attachments already (`too_many_attachments`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10 MiB (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF document by its content, or not sent as `application/pdf` (`not_a_pdf`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/statements/{id}/attachments")]
#[allow(clippy::too_many_arguments)] // actix extractors, one per part of the request
pub async fn add_attachment(
    now: Now,
    user: Verified,
    req: HttpRequest,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<AttachmentQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    auth.limits.write(user.0.id()).await?;
    let (now, id) = (now.naive(), id.into_inner());
    let caller = user.0.clone();
    db.run(move |conn| domain::may_attach(conn, &caller, id))
        .await?;
    let is_pdf = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/pdf"));
    if !is_pdf {
        return Err(super::problems::NOT_A_PDF.with_detail(Text::new(
            "Bitte senden Sie die Datei als `Content-Type: application/pdf`.",
            "Send the file as `Content-Type: application/pdf`.",
        )));
    }
    let query = query.into_inner();
    query.validate()?;
    let limit = domain::ATTACHMENT_LIMIT_BYTES;
    let content = crate::http::read_limited(payload, limit, || {
        Text::format(
            format!("Ein Anhang darf höchstens {limit} Bytes (10 MiB) groß sein."),
            format!("An attachment may have at most {limit} bytes (10 MiB)."),
        )
    })
    .await?;
    let added = db
        .write(move |conn| domain::attach(conn, now, &user, id, &query.filename, &content))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/statements/{id}/attachments/{}", added.id),
        ))
        .json(added))
}

/// Download an attachment (a PDF), for whoever may see the statement.
#[utoipa::path(
    tag = "statements",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement"), ("attachment_id" = i64, Path, description = "Id of the attachment")),
    responses(
        (status = 200, description = "The PDF file", body = PdfDocument, content_type = "application/pdf"),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement or attachment, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/statements/{id}/attachments/{attachment_id}")]
pub async fn get_attachment(
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, attachment) = path.into_inner();
    // A file of up to 10 MiB is in memory while it is sent: a place among the node's
    // downloads bounds how many are.
    let slot = db.download_slot()?;
    let (filename, content) = db
        .run(move |conn| domain::attachment_content(conn, user.as_ref(), id, attachment))
        .await?;
    // The name is the organisation's: only its safe characters go into the header.
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let length = content.len() as u64;
    let body = futures_util::stream::once(async move {
        let _slot = slot;
        Ok::<_, actix_web::Error>(web::Bytes::from(content))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .no_chunking(length)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe}\""),
        ))
        .streaming(body))
}

/// Remove an attachment from a draft, as a member of its organisation.
#[utoipa::path(
    tag = "statements",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement"), ("attachment_id" = i64, Path, description = "Id of the attachment")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "The organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement or attachment, or not a member of its organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted already (`statement_not_a_draft`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/statements/{id}/attachments/{attachment_id}")]
pub async fn remove_attachment(
    now: Now,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (now, (id, attachment)) = (now.naive(), path.into_inner());
    db.write(move |conn| domain::detach(conn, now, &user, id, attachment))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The canonical form of the statement: exactly the bytes whose SHA-256 its receipt carries
/// (`sha256sum` of this file equals the receipt's `sha256`). For whoever may see the statement.
#[utoipa::path(
    tag = "statements",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement")),
    responses(
        (status = 200, description = "The canonical form (one line of JSON, keys sorted)", body = Object, content_type = "application/json"),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/statements/{id}/canonical")]
pub async fn canonical_form(
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let bytes = db
        .run(move |conn| domain::canonical_of(conn, user.as_ref(), id))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(bytes))
}

/// Submit a draft, as a representative of its organisation, during the consultation's
/// commenting window, with its `ETag` as `If-Match` (what was read is what is signed). The
/// statement is frozen and gets its receipt; the representatives get it by mail.
#[utoipa::path(
    tag = "statements",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement"), ("If-Match" = String, Header, description = "ETag of the draft being submitted")),
    request_body = Submission,
    responses(
        (status = 200, description = "The submitted statement with its receipt", body = Statement, headers(("ETag" = String, description = "The new version's tag"))),
        (status = 400, description = "Invalid body (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`), not a representative (`representative_required`), or the organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement, or not a member of its organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted already (`statement_not_a_draft`), or outside the commenting window (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/statements/{id}/submit")]
#[allow(clippy::too_many_arguments)] // actix extractors, one per part of the request
pub async fn submit_statement(
    now: Now,
    user: Verified,
    req: HttpRequest,
    auth: web::Data<Auth>,
    desk: web::Data<Desk>,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: Body<Submission>,
) -> ApiResult<HttpResponse> {
    auth.limits.write(user.0.id()).await?;
    let (now, id, submission) = (now.naive(), id.into_inner(), body.into_inner());
    let if_match = required_if_match(&req);
    let desk = desk.get_ref().clone();
    let submitted = db
        .write(move |conn| {
            domain::submit(
                conn,
                now,
                &user,
                &desk.signer,
                &desk.base_url,
                id,
                if_match,
                submission,
            )
        })
        .await?;
    Ok(answer(HttpResponse::Ok(), submitted))
}

/// Withdraw a submitted statement that is not answered yet, as a representative of its
/// organisation. It stays on record as withdrawn.
#[utoipa::path(
    tag = "statements",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the statement")),
    responses(
        (status = 200, description = "The withdrawn statement", body = Statement, headers(("ETag" = String, description = "The new version's tag"))),
        (status = 403, description = "Address not verified (`email_unverified`), not a representative (`representative_required`), or the organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement, or not a member of its organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A draft, answered or withdrawn already (`statement_not_withdrawable`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/statements/{id}/withdraw")]
pub async fn withdraw_statement(
    now: Now,
    user: Verified,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (now, id) = (now.naive(), id.into_inner());
    let withdrawn = db
        .write(move |conn| domain::withdraw(conn, now, &user, id))
        .await?;
    Ok(answer(HttpResponse::Ok(), withdrawn))
}

/// The installation's public key for receipts (Ed25519), as PEM and raw. README,
/// "Statements", shows how to verify a receipt with it offline.
#[utoipa::path(
    tag = "statements",
    security(()),
    responses((status = 200, description = "The public key", body = ReceiptKey))
)]
#[get("/statement-receipts/key")]
pub async fn receipt_key(desk: web::Data<Desk>) -> web::Json<ReceiptKey> {
    web::Json(desk.signer.public())
}

/// Every key that signed receipts of this installation — the current one, then those it
/// replaced (`RECEIPT_RETIRED_KEYS`) — so that a receipt verifies with the key its `key_id`
/// names, however old it is.
#[utoipa::path(
    tag = "statements",
    security(()),
    responses((status = 200, description = "The public keys, the current one first", body = ReceiptKeys))
)]
#[get("/statement-receipts/keys")]
pub async fn receipt_keys(desk: web::Data<Desk>) -> web::Json<ReceiptKeys> {
    web::Json(ReceiptKeys {
        keys: desk.signer.all(),
    })
}

/// Whether a receipt number and hash belong to one submitted statement of the consultation —
/// without anything of its content.
#[utoipa::path(
    tag = "statements",
    security(()),
    params(
        ("id" = i64, Path, description = "Id of the consultation"),
        ("number" = String, Path, description = "Receipt number, e.g. `ST-2026-0042`", pattern = "^ST-[0-9]{4}-[0-9]{4,9}$"),
        ReceiptQuery,
    ),
    responses(
        (status = 200, description = "Whether they match", body = ReceiptCheck),
        (status = 400, description = "Invalid `sha256` or number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/statement-receipts/{number}")]
pub async fn check_receipt(
    db: web::Data<Db>,
    path: web::Path<(i64, String)>,
    query: web::Query<ReceiptQuery>,
) -> ApiResult<web::Json<ReceiptCheck>> {
    let (consultation, number) = path.into_inner();
    let sha256 = query.into_inner().sha256;
    static RULES: std::sync::OnceLock<(regex::Regex, regex::Regex)> = std::sync::OnceLock::new();
    let (number_rule, sha256_rule) = RULES.get_or_init(|| {
        (
            regex::Regex::new(RECEIPT_NUMBER_PATTERN).expect("a pattern"),
            regex::Regex::new(SHA256_PATTERN).expect("a pattern"),
        )
    });
    if !number_rule.is_match(&number) {
        return Err(ApiError::invalid_field(
            "number",
            "pattern",
            Text::new(
                "ist keine Eingangsnummer (`ST-2026-0042`)",
                "is not a receipt number (`ST-2026-0042`)",
            ),
        ));
    }
    if !sha256_rule.is_match(&sha256) {
        return Err(ApiError::invalid_field(
            "sha256",
            "pattern",
            Text::new(
                "muss aus 64 kleingeschriebenen Hexadezimalziffern bestehen",
                "is 64 lower-case hex digits",
            ),
        ));
    }
    let checked = db
        .run(move |conn| domain::check_receipt(conn, consultation, &number, &sha256))
        .await?;
    Ok(web::Json(checked))
}

async fn table(db: &Db, id: i64, query: TableQuery, xlsx: bool) -> ApiResult<HttpResponse> {
    let variant = query.variant.unwrap_or(TableVariant::Named);
    db.run(move |conn| crate::contributions::domain::consultation(conn, id).map(|_| ()))
        .await?;
    let name = format!("abwaegungstabelle-{id}-{}", variant.as_str());
    if xlsx {
        crate::http::download::stream(
            db,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{name}.xlsx"),
            move |conn, sink| super::table::xlsx(conn, id, variant, sink),
        )
        .await
    } else {
        crate::http::download::stream(
            db,
            "text/csv; charset=utf-8",
            format!("{name}.csv"),
            move |conn, sink| super::table::csv(conn, id, variant, sink),
        )
        .await
    }
}

/// The Abwägungstabelle of the consultation as CSV: every published statement with the city's
/// response, in the order of their receipt numbers, streamed. `named` (default) names an
/// organisation where it chose so; `anonymised` names kinds only. Columns and format: README,
/// "Statements".
#[utoipa::path(
    tag = "statements",
    security(()),
    params(("id" = i64, Path, description = "Id of the consultation"), TableQuery),
    responses(
        (status = 200, description = "The table as CSV", body = String, content_type = "text/csv"),
        (status = 400, description = "Invalid `variant`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/statements.csv")]
pub async fn table_csv(
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<TableQuery>,
) -> ApiResult<HttpResponse> {
    table(&db, id.into_inner(), query.into_inner(), false).await
}

/// The Abwägungstabelle of the consultation as an XLSX workbook (one sheet, the columns of the
/// CSV), written in constant memory and streamed.
#[utoipa::path(
    tag = "statements",
    security(()),
    params(("id" = i64, Path, description = "Id of the consultation"), TableQuery),
    responses(
        (status = 200, description = "The table as a workbook", body = crate::http::download::File, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "Invalid `variant`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/statements.xlsx")]
pub async fn table_xlsx(
    db: web::Data<Db>,
    id: web::Path<i64>,
    query: web::Query<TableQuery>,
) -> ApiResult<HttpResponse> {
    table(&db, id.into_inner(), query.into_inner(), true).await
}
