//! Every answer a test receives is checked against the OpenAPI document: its status must be
//! documented for the operation, and a JSON body must match the documented schema. So no
//! response can contradict the contract that generated clients rely on.

use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The document, as the code generates it.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(&beteiligung::api_doc_json()).expect("the document"))
}

/// The documented path template of `path`, if any (`/api/v1/fields/7` → `/api/v1/fields/{id}`).
fn template(path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = path.split('/').collect();
    let paths = spec()["paths"].as_object()?;
    // Literal segments win over parameters (`/organisations/mine` before `/{id}`).
    let mut best: Option<(&'static str, usize)> = None;
    for template in paths.keys() {
        let segments: Vec<&str> = template.split('/').collect();
        if segments.len() != parts.len() {
            continue;
        }
        let mut literal = 0;
        let fits = segments.iter().zip(&parts).all(|(s, p)| {
            if s.starts_with('{') {
                !p.is_empty()
            } else {
                literal += usize::from(s == p);
                s == p
            }
        });
        if fits && best.is_none_or(|(_, l)| literal > l) {
            best = Some((template.as_str(), literal));
        }
    }
    best.map(|(t, _)| t)
}

/// A JSON-pointer segment as it stands in a URI fragment.
fn escape(segment: &str) -> String {
    segment
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

type Validators = HashMap<String, jsonschema::Validator>;

/// Checks one answer; panics with what contradicts the contract.
pub fn check_response(
    method: &Method,
    path: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) {
    let Some(template) = template(path) else {
        return;
    };
    let verb = method.as_str().to_ascii_lowercase();
    let Some(operation) = spec()["paths"][template].get(&verb) else {
        return; // HEAD, OPTIONS and methods a route does not have: answered by the fallback.
    };
    let code = status.as_str();
    let Some(response) = operation["responses"].get(code) else {
        panic!("{method} {path}: status {code} is not documented for {method} {template}");
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    if body.is_empty() || !content_type.ends_with("json") {
        return;
    }
    let Some(media) = response["content"].get(&content_type) else {
        panic!("{method} {path} {code}: content type {content_type} is not documented");
    };
    if media.get("schema").is_none() {
        return;
    }
    let pointer = format!(
        "#/paths/{}/{verb}/responses/{code}/content/{}/schema",
        escape(template),
        escape(&content_type)
    );
    let value: Value = serde_json::from_slice(body).expect("a JSON body");
    static VALIDATORS: OnceLock<Mutex<Validators>> = OnceLock::new();
    let mut validators = VALIDATORS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let validator = validators.entry(pointer.clone()).or_insert_with(|| {
        let mut root = spec().clone();
        root["$ref"] = Value::String(pointer.clone());
        jsonschema::options()
            .build(&root)
            .unwrap_or_else(|e| panic!("schema at {pointer}: {e}"))
    });
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {code}: the body contradicts the contract: {errors:?}\nbody: {value}"
    );
}
