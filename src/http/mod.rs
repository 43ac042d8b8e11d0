//! HTTP plumbing shared by every slice: request ids, the request log line, metrics, the
//! problem+json shape for errors that actix itself produces, CORS, and the fallback that
//! answers 404 or 405.

pub mod cache;
pub mod download;
pub mod metrics;
pub mod ops;
pub mod pagination;

use crate::error::{ApiError, FieldError, Text, PROBLEM_JSON};
use crate::language::Preferences;
use actix_http::BoxedPayloadStream;
use actix_web::body::MessageBody;
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
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
/// that id, bounds the time its body may take to arrive, turns any error response that is not
/// yet problem+json into one, sets the common headers, records metrics and writes one log line.
///
/// The log line has method, route pattern, status and latency — never the query string,
/// headers or body, so no e-mail address or token reaches the log. Method and route come from
/// bounded sets ([`method_label`], the route patterns), so neither the metrics nor a log line
/// grow with what a client sends.
pub async fn observe(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = method_label(req.method());
    let private = is_private(&req);
    let docs = req.path().starts_with("/docs");
    let preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    // HEAD is GET without the body: routed as GET, and actix's encoder leaves the body out
    // (it knows the request was HEAD), keeping `Content-Length`.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    let metrics = req.app_data::<web::Data<metrics::Metrics>>().cloned();
    let network = req
        .app_data::<web::Data<RequestLimits>>()
        .filter(|limits| limits.log_client_network)
        .and_then(|_| req.peer_addr())
        .map(|peer| client_network(peer.ip()));
    let body = match req.app_data::<web::Data<RequestLimits>>() {
        Some(limits) => {
            let within = limits.body_read_timeout;
            with_deadline(&mut req, within)
        }
        None => None,
    };
    let span = tracing::info_span!("request", request_id = %id);
    // `lang` chooses the language of every answer: one that is no language tag is refused
    // here, for every route, rather than silently read as German.
    let res = match invalid_lang(req.query_string()) {
        Some(problem) => req
            .into_response(actix_web::ResponseError::error_response(&problem))
            .map_into_boxed_body(),
        None => next
            .call(req)
            .instrument(span.clone())
            .await?
            .map_into_boxed_body(),
    };
    // A preflight that CORS refuses (an origin not on the list, a header not allowed) is
    // answered like any other: 200 without `Access-Control-Allow-*`, so the browser blocks the
    // request. actix-cors answers 400, which tells a browser nothing more and reads as a
    // server complaint about a well-formed request.
    let res = if preflight && res.status() == StatusCode::BAD_REQUEST {
        let (req, _) = res.into_parts();
        ServiceResponse::new(req, HttpResponse::Ok().finish()).map_into_boxed_body()
    } else {
        res.map_into_boxed_body()
    };

    // Problems are rendered in the reader's language here, the one place that sees both the
    // request and the error: the error was put into the response by `ApiError`, and a status
    // actix answered on its own becomes a problem now.
    let lang = Preferences::of(res.request()).interface();
    let rendered = res.response().extensions().get::<ApiError>().cloned();
    let res = if needs_problem_body(&res) {
        let (req, original) = res.into_parts();
        let problem = ApiError::from_status(original.status(), original.headers());
        ServiceResponse::new(req, problem.response_in(lang)).map_into_boxed_body()
    } else if let Some(problem) = rendered {
        let body = serde_json::to_vec(&problem.body(lang)).unwrap_or_default();
        let mut res = res.map_body(|_, _| actix_web::body::BoxBody::new(body));
        res.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.as_str()),
        );
        res
    } else {
        res
    };
    let mut res = res.map_body(|_, answer| HoldingBody { answer, body });
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Problems, and texts the city translates, depend on the reader's languages: one `Vary`
    // that names `Accept-Language` besides what it named before (CORS names `Origin`).
    let vary: Vec<String> = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if !vary
        .iter()
        .any(|v| v == "*" || v.eq_ignore_ascii_case("accept-language"))
    {
        let joined = vary
            .into_iter()
            .chain(["Accept-Language".to_owned()])
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(value) = HeaderValue::from_str(&joined) {
            headers.insert(header::VARY, value);
        }
    }
    if private
        && !headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-store"))
    {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if docs {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }

    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe(method, &route, status, elapsed);
    }
    span.in_scope(|| match &network {
        None => tracing::info!(
            target: "http",
            method = %method,
            route = %route,
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        ),
        Some(network) => tracing::info!(
            target: "http",
            method = %method,
            route = %route,
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            client_network = %network,
            "request"
        ),
    });
    Ok(res)
}

/// A response's body that keeps its request's unread body alive until it is sent, so actix
/// closes the connection instead of draining the rest (see [`SharedPayload`]).
struct HoldingBody {
    answer: actix_web::body::BoxBody,
    /// Only held, never read: its being alive is what counts.
    #[allow(dead_code)]
    body: Option<SharedPayload>,
}

impl MessageBody for HoldingBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> actix_web::body::BodySize {
        self.answer.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<web::Bytes, Self::Error>>> {
        Pin::new(&mut self.answer).poll_next(cx)
    }
}

/// The Content-Security-Policy of Swagger UI (`/docs/`): its own scripts and styles only, no
/// third party, and no framing (clickjacking).
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Answers that may carry tokens or personal data must not be kept by any cache: every
/// request with credentials, and every answer of the sign-in endpoints.
fn is_private(req: &ServiceRequest) -> bool {
    req.headers().contains_key(header::AUTHORIZATION) || req.path().starts_with("/api/v1/auth/")
}

/// The method as metrics and logs name it: one of the standard methods, or `other`. A client
/// can send any token as a method (60,000 characters of it); it must not become a label.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// Limits on how requests arrive, shared by the workers of a node.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    /// The time a request body may take to arrive, from the end of its headers.
    pub body_read_timeout: Duration,
    /// Whether the request log line carries the client's network (`LOG_CLIENT_NETWORK`): the
    /// peer address truncated to /24 (IPv4) or /48 (IPv6), never the whole address.
    pub log_client_network: bool,
}

/// The network of `ip` as the log may show it: IPv4 to /24, IPv6 to /48.
pub fn client_network(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => client_network(std::net::IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        },
    }
}

/// The slowest upload rate a body is given time for beyond [`RequestLimits::body_read_timeout`]:
/// a body announced with `Content-Length` may take `timeout + length / rate` (as Apache's
/// `mod_reqtimeout` `MinRate`), so an 8 MiB catalogue file is not cut off at 15 s.
pub const BODY_MIN_RATE_BYTES_PER_SEC: u64 = 64 * 1024;

/// The request body of a request, read through [`Deadline`]. The middleware keeps a second
/// handle and hands it to the response (see [`observe`]), so a body that is not read to its
/// end — the handler refused early, or the deadline passed — is still held when actix decides
/// about the connection: it then closes it instead of draining (and, for a chunked body,
/// waiting for) the rest of the body without any time limit.
type SharedPayload = Rc<RefCell<Payload>>;

/// `payload`, failing with a timeout once `within` has passed before its end arrived: a client
/// trickling a body one byte every 30 s no longer holds its connection open indefinitely.
fn with_deadline(req: &mut ServiceRequest, within: Duration) -> Option<SharedPayload> {
    let payload = req.take_payload();
    if matches!(payload, Payload::None) {
        req.set_payload(payload);
        return None;
    }
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let within = within + Duration::from_secs(announced / BODY_MIN_RATE_BYTES_PER_SEC);
    let inner = Rc::new(RefCell::new(payload));
    let stream: BoxedPayloadStream = Box::pin(Deadline {
        inner: inner.clone(),
        timer: Box::pin(actix_web::rt::time::sleep(within)),
    });
    req.set_payload(Payload::from(stream));
    Some(inner)
}

struct Deadline {
    inner: SharedPayload,
    timer: Pin<Box<actix_web::rt::time::Sleep>>,
}

impl futures_util::Stream for Deadline {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut *self.inner.borrow_mut()).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A failed body read as the client sees it: 408 when it was too slow, 400 otherwise.
pub fn payload_error(e: PayloadError) -> ApiError {
    if timed_out(&e) {
        request_timeout()
    } else {
        unreadable_body(&e)
    }
}

/// 400: the body could not be read; `cause` is the reader's words (English only).
fn unreadable_body(cause: &dyn std::fmt::Display) -> ApiError {
    crate::error::codes::MALFORMED_BODY.with_detail(Text::format(
        format!("Der Inhalt der Anfrage konnte nicht gelesen werden: {cause}."),
        format!("The request body could not be read: {cause}."),
    ))
}

/// 413 with the limit a body passed.
pub fn too_large(limit: usize) -> ApiError {
    crate::error::codes::PAYLOAD_TOO_LARGE.with_detail(Text::format(
        format!("Der Inhalt der Anfrage ist größer als {limit} Bytes."),
        format!("The request body is larger than {limit} bytes."),
    ))
}

/// The whole body of a request that may be larger than a JSON body (files), read as it
/// arrives and refused with 413 (`detail`) as soon as it passes `limit` bytes.
pub async fn read_limited(
    mut payload: web::Payload,
    limit: usize,
    detail: impl FnOnce() -> Text,
) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(payload_error)?;
        if body.len() + chunk.len() > limit {
            return Err(crate::error::codes::PAYLOAD_TOO_LARGE.with_detail(detail()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether a body read failed because the client was too slow.
fn timed_out(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// The answer to a request that announces (`Expect: 100-continue`) a body larger than the
/// limit: 413 at once, before the client sends it.
pub fn refuse_announced_body(
    head: &actix_web::dev::RequestHead,
    limit: usize,
) -> Option<HttpResponse> {
    let announced = head
        .headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .unwrap_or(u64::MAX);
    (announced > limit as u64)
        .then(|| too_large(limit).response_in(Preferences::of_head(head).interface()))
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
        use crate::error::codes;
        let code = match status.as_u16() {
            400 => codes::BAD_REQUEST,
            401 => codes::UNAUTHORIZED,
            403 => codes::FORBIDDEN,
            404 => codes::NOT_FOUND,
            405 => codes::METHOD_NOT_ALLOWED,
            406 => codes::NOT_ACCEPTABLE,
            408 => codes::REQUEST_TIMEOUT,
            413 => codes::PAYLOAD_TOO_LARGE,
            414 => codes::URI_TOO_LONG,
            415 => codes::UNSUPPORTED_MEDIA_TYPE,
            429 => codes::RATE_LIMITED,
            503 => codes::SERVICE_UNAVAILABLE,
            s if s >= 500 => codes::INTERNAL_ERROR,
            _ => codes::BAD_REQUEST,
        };
        let mut e = code.problem();
        // A rare client error without a code of its own (e.g. 411) keeps its status.
        e.status = status;
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
        | JsonPayloadError::Overflow { limit } => too_large(limit),
        JsonPayloadError::ContentType => crate::error::codes::UNSUPPORTED_MEDIA_TYPE.problem(),
        JsonPayloadError::Deserialize(e) if e.is_data() => data_error(e.to_string(), ""),
        JsonPayloadError::Payload(e) if timed_out(&e) => request_timeout(),
        JsonPayloadError::Deserialize(e) => {
            crate::error::codes::MALFORMED_JSON.with_detail(Text::format(
                format!("Der Inhalt der Anfrage ist kein gültiges JSON: {e}."),
                format!("The request body is not valid JSON: {e}."),
            ))
        }
        other => unreadable_body(&other),
    }
}

/// A JSON request body. Like `web::Json` (same limits, content type and errors for malformed
/// JSON), but a value of the wrong type or an unknown enum variant is reported with the path of
/// its field (`voting_rules.option_kind`, `fields[2].code`) instead of `body`: the body is
/// read as JSON first, then turned into `T` with the path tracked.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Turns a parsed JSON value into `T`, naming the field of the first problem.
fn typed<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| data_error(e.inner().to_string(), &e.path().to_string()))
}

/// JSON Schema counts `777.0` as an integer; serde would refuse it for an integer field. Whole
/// numbers written with a fraction (within the range a double holds exactly) become integers.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0)
            {
                *value = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// A 400 for a body of the wrong shape: serde's `message` about the value at `path` (`.` or
/// empty for the body itself), with the field it concerns and a stable rule code.
fn data_error(message: String, path: &str) -> ApiError {
    let code = if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("missing field") {
        "missing_field"
    } else {
        "invalid_value"
    };
    // For an unknown or missing field the path is its parent; the message names the field.
    let field = match (field_in(&message), path) {
        (Some(name), "." | "") => name,
        (Some(name), parent) if code == "missing_field" => format!("{parent}.{name}"),
        (_, "." | "") => "body".to_owned(),
        (_, path) => path.to_owned(),
    };
    let message = match code {
        "unknown_field" => Text::format(format!("ist hier nicht vorgesehen ({message})"), message),
        "missing_field" => Text::format(format!("fehlt ({message})"), message),
        _ => Text::format(format!("hat einen ungültigen Wert ({message})"), message),
    };
    ApiError::validation(vec![FieldError::new(field, code, message)])
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await.map_err(|e| {
                e.as_error::<ApiError>()
                    .cloned()
                    .unwrap_or_else(|| crate::error::codes::MALFORMED_BODY.problem())
            })?;
            // Every request body of this API is an object; serde would also read a struct
            // from an array (`[null, null]`), which no client means.
            if !value.is_object() {
                return Err(ApiError::invalid_field(
                    "body",
                    "invalid_type",
                    Text::new("muss ein JSON-Objekt sein", "must be a JSON object"),
                ));
            }
            let mut value = value.into_inner();
            whole_numbers_as_integers(&mut value);
            typed(value).map(Json)
        })
    }
}

/// 408: the body did not arrive within the read timeout.
pub fn request_timeout() -> ApiError {
    crate::error::codes::REQUEST_TIMEOUT.problem()
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
        let json = Json::<T>::from_request(req, payload);
        Box::pin(async move { Ok(Body(json.await.map(Json::into_inner))) })
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let QueryPayloadError::Deserialize(e) = &err else {
            return crate::error::codes::INVALID_QUERY
                .with_detail(Text::format(
                    format!("Die Abfrage ist ungültig: {err}."),
                    format!("The query is invalid: {err}."),
                ))
                .into();
        };
        let message = e.to_string();
        let mut problem = crate::error::codes::INVALID_QUERY.problem();
        problem.errors = vec![FieldError::new(
            field_in(&message).unwrap_or_else(|| "query".into()),
            "invalid_query",
            Text::format(format!("ist ungültig ({message})"), message),
        )];
        problem.into()
    })
}

/// A path segment that cannot be an id (`/fields/abc`, `/fields/1e30`) names nothing: a plain
/// 404, without the parser's words.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|_: PathError, _req| ApiError::not_found(NOTHING_HERE).into())
}

/// The detail of every 404 for an address that names nothing.
pub const NOTHING_HERE: Text = crate::error::codes::NOT_FOUND.meaning();

/// The refusal of a query string whose `lang` is present but no language tag
/// ([`crate::language::TAG_PATTERN`]): 400 `invalid_query` naming the field.
fn invalid_lang(query: &str) -> Option<crate::error::ApiError> {
    let value = query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == "lang")?
        .1;
    if crate::language::is_tag(value) {
        return None;
    }
    let mut problem = crate::error::codes::INVALID_QUERY.problem();
    problem.errors = vec![crate::error::FieldError::new(
        "lang",
        "pattern",
        crate::error::Text::format(
            format!(
                "muss eine Sprachangabe sein ({})",
                crate::language::TAG_PATTERN
            ),
            format!("must be a language tag ({})", crate::language::TAG_PATTERN),
        ),
    )];
    Some(problem)
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
                let segments = segments(path)
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

    /// Methods allowed on `path`, or `None` when no route has this path. Segments are
    /// compared as they are: `/fields/` and `/api/v1//admin` name no route.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = segments(path).collect();
        let mut found: Option<Vec<Method>> = None;
        for (segments, methods) in &self.routes {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Param => !p.is_empty(),
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

/// A listening socket for the HTTP server, as actix-web's `HttpServer::bind` makes it: address
/// reuse and a backlog of 1024 pending connections.
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// The segments of a path after its leading slash, empty ones included.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
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
        _ => Err(ApiError::not_found(NOTHING_HERE)),
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
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::CONTENT_LANGUAGE,
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

#[cfg(test)]
mod client_network_tests {
    use super::client_network;

    #[test]
    fn the_log_sees_networks_never_whole_addresses() {
        assert_eq!(
            client_network("203.0.113.77".parse().unwrap()),
            "203.0.113.0/24"
        );
        assert_eq!(
            client_network("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1::/48"
        );
        assert_eq!(
            client_network("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.0/24"
        );
    }
}
