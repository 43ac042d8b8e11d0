//! Public reading of consultations, and their administration.

use super::model::{Consultation, ConsultationChanges, ConsultationDraft, Phase, Window};
use super::store;
use crate::audit;
use crate::auth::extract::Admin;
use crate::clock::Clock;
use crate::db::{write_transaction, Db};
use crate::error::{ApiError, ApiResult, FieldError, Problem, Text};
use crate::http::cache::{etag_of, required_if_match, stale, with_etag};
use crate::http::pagination::{Cursor, Page, PageParams};
use crate::language::{LangParam, Preferences};
use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

/// Public routes (relative to `/api/v1`).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_consultations).service(get_consultation);
}

/// Administrators' routes (relative to `/api/v1/admin`).
pub fn admin_routes(cfg: &mut ServiceConfig) {
    cfg.service(create_consultation)
        .service(update_consultation);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultationFilter {
    /// Only consultations in this phase now.
    pub phase: Option<Phase>,
}

/// Consultations, newest first, with their current phase.
#[utoipa::path(
    tag = "consultations",
    security(()),
    params(ConsultationFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of consultations", body = Page<Consultation>),
        (status = 400, description = "Invalid `phase`, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations")]
pub async fn list_consultations(
    req: HttpRequest,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    filter: web::Query<ConsultationFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Consultation>>> {
    let page = page.validate()?;
    let (now, phase) = (clock.now(), filter.phase);
    let prefs = Preferences::of(&req);
    let all = db.run(move |conn| store::all(conn, now, &prefs)).await?;
    let items: Vec<Consultation> = all
        .into_iter()
        .filter(|c| phase.is_none_or(|p| c.phase == p))
        .filter(|c| page.after.is_none_or(|after| c.id < after.id))
        .take(page.fetch_limit() as usize)
        .collect();
    Ok(web::Json(page.finish(
        items,
        |c| Cursor { key: 0, id: c.id },
        |c| c,
    )))
}

/// One consultation with its rules, scope, phase and the time of the next change of phase.
#[utoipa::path(
    tag = "consultations",
    security(()),
    params(("id" = i64, Path, description = "Id of the consultation"), LangParam),
    responses(
        (status = 200, description = "The consultation", body = Consultation, headers(("ETag" = String, description = "Send as `If-Match` when changing it (the ETag of the German answer: read it without `lang` and `Accept-Language`, or with `lang=de`)"))),
        (status = 404, description = "No consultation with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}")]
pub async fn get_consultation(
    req: HttpRequest,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), clock.now());
    let prefs = Preferences::of(&req);
    let consultation = db
        .run(move |conn| store::one_in(conn, id, now, &prefs))
        .await?;
    let mut res = HttpResponse::Ok();
    res.insert_header((actix_web::http::header::VARY, "Accept-Language"));
    Ok(with_etag(res, &consultation))
}

fn frozen(detail: Text) -> ApiError {
    super::problems::RULES_FROZEN.with_detail(detail)
}

fn in_the_past(field: &str) -> FieldError {
    FieldError::new(
        field,
        "in_the_past",
        Text::new(
            "darf nicht in der Vergangenheit liegen",
            "must not lie in the past",
        ),
    )
}

/// How a window may change: before it opens, anywhere in the future; once open (or over),
/// only its end, only later — participants rely on it.
fn window_change(
    name: &str,
    old: Option<Window>,
    new: Option<Window>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    match (old, new) {
        (Some(o), Some(n)) if o.closes_at <= now && n != o => {
            return Err(frozen(Text::new(
                "Ein Zeitraum, der vorbei ist, kann nicht mehr geändert oder wieder geöffnet werden.",
                "A window that has closed cannot be changed or reopened.",
            )));
        }
        (Some(o), Some(n)) if o.opens_at <= now => {
            if n.opens_at != o.opens_at || n.closes_at < o.closes_at {
                return Err(frozen(Text::new(
                    "Ein Zeitraum, der begonnen hat, kann nur verlängert werden.",
                    "A window that has opened can only be extended.",
                )));
            }
            if n.closes_at != o.closes_at && n.closes_at <= now {
                return Err(ApiError::validation(vec![in_the_past(&format!(
                    "{name}.closes_at"
                ))]));
            }
        }
        (Some(o), Some(n)) if n != o && n.opens_at < now => {
            return Err(ApiError::validation(vec![in_the_past(&format!(
                "{name}.opens_at"
            ))]));
        }
        (None, Some(n)) if n.opens_at < now => {
            return Err(ApiError::validation(vec![in_the_past(&format!(
                "{name}.opens_at"
            ))]));
        }
        _ => {}
    }
    Ok(())
}

/// Create a consultation (administrators only).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    request_body = ConsultationDraft,
    responses(
        (status = 201, description = "Created", body = Consultation, headers(("Location" = String, description = "Address of the consultation"), ("ETag" = String, description = "Its entity tag"))),
        (status = 400, description = "Invalid: a window ending before it starts or in the past, a budget below the per-option maximum, an option outside the scope, … (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consultations")]
pub async fn create_consultation(
    Admin(admin): Admin,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    body: crate::http::Json<ConsultationDraft>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let (draft, now, actor) = (body.into_inner(), clock.now(), admin.id());
    let mut errors = Vec::new();
    for (name, w) in [("commenting", draft.commenting), ("voting", draft.voting)] {
        if w.is_some_and(|w| w.closes_at <= now) {
            errors.push(in_the_past(&format!("{name}.closes_at")));
        }
    }
    let created = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                errors.extend(store::check(conn, &draft, None)?);
                if !errors.is_empty() {
                    return Err(ApiError::validation(errors));
                }
                let id = store::insert(conn, now.naive_utc(), &draft)?;
                let created = store::one(conn, id, now)?;
                audit::record(
                    conn,
                    now.naive_utc(),
                    Some(actor),
                    "consultation.created",
                    "consultation",
                    Some(id),
                    serde_json::json!({"before": null, "after": created}),
                )?;
                Ok::<_, ApiError>(created)
            })
        })
        .await?;
    let mut res = HttpResponse::Created();
    res.insert_header((
        header::LOCATION,
        format!("/api/v1/consultations/{}", created.id),
    ));
    Ok(with_etag(res, &created))
}

/// Change a consultation (administrators only, with its ETag as `If-Match`). Voting rules and
/// ballot options are frozen once the voting window opens; a window that has opened can only
/// be extended; nothing moves into the past.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = ConsultationChanges,
    responses(
        (status = 200, description = "The changed consultation", body = Consultation),
        (status = 400, description = "Invalid (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No consultation with this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changes rules that took effect (`rules_frozen`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/consultations/{id}")]
pub async fn update_consultation(
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    clock: web::Data<Clock>,
    id: web::Path<i64>,
    body: crate::http::Json<ConsultationChanges>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let if_match = required_if_match(&req)?;
    let (id, changes, now, actor) = (id.into_inner(), body.into_inner(), clock.now(), admin.id());
    let removed: Vec<FieldError> = [
        ("commenting", &changes.commenting),
        ("voting", &changes.voting),
    ]
    .into_iter()
    .filter(|(_, w)| matches!(w, Some(None)))
    .map(|(name, _)| {
        FieldError::new(
            name,
            "not_removable",
            Text::new(
                "ein Zeitraum kann nicht entfernt werden; lassen Sie das Feld weg, um ihn zu behalten",
                "a window cannot be removed; leave the field out to keep it",
            ),
        )
    })
    .collect();
    if !removed.is_empty() {
        return Err(ApiError::validation(removed));
    }
    let updated = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let current = store::one(conn, id, now)?;
                if !if_match.matches(&etag_of(&current)) {
                    return Err(stale());
                }
                let next = ConsultationDraft {
                    title: changes.title.clone().unwrap_or_else(|| current.title.clone()),
                    description: changes.description.clone().unwrap_or_else(|| current.description.clone()),
                    scope: changes.scope.clone().unwrap_or_else(|| current.scope.clone()),
                    commenting: changes.commenting.flatten().or(current.commenting),
                    voting: changes.voting.flatten().or(current.voting),
                    moderation: changes.moderation.unwrap_or(current.moderation),
                    voting_rules: changes.voting_rules.clone().unwrap_or_else(|| current.voting_rules.clone()),
                    results_visibility: changes.results_visibility.unwrap_or(current.results_visibility),
                };
                let voting_opened = current.voting.is_some_and(|w| w.opens_at <= now);
                if voting_opened
                    && (next.voting_rules != current.voting_rules
                        || next.results_visibility != current.results_visibility)
                {
                    return Err(frozen(Text::new(
                        "Abstimmungsregeln, Optionen und die Sichtbarkeit der Ergebnisse stehen fest, seit die Abstimmung begonnen hat.",
                        "The voting rules, ballot options and results visibility are frozen since the voting window opened.",
                    )));
                }
                for (name, old, new) in [("commenting", current.commenting, next.commenting), ("voting", current.voting, next.voting)] {
                    window_change(name, old, new, now)?;
                }
                let errors = store::check(conn, &next, Some(&current))?;
                if !errors.is_empty() {
                    return Err(ApiError::validation(errors));
                }
                if store::update(conn, now.naive_utc(), id, current.version, &next)? == 0 {
                    return Err(stale());
                }
                let after = store::one(conn, id, now)?;
                audit::record(conn, now.naive_utc(), Some(actor), "consultation.updated", "consultation", Some(id), serde_json::json!({"before": current, "after": after}))?;
                Ok::<_, ApiError>(after)
            })
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &updated))
}
