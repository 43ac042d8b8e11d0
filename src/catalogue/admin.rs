//! Catalogue administration: export the whole catalogue in the import format and import one
//! through the API (administrators only). Both are recorded in the audit log.

use super::file::{CatalogueFile, FileError};
use super::store::{self, ImportError, ImportMode};
use crate::audit;
use crate::auth::extract::Admin;
use crate::db::{write_transaction, Db};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::cache::ResponseCache;
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

/// Largest catalogue file the API accepts (the city's 19 fields with hundreds of measures are a
/// few hundred KiB).
pub const IMPORT_LIMIT_BYTES: usize = 8 << 20;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_catalogue).service(import_catalogue);
}

/// The whole catalogue in the import format (administrators only).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The catalogue file", body = CatalogueFile),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
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
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A catalogue is loaded and `replace` was not set (`catalogue_loaded`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogue/import")]
pub async fn import_catalogue(
    Admin(admin): Admin,
    req: HttpRequest,
    db: web::Data<Db>,
    cache: web::Data<ResponseCache>,
    params: web::Query<ImportParams>,
    mut payload: web::Payload,
) -> ApiResult<web::Json<ImportResult>> {
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
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "The catalogue must be sent as application/json.",
        ));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("malformed_body", e.to_string()))?;
        if body.len() + chunk.len() > IMPORT_LIMIT_BYTES {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                format!("A catalogue file may have at most {IMPORT_LIMIT_BYTES} bytes."),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("invalid_catalogue", "The file is not UTF-8."))?;
    let file = CatalogueFile::parse(text).map_err(|e| match e {
        FileError::Syntax(message) => ApiError::bad_request("invalid_catalogue", message),
        FileError::Invalid(errors) => ApiError::validation(errors),
    })?;
    let mode = if params.replace {
        ImportMode::Replace
    } else {
        ImportMode::IntoEmpty
    };
    let actor = admin.id();
    let outcome = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let summary = match store::import(conn, &file, mode) {
                    Err(ImportError::AlreadyLoaded) => return Ok(None),
                    other => other?,
                };
                audit::record(
                    conn,
                    Some(actor),
                    "catalogue.imported",
                    "catalogue",
                    None,
                    serde_json::json!({"after": {"fields": summary.fields, "measures": summary.measures}, "replaced": summary.replaced}),
                )?;
                Ok::<_, ImportError>(Some(summary))
            })
        })
        .await?;
    let Some(summary) = outcome else {
        return Err(ApiError::conflict(
            "catalogue_loaded",
            "A catalogue is already loaded; send `?replace=true` to replace it.",
        ));
    };
    cache.clear();
    Ok(web::Json(ImportResult {
        fields: summary.fields,
        measures: summary.measures,
        replaced: summary.replaced,
    }))
}
