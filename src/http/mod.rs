//! HTTP plumbing shared by every slice: request ids, the request log line, metrics, the
//! problem+json shape for errors that actix itself produces, CORS, and the fallback that
//! answers 404 or 405.

pub mod cache;
pub mod metrics;
pub mod ops;
pub mod pagination;

use crate::error::{ApiError, FieldError, PROBLEM_JSON};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use std::time::Instant;
use tracing::Instrument;

/// Header carrying the request id, accepted from the client when well-formed.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Outermost middleware: gives every request an id, runs it inside a tracing span carrying
/// that id, turns any error response that is not yet problem+json into one, sets the common
/// headers, records metrics and writes one log line.
///
/// The log line has method, route pattern, status and latency — never the query string,
/// headers or body, so no e-mail address or token reaches the log.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    let metrics = req.app_data::<web::Data<metrics::Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %id);
    let res = next.call(req).instrument(span.clone()).await?;

    let mut res = if needs_problem_body(&res) {
        let (req, original) = res.into_parts();
        let problem = ApiError::from_status(original.status(), original.headers());
        ServiceResponse::new(req, problem.error_response()).map_into_right_body()
    } else {
        res.map_into_left_body()
    };
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );

    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe(method.as_str(), &route, status, elapsed);
    }
    span.in_scope(|| {
        tracing::info!(
            target: "http",
            method = %method,
            route = %route,
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    });
    Ok(res)
}

fn needs_problem_body<B>(res: &ServiceResponse<B>) -> bool {
    let status = res.status();
    (status.is_client_error() || status.is_server_error())
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_none_or(|ct| ct.as_bytes() != PROBLEM_JSON.as_bytes())
}

impl ApiError {
    /// The generic problem for a status that some part of actix answered on its own.
    pub fn from_status(status: StatusCode, headers: &header::HeaderMap) -> Self {
        let (code, title, detail): (&'static str, &'static str, &'static str) =
            match status.as_u16() {
                400 => (
                    "bad_request",
                    "Bad request",
                    "The request could not be understood.",
                ),
                401 => (
                    "unauthorized",
                    "Unauthorized",
                    "A valid access token is required.",
                ),
                403 => ("forbidden", "Forbidden", "You may not do this."),
                404 => (
                    "not_found",
                    "Not found",
                    "There is nothing at this address.",
                ),
                405 => (
                    "method_not_allowed",
                    "Method not allowed",
                    "This resource does not allow this method.",
                ),
                406 => (
                    "not_acceptable",
                    "Not acceptable",
                    "This resource answers only JSON.",
                ),
                408 => (
                    "request_timeout",
                    "Request timeout",
                    "The request took too long to arrive.",
                ),
                413 => (
                    "payload_too_large",
                    "Payload too large",
                    "The request body is too large.",
                ),
                414 => (
                    "uri_too_long",
                    "URI too long",
                    "The request address is too long.",
                ),
                415 => (
                    "unsupported_media_type",
                    "Unsupported media type",
                    "The request body must be application/json.",
                ),
                429 => (
                    "rate_limited",
                    "Too many requests",
                    "Too many requests; try again later.",
                ),
                503 => (
                    "service_unavailable",
                    "Service unavailable",
                    "The service is unavailable; try again shortly.",
                ),
                s if s >= 500 => (
                    "internal_error",
                    "Internal server error",
                    "Something went wrong on our side. The request id identifies it in our logs.",
                ),
                _ => (
                    "bad_request",
                    "Bad request",
                    "The request was not accepted.",
                ),
            };
        let mut e = ApiError::new(status, code, title, detail);
        e.allow = headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        e.retry_after = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        e
    }
}

/// The name of the field a serde message is about, when it names one.
fn field_in(message: &str) -> Option<String> {
    for marker in ["unknown field `", "missing field `", "duplicate field `"] {
        if let Some(rest) = message.split(marker).nth(1) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    None
}

/// Malformed, mistyped or oversized JSON bodies answer like every other error.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(true)
        .content_type(|mime| mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            format!("The request body is larger than {limit} bytes."),
        ),
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "The request body must be JSON, sent with Content-Type: application/json.",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            let code = if message.starts_with("unknown field") {
                "unknown_field"
            } else if message.starts_with("missing field") {
                "missing_field"
            } else {
                "invalid_value"
            };
            ApiError::validation(vec![FieldError {
                field: field_in(&message).unwrap_or_else(|| "body".into()),
                code: code.into(),
                message,
            }])
        }
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(
            "malformed_json",
            format!("The request body is not valid JSON: {e}."),
        ),
        other => ApiError::bad_request(
            "malformed_body",
            format!("The request body could not be read: {other}."),
        ),
    }
}

/// Bad query strings (wrong type, unknown enum value) answer 400 with the parameter named.
/// A JSON body whose errors are answered only when the handler asks for it
/// ([`Body::into_inner`]), after its authorisation checks. Extractors run concurrently, and
/// reading a body is quicker than looking up a session: with `web::Json` a caller who may not
/// do something would learn what is wrong with their body instead, or not, depending on which
/// finished first. With `Body` the answer is the same every time: first who may, then what.
pub struct Body<T>(Result<T, ApiError>);

impl<T> Body<T> {
    /// The parsed body, or the problem with it (400, 413, 415) as `web::Json` would answer.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            Ok(Body(json.await.map(web::Json::into_inner).map_err(|e| {
                e.as_error::<ApiError>().cloned().unwrap_or_else(|| {
                    ApiError::bad_request("malformed_body", "The request body could not be read.")
                })
            })))
        })
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let QueryPayloadError::Deserialize(e) = &err else {
            return ApiError::bad_request("invalid_query", err.to_string()).into();
        };
        let message = e.to_string();
        let mut problem = ApiError::invalid_field(
            &field_in(&message).unwrap_or_else(|| "query".into()),
            "invalid_query",
            message,
        );
        problem.code = "invalid_query";
        problem.title = "Invalid query parameter";
        problem.detail = "A query parameter is invalid; see `errors`.".into();
        problem.into()
    })
}

/// A path segment that cannot be an id (`/fields/abc`) names nothing: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        ApiError::not_found(format!("There is nothing at this address ({err}).")).into()
    })
}

/// The routes the API serves, with their methods, to tell 405 from 404.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<Method>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

impl RouteTable {
    /// Built from the OpenAPI document, which comes from the same registration as the router.
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        if s.starts_with('{') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// Methods allowed on `path`, or `None` when no route has this path.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut found: Option<Vec<Method>> = None;
        for (segments, methods) in &self.routes {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Param => true,
                    Segment::Literal(l) => l == p,
                });
            if matches {
                found
                    .get_or_insert_with(Vec::new)
                    .extend(methods.iter().cloned());
            }
        }
        found
    }
}

/// Answers requests no route took: 405 with `Allow` when the path exists, otherwise 404.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match table.allowed(req.path()) {
        Some(methods) if !methods.is_empty() => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            Err(ApiError::method_not_allowed(allow))
        }
        _ => Err(ApiError::not_found("There is nothing at this address.")),
    }
}

/// CORS for the allow-listed origins of third-party frontends; other origins get no CORS
/// headers, so browsers keep their pages from reading our answers.
pub fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            REQUEST_ID,
        ])
        .expose_headers([
            REQUEST_ID,
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
