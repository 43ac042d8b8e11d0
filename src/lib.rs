//! Beteiligung: the participation and consultation API of a city revising a policy with its
//! people. This library builds the application; `main.rs` is only the command line.

// `ApiError` carries its field errors inline; it is built only on the error path, so its size
// costs nothing where it matters and boxing it would only add an indirection everywhere.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod audit;
pub mod auth;
pub mod ballots;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod consultations;
pub mod contributions;
pub mod db;
pub mod error;
pub mod http;
pub mod language;
pub mod mail;
pub mod openapi;
pub mod organisations;
pub mod personal_data;
pub mod privacy;
pub mod search;
pub mod statements;
pub mod text;
pub mod translations;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App};
use config::Settings;
use db::Db;
use http::cache::ResponseCache;
use http::metrics::Metrics;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

/// Everything a running node shares between its workers.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub metrics: Metrics,
    pub settings: Settings,
    /// Cache of catalogue reads, shared by the workers of this node.
    pub catalogue_cache: ResponseCache,
    /// Cache of anonymous comment and proposal pages, shared by the workers of this node.
    pub contribution_cache: contributions::PageCache,
    /// Results of priority votes, shared by the workers of this node.
    pub voting_cache: ballots::VotingCache,
    /// Tokens, password hashing and rate limits.
    pub auth: auth::Auth,
    /// The receipt key of statements, and the address their mails link to.
    pub statement_desk: statements::Desk,
    /// The erasure key, this node's mail files and running exports (data rights).
    pub privacy: privacy::Desk,
    /// The time phases are derived from (tests set it).
    pub clock: clock::Clock,
}

impl AppState {
    /// The state of a node: its database, fresh metrics, caches and limits. Fails (with one
    /// line for the operator) when no token signing key can be had.
    pub fn new(db: Db, settings: Settings) -> Result<Self, String> {
        let key = auth::keys::signing_key(&settings)?;
        let catalogue_cache = ResponseCache::new(settings.catalogue_cache_ttl, 64 << 20);
        let contribution_cache =
            contributions::PageCache(ResponseCache::new(settings.comment_cache_ttl, 64 << 20));
        let voting_cache = ballots::VotingCache::new(settings.comment_cache_ttl);
        let statement_desk = statements::Desk::from_settings(&settings)?;
        let privacy = privacy::Desk::from_settings(&settings)?;
        let auth = auth::Auth::new(&settings, &key)?;
        let metrics = Metrics::new();
        for collector in auth.limits.collectors() {
            metrics.register(collector);
        }
        Ok(Self {
            auth,
            db,
            metrics,
            settings,
            catalogue_cache,
            contribution_cache,
            voting_cache,
            statement_desk,
            privacy,
            clock: clock::Clock::System,
        })
    }

    /// What `/readyz` notes while the node serves in a lesser mode.
    pub fn readiness_notes(&self) -> http::ops::ReadinessNotes {
        let limits = self.auth.limits.clone();
        http::ops::ReadinessNotes::new(vec![std::sync::Arc::new(move || limits.degraded())])
    }

    /// How requests of this node may arrive.
    pub fn request_limits(&self) -> http::RequestLimits {
        http::RequestLimits {
            body_read_timeout: self.settings.body_read_timeout,
            log_client_network: self.settings.log_client_network,
        }
    }
}

/// How long a client may take to send a request's headers after connecting (or after the
/// previous answer on a kept-alive connection); a slower one gets `408` and is closed. This is
/// what ends idle and slowly-sending connections: they cost a socket and a few KiB, never a
/// worker, so hundreds of them do not keep other requests waiting.
pub const CLIENT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long a connection is kept after its answer for the client to close it.
pub const CLIENT_DISCONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// How long an idle kept-alive connection waits for its next request before it is closed.
pub const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(5);
/// Connections one worker serves at once; beyond it the node stops accepting until some
/// close. Each idle connection lives at most [`CLIENT_REQUEST_TIMEOUT`], so the practical
/// bound is the process's open-file limit (`LimitNOFILE`), which the README asks operators to
/// raise; actix-server's default, named here so the README's table can be checked against it.
pub const MAX_CONNECTIONS_PER_WORKER: usize = 25_600;

/// The HTTP server of a node on `listener`: the application on every worker, with an
/// `Expect: 100-continue` handler that refuses an announced body over the limit at once (413)
/// instead of inviting the client to send it. actix-web's `HttpServer` has no way to set that
/// handler, so the server is put together here from the same parts it uses.
pub fn http_server(
    state: AppState,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
    let workers = state.settings.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    });
    let limit = state.settings.json_limit_bytes;
    let builder = actix_server::Server::build()
        .workers(workers)
        .max_concurrent_connections(MAX_CONNECTIONS_PER_WORKER)
        .shutdown_timeout(30);
    // Idle keep-alive connections close when the server stops, as with `HttpServer`.
    let shutdown = builder.graceful_shutdown_signal();
    builder
        .listen("beteiligung", listener, move || {
            // One worker at a time: registering the routes collects their part of the
            // OpenAPI document for a moment (a few MiB); one after the other, the workers'
            // peaks do not add up.
            static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
            let _building = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
            let app = build_app(&state)
                .into_factory()
                .map_err(|err: actix_web::Error| err.error_response());
            let shutdown = shutdown.clone();
            actix_http::HttpService::build()
                .graceful_shutdown_signal(move || {
                    let signal = shutdown.clone();
                    async move { signal.notified().await }
                })
                .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
                .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
                .keep_alive(KEEP_ALIVE)
                .expect(fn_service(move |req: actix_http::Request| async move {
                    let limit = body_limit(req.path(), limit);
                    match http::refuse_announced_body(req.head(), limit) {
                        Some(refusal) => Err(actix_http::Response::from(refusal)),
                        None => Ok(req),
                    }
                }))
                .finish(map_config(app, |_| actix_web::dev::AppConfig::default()))
                .tcp()
        })
        .map(actix_server::ServerBuilder::run)
}

/// The largest body a request to `path` may have: files (a catalogue to import, a statement's
/// attachment) are larger than a JSON request (`json_limit`).
fn body_limit(path: &str, json_limit: usize) -> usize {
    if path == "/api/v1/admin/catalogue/import" {
        catalogue::admin::IMPORT_LIMIT_BYTES
    } else if path.starts_with("/api/v1/statements/") && path.ends_with("/attachments") {
        statements::ATTACHMENT_LIMIT_BYTES
    } else {
        json_limit
    }
}

/// Every slice's part in the duties about personal data (account deletion now, the export
/// later), in the order deletion runs them — which is also the order it takes its locks in,
/// after the account's own row: accounts (and the administrators' rows for the last-admin
/// rule), then organisations, then the outbox. A new slice with a table adds itself here; the
/// test of the column classification fails until it does.
pub static PERSONAL_DATA: personal_data::Registry = &[
    &auth::personal_data::Accounts,
    &organisations::personal_data::Organisations,
    &mail::Outbox,
    &audit::AuditLog,
    &catalogue::personal_data::Catalogue,
    &consultations::personal_data::Consultations,
    &contributions::personal_data::Contributions,
    &ballots::personal_data::Ballots,
    &statements::personal_data::Statements,
    &search::personal_data::SearchIndex,
    &privacy::Privacy,
];

/// Every kind of subject whose texts can be translated, in the order the list of missing
/// translations shows them.
pub static TRANSLATABLE: translations::Registry = &[
    &catalogue::translations::ConceptTexts,
    &catalogue::translations::VisionTexts,
    &catalogue::translations::GoalTexts,
    &catalogue::translations::FieldTexts,
    &catalogue::translations::MeasureTexts,
    &consultations::translations::ConsultationTexts,
    &contributions::translations::AnswerTexts,
    &statements::translations::ResponseTexts,
];

/// Every slice with searchable texts, in the order a rebuild of the search index runs them
/// (`beteiligung search rebuild`, and `serve` when the index is stale). A slice that publishes
/// texts adds itself here and calls `search::put`/`search::remove` on every change.
pub static SEARCHABLE: search::Registry = &[
    &catalogue::search::Catalogue,
    &contributions::search::Contributions,
    &statements::search::Statements,
];

/// Every problem code of the API, by layer: infrastructure first, then each slice's. The
/// README's table and the `code` enum of the OpenAPI document come from this list.
pub static PROBLEM_CODES: &[&[error::Code]] = &[
    error::codes::ALL,
    auth::problems::ALL,
    organisations::problems::ALL,
    catalogue::problems::ALL,
    consultations::problems::ALL,
    contributions::problems::ALL,
    ballots::problems::ALL,
    statements::problems::ALL,
    admin::problems::ALL,
];

/// Every route of the API, registered once: the router and the OpenAPI document both come
/// from this function.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(http::ops::routes).service(
        scope::scope("/api/v1")
            .configure(catalogue::routes::routes)
            .configure(consultations::routes::routes)
            .configure(auth::routes::routes)
            .configure(auth::me::routes)
            .configure(auth::consent::routes)
            .configure(privacy::routes)
            .configure(organisations::routes::routes)
            .configure(organisations::members::routes)
            .configure(contributions::routes::routes)
            .configure(ballots::routes::routes)
            .configure(statements::routes::routes)
            .configure(search::routes::routes)
            .service(
                scope::scope("/moderation")
                    .wrap(from_fn(auth::extract::require::<auth::extract::Staff>))
                    .configure(organisations::moderation::routes)
                    .configure(contributions::moderation::routes)
                    .configure(statements::moderation::routes)
                    .configure(admin::facilitators::routes),
            )
            .service(
                scope::scope("/admin")
                    .wrap(from_fn(auth::extract::require::<auth::extract::Admin>))
                    .configure(admin::routes::routes)
                    .configure(catalogue::admin::routes)
                    .configure(consultations::routes::admin_routes)
                    .configure(admin::audit_log::routes)
                    .configure(admin::translations::routes),
            ),
    );
}

/// The OpenAPI document as the code defines it (what `beteiligung openapi` prints).
pub fn api_doc() -> utoipa::openapi::OpenApi {
    let api = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts()
        .1;
    complete_doc(api)
}

/// The document the routes wrote, completed with what is said once for all of them, and with
/// the export's schema assembled from every slice's section.
fn complete_doc(api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let api = privacy::export::document(api, PERSONAL_DATA);
    openapi::complete(
        api,
        PROBLEM_CODES,
        auth::limits::LIMITED_OPERATIONS,
        auth::consent::WITHOUT_CONSENT,
    )
}

/// The OpenAPI document this binary serves at `/openapi.json`: `openapi/openapi.json` as
/// committed, which `committed_openapi_document_matches_the_code` keeps equal to what the
/// routes generate ([`api_doc_json`]). Building the document costs about 25 MiB for a moment
/// and keeping it about 20 MiB per worker; served from the binary it costs neither, and every
/// request gets the same bytes without serialising anything.
pub const OPENAPI_JSON: &str = include_str!("../openapi/openapi.json");

async fn openapi_json() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(OPENAPI_JSON)
}

/// The OpenAPI document as pretty JSON with a trailing newline, exactly as committed in
/// `openapi/openapi.json`.
pub fn api_doc_json() -> String {
    let mut json = api_doc()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

/// Loads the demo data into an empty database — the demo catalogue and one consultation over
/// it — and does nothing when a catalogue is there (so seeding twice changes nothing).
pub fn seed_demo(
    conn: &mut db::DbConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> error::ApiResult<Option<catalogue::store::ImportSummary>> {
    db::write_transaction(conn, |conn| {
        let Some(summary) = catalogue::seed_demo(conn, now.naive_utc())? else {
            return Ok(None);
        };
        let draft = consultations::demo_draft(conn, now)?;
        consultations::store::insert(conn, now.naive_utc(), &draft)?;
        Ok(Some(summary))
    })
}

/// Builds the application for one worker (used by `serve` and by the tests).
pub fn build_app(
    state: &AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new()
        .app_data(http::json_config(state.settings.json_limit_bytes))
        .app_data(http::query_config())
        .app_data(http::path_config())
        .app_data(web::PayloadConfig::new(state.settings.json_limit_bytes))
        .app_data(web::Data::new(state.db.clone()))
        .app_data(web::Data::new(state.metrics.clone()))
        .app_data(web::Data::new(state.catalogue_cache.clone()))
        .app_data(web::Data::new(state.contribution_cache.clone()))
        .app_data(web::Data::new(state.voting_cache.clone()))
        .app_data(web::Data::new(state.auth.clone()))
        .app_data(web::Data::new(state.statement_desk.clone()))
        .app_data(web::Data::new(state.privacy.clone()))
        .app_data(web::Data::new(state.clock.clone()))
        .app_data(web::Data::new(state.request_limits()))
        .app_data(web::Data::new(state.readiness_notes()))
        .app_data(web::Data::new(PERSONAL_DATA))
        .app_data(web::Data::new(TRANSLATABLE))
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    // What the registration collected gives the routes for 405 and is dropped here: the
    // document served is the committed one (below), not one built per worker.
    let table = http::RouteTable::from_openapi(&api);
    drop(api);
    app.app_data(web::Data::new(table))
        .service(
            web::resource("/openapi.json")
                .guard(actix_web::guard::Get())
                .to(openapi_json),
        )
        // No validator badge: it would make every visitor's browser call a third-party site.
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/openapi.json"]).validator_url("none")),
        )
        .default_service(web::to(http::fallback))
        .wrap(http::cors(&state.settings.cors_origins))
        .wrap(from_fn(http::observe))
}

#[cfg(test)]
mod problem_words {
    /// Every problem speaks German and English: a title and a meaning in each, and the German
    /// words are not the English ones copied.
    #[test]
    fn every_problem_code_has_its_own_german_and_english_words() {
        for c in super::PROBLEM_CODES.iter().flat_map(|codes| codes.iter()) {
            let (de, en) = (c.de, c.en);
            for words in [de.0, de.1, en.0, en.1] {
                assert!(!words.trim().is_empty(), "{}: empty wording", c.code);
            }
            assert_ne!(
                de.0, en.0,
                "{}: the German title is the English one",
                c.code
            );
            assert_ne!(
                de.1, en.1,
                "{}: the German meaning is the English one",
                c.code
            );
        }
    }
}
