//! A per-node cache of public read responses, for data that changes rarely (the catalogue).
//!
//! Entries live at most `CATALOGUE_CACHE_TTL_SECS` and the cache is bounded in bytes, so with
//! several nodes a change made elsewhere shows everywhere within that time, and no query string
//! an attacker invents can grow it without bound. A node that changes cached data clears its
//! own cache at once ([`ResponseCache::clear`]). Every cached answer carries an `ETag`; a
//! matching `If-None-Match` gets `304 Not Modified`.

use crate::error::{ApiError, ApiResult};
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use std::any::Any;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

/// A serialized answer and its entity tag, and what it was made from when that is kept too.
pub struct CachedBody {
    body: Bytes,
    etag: String,
    parts: Option<Arc<dyn Any + Send + Sync>>,
    /// Bytes counted against the cache's bound, beyond the key.
    weight: usize,
}

impl CachedBody {
    fn of<T: Serialize>(value: &T) -> ApiResult<Self> {
        let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = format!("\"{:016x}-{:x}\"", hasher.finish(), body.len());
        Ok(Self {
            weight: body.len(),
            body: body.into(),
            etag,
            parts: None,
        })
    }

    /// The entity tag of the answer.
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// What the answer was made from, if it was kept as a `P`.
    pub fn parts<P: Any + Send + Sync>(&self) -> Option<Arc<P>> {
        self.parts.clone()?.downcast().ok()
    }
}

/// The entity tag of a representation: what a GET of it answers, and what the `If-Match` of a
/// change to it is compared with.
pub fn etag_of<T: Serialize>(value: &T) -> String {
    // Serialising the API's own response types cannot fail.
    CachedBody::of(value).map(|c| c.etag).unwrap_or_default()
}

/// An `If-Match` precondition (RFC 9110, section 13.1.1): `*` or a list of entity tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current representation.
    Any,
    /// The tags the client accepts, as sent (with their quotes; weak ones keep their `W/`).
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses the header's value; `None` when it is neither `*` nor a comma-separated list of
    /// entity tags (`W/`? `"` etagc* `"`, where etagc is a visible character other than `"`
    /// — commas included, so the list is split by its quotes, not by its commas).
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim_matches([' ', '\t']);
        if value == "*" {
            return Some(Self::Any);
        }
        let mut tags = Vec::new();
        let mut rest = value;
        loop {
            let weak = rest.starts_with("W/");
            let opaque = rest.strip_prefix("W/").unwrap_or(rest).strip_prefix('"')?;
            let end = opaque.find('"')?;
            if !opaque[..end]
                .bytes()
                .all(|b| b == b'!' || (b'#'..=b'~').contains(&b))
            {
                return None;
            }
            let tag_len = usize::from(weak) * 2 + end + 2;
            tags.push(rest[..tag_len].to_owned());
            rest = rest[tag_len..].trim_start_matches([' ', '\t']);
            if rest.is_empty() {
                return Some(Self::Tags(tags));
            }
            rest = rest.strip_prefix(',')?.trim_start_matches([' ', '\t']);
        }
    }

    /// Whether the current representation with entity tag `current` satisfies the condition:
    /// `*` always (the object exists), otherwise a listed tag equal to it by strong
    /// comparison — a weak tag (`W/"…"`) never matches.
    pub fn matches(&self, current: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| !t.starts_with("W/") && t == current),
        }
    }
}

/// The `If-Match` header a change must carry (RFC 9110), so that two administrators cannot
/// overwrite each other silently: 428 `precondition_required` without it, 400 when it is
/// neither `*` nor a list of entity tags.
pub fn required_if_match(req: &HttpRequest) -> ApiResult<IfMatch> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| crate::error::codes::PRECONDITION_REQUIRED.problem())?;
    IfMatch::parse(value).ok_or_else(|| {
        crate::error::codes::BAD_REQUEST.with_detail(crate::error::Text::new(
            "`If-Match` muss `*` oder eine durch Kommas getrennte Liste von Entity-Tags sein.",
            "`If-Match` must be `*` or a comma-separated list of entity tags.",
        ))
    })
}

/// 412: the object changed since the version the client saw.
pub fn stale() -> ApiError {
    crate::error::codes::PRECONDITION_FAILED.problem()
}

/// A JSON answer with the entity tag of its body.
pub fn with_etag<T: Serialize>(mut res: actix_web::HttpResponseBuilder, value: &T) -> HttpResponse {
    res.insert_header((header::ETAG, etag_of(value)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(value)
}

/// The cache; disabled when built with a zero time to live.
#[derive(Clone)]
pub struct ResponseCache {
    inner: Option<moka::future::Cache<String, Arc<CachedBody>>>,
    /// Part of every key and moved on by [`ResponseCache::clear`]: a load that started before a
    /// change and ends after its clear stores its (old) answer under a key nobody asks for
    /// again, so after a change has answered, this node never serves what it replaced.
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl ResponseCache {
    pub fn new(ttl: Duration, max_bytes: u64) -> Self {
        let inner = (!ttl.is_zero()).then(|| {
            moka::future::Cache::builder()
                .time_to_live(ttl)
                .max_capacity(max_bytes)
                .weigher(|key: &String, value: &Arc<CachedBody>| {
                    u32::try_from(key.len() + value.weight).unwrap_or(u32::MAX)
                })
                .build()
        });
        Self {
            inner,
            generation: Arc::default(),
        }
    }

    pub fn disabled() -> Self {
        Self {
            inner: None,
            generation: Arc::default(),
        }
    }

    /// Answers `req` with the JSON of `load()`, from the cache when a fresh entry exists.
    /// Concurrent misses for the same address share one load. Errors are not cached.
    pub async fn json<T, F, Fut>(&self, req: &HttpRequest, load: F) -> ApiResult<HttpResponse>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<T>>,
    {
        let entry = self
            .get_with(self.key(req, ""), async { CachedBody::of(&load().await?) })
            .await?;
        Ok(respond(req, &entry))
    }

    /// The entry for `req`: its JSON answer, and the `parts` it was made from (loaded together
    /// on a miss, as `load` returns them), for callers that build other answers from them.
    /// Answer it with [`ResponseCache::respond`].
    pub async fn entry<T, P, F, Fut>(
        &self,
        req: &HttpRequest,
        load: F,
    ) -> ApiResult<Arc<CachedBody>>
    where
        T: Serialize,
        P: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<(T, P)>>,
    {
        self.get_with(self.key(req, ""), async {
            let (answer, parts) = load().await?;
            let mut entry = CachedBody::of(&answer)?;
            // The parts hold about what the answer says.
            entry.weight *= 2;
            entry.parts = Some(Arc::new(parts));
            Ok(entry)
        })
        .await
    }

    /// A value that is not an answer by itself, kept for `req` within `scope` (for example
    /// one reader's share of a page) as long as answers are, and forgotten with them; `load`
    /// gives it with the bytes it holds about.
    pub async fn value<P, F, Fut>(
        &self,
        req: &HttpRequest,
        scope: &str,
        load: F,
    ) -> ApiResult<Arc<P>>
    where
        P: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<(P, usize)>>,
    {
        let entry = self
            .get_with(self.key(req, scope), async {
                let (value, weight) = load().await?;
                Ok(CachedBody {
                    body: Bytes::new(),
                    etag: String::new(),
                    parts: Some(Arc::new(value)),
                    weight,
                })
            })
            .await?;
        entry
            .parts()
            .ok_or_else(|| ApiError::internal("a cached value of another type"))
    }

    /// Answers `req` with a cached entry (`304` for a current `If-None-Match`).
    pub fn respond(&self, req: &HttpRequest, entry: &CachedBody) -> HttpResponse {
        respond(req, entry)
    }

    async fn get_with(
        &self,
        key: String,
        load: impl Future<Output = ApiResult<CachedBody>>,
    ) -> ApiResult<Arc<CachedBody>> {
        match &self.inner {
            None => Ok(Arc::new(load.await?)),
            Some(cache) => cache
                .try_get_with(key, async { load.await.map(Arc::new) })
                .await
                .map_err(|e| (*e).clone()),
        }
    }

    /// Forgets every entry (after this node changed cached data).
    pub fn clear(&self) {
        if let Some(cache) = &self.inner {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            cache.invalidate_all();
        }
    }

    /// The entry's key: the address and the reader's languages (answers hold texts in them),
    /// normalised so that equal preferences share one entry however the header was written.
    fn key(&self, req: &HttpRequest, scope: &str) -> String {
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let languages = crate::language::Preferences::of(req).key();
        format!("{generation} {scope} {languages} {}", req.uri())
    }
}

fn respond(req: &HttpRequest, entry: &CachedBody) -> HttpResponse {
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == entry.etag || tag.trim() == "*")
        });
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        let mut ok = HttpResponse::Ok();
        ok.content_type("application/json");
        ok
    };
    if let Ok(etag) = HeaderValue::from_str(&entry.etag) {
        res.insert_header((header::ETAG, etag));
    }
    // Clients may keep the answer but must revalidate it, which costs them a 304 at most.
    res.insert_header((header::CACHE_CONTROL, "no-cache"));
    // Texts in the answer follow the reader's languages.
    res.insert_header((header::VARY, "Accept-Language"));
    if matches {
        res.finish()
    } else {
        res.body(entry.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::IfMatch;

    #[test]
    fn if_match_lists_are_split_by_their_quotes() {
        assert_eq!(IfMatch::parse("*"), Some(IfMatch::Any));
        assert_eq!(
            IfMatch::parse("\"a,b\" ,\tW/\"c\",\"\""),
            Some(IfMatch::Tags(vec![
                "\"a,b\"".into(),
                "W/\"c\"".into(),
                "\"\"".into()
            ]))
        );
        for bad in [
            "",
            "0",
            "\"a",
            "\"a\" \"b\"",
            "\"a\",",
            "\"\tx\"",
            "W/x",
            "\"a\";",
        ] {
            assert_eq!(IfMatch::parse(bad), None, "{bad:?}");
        }
        let tags = IfMatch::parse("\"x\", W/\"y\"").unwrap();
        assert!(tags.matches("\"x\""));
        assert!(!tags.matches("\"y\""), "weak tags never match strongly");
    }
}
