//! The personal-data registry: how each slice declares what it holds about people, why, for
//! how long, and how it exports, erases and purges it. Slices implement [`PersonalData`] for
//! their own tables; one list at the top of the crate (`crate::PERSONAL_DATA`) names them in
//! order, and the privacy module runs them without naming any slice. A new slice adds its
//! entry there, and tests fail on any column of the database that no entry classifies, on a
//! table with personal data that no [`Category`] of the processing record covers, and on a
//! slice whose section is missing from the export — so every migration makes a privacy
//! decision (the idea of crates.io's `dump-db.toml`).

use crate::db::DbConnection;
use crate::error::ApiError;
use chrono::NaiveDateTime;

/// The person whose data a duty is about, as they were before any step changed their account.
#[derive(Debug, Clone)]
pub struct Subject {
    pub user_id: i64,
    /// The normalised e-mail address of the account.
    pub email: String,
    /// The time of the request ([`crate::clock::Clock`]).
    pub now: NaiveDateTime,
    /// On deletion: the person asked for their texts (comments, proposals) to be removed too;
    /// placeholders keep the threads whole.
    pub remove_texts: bool,
    /// Whether the account's address is verified. Until it is, the address may belong to
    /// somebody else (anyone can register any address), so the export leaves out what is
    /// found by the address alone (mails, invitations).
    pub address_verified: bool,
}

/// What a column holds, from the point of view of data protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing about a person: ids, catalogue texts, states, times of public events.
    Plain,
    /// The id of an account (author, actor, member). It stays: the account row itself keeps
    /// no personal data after deletion, so the reference points at "deleted participant".
    Account,
    /// Data about a person, with what account deletion does to it.
    Personal(&'static str),
    /// A secret or its hash (tokens, password hashes): removed or made unusable on deletion.
    Secret(&'static str),
}

/// One table's columns and their kinds.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

/// The legal basis of a processing (Art. 6 GDPR; Art. 9 for special categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Art. 6(1)(e) with the municipal duty to involve the public: taking part in a
    /// consultation the city runs.
    PublicTask,
    /// Art. 6(1)(a) and Art. 9(2)(a): the person's own consent (what they choose to write).
    Consent,
    /// Art. 6(1)(c): records the city must keep (accountability of decisions, Art. 5(2)).
    LegalObligation,
    /// Art. 6(1)(b): providing the account the person asked for.
    Contract,
}

impl Basis {
    pub fn describe(self) -> &'static str {
        match self {
            Basis::PublicTask => "Art. 6(1)(e) GDPR (public task: involving the public)",
            Basis::Consent => "Art. 6(1)(a), Art. 9(2)(a) GDPR (consent)",
            Basis::LegalObligation => "Art. 6(1)(c), Art. 5(2) GDPR (accountability)",
            Basis::Contract => "Art. 6(1)(b) GDPR (the account the person asked for)",
        }
    }
}

/// How long a category of data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Until the account is deleted (then as the columns' kinds say).
    UntilDeletion,
    /// Purged by the schedule: the rule's period, measured from the time it names.
    Purged(&'static Rule),
    /// Kept as a public record of the consultation (anonymised on deletion as the columns
    /// say).
    Record,
}

/// A retention rule of the purge: rows of `table` that match `what` go `days` after `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub table: &'static str,
    /// Which rows, e.g. "sent mails".
    pub what: &'static str,
    /// Which time the period runs from, e.g. "sending".
    pub from: &'static str,
    pub days: i64,
}

impl Rule {
    /// The latest time a row may have reached `from` and still be kept at `now`.
    pub fn cutoff(&self, now: NaiveDateTime) -> NaiveDateTime {
        now - chrono::Duration::days(self.days)
    }
}

/// One line of the processing record (Art. 30 GDPR): a category of personal data, the tables
/// that hold it, and why and how long.
#[derive(Debug, Clone, Copy)]
pub struct Category {
    pub data: &'static str,
    pub tables: &'static [&'static str],
    pub purpose: &'static str,
    pub basis: Basis,
    pub retention: Retention,
}

/// What a slice's `purge` did: rows removed per rule.
pub type Purged = Vec<(&'static Rule, usize)>;

/// A slice's section of the export, written as it is read: a JSON object whose members are
/// single values or lists read in pages (an export of many comments never sits in memory).
pub struct Section<'a> {
    out: &'a mut dyn std::io::Write,
    members: usize,
}

/// How many rows a list of the export reads at a time.
pub const EXPORT_PAGE: i64 = 500;

impl<'a> Section<'a> {
    pub fn new(out: &'a mut dyn std::io::Write) -> Self {
        Self { out, members: 0 }
    }

    fn key(&mut self, name: &str) -> Result<(), ApiError> {
        let sep = if self.members == 0 { "" } else { "," };
        self.members += 1;
        write!(self.out, "{sep}{}:", serde_json::Value::from(name)).map_err(gone)
    }

    /// One member with a value.
    pub fn value<T: serde::Serialize>(&mut self, name: &str, value: &T) -> Result<(), ApiError> {
        self.key(name)?;
        serde_json::to_writer(&mut *self.out, value).map_err(|e| gone(e.into()))
    }

    /// One member with a list, read `EXPORT_PAGE` rows at a time after the key of the last row
    /// (`None` for the first page) until a page comes back short.
    pub fn list<T: serde::Serialize>(
        &mut self,
        name: &str,
        mut page: impl FnMut(Option<i64>, i64) -> diesel::QueryResult<Vec<T>>,
        key: impl Fn(&T) -> i64,
    ) -> Result<(), ApiError> {
        self.key(name)?;
        self.out.write_all(b"[").map_err(gone)?;
        let (mut after, mut first) = (None, true);
        loop {
            let rows = page(after, EXPORT_PAGE)?;
            for row in &rows {
                if !first {
                    self.out.write_all(b",").map_err(gone)?;
                }
                first = false;
                serde_json::to_writer(&mut *self.out, row).map_err(|e| gone(e.into()))?;
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == EXPORT_PAGE => after = Some(key(last)),
                _ => break,
            }
        }
        self.out.write_all(b"]").map_err(gone)
    }
}

/// The client went away (or the writer failed): the export stops.
fn gone(e: std::io::Error) -> ApiError {
    ApiError::internal(format!("the export could not be written: {e}"))
}

/// Writes a stored time (UTC without zone) as the API writes every time: RFC 3339 with `Z`.
/// Exported rows keep the stored `NaiveDateTime`, so that they load straight from a query
/// (`#[derive(Queryable, Selectable)]`) and serialise with `#[serde(serialize_with = "…")]`;
/// their schema says `date-time` with `#[schema(value_type = String, format = DateTime)]`.
pub fn utc<S: serde::Serializer>(at: &NaiveDateTime, out: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&at.and_utc(), out)
}

/// [`utc`] for a time that may be missing (`null`).
pub fn utc_or_null<S: serde::Serializer>(
    at: &Option<NaiveDateTime>,
    out: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&at.map(|t| t.and_utc()), out)
}

/// The schema of a section, for the OpenAPI document: `T`'s, with the schemas it refers to.
pub fn section_schema<T: utoipa::ToSchema>(
    schemas: &mut Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    <T as utoipa::ToSchema>::schemas(schemas);
    schemas.push((T::name().into_owned(), T::schema()));
    utoipa::openapi::Ref::from_schema_name(T::name()).into()
}

/// A slice's part in the duties about personal data.
///
/// `erase` runs inside the deletion's one write transaction, after the account's row is
/// locked; the registry's order is the order the steps run and take their locks in. A
/// refusal (an [`ApiError`], e.g. `409 last_representative`) rolls the whole deletion back.
pub trait PersonalData: Sync {
    /// The slice's name, e.g. `accounts` (also the name of its section in a future export).
    fn name(&self) -> &'static str;

    /// Every table the slice owns, every column classified.
    fn tables(&self) -> &'static [Table];

    /// The slice's lines of the processing record: every table with a column that is not
    /// [`Kind::Plain`] is in one of them.
    fn processing(&self) -> &'static [Category];

    /// Writes the slice's section of `subject`'s export (Art. 15 and 20): what it holds about
    /// them, and nothing about other people (their contributions are referenced by id).
    /// Runs inside one read snapshot.
    fn export(
        &self,
        conn: &mut DbConnection,
        subject: &Subject,
        out: &mut Section<'_>,
    ) -> Result<(), ApiError>;

    /// The schema of the section [`PersonalData::export`] writes ([`section_schema`]).
    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>;

    /// The slice's retention rules, which [`PersonalData::purge`] applies.
    fn retention(&self) -> &'static [&'static Rule] {
        &[]
    }

    /// Removes what the retention rules no longer allow to keep at `now`. Runs inside one
    /// write transaction of the purge.
    fn purge(&self, _conn: &mut DbConnection, _now: NaiveDateTime) -> Result<Purged, ApiError> {
        Ok(Vec::new())
    }

    /// Accounts a retention rule of the slice ends, which the purge erases through every slice
    /// like a deletion; at most 1,000 per run.
    fn expired_accounts(
        &self,
        _conn: &mut DbConnection,
        _now: NaiveDateTime,
    ) -> Result<Vec<i64>, ApiError> {
        Ok(Vec::new())
    }

    /// Inside the erasure's transaction: locks the account's row and answers its address and
    /// the rule's reason if the account is still one [`PersonalData::expired_accounts`] named
    /// (e.g. it was not verified meanwhile); `None` leaves it alone.
    fn claim_expired(
        &self,
        _conn: &mut DbConnection,
        _user_id: i64,
        _now: NaiveDateTime,
    ) -> Result<Option<(String, &'static str)>, ApiError> {
        Ok(None)
    }

    /// Erases or anonymises what the slice holds about `subject` when its account is deleted.
    /// Slices that hold nothing to erase (only [`Kind::Plain`] and [`Kind::Account`] columns,
    /// or records that are kept) keep the default, which does nothing.
    fn erase(&self, _conn: &mut DbConnection, _subject: &Subject) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The registered slices, in the order their steps run (which is also their lock order).
pub type Registry = &'static [&'static dyn PersonalData];

/// Runs every registered erasure step for `subject`, in order. Call inside one write
/// transaction; the first refusal stops and is returned (the caller rolls back).
pub fn erase_everywhere(
    registry: Registry,
    conn: &mut DbConnection,
    subject: &Subject,
) -> Result<(), ApiError> {
    for slice in registry {
        slice.erase(conn, subject)?;
    }
    Ok(())
}
