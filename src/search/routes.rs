//! `GET /api/v1/search`: the public search. Only what the public may read is in the index
//! (visible comments and proposals, published statements, current catalogue texts), so the
//! search shows anybody exactly what the public lists show them.

use super::{excerpt, find, Hit, Kind, Query, MAX_RESULTS};
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::pagination::{Page, PageCursor, PageParams};
use crate::language::{LangParam, Preferences};
use actix_web::{get, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

/// Routes relative to `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(search);
}

/// Most characters of a result's excerpt (whole words, plus `…` where it is cut).
const EXCERPT: usize = 200;

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to find, 2…200 characters, at most 8 words. Case, umlauts and accents do not
    /// matter ("sprachforderung" finds "Sprachförderung"); words of three letters or more also
    /// find longer words they begin ("sprach" finds "Sprachförderung"); all words must occur.
    /// Punctuation and operators are not search syntax: only letters and digits are searched.
    #[param(min_length = 2, max_length = 200)]
    pub q: String,
    /// Only results of this kind.
    #[param(inline)]
    pub kind: Option<Kind>,
    /// Only proposals, statements and comments of this consultation (the catalogue belongs to
    /// no consultation, so measures and fields are not found with this filter).
    #[param(minimum = 1)]
    pub consultation_id: Option<i64>,
}

/// One search result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchResult {
    pub kind: Kind,
    /// The id of the measure, field, proposal, statement or comment.
    pub id: i64,
    /// The title (measures, fields, proposals, statements); `null` for comments.
    pub title: Option<String>,
    /// A passage of the text around the first match (or its beginning), at most about 200
    /// characters.
    pub excerpt: String,
    /// The language of the matched text: `de` for the city's originals, the translation's
    /// language, or `und` (undetermined) for what participants wrote.
    pub language: String,
    /// Whether the matched text is a translation of the original.
    pub translation: bool,
    /// The consultation of a proposal, statement or comment.
    pub consultation_id: Option<i64>,
    /// The field of action: of a measure, of a proposal, of a statement on a field, of a
    /// comment on a field.
    pub field_id: Option<i64>,
    /// The measure: itself, or what a comment or statement is about.
    pub measure_id: Option<i64>,
}

/// Position in a ranked result list: how many results came before. Ranks are no stable key
/// (they change with every text), so the cursor carries the position; a text added between
/// two pages may shift the list by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position(i64);

impl PageCursor for Position {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("s1:{}", self.0))
    }

    fn decode(raw: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let offset: i64 = text.strip_prefix("s1:")?.parse().ok()?;
        (0..MAX_RESULTS).contains(&offset).then_some(Self(offset))
    }
}

fn result(hit: Hit, terms: &[String]) -> SearchResult {
    SearchResult {
        kind: Kind::from_stored(&hit.kind).unwrap_or(Kind::Comment),
        id: hit.subject_id,
        title: (!hit.title.is_empty()).then_some(hit.title),
        excerpt: excerpt(&hit.body, terms, EXCERPT),
        language: hit.language,
        translation: hit.translation,
        consultation_id: hit.consultation_id,
        field_id: hit.field_id,
        measure_id: hit.measure_id,
    }
}

/// Search measures, fields of action, proposals, published statements and visible comments
/// (Suche), best matches first (then by id). Texts are matched in the reader's language
/// (`lang`, else `Accept-Language`) where a translation exists, otherwise in German; what
/// participants wrote is matched in the language they wrote it in. Titles weigh more than
/// texts. Pages as every list (`limit`, `cursor`); the cursor of a ranked list carries the
/// position, and the best 1,000 results can be paged through. One query per page.
#[utoipa::path(
    tag = "search",
    security(()),
    params(SearchParams, LangParam, PageParams),
    responses(
        (status = 200, description = "One page of results", body = Page<SearchResult>),
        (status = 400, description = "Invalid `q` (too short or long, no word, more than 8 words), filter, `limit` or `cursor` (`validation_failed`); `lang` no language tag (`invalid_query`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/search")]
pub async fn search(
    req: HttpRequest,
    db: web::Data<Db>,
    params: web::Query<SearchParams>,
    page: web::Query<PageParams>,
) -> ApiResult<HttpResponse> {
    // `lang` is read by `Preferences::of`; one that is no tag never gets here
    // (`http::observe` refuses it for every route).
    let page = page.validate_as::<Position>()?;
    let params = params.into_inner();
    if params.consultation_id.is_some_and(|c| c < 1) {
        return Err(ApiError::invalid_field(
            "consultation_id",
            "range",
            crate::error::Text::new("muss 1 oder größer sein", "must be 1 or more"),
        ));
    }
    let query = Query::parse(
        &params.q,
        params.kind,
        params.consultation_id,
        &Preferences::of(&req),
    )?;
    let offset = page.after.map_or(0, |p| p.0);
    let fetch = page.fetch_limit().min(MAX_RESULTS - offset);
    let terms = query.terms.clone();
    let hits = db
        .run(move |conn| find(conn, &query, offset, fetch))
        .await?;
    let found = hits.len() as i64;
    let mut items: Vec<SearchResult> = hits
        .into_iter()
        .take(page.limit as usize)
        .map(|h| result(h, &terms))
        .collect();
    items.truncate(page.limit as usize);
    let end = offset + items.len() as i64;
    let next_cursor = (found > page.limit && end < MAX_RESULTS).then(|| Position(end).encode());
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}
