//! Catalogue administration (administrators only): create, change and retire fields of action,
//! measures, Leitbild statements and priority goals, record a measure's status, export the
//! whole catalogue and import one. Every change is in the audit log with a before/after
//! summary; changes need the item's current ETag as `If-Match` (412 when it is stale).

use super::file::{CatalogueFile, FileError};
use super::store::{self, ImportMode};
use crate::audit;
use crate::auth::extract::Admin;
use crate::clock::Now;
use crate::db::{write_transaction, Db};
use crate::error::{ApiError, ApiResult, Problem, Text};
use crate::http::cache::ResponseCache;
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

/// Largest catalogue file the API accepts (the city's 19 fields with hundreds of measures are a
/// few hundred KiB).
pub const IMPORT_LIMIT_BYTES: usize = 8 << 20;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_catalogue)
        .service(import_catalogue)
        .service(create_field)
        .service(update_field)
        .service(retire_field)
        .service(create_measure)
        .service(update_measure)
        .service(change_measure_status)
        .service(retire_measure)
        .service(create_vision_statement)
        .service(update_vision_statement)
        .service(retire_vision_statement)
        .service(create_priority_goal)
        .service(update_priority_goal)
        .service(retire_priority_goal);
}

/// The whole catalogue in the import format (administrators only).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The catalogue file", body = CatalogueFile),
        (status = 404, description = "No catalogue has been loaded", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogue/export")]
pub async fn export_catalogue(_admin: Admin, db: web::Data<Db>) -> ApiResult<HttpResponse> {
    let file = db.run(store::export).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"catalogue.json\"",
        ))
        .json(file))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Replace a catalogue that is already loaded (otherwise 409 `catalogue_loaded`).
    #[serde(default)]
    pub replace: bool,
}

/// What an import loaded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportResult {
    pub fields: usize,
    pub measures: usize,
    /// Whether a catalogue was replaced.
    pub replaced: bool,
}

/// Load a catalogue file (the format of `beteiligung import`, up to 8 MiB) in one transaction:
/// an invalid file changes nothing, and the error names the line or the path of the value.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(ImportParams),
    request_body = CatalogueFile,
    responses(
        (status = 200, description = "Imported", body = ImportResult),
        (status = 400, description = "Not valid JSON (`invalid_catalogue`, with the line) or invalid values (`validation_failed`, with paths)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A catalogue is loaded and `replace` was not set (`catalogue_loaded`), or consultations refer to it (`catalogue_in_use`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/import")]
pub async fn import_catalogue(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    params: web::Query<ImportParams>,
    payload: web::Payload,
) -> ApiResult<web::Json<ImportResult>> {
    let now = now.naive();
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !is_json {
        return Err(crate::error::codes::UNSUPPORTED_MEDIA_TYPE.problem());
    }
    let body = crate::http::read_limited(payload, IMPORT_LIMIT_BYTES, || {
        Text::format(
            format!("Eine Katalogdatei darf höchstens {IMPORT_LIMIT_BYTES} Bytes groß sein."),
            format!("A catalogue file may have at most {IMPORT_LIMIT_BYTES} bytes."),
        )
    })
    .await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| super::problems::INVALID_CATALOGUE.problem())?;
    let file = CatalogueFile::parse(text).map_err(|e| match e {
        FileError::Syntax(message) => super::problems::INVALID_CATALOGUE.with_detail(Text::format(
            format!("Die Datei ist kein gültiges Katalog-JSON: {message}"),
            format!("The file is not valid catalogue JSON: {message}"),
        )),
        FileError::Invalid(errors) => ApiError::validation(errors),
    })?;
    let mode = if params.replace {
        ImportMode::Replace
    } else {
        ImportMode::IntoEmpty
    };
    let actor = admin.id();
    let summary = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let summary = store::import(conn, now, &file, mode)?;
                audit::record(
                    conn, now,
                    Some(actor),
                    "catalogue.imported",
                    "catalogue",
                    None,
                    serde_json::json!({"after": {"fields": summary.fields, "measures": summary.measures}, "replaced": summary.replaced}),
                )?;
                Ok::<_, ApiError>(summary)
            })
        })
        .await?;
    cache.clear();
    Ok(web::Json(ImportResult {
        fields: summary.fields,
        measures: summary.measures,
        replaced: summary.replaced,
    }))
}

use super::edit::{
    self, FieldChanges, MeasureChanges, NewField, NewMeasure, NewPriorityGoal, NewVisionStatement,
    StatusChange, TextChange,
};
use super::model::{Field, Measure, PriorityGoal, VisionStatement};
use crate::http::cache::{required_if_match, with_etag};
use actix_web::{patch, HttpResponseBuilder};
use validator::Validate;

/// Who changes the catalogue, and when.
struct Act {
    by: i64,
    at: chrono::NaiveDateTime,
}

/// Runs an audited catalogue change in one transaction, clears this node's catalogue cache and
/// answers the changed item with its ETag.
async fn audited<T, F>(
    db: &Db,
    cache: &ResponseCache,
    act: Act,
    action: &'static str,
    object_type: &'static str,
    respond: impl FnOnce(&T) -> HttpResponseBuilder,
    change: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize + Send + 'static + ObjectId,
    F: FnOnce(&mut crate::db::DbConnection) -> ApiResult<(Option<T>, T)> + Send + 'static,
{
    let item = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let (before, after) = change(conn)?;
                audit::record(
                    conn,
                    act.at,
                    Some(act.by),
                    action,
                    object_type,
                    Some(after.object_id()),
                    serde_json::json!({"before": before, "after": after}),
                )?;
                Ok::<_, ApiError>(after)
            })
        })
        .await?;
    cache.clear();
    Ok(with_etag(respond(&item), &item))
}

/// The id an audit entry refers to.
pub trait ObjectId {
    fn object_id(&self) -> i64;
}

macro_rules! object_id {
    ($($t:ty),*) => {$(
        impl ObjectId for $t {
            fn object_id(&self) -> i64 {
                self.id
            }
        }
    )*};
}
object_id!(Field, Measure, PriorityGoal, VisionStatement);

fn created<T>(result: ApiResult<T>) -> ApiResult<(Option<T>, T)> {
    result.map(|item| (None, item))
}

fn changed<T>(result: ApiResult<(T, T)>) -> ApiResult<(Option<T>, T)> {
    result.map(|(before, after)| (Some(before), after))
}

/// 201 with the address of the new item (for statements and goals: the concept holding them).
fn location(path: String) -> HttpResponseBuilder {
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, path));
    res
}

/// Create a field of action (Handlungsfeld).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    request_body = NewField,
    responses(
        (status = 201, description = "The item after the change, with its ETag", body = Field),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/fields")]
pub async fn create_field(
    now: Now,
    Admin(admin): Admin,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    body: crate::http::Json<NewField>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "field.created",
        "field",
        |f: &Field| location(format!("/api/v1/fields/{}", f.id)),
        move |conn| created(edit::create_field(conn, now, &body)),
    )
    .await
}

/// Change a field of action.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = FieldChanges,
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = Field),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/catalogue/fields/{id}")]
pub async fn update_field(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
    body: crate::http::Json<FieldChanges>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "field.updated",
        "field",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::update_field(conn, now, id, &if_match, &body)),
    )
    .await
}

/// Retire a field of action: it leaves the current catalogue, stays readable, and its measures stay where they are.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = Field),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/fields/{id}/retire")]
pub async fn retire_field(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "field.retired",
        "field",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::retire_field(conn, now, id, &if_match)),
    )
    .await
}

/// Create a measure (Maßnahme) at the end of its field; its first status starts its history.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    request_body = NewMeasure,
    responses(
        (status = 201, description = "The item after the change, with its ETag", body = Measure),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/measures")]
pub async fn create_measure(
    now: Now,
    Admin(admin): Admin,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    body: crate::http::Json<NewMeasure>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "measure.created",
        "measure",
        |m: &Measure| location(format!("/api/v1/measures/{}", m.id)),
        move |conn| created(edit::create_measure(conn, now, &body, actor)),
    )
    .await
}

/// Change a measure, or move it to another field of action (`field_id`).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = MeasureChanges,
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = Measure),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/catalogue/measures/{id}")]
pub async fn update_measure(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
    body: crate::http::Json<MeasureChanges>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "measure.updated",
        "measure",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::update_measure(conn, now, id, &if_match, &body)),
    )
    .await
}

/// Record a new implementation status (Stand der Umsetzung); it is added to the measure's history.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = Measure),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/measures/{id}/status")]
pub async fn change_measure_status(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
    body: crate::http::Json<StatusChange>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "measure.status_changed",
        "measure",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::change_status(conn, now, id, &if_match, &body, actor)),
    )
    .await
}

/// Retire a measure: it leaves the current catalogue and stays readable, marked retired.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = Measure),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/measures/{id}/retire")]
pub async fn retire_measure(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "measure.retired",
        "measure",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::retire_measure(conn, now, id, &if_match)),
    )
    .await
}

/// Add a Leitbild statement or commitment at the end of its kind.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    request_body = NewVisionStatement,
    responses(
        (status = 201, description = "The item after the change, with its ETag", body = VisionStatement),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/vision-statements")]
pub async fn create_vision_statement(
    now: Now,
    Admin(admin): Admin,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    body: crate::http::Json<NewVisionStatement>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "vision_statement.created",
        "vision_statement",
        |_: &VisionStatement| location("/api/v1/concept".into()),
        move |conn| created(edit::create_vision_statement(conn, &body)),
    )
    .await
}

/// Change the wording of a Leitbild statement.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = TextChange,
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = VisionStatement),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/catalogue/vision-statements/{id}")]
pub async fn update_vision_statement(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
    body: crate::http::Json<TextChange>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "vision_statement.updated",
        "vision_statement",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::update_vision_statement(conn, id, &if_match, &body)),
    )
    .await
}

/// Retire a Leitbild statement.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = VisionStatement),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/vision-statements/{id}/retire")]
pub async fn retire_vision_statement(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "vision_statement.retired",
        "vision_statement",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::retire_vision_statement(conn, now, id, &if_match)),
    )
    .await
}

/// Add a priority goal (Priorisiertes Ziel) at the end.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    request_body = NewPriorityGoal,
    responses(
        (status = 201, description = "The item after the change, with its ETag", body = PriorityGoal),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/priority-goals")]
pub async fn create_priority_goal(
    now: Now,
    Admin(admin): Admin,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    body: crate::http::Json<NewPriorityGoal>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "priority_goal.created",
        "priority_goal",
        |_: &PriorityGoal| location("/api/v1/concept".into()),
        move |conn| created(edit::create_priority_goal(conn, &body)),
    )
    .await
}

/// Change the wording of a priority goal.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    request_body = TextChange,
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = PriorityGoal),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/catalogue/priority-goals/{id}")]
pub async fn update_priority_goal(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
    body: crate::http::Json<TextChange>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    body.validate()?;
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "priority_goal.updated",
        "priority_goal",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::update_priority_goal(conn, id, &if_match, &body)),
    )
    .await
}

/// Retire a priority goal.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the item"), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses(
        (status = 200, description = "The item after the change, with its ETag", body = PriorityGoal),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A conflicting state: duplicate number or code (`already_exists`), retired already (`already_retired`), retired field (`field_retired`), no catalogue (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/priority-goals/{id}/retire")]
pub async fn retire_priority_goal(
    now: Now,
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let now = now.naive();
    let if_match = required_if_match(&req)?;
    let id = id.into_inner();
    let actor = admin.id();
    audited(
        &db,
        &cache,
        Act { by: actor, at: now },
        "priority_goal.retired",
        "priority_goal",
        |_| HttpResponse::Ok(),
        move |conn| changed(edit::retire_priority_goal(conn, now, id, &if_match)),
    )
    .await
}
