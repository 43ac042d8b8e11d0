//! Finding things (issue 15): one index of every public text — measures, fields of action,
//! proposals, published statements, visible comments — in every language it exists in, and
//! one ranked search over it on both backends.
//!
//! Infrastructure: this module names no slice. Slices push their documents with [`put`] and
//! take them out with [`remove`] inside the write transaction that changes the text, so the
//! index never shows what its slice no longer publishes; a registry of [`Searchable`] slices
//! (`crate::SEARCHABLE`) lets [`rebuild`] refill the whole index without naming them.
//!
//! Texts are folded in Rust ([`fold`]) before they are indexed and before a query is built, so
//! PostgreSQL (a weighted `tsvector` of configuration `simple` with a GIN index, `ts_rank`) and
//! SQLite (an FTS5 table, `bm25`) see the same words. Every query word is quoted and matched
//! as a prefix (from three letters on), the words are AND-ed, titles weigh more than bodies.

pub mod fold;
pub mod personal_data;
pub mod routes;

use crate::db::schema::{search_documents as docs, search_status};
use crate::db::{write_transaction, DbConnection};
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

crate::stored_enum! {
    /// What a search result is.
    Kind {
        /// A measure of the concept (Maßnahme).
        Measure => "measure",
        /// A field of action (Handlungsfeld).
        Field => "field",
        /// A participant's proposal of a new measure (Vorschlag).
        Proposal => "proposal",
        /// An organisation's published statement (Stellungnahme).
        Statement => "statement",
        /// A participant's comment (Kommentar).
        Comment => "comment",
    }
}

impl Kind {
    /// The city's texts (measures, fields of action), always ranked; the others are the
    /// participants' texts, ranked among the newest [`RANKED_WINDOW`] that match.
    pub fn is_catalogue(self) -> bool {
        matches!(self, Self::Measure | Self::Field)
    }
}

/// The language tag of texts written by participants, whose language nobody recorded
/// (BCP 47 "undetermined"): matched whatever the reader's language.
pub const UNDETERMINED: &str = "und";

/// Where a result links to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Links {
    pub consultation_id: Option<i64>,
    pub field_id: Option<i64>,
    pub measure_id: Option<i64>,
}

/// One searchable text of one subject in one language.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    pub kind: Kind,
    /// The id of the measure, field, contribution or statement.
    pub subject_id: i64,
    /// A BCP 47 tag (stored lower case): `de` for the city's originals, [`UNDETERMINED`] for
    /// participants' texts, the target language for translations.
    pub language: &'a str,
    /// A translation of the subject's original; the reader's language picks among them.
    pub translation: bool,
    pub links: Links,
    /// Empty when the subject has none (comments).
    pub title: &'a str,
    pub body: &'a str,
}

/// Puts `doc` into the index, replacing what the index held for its subject and language (one
/// upsert on the unique key, so that two writers of the same text never collide).
pub fn put(conn: &mut DbConnection, doc: &Document) -> QueryResult<()> {
    if matches!(conn, DbConnection::Sqlite(_)) {
        // On SQLite the catalogue's documents take negative ids and the participants' texts
        // positive ones: the only index FTS5 has besides the words is the rowid, and a range
        // of it is how `find` ranks the catalogue apart from the participants' texts. SQLite
        // would number a new row one above the highest, below zero while only the catalogue
        // is there, so the id is chosen here, inside a write transaction (a savepoint when
        // the caller's is open) so that two writers never pick the same; an update keeps its
        // id (the upsert does not change it).
        return write_transaction(conn, |conn| {
            let id = if doc.kind.is_catalogue() {
                let lowest: Option<i64> =
                    docs::table.select(diesel::dsl::min(docs::id)).first(conn)?;
                lowest.unwrap_or(0).min(0) - 1
            } else {
                let highest: Option<i64> =
                    docs::table.select(diesel::dsl::max(docs::id)).first(conn)?;
                highest.unwrap_or(0).max(0) + 1
            };
            upsert(conn, doc, Some(id))
        });
    }
    upsert(conn, doc, None)
}

/// The upsert of [`put`]; `id` for a new row when the caller chose it.
fn upsert(conn: &mut DbConnection, doc: &Document, id: Option<i64>) -> QueryResult<()> {
    let language = doc.language.to_ascii_lowercase();
    let (title_terms, body_terms) = (fold::fold(doc.title), fold::fold(doc.body));
    let changes = (
        docs::translation.eq(doc.translation),
        docs::consultation_id.eq(doc.links.consultation_id),
        docs::field_id.eq(doc.links.field_id),
        docs::measure_id.eq(doc.links.measure_id),
        docs::title.eq(doc.title),
        docs::body.eq(doc.body),
        docs::title_terms.eq(&title_terms),
        docs::body_terms.eq(&body_terms),
    );
    let key = (
        docs::kind.eq(doc.kind.as_str()),
        docs::subject_id.eq(doc.subject_id),
        docs::language.eq(&language),
    );
    match id {
        Some(id) => crate::db_run!(conn, |c| diesel::insert_into(docs::table)
            .values((docs::id.eq(id), key, changes))
            .on_conflict((docs::kind, docs::subject_id, docs::language))
            .do_update()
            .set(changes)
            .execute(c))?,
        None => crate::db_run!(conn, |c| diesel::insert_into(docs::table)
            .values((key, changes))
            .on_conflict((docs::kind, docs::subject_id, docs::language))
            .do_update()
            .set(changes)
            .execute(c))?,
    };
    Ok(())
}

/// Takes the subject's text in `language` (every language when `None`) out of the index.
pub fn remove(
    conn: &mut DbConnection,
    kind: Kind,
    subject_id: i64,
    language: Option<&str>,
) -> QueryResult<()> {
    let q = docs::table
        .filter(docs::kind.eq(kind.as_str()))
        .filter(docs::subject_id.eq(subject_id));
    match language {
        Some(l) => {
            diesel::delete(q.filter(docs::language.eq(l.to_ascii_lowercase()))).execute(conn)?
        }
        None => diesel::delete(q).execute(conn)?,
    };
    Ok(())
}

/// Takes every text of `kind` out of the index (a replaced catalogue, a rebuild).
pub fn remove_kind(conn: &mut DbConnection, kind: Kind) -> QueryResult<()> {
    diesel::delete(docs::table.filter(docs::kind.eq(kind.as_str()))).execute(conn)?;
    Ok(())
}

/// A slice with searchable texts, for [`rebuild`].
pub trait Searchable: Sync {
    /// The slice's name (for the log of a rebuild).
    fn name(&self) -> &'static str;

    /// Puts every text the slice publishes now into the (emptied) index, reading its rows in
    /// batches; answers how many documents it put.
    fn reindex(&self, conn: &mut DbConnection) -> QueryResult<usize>;
}

/// The searchable slices, in the order a rebuild runs them.
pub type Registry = &'static [&'static dyn Searchable];

/// Rows a slice reads at a time while it reindexes.
pub const REINDEX_BATCH: i64 = 1000;

/// Empties the index and fills it again from every registered slice, in one write
/// transaction (readers see the old index until it commits); marks it built by the current
/// folding rules. Answers the documents put per slice.
pub fn rebuild(
    conn: &mut DbConnection,
    registry: Registry,
    now: NaiveDateTime,
) -> QueryResult<Vec<(&'static str, usize)>> {
    write_transaction(conn, |conn| {
        lock_status(conn)?;
        refill(conn, registry, now)
    })
}

/// [`rebuild`], but only when the index is stale: never built since the search migration (the
/// texts that existed then), or built by other folding rules. Nodes starting together wait for
/// each other; the first rebuilds, the others find it fresh. `None` when nothing was done.
pub fn rebuild_if_stale(
    conn: &mut DbConnection,
    registry: Registry,
    now: NaiveDateTime,
) -> QueryResult<Option<Vec<(&'static str, usize)>>> {
    write_transaction(conn, |conn| {
        if lock_status(conn)? == fold::VERSION {
            return Ok(None);
        }
        refill(conn, registry, now).map(Some)
    })
}

/// Whether the index was built by other folding rules than the running code's (or never).
pub fn is_stale(conn: &mut DbConnection) -> QueryResult<bool> {
    let version: i32 = search_status::table
        .find(1)
        .select(search_status::folding_version)
        .first(conn)?;
    Ok(version != fold::VERSION)
}

/// The folding version the index was built with, its row locked (PostgreSQL; on SQLite the
/// write transaction holds the database).
fn lock_status(conn: &mut DbConnection) -> QueryResult<i32> {
    let q = search_status::table
        .find(1)
        .select(search_status::folding_version);
    match conn {
        DbConnection::Postgresql(pg) => q.for_update().first(pg),
        DbConnection::Sqlite(_) => q.first(conn),
    }
}

fn refill(
    conn: &mut DbConnection,
    registry: Registry,
    now: NaiveDateTime,
) -> QueryResult<Vec<(&'static str, usize)>> {
    diesel::delete(docs::table).execute(conn)?;
    let mut put = Vec::with_capacity(registry.len());
    for slice in registry {
        put.push((slice.name(), slice.reindex(conn)?));
    }
    diesel::update(search_status::table.find(1))
        .set((
            search_status::folding_version.eq(fold::VERSION),
            search_status::built_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(put)
}

// ------------------------------------------------------------------ queries

/// Shortest and longest `q`, in characters.
pub const Q_MIN: usize = 2;
pub const Q_MAX: usize = 200;
/// Most words of one query: every word is one more condition for the engine.
pub const MAX_TERMS: usize = 8;
/// Words from this length on also match as a prefix ("sprach" finds "Sprachförderung");
/// shorter ones match whole words only, so one letter does not match half the index.
pub const PREFIX_FROM: usize = 3;
/// The results a search pages through at most (the best ones).
pub const MAX_RESULTS: i64 = 1000;

/// Participants' texts (comments, proposals, statements) are ranked among the newest this many
/// that match the words (whatever the filters); measures and fields always are. Ranking reads
/// every row of the window, so this bounds a search's cost: 25 pages of 20 results, with a bias
/// towards the discussion as it is now (README "Search": measured with 1,000 and with 500).
pub const RANKED_WINDOW: i64 = 500;
/// Most languages of the reader taken into account (each is one condition more).
const MAX_LANGUAGES: usize = 6;

/// A validated search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Folded words, AND-ed.
    pub terms: Vec<String>,
    pub kind: Option<Kind>,
    pub consultation_id: Option<i64>,
    /// Languages of translations the reader takes, best first, before the original.
    pub languages: Vec<String>,
}

impl Query {
    /// The search for `q`: 400 `validation_failed` (field `q`) when it is too short or too
    /// long, holds no word or too many.
    pub fn parse(
        q: &str,
        kind: Option<Kind>,
        consultation_id: Option<i64>,
        reader: &crate::language::Preferences,
    ) -> ApiResult<Self> {
        let length = q.chars().count();
        if !(Q_MIN..=Q_MAX).contains(&length) {
            return Err(ApiError::invalid_field(
                "q",
                "length",
                crate::error::Text::format(
                    format!("muss {Q_MIN} bis {Q_MAX} Zeichen lang sein"),
                    format!("must be {Q_MIN} to {Q_MAX} characters long"),
                ),
            ));
        }
        let mut terms: Vec<String> = Vec::new();
        for word in fold::words(q) {
            if !terms.contains(&word) {
                terms.push(word);
            }
        }
        if terms.is_empty() {
            return Err(ApiError::invalid_field(
                "q",
                "no_words",
                crate::error::Text::new(
                    "enthält kein Wort, nach dem gesucht werden kann (gesucht wird nur nach Buchstaben und Ziffern)",
                    "holds no word to search for (only letters and digits are searched)",
                ),
            ));
        }
        if terms.len() > MAX_TERMS {
            return Err(ApiError::invalid_field(
                "q",
                "too_many_words",
                crate::error::Text::format(
                    format!("darf höchstens {MAX_TERMS} Wörter enthalten"),
                    format!("may hold at most {MAX_TERMS} words"),
                ),
            ));
        }
        Ok(Self {
            terms,
            kind,
            consultation_id,
            languages: reading_order(reader),
        })
    }

    /// The FTS5 query: every word quoted (a folded word holds no quote, but the quoting rule
    /// is applied anyway), prefixes marked outside the quotes, implicitly AND-ed.
    pub fn fts5(&self) -> String {
        self.terms
            .iter()
            .map(|t| {
                let quoted = format!("\"{}\"", t.replace('"', "\"\""));
                if t.chars().count() >= PREFIX_FROM {
                    quoted + "*"
                } else {
                    quoted
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The PostgreSQL `tsquery` text: every word quoted as a lexeme, prefixes `:*`, `&`.
    pub fn tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| {
                let quoted = format!("'{}'", t.replace('\'', "''").replace('\\', "\\\\"));
                if t.chars().count() >= PREFIX_FROM {
                    quoted + ":*"
                } else {
                    quoted
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

/// The languages of translations a reader takes, best first: their preferences and each one's
/// shorter prefixes, up to German — the original is the answer from there on (RFC 4647 lookup
/// as [`crate::language::Preferences::pick`] does it).
fn reading_order(reader: &crate::language::Preferences) -> Vec<String> {
    reader
        .candidates()
        .into_iter()
        .filter(|tag| reader.pick(std::iter::once(tag.as_str())).is_some())
        .take(MAX_LANGUAGES)
        .collect()
}

/// One found text.
#[derive(Debug, Clone, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub subject_id: i64,
    #[diesel(sql_type = Text)]
    pub language: String,
    #[diesel(sql_type = Bool)]
    pub translation: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub consultation_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub field_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub measure_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub body: String,
}

/// A value bound to a placeholder of a search's SQL.
enum Bind {
    Text(String),
    Int(i64),
}

/// The SQL of a search, written once with the placeholders of its backend.
struct Sql {
    text: String,
    binds: Vec<Bind>,
    postgres: bool,
}

impl Sql {
    fn push(&mut self, sql: &str) {
        self.text.push_str(sql);
    }

    fn bind(&mut self, value: Bind) {
        self.binds.push(value);
        if self.postgres {
            self.text.push_str(&format!("${}", self.binds.len()));
        } else {
            self.text.push('?');
        }
    }

    /// `a, b, c` as placeholders of `values`.
    fn list(&mut self, values: &[String]) {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(Bind::Text(v.clone()));
        }
    }
}

macro_rules! bound {
    ($backend:ty, $sql:expr) => {{
        let mut q = diesel::sql_query($sql.text.clone()).into_boxed::<$backend>();
        for b in &$sql.binds {
            q = match b {
                Bind::Text(t) => q.bind::<Text, _>(t.clone()),
                Bind::Int(i) => q.bind::<BigInt, _>(*i),
            };
        }
        q
    }};
}

const COLUMNS: &str = "d.id, d.kind, d.subject_id, d.language, d.translation, d.consultation_id, \
                       d.field_id, d.measure_id, d.title, d.body";

/// The hits of `query` in order of relevance (then id), `fetch` of them after the first
/// `offset`: one statement whatever the page size.
///
/// Ranking reads every candidate, so it is bounded: the catalogue's texts always take part,
/// the participants' texts only among the newest [`RANKED_WINDOW`] that match the words
/// (whatever the filters), so a common word costs about the same with 50,000 comments as with
/// 5,000. Two arms, each with an index of its own, are ranked together:
/// - SQLite: FTS5 keeps each word's documents in rowid order, so the window's lower bound is
///   the `RANKED_WINDOW`th rowid from the top (a walk backwards that stops there), and the
///   participants' arm is a rowid range of the same match; the catalogue's documents have
///   negative rowids ([`put`]), its arm is the range below zero. bm25 of both comes from the
///   one FTS5 table, so the scores compare.
/// - PostgreSQL: the participants' arm ranks the newest `RANKED_WINDOW` matching ids (see
///   [`arm_postgres`]); the catalogue's arm has a partial GIN index of its own (`catalogue`, a
///   generated column), so a word common in comments does not make the catalogue's long texts
///   be read one by one. Both GIN indexes are written without a pending list
///   (`fastupdate = off`), which every search would otherwise read through.
///
/// The page is cut from ids and scores alone; only its rows are read in full.
pub fn find(
    conn: &mut DbConnection,
    query: &Query,
    offset: i64,
    fetch: i64,
) -> QueryResult<Vec<Hit>> {
    let postgres = matches!(conn, DbConnection::Postgresql(_));
    let mut sql = Sql {
        text: String::with_capacity(2048),
        binds: Vec::new(),
        postgres,
    };
    let arms: &[bool] = match query.kind {
        Some(kind) if kind.is_catalogue() => &[true],
        Some(_) => &[false],
        None => &[false, true],
    };
    sql.push("SELECT ");
    sql.push(COLUMNS);
    sql.push(" FROM (SELECT h.id, h.score FROM (");
    for (i, catalogue) in arms.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        if postgres {
            arm_postgres(&mut sql, query, *catalogue);
        } else {
            arm_sqlite(&mut sql, query, *catalogue);
        }
        if let Some(kind) = query.kind {
            sql.push(" AND d.kind = ");
            sql.bind(Bind::Text(kind.as_str().to_owned()));
        }
        if let Some(c) = query.consultation_id {
            sql.push(" AND d.consultation_id = ");
            sql.bind(Bind::Int(c));
        }
        languages(&mut sql, &query.languages);
    }
    // ts_rank is better the higher it is, bm25 the lower.
    let (ranked, page) = if postgres {
        ("h.score DESC, h.id", "p.score DESC, p.id")
    } else {
        ("h.score, h.id", "p.score, p.id")
    };
    sql.push(") h ORDER BY ");
    sql.push(ranked);
    sql.push(" LIMIT ");
    sql.bind(Bind::Int(fetch));
    sql.push(" OFFSET ");
    sql.bind(Bind::Int(offset));
    sql.push(") p JOIN search_documents d ON d.id = p.id ORDER BY ");
    sql.push(page);
    match conn {
        DbConnection::Postgresql(pg) => bound!(diesel::pg::Pg, sql).load(pg),
        DbConnection::Sqlite(lite) => bound!(diesel::sqlite::Sqlite, sql).load(lite),
    }
}

/// One arm of [`find`] on SQLite: `d.id` and `score` of the catalogue's or the newest
/// participants' matches, conditions on `d` to follow.
fn arm_sqlite(sql: &mut Sql, query: &Query, catalogue: bool) {
    let matched = query.fts5();
    // bm25 is better the lower it is; titles weigh four times as much as bodies.
    sql.push(
        "SELECT d.id, bm25(search_fts, 4.0, 1.0) AS score FROM search_fts \
         JOIN search_documents d ON d.id = search_fts.rowid WHERE search_fts MATCH ",
    );
    sql.bind(Bind::Text(matched.clone()));
    if catalogue {
        sql.push(" AND search_fts.rowid < 0");
    } else {
        sql.push(
            " AND search_fts.rowid >= COALESCE((SELECT rowid FROM search_fts \
             WHERE search_fts MATCH ",
        );
        sql.bind(Bind::Text(matched));
        sql.push(" AND rowid > 0 ORDER BY rowid DESC LIMIT 1 OFFSET ");
        sql.bind(Bind::Int(RANKED_WINDOW - 1));
        sql.push("), 1)");
    }
}

/// One arm of [`find`] on PostgreSQL, as [`arm_sqlite`]. The participants' arm takes the ids
/// of the newest matches first (the primary key walked backwards while matches are common, the
/// GIN index and a sort of the few when they are rare, as the planner sees it), then ranks
/// just those rows, found by id.
fn arm_postgres(sql: &mut Sql, query: &Query, catalogue: bool) {
    let tsquery = query.tsquery();
    sql.push("SELECT d.id, ts_rank(d.terms, to_tsquery('simple', ");
    sql.bind(Bind::Text(tsquery.clone()));
    if catalogue {
        sql.push(")) AS score FROM search_documents d WHERE d.terms @@ to_tsquery('simple', ");
        sql.bind(Bind::Text(tsquery));
        sql.push(") AND d.catalogue");
    } else {
        sql.push(
            ")) AS score FROM (SELECT w.id FROM search_documents w \
             WHERE w.terms @@ to_tsquery('simple', ",
        );
        sql.bind(Bind::Text(tsquery));
        sql.push(") AND NOT w.catalogue ORDER BY w.id DESC LIMIT ");
        sql.bind(Bind::Int(RANKED_WINDOW));
        sql.push(") n JOIN search_documents d ON d.id = n.id WHERE NOT d.catalogue");
    }
}

/// Which text of each subject a reader of `order` is matched against: the translation in the
/// first of their languages the subject has, otherwise the original.
fn languages(sql: &mut Sql, order: &[String]) {
    if order.is_empty() {
        sql.push(" AND NOT d.translation");
        return;
    }
    let better = |sql: &mut Sql, tags: &[String]| {
        sql.push(
            "NOT EXISTS (SELECT 1 FROM search_documents o WHERE o.kind = d.kind \
             AND o.subject_id = d.subject_id AND o.translation AND o.language IN (",
        );
        sql.list(tags);
        sql.push("))");
    };
    sql.push(" AND ((NOT d.translation AND ");
    better(sql, order);
    sql.push(")");
    for (i, tag) in order.iter().enumerate() {
        sql.push(" OR (d.translation AND d.language = ");
        sql.bind(Bind::Text(tag.clone()));
        if i > 0 {
            sql.push(" AND ");
            better(sql, &order[..i]);
        }
        sql.push(")");
    }
    sql.push(")");
}

/// A short passage of `text` around the first word that matches one of `terms` (the start
/// when none does), at most about `max` characters, with `…` where it was cut.
pub fn excerpt(text: &str, terms: &[String], max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let hit = words
        .iter()
        .position(|w| {
            fold::words(w)
                .iter()
                .any(|f| terms.iter().any(|t| f.starts_with(t.as_str())))
        })
        .unwrap_or(0);
    // Up to a third of the passage before the match.
    let mut first = hit;
    let mut before = 0;
    while first > 0 && before + words[first - 1].chars().count() < max / 3 {
        first -= 1;
        before += words[first].chars().count() + 1;
    }
    let mut out = String::new();
    if first > 0 {
        out.push('…');
    }
    let mut used = 0;
    for w in words.iter().skip(first) {
        let n = w.chars().count();
        if used > 0 && used + n > max {
            out.push('…');
            break;
        }
        if used > 0 {
            out.push(' ');
        }
        if n > max {
            out.extend(w.chars().take(max));
            out.push('…');
            break;
        }
        out.push_str(w);
        used += n + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Preferences;

    fn query(q: &str) -> ApiResult<Query> {
        Query::parse(q, None, None, &Preferences::default())
    }

    #[test]
    fn every_word_is_quoted_and_prefixes_start_at_three_letters() {
        let q = query("Sprachförderung \"für\" NEAR(x y) a:* &|!").unwrap();
        assert_eq!(q.terms, ["sprachforderung", "fur", "near", "x", "y", "a"]);
        assert_eq!(
            q.fts5(),
            "\"sprachforderung\"* \"fur\"* \"near\"* \"x\" \"y\" \"a\""
        );
        assert_eq!(
            q.tsquery(),
            "'sprachforderung':* & 'fur':* & 'near':* & 'x' & 'y' & 'a'"
        );
        assert_eq!(query("x").unwrap_err().errors[0].code, "length");
        assert_eq!(
            query(&"a".repeat(201)).unwrap_err().errors[0].code,
            "length"
        );
        assert_eq!(query("*:()").unwrap_err().errors[0].code, "no_words");
        assert_eq!(
            query("a b c d e f g h i").unwrap_err().errors[0].code,
            "too_many_words"
        );
        assert_eq!(query("wort wort WORT").unwrap().terms, ["wort"]);
    }

    #[test]
    fn the_reading_order_stops_at_german() {
        let order = |h: &str| reading_order(&Preferences::parse(h));
        assert_eq!(order("tr, en;q=0.5"), ["tr", "en"]);
        assert_eq!(order("tr-TR, de, en"), ["tr-tr", "tr"]);
        assert_eq!(order("de-x-ls"), ["de-x-ls"]);
        assert!(order("de").is_empty() && order("").is_empty());
    }

    #[test]
    fn excerpts_show_the_match() {
        let terms = vec!["sprach".to_owned()];
        let text = "Eins zwei drei vier fünf sechs sieben acht neun zehn elf Sprachförderung für alle Kinder";
        let e = excerpt(text, &terms, 40);
        assert!(e.starts_with('…') && e.contains("Sprachförderung"), "{e}");
        assert_eq!(excerpt("kurz", &terms, 40), "kurz");
    }
}
