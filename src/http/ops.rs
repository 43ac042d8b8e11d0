//! Endpoints for operators and load balancers: liveness, readiness and metrics.

use super::metrics::Metrics;
use crate::db::Db;
use crate::error::{ApiError, Problem};
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the operations routes (at the root, outside `/api/v1`).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(index)
        .service(healthz)
        .service(readyz)
        .service(metrics);
}

/// Where a newcomer finds their way: the API, its contract and its documentation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceIndex {
    #[schema(example = "Beteiligung API")]
    pub name: &'static str,
    /// Base path of the API.
    #[schema(example = "/api/v1")]
    pub api: &'static str,
    /// The OpenAPI document (the contract).
    #[schema(example = "/openapi.json")]
    pub openapi: &'static str,
    /// Interactive documentation (Swagger UI).
    #[schema(example = "/docs/")]
    pub docs: &'static str,
}

/// The service's front door: where the API, its OpenAPI document and its documentation are.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "Where to go next", body = ServiceIndex))
)]
#[get("/")]
pub async fn index() -> web::Json<ServiceIndex> {
    web::Json(ServiceIndex {
        name: "Beteiligung API",
        api: "/api/v1",
        openapi: "/openapi.json",
        docs: "/docs/",
    })
}

/// Answer of the health endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Answer of the readiness endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// What the node serves without, though it serves: e.g. rate limits counted per node
    /// because Redis does not answer. Empty normally.
    #[schema(example = json!(["rate limits are counted per node: Redis does not answer"]))]
    pub notes: Vec<&'static str>,
}

/// A check that returns a note while its condition holds.
pub type ReadinessNote = Arc<dyn Fn() -> Option<&'static str> + Send + Sync>;

/// The conditions `/readyz` reports without failing: the node still serves, in a lesser mode.
/// Each part of the node that has such a mode contributes a check (lib.rs assembles them), so
/// this module names none of them.
#[derive(Clone, Default)]
pub struct ReadinessNotes(Vec<ReadinessNote>);

impl ReadinessNotes {
    /// The notes of these checks, asked at every `/readyz`.
    pub fn new(checks: Vec<ReadinessNote>) -> Self {
        Self(checks)
    }

    fn current(&self) -> Vec<&'static str> {
        self.0.iter().filter_map(|check| check()).collect()
    }
}

/// Liveness: the process answers. Does not touch the database.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "The process is alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

/// Readiness: the database answers. 503 while it does not; no restart needed once it is back.
///
/// `notes` names what the node serves without (rate limits shared through Redis).
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready to serve (`notes` says what it serves without)", body = Readiness),
        (status = 503, description = "The database cannot be reached", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(
    db: web::Data<Db>,
    notes: web::Data<ReadinessNotes>,
) -> Result<web::Json<Readiness>, ApiError> {
    match db.ping(Duration::from_secs(2)).await {
        Ok(()) => Ok(web::Json(Readiness {
            status: "ready",
            notes: notes.current(),
        })),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: database unreachable");
            Err(ApiError::unavailable())
        }
    }
}

/// Metrics in the Prometheus text format: request counts and latency per route and status.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain; version=0.0.4"))
)]
#[get("/metrics")]
pub async fn metrics(metrics: web::Data<Metrics>, db: web::Data<Db>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(db.pool()))
}
