//! Public read endpoints of the catalogue: the concept, its fields of action and measures.
//! Answers come from the node's catalogue cache (see [`ResponseCache`]) and carry an `ETag`.

use super::model::{Concept, Field, ImplementationStatus, Measure};
use super::store;
use crate::db::Db;
use crate::error::{ApiResult, Problem};
use crate::http::cache::ResponseCache;
use crate::http::pagination::{Page, PageParams};
use crate::language::{LangParam, Preferences};
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the catalogue routes (relative to `/api/v1`).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_concept)
        .service(list_fields)
        .service(get_field)
        .service(list_measures)
        .service(get_measure)
        .service(measure_status_history)
        .service(get_vision_statement)
        .service(get_priority_goal);
}

/// Filters of the measure list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasureFilter {
    /// Only measures with this implementation status (Stand der Umsetzung).
    pub status: Option<ImplementationStatus>,
    /// Also list retired measures (default: only current ones).
    #[serde(default)]
    pub include_retired: bool,
}

/// Filters of the field list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldFilter {
    /// Also list retired fields (default: only current ones).
    #[serde(default)]
    pub include_retired: bool,
}

/// The concept (Integrationskonzept) with its Leitbild and priority goals (Priorisierte Ziele).
#[utoipa::path(
    tag = "catalogue",
    security(()),
    params(LangParam),
    responses(
        (status = 200, description = "The concept", body = Concept, headers(("ETag" = String, description = "Entity tag; send it as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 404, description = "No catalogue has been loaded", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/concept")]
pub async fn get_concept(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
) -> ApiResult<HttpResponse> {
    let prefs = Preferences::of(&req);
    cache
        .json(&req, || db.run(move |conn| store::concept(conn, &prefs)))
        .await
}

/// Fields of action (Handlungsfelder) in order of their number, each with its number of measures.
#[utoipa::path(
    tag = "catalogue",
    security(()),
    params(FieldFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of fields", body = Page<Field>, headers(("ETag" = String, description = "Entity tag; send it as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 400, description = "Invalid `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fields")]
pub async fn list_fields(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    filter: web::Query<FieldFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.validate()?;
    let prefs = Preferences::of(&req);
    let include_retired = filter.include_retired;
    cache
        .json(&req, || {
            db.run(move |conn| store::fields_page(conn, &page, include_retired, &prefs))
        })
        .await
}

/// One field of action (Handlungsfeld).
#[utoipa::path(
    tag = "catalogue",
    security(()),
    params(("id" = i64, Path, description = "Id of the field"), LangParam),
    responses(
        (status = 200, description = "The field", body = Field, headers(("ETag" = String, description = "Entity tag; send it as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 404, description = "No field with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fields/{id}")]
pub async fn get_field(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let prefs = Preferences::of(&req);
    cache
        .json(&req, || {
            db.run(move |conn| store::field_in(conn, id, &prefs))
        })
        .await
}

/// Measures (Maßnahmen) of a field of action in catalogue order, optionally filtered by
/// implementation status.
#[utoipa::path(
    tag = "catalogue",
    security(()),
    params(("id" = i64, Path, description = "Id of the field"), MeasureFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of measures", body = Page<Measure>, headers(("ETag" = String, description = "Entity tag; send it as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 400, description = "Invalid `status`, `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No field with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fields/{id}/measures")]
pub async fn list_measures(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
    filter: web::Query<MeasureFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.validate()?;
    let prefs = Preferences::of(&req);
    let (id, status, include_retired) = (id.into_inner(), filter.status, filter.include_retired);
    cache
        .json(&req, || {
            db.run(move |conn| {
                store::measures_of_field(conn, id, status, &page, include_retired, &prefs)
            })
        })
        .await
}

/// One measure (Maßnahme) with its current implementation status.
#[utoipa::path(
    tag = "catalogue",
    security(()),
    params(("id" = i64, Path, description = "Id of the measure"), LangParam),
    responses(
        (status = 200, description = "The measure", body = Measure, headers(("ETag" = String, description = "Entity tag; send it as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 404, description = "No measure with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/measures/{id}")]
pub async fn get_measure(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let prefs = Preferences::of(&req);
    cache
        .json(&req, || {
            db.run(move |conn| store::measure_in(conn, id, &prefs))
        })
        .await
}

/// The history of a measure's implementation status (Stand der Umsetzung), oldest first: each
/// status with its note, its date and who recorded it.
#[utoipa::path(
    tag = "catalogue",
    security(()),
    params(("id" = i64, Path, description = "Id of the measure"), PageParams),
    responses(
        (status = 200, description = "One page of the timeline", body = Page<super::edit::StatusEntry>, headers(("ETag" = String, description = "Entity tag; send it as `If-None-Match` to revalidate"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 400, description = "Invalid `limit` or `cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No measure with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/measures/{id}/status-history")]
pub async fn measure_status_history(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.validate()?;
    let id = id.into_inner();
    cache
        .json(&req, || {
            db.run(move |conn| super::edit::status_history(conn, id, &page))
        })
        .await
}

/// One Leitbild statement, also a retired one; its ETag is what a change needs as `If-Match`.
#[utoipa::path(
    tag = "catalogue",
    security(()),
    params(("id" = i64, Path, description = "Id of the statement"), LangParam),
    responses(
        (status = 200, description = "The statement", body = super::model::VisionStatement, headers(("ETag" = String, description = "Entity tag; send it as `If-None-Match` to revalidate, or as `If-Match` to change it"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 404, description = "No statement with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/vision-statements/{id}")]
pub async fn get_vision_statement(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let prefs = Preferences::of(&req);
    cache
        .json(&req, || {
            db.run(move |conn| store::vision_statement_in(conn, id, &prefs))
        })
        .await
}

/// One priority goal, also a retired one; its ETag is what a change needs as `If-Match`.
#[utoipa::path(
    tag = "catalogue",
    security(()),
    params(("id" = i64, Path, description = "Id of the goal"), LangParam),
    responses(
        (status = 200, description = "The goal", body = super::model::PriorityGoal, headers(("ETag" = String, description = "Entity tag; send it as `If-None-Match` to revalidate, or as `If-Match` to change it"))),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current"),
        (status = 404, description = "No goal with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/priority-goals/{id}")]
pub async fn get_priority_goal(
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let prefs = Preferences::of(&req);
    cache
        .json(&req, || {
            db.run(move |conn| store::priority_goal_in(conn, id, &prefs))
        })
        .await
}
