//! `/api/v1/admin/translations*`: administrators add, change, confirm and remove the
//! translations of the texts people read, and list what lacks one (see
//! [`crate::translations`]). Each subject's translation into one language is one resource
//! with an ETag; every change needs it as `If-Match` and writes an audit entry.

use crate::audit;
use crate::auth::extract::Admin;
use crate::clock::Now;
use crate::db::{write_transaction, Db, DbConnection};
use crate::error::{ApiError, ApiResult, Problem, Text};
use crate::http::cache::{etag_of, required_if_match, stale, with_etag, IfMatch, ResponseCache};
use crate::http::pagination::{Cursor, Page, PageParams};
use crate::language::{is_tag, ORIGINAL, TAG_PATTERN};
use crate::translations::{self, source_hash, Registry, TextKey};
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(missing_translations)
        .service(get_translation)
        .service(put_translation)
        .service(delete_translation)
        .service(confirm_translation);
}

/// Longest translated text, in characters (the longest original is 10,000).
pub const TEXT_MAX: u64 = 10_000;

/// The address of one subject's translation into one language.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TranslationPath {
    /// The kind of subject: `concept`, `vision_statement`, `priority_goal`, `field`,
    /// `measure`, `consultation`, `proposal_answer` (the staff's answer to a proposal, by the
    /// proposal's id) or `statement_response` (the city's published response, by the
    /// statement's id).
    #[param(min_length = 1, max_length = 40, pattern = "^[a-z_]{1,40}$")]
    pub subject: String,
    /// Id of the subject.
    pub id: i64,
    /// The language of the translation (BCP 47, e.g. `tr`, `ar`, `uk`, `en`, or `de-x-ls` for
    /// Leichte Sprache); not `de`, the language of the originals.
    #[param(
        min_length = 2,
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$"
    )]
    pub language: String,
}

/// Where a translated text stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TextState {
    /// No translation yet: readers get the German original.
    Missing,
    /// Written for the original as it is now.
    Current,
    /// Written for an earlier version of the original; readers get it marked `outdated`
    /// until it is changed or confirmed.
    Outdated,
}

/// One text of a subject with its translation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TranslatedText {
    /// The text's field, e.g. `title`.
    pub field: String,
    /// The German original as it is now.
    pub original: String,
    /// The translation, `null` when there is none.
    pub translation: Option<String>,
    pub state: TextState,
    /// When the translation was written or confirmed last.
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A subject's translation into one language: every text the subject has, with its original.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Translation {
    pub subject: String,
    pub subject_id: i64,
    /// Language tag, lower-case.
    pub language: String,
    pub texts: Vec<TranslatedText>,
}

impl Translation {
    /// The address of one of its texts.
    fn key<'a>(&'a self, field: &'a str) -> TextKey<'a> {
        TextKey {
            subject: &self.subject,
            id: self.subject_id,
            language: &self.language,
            field,
        }
    }
}

/// One text to write.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewText {
    /// The field of the subject, e.g. `title` (see `texts[].field` of the translation).
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40, pattern = "^[a-z_]{1,40}$")]
    pub field: String,
    /// The translated text.
    #[validate(length(min = 1, max = 10000), custom(function = "crate::text::filled"))]
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^ \\u0000-\\u001F\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub text: String,
}

/// The whole translation of a subject into one language: the texts given are written (and are
/// current for the originals as they are now); texts left out are removed.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslationChange {
    #[validate(length(max = 10), nested)]
    #[schema(max_items = 10)]
    pub texts: Vec<NewText>,
}

fn not_found() -> ApiError {
    ApiError::not_found(Text::new(
        "Diesen Gegenstand gibt es nicht.",
        "No such subject to translate.",
    ))
}

/// A `language` parameter as stored (lower-case); 400 when it is no language tag.
fn tag_of(value: &str) -> ApiResult<String> {
    let language = value.to_ascii_lowercase();
    if is_tag(&language) {
        return Ok(language);
    }
    Err(ApiError::invalid_field(
        "language",
        "pattern",
        Text::format(
            format!("muss eine Sprachangabe sein ({TAG_PATTERN})"),
            format!("must be a language tag ({TAG_PATTERN})"),
        ),
    ))
}

/// The language of a path, lower-case; 404 for German, the originals' language.
fn language_of(path: &TranslationPath) -> ApiResult<String> {
    let language = tag_of(&path.language)?;
    if language == ORIGINAL {
        // German is the originals' language: there is no translation into it.
        return Err(ApiError::not_found(Text::new(
            "Deutsch ist die Sprache der Originale; eine Übersetzung ins Deutsche gibt es nicht.",
            "German is the language of the originals; there is no translation into it.",
        )));
    }
    Ok(language)
}

/// The translation as it is now; 404 when the subject does not exist.
fn document(
    conn: &mut DbConnection,
    registry: Registry,
    subject: &str,
    id: i64,
    language: &str,
) -> ApiResult<Translation> {
    let kind = translations::find(registry, subject).ok_or_else(not_found)?;
    let originals = match kind.originals(conn, id) {
        Ok(o) => o,
        Err(diesel::result::Error::NotFound) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let stored = translations::stored(conn, subject, id, language)?;
    let texts = originals
        .into_iter()
        .map(|(field, original)| {
            let found = stored.iter().find(|s| s.field == field);
            TranslatedText {
                field: field.to_owned(),
                state: match found {
                    None => TextState::Missing,
                    Some(s) if s.source_hash == source_hash(&original) => TextState::Current,
                    Some(_) => TextState::Outdated,
                },
                translation: found.map(|s| s.body.clone()),
                updated_at: found.map(|s| s.updated_at.and_utc()),
                original,
            }
        })
        .collect();
    Ok(Translation {
        subject: subject.to_owned(),
        subject_id: id,
        language: language.to_owned(),
        texts,
    })
}

/// The translation as it is now, if `if_match` names it.
fn current(
    conn: &mut DbConnection,
    registry: Registry,
    path: &(String, i64, String),
    if_match: &IfMatch,
) -> ApiResult<Translation> {
    let doc = document(conn, registry, &path.0, path.1, &path.2)?;
    if if_match.matches(&etag_of(&doc)) {
        Ok(doc)
    } else {
        Err(stale())
    }
}

/// A subject's translation into one language, with every text and its original; its ETag is
/// what a change needs as `If-Match`. A language without any translated text answers too
/// (every text `missing`), so the first translation is written like any later change.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(TranslationPath),
    responses(
        (status = 200, description = "The translation", body = Translation, headers(("ETag" = String, description = "Send as `If-Match` when changing it"))),
        (status = 400, description = "Invalid language (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subject, or `de` (the originals' language)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/translations/{subject}/{id}/{language}")]
pub async fn get_translation(
    _admin: Admin,
    db: web::Data<Db>,
    registry: web::Data<Registry>,
    path: web::Path<TranslationPath>,
) -> ApiResult<HttpResponse> {
    let path = path.into_inner();
    let language = language_of(&path)?;
    let registry = **registry;
    let doc = db
        .run(move |conn| document(conn, registry, &path.subject, path.id, &language))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &doc))
}

/// Who changes what: the administrator and the time, the subject, its id and the language.
struct Target {
    by: i64,
    at: chrono::NaiveDateTime,
    path: (String, i64, String),
    if_match: IfMatch,
}

/// Runs an audited change of a translation in one transaction, clears this node's catalogue
/// cache and answers the translation after it. `apply` returns the fields it changed.
async fn change<F>(
    db: &Db,
    cache: &ResponseCache,
    registry: Registry,
    target: Target,
    action: &'static str,
    apply: F,
) -> ApiResult<Translation>
where
    F: FnOnce(&mut DbConnection, &Translation) -> ApiResult<Vec<String>> + Send + 'static,
{
    let doc = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let before = current(conn, registry, &target.path, &target.if_match)?;
                let fields = apply(conn, &before)?;
                if let Some(kind) = translations::find(registry, &before.subject) {
                    kind.translated(conn, before.subject_id)?;
                }
                audit::record(
                    conn,
                    target.at,
                    Some(target.by),
                    action,
                    &before.subject,
                    Some(before.subject_id),
                    serde_json::json!({"language": before.language, "fields": fields}),
                )?;
                document(
                    conn,
                    registry,
                    &before.subject,
                    before.subject_id,
                    &before.language,
                )
            })
        })
        .await?;
    cache.clear();
    Ok(doc)
}

/// The target of a change request: 400 for a bad language, 428 without `If-Match`.
fn target(req: &HttpRequest, now: Now, admin: &Admin, path: TranslationPath) -> ApiResult<Target> {
    let language = language_of(&path)?;
    let if_match = required_if_match(req)?;
    Ok(Target {
        by: admin.0.id(),
        at: now.naive(),
        path: (path.subject, path.id, language),
        if_match,
    })
}

/// Write a subject's translation into one language: the texts given are stored and count as
/// current for the originals as they are now (writing a text again confirms it); texts left
/// out are removed. Readers of that language get the new texts at once on this node, and
/// within the catalogue cache's lifetime on others.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(TranslationPath, ("If-Match" = String, Header, description = "ETag of the translation as read")),
    request_body = TranslationChange,
    responses(
        (status = 200, description = "The translation after the change", body = Translation, headers(("ETag" = String, description = "Send as `If-Match` when changing it again"))),
        (status = 400, description = "Invalid body or language; a field the subject has no text for (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subject, or `de` (the originals' language)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/translations/{subject}/{id}/{language}")]
pub async fn put_translation(
    admin: Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    registry: web::Data<Registry>,
    path: web::Path<TranslationPath>,
    body: crate::http::Json<TranslationChange>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let body = body.into_inner();
    let target = target(&req, Now::of(&req), &admin, path.into_inner())?;
    let at = target.at;
    let doc = change(
        &db,
        &cache,
        **registry,
        target,
        "translation.changed",
        move |conn, before| {
            let mut changed = Vec::new();
            for (i, text) in body.texts.iter().enumerate() {
                if body.texts[..i].iter().any(|t| t.field == text.field) {
                    return Err(ApiError::invalid_field(
                        &format!("texts[{i}].field"),
                        "duplicate",
                        Text::new(
                            "nennt ein Feld, das schon vorher genannt wurde",
                            "names a field given before",
                        ),
                    ));
                }
                if !before.texts.iter().any(|t| t.field == text.field) {
                    return Err(ApiError::invalid_field(
                        &format!("texts[{i}].field"),
                        "unknown_field",
                        Text::new(
                            "ist kein Text dieses Gegenstands",
                            "is not a text this subject has",
                        ),
                    ));
                }
            }
            for t in &before.texts {
                let key = before.key(&t.field);
                match body.texts.iter().find(|n| n.field == t.field) {
                    // Written again as it is, and current: nothing changes.
                    Some(new)
                        if t.translation.as_deref() == Some(new.text.as_str())
                            && t.state == TextState::Current => {}
                    Some(new) => {
                        translations::put(conn, at, key, &new.text, &t.original)?;
                        changed.push(t.field.clone());
                    }
                    None if t.translation.is_some() => {
                        translations::remove_text(conn, key)?;
                        changed.push(t.field.clone());
                    }
                    None => {}
                }
            }
            Ok(changed)
        },
    )
    .await?;
    Ok(with_etag(HttpResponse::Ok(), &doc))
}

/// Confirm that a subject's translation into one language still says what the changed
/// originals say: every `outdated` text becomes `current` unchanged.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(TranslationPath, ("If-Match" = String, Header, description = "ETag of the translation as read")),
    responses(
        (status = 200, description = "The translation after the confirmation", body = Translation, headers(("ETag" = String, description = "Send as `If-Match` when changing it again"))),
        (status = 400, description = "Invalid language (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subject, or `de` (the originals' language)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/translations/{subject}/{id}/{language}/confirmation")]
pub async fn confirm_translation(
    now: Now,
    admin: Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    registry: web::Data<Registry>,
    path: web::Path<TranslationPath>,
) -> ApiResult<HttpResponse> {
    let target = target(&req, now, &admin, path.into_inner())?;
    let at = target.at;
    let doc = change(
        &db,
        &cache,
        **registry,
        target,
        "translation.confirmed",
        move |conn, before| {
            let mut confirmed = Vec::new();
            for t in before
                .texts
                .iter()
                .filter(|t| t.state == TextState::Outdated)
            {
                let key = before.key(&t.field);
                translations::confirm(conn, at, key, &t.original)?;
                confirmed.push(t.field.clone());
            }
            Ok(confirmed)
        },
    )
    .await?;
    Ok(with_etag(HttpResponse::Ok(), &doc))
}

/// Remove a subject's translation into one language: readers of that language get the German
/// originals again.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(TranslationPath, ("If-Match" = String, Header, description = "ETag of the translation as read")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Invalid language (`validation_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subject, or `de` (the originals' language)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/translations/{subject}/{id}/{language}")]
pub async fn delete_translation(
    now: Now,
    admin: Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    registry: web::Data<Registry>,
    path: web::Path<TranslationPath>,
) -> ApiResult<HttpResponse> {
    let target = target(&req, now, &admin, path.into_inner())?;
    change(
        &db,
        &cache,
        **registry,
        target,
        "translation.removed",
        move |conn, before| {
            translations::remove(conn, &before.subject, before.subject_id, &before.language)?;
            Ok(before
                .texts
                .iter()
                .filter(|t| t.translation.is_some())
                .map(|t| t.field.clone())
                .collect())
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Filters of the list of texts without a current translation.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MissingFilter {
    /// The language to check (BCP 47, lower-case or not; not `de`).
    #[param(
        min_length = 2,
        max_length = 35,
        pattern = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,7}$"
    )]
    pub language: String,
    /// Only subjects of this kind (`concept`, `vision_statement`, `priority_goal`, `field`,
    /// `measure`, `consultation`, `proposal_answer`, `statement_response`).
    #[param(min_length = 1, max_length = 40, pattern = "^[a-z_]{1,40}$")]
    pub subject: Option<String>,
}

/// A text that has no current translation in the language asked about.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MissingText {
    pub subject: String,
    pub subject_id: i64,
    pub field: String,
    /// The German original as it is now.
    pub original: String,
    /// `missing` or `outdated`.
    pub state: TextState,
}

/// The texts people read that lack a current translation into one language — missing or
/// outdated — subject kind by kind, by id, field by field. Retired catalogue items are left
/// out.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(MissingFilter, PageParams),
    responses(
        (status = 200, description = "One page of texts", body = Page<MissingText>),
        (status = 400, description = "Invalid `language`, `subject`, `limit` or `cursor` (`invalid_query`, `validation_failed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/translations/missing")]
pub async fn missing_translations(
    _admin: Admin,
    db: web::Data<Db>,
    registry: web::Data<Registry>,
    filter: web::Query<MissingFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<MissingText>>> {
    let page = page.validate()?;
    let filter = filter.into_inner();
    let language = tag_of(&filter.language)?;
    let registry = **registry;
    let kinds: Vec<(usize, &'static dyn translations::Translatable)> = registry
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, k)| filter.subject.as_deref().is_none_or(|s| s == k.subject()))
        .collect();
    // Nothing lacks a German text, and a kind that does not exist has nothing to translate.
    if kinds.is_empty() || language == ORIGINAL {
        return Ok(web::Json(Page {
            items: Vec::new(),
            next_cursor: None,
        }));
    }
    let after = page.after.map(|c| (c.key / 100, c.id, c.key % 100));
    let limit = page.fetch_limit() as usize;
    let rows = db
        .run(move |conn| {
            let mut rows: Vec<((i64, i64, i64), MissingText)> = Vec::new();
            for (k, kind) in kinds {
                let k = k as i64;
                if after.is_some_and(|(ak, _, _)| k < ak) {
                    continue;
                }
                let hashes = translations::hashes_in(conn, kind.subject(), &language)?;
                for (id, originals) in kind.all(conn)? {
                    for (field, original) in originals {
                        let f = kind.fields().iter().position(|x| *x == field).unwrap_or(99) as i64;
                        let key = (k, id, f);
                        if after.is_some_and(|a| key <= a) {
                            continue;
                        }
                        let state = match hashes.get(&(id, field.to_owned())) {
                            None => TextState::Missing,
                            Some(h) if *h == source_hash(&original) => continue,
                            Some(_) => TextState::Outdated,
                        };
                        rows.push((
                            key,
                            MissingText {
                                subject: kind.subject().to_owned(),
                                subject_id: id,
                                field: field.to_owned(),
                                original,
                                state,
                            },
                        ));
                        if rows.len() >= limit {
                            return Ok::<_, ApiError>(rows);
                        }
                    }
                }
            }
            Ok(rows)
        })
        .await?;
    Ok(web::Json(page.finish(
        rows,
        |(key, _)| Cursor {
            key: key.0 * 100 + key.2,
            id: key.1,
        },
        |(_, text)| text,
    )))
}
