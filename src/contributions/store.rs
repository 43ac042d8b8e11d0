//! Queries of contributions, their supports, flags, revisions and moderation decisions. Every
//! function that records or compares a time takes it from the caller's clock (`now`).

use super::model::{
    AnswerStatus, AssistedRecord, Author, AuthorGroup, Contribution, ContributionKind, FlagCount,
    KeyCount, LanguageTag, ModerationDecision, OrganisationAuthor, ProposalAnswer, PublicDecision,
    QueueKind, Reason, Revision, Sort, Status, Stored, TargetCounts, TargetType,
};
use crate::db::schema::{
    contribution_flags, contribution_revisions, contribution_supports, contributions,
    moderation_decisions, organisations, support_events, users,
};
use crate::db::DbConnection;
use crate::db_run;
use crate::organisations::model::OrganisationKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

/// A contribution as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contributions)]
pub struct Row {
    pub id: i64,
    pub kind: String,
    pub consultation_id: i64,
    pub target_type: String,
    pub target_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_id: i64,
    pub organisation_id: Option<i64>,
    pub author_group: String,
    pub title: Option<String>,
    pub body: String,
    pub rationale: Option<String>,
    pub state: String,
    pub hidden_by_flags: bool,
    pub open_flags: i32,
    pub support_count: i32,
    pub reply_count: i32,
    pub answer: Option<String>,
    pub answer_explanation: Option<String>,
    pub answer_measure_id: Option<i64>,
    pub answer_consultation_id: Option<i64>,
    pub answered_at: Option<NaiveDateTime>,
    pub edited_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub language: String,
    /// The facilitator who recorded it for a person without an account.
    pub assisted_by: Option<i64>,
    /// That person's name or pseudonym.
    pub assisted_name: Option<String>,
    /// How to reach that person (moderators only; erased after the consultation).
    pub assisted_contact: Option<String>,
}

impl Row {
    pub fn kind(&self) -> ContributionKind {
        ContributionKind::from_stored(&self.kind).unwrap_or(ContributionKind::Comment)
    }

    pub fn stored(&self) -> Stored {
        Stored::from_stored(&self.state).unwrap_or(Stored::Pending)
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Published and not deleted: what may be supported, reported, replied to or answered.
    pub fn is_public(&self) -> bool {
        self.stored() == Stored::Visible && !self.is_deleted()
    }

    /// How it appears to anybody (the caller's rights decide elsewhere whether they see it).
    pub fn status(&self) -> Status {
        if self.is_deleted() {
            return Status::Deleted;
        }
        match self.stored() {
            Stored::Pending => Status::Pending,
            Stored::Visible => Status::Visible,
            Stored::Hidden if self.hidden_by_flags => Status::HiddenPendingReview,
            Stored::Hidden => Status::Hidden,
            Stored::Rejected => Status::Rejected,
        }
    }

    /// The entity tag of the contribution's state: it changes with every change of text or
    /// moderation state, not with supports, so an author's edit and a moderator's decision
    /// are refused only when somebody else changed what they saw.
    pub fn etag(&self) -> String {
        crate::http::cache::etag_of(&("contribution", self.id, self.version))
    }
}

/// What a new contribution is.
pub struct NewRow<'a> {
    pub kind: ContributionKind,
    pub consultation_id: i64,
    pub target_type: TargetType,
    pub target_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_id: i64,
    pub organisation_id: Option<i64>,
    pub author_group: AuthorGroup,
    pub title: Option<&'a str>,
    pub body: &'a str,
    pub rationale: Option<&'a str>,
    pub state: Stored,
    pub language: &'a str,
    /// For an assisted contribution: the facilitator, the person's name and contact.
    pub assisted: Option<Assisted<'a>>,
}

/// Who recorded an assisted contribution or ballot, and for whom.
#[derive(Debug, Clone, Copy)]
pub struct Assisted<'a> {
    pub facilitator: i64,
    pub name: &'a str,
    pub contact: Option<&'a str>,
}

/// Inserts a contribution and answers it as stored, in one statement.
pub fn insert(conn: &mut DbConnection, now: NaiveDateTime, new: &NewRow) -> QueryResult<Row> {
    let values = (
        contributions::kind.eq(new.kind.as_str()),
        contributions::consultation_id.eq(new.consultation_id),
        contributions::target_type.eq(new.target_type.as_str()),
        contributions::target_id.eq(new.target_id),
        contributions::parent_id.eq(new.parent_id),
        contributions::depth.eq(new.depth),
        contributions::author_id.eq(new.author_id),
        contributions::organisation_id.eq(new.organisation_id),
        contributions::author_group.eq(new.author_group.as_str()),
        contributions::title.eq(new.title),
        contributions::body.eq(new.body),
        contributions::rationale.eq(new.rationale),
        contributions::state.eq(new.state.as_str()),
        contributions::created_at.eq(now),
        contributions::updated_at.eq(now),
        contributions::language.eq(new.language),
        contributions::assisted_by.eq(new.assisted.map(|a| a.facilitator)),
        contributions::assisted_name.eq(new.assisted.map(|a| a.name)),
        contributions::assisted_contact.eq(new.assisted.and_then(|a| a.contact)),
    );
    let row = db_run!(conn, |c| diesel::insert_into(contributions::table)
        .values(values)
        .returning(Row::as_returning())
        .get_result(c))?;
    super::search::index(conn, &row)?;
    Ok(row)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Row>> {
    contributions::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()
}

/// The contribution, its row locked until the transaction ends (PostgreSQL; on SQLite the
/// write transaction holds the database).
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Row>> {
    match conn {
        DbConnection::Postgresql(pg) => contributions::table
            .find(id)
            .select(Row::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(_) => find(conn, id),
    }
}

/// One more published reply under `parent`.
pub fn count_reply(conn: &mut DbConnection, parent: i64) -> QueryResult<()> {
    diesel::update(contributions::table.find(parent))
        .set(contributions::reply_count.eq(contributions::reply_count + 1))
        .execute(conn)?;
    Ok(())
}

/// Replaces the text of `row` (at its version), keeping the previous one as a revision.
pub fn edit(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    row: &Row,
    title: Option<&str>,
    body: &str,
    rationale: Option<&str>,
    language: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        contributions::table
            .find(row.id)
            .filter(contributions::version.eq(row.version)),
    )
    .set((
        contributions::language.eq(language),
        contributions::title.eq(title),
        contributions::body.eq(body),
        contributions::rationale.eq(rationale),
        contributions::edited_at.eq(Some(now)),
        contributions::updated_at.eq(now),
        contributions::version.eq(row.version + 1),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    diesel::insert_into(contribution_revisions::table)
        .values((
            contribution_revisions::contribution_id.eq(row.id),
            contribution_revisions::title.eq(&row.title),
            contribution_revisions::body.eq(&row.body),
            contribution_revisions::rationale.eq(&row.rationale),
            contribution_revisions::written_at.eq(row.edited_at.unwrap_or(row.created_at)),
            contribution_revisions::replaced_at.eq(now),
        ))
        .execute(conn)?;
    reindex(conn, row.id)?;
    Ok(true)
}

/// Puts contribution `id` as it is now into the search index, or takes it out.
fn reindex(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    match find(conn, id)? {
        Some(row) => super::search::index(conn, &row),
        None => super::search::unindex(conn, id),
    }
}

/// Removes the text of a contribution and its earlier versions; the row stays as a
/// placeholder for the thread.
pub fn remove_text(conn: &mut DbConnection, now: NaiveDateTime, row: &Row) -> QueryResult<()> {
    diesel::update(contributions::table.find(row.id))
        .set((
            contributions::title.eq(row.title.as_ref().map(|_| "")),
            contributions::body.eq(""),
            contributions::rationale.eq(None::<String>),
            contributions::deleted_at.eq(Some(now)),
            contributions::updated_at.eq(now),
            contributions::version.eq(row.version + 1),
        ))
        .execute(conn)?;
    diesel::delete(
        contribution_revisions::table.filter(contribution_revisions::contribution_id.eq(row.id)),
    )
    .execute(conn)?;
    super::search::unindex(conn, row.id)
}

/// Sets the moderation state of `row` (at its version) and resolves its open flags.
pub fn moderate(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    row: &Row,
    state: Stored,
    hidden_by_flags: bool,
) -> QueryResult<bool> {
    let changed = diesel::update(
        contributions::table
            .find(row.id)
            .filter(contributions::version.eq(row.version)),
    )
    .set((
        contributions::state.eq(state.as_str()),
        contributions::hidden_by_flags.eq(hidden_by_flags),
        contributions::open_flags.eq(0),
        contributions::updated_at.eq(now),
        contributions::version.eq(row.version + 1),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    diesel::update(
        contribution_flags::table
            .filter(contribution_flags::contribution_id.eq(row.id))
            .filter(contribution_flags::resolved_at.is_null()),
    )
    .set(contribution_flags::resolved_at.eq(Some(now)))
    .execute(conn)?;
    reindex(conn, row.id)?;
    Ok(true)
}

/// Records the staff's answer to a proposal (at its version).
pub fn answer(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    row: &Row,
    status: AnswerStatus,
    explanation: &str,
    measure_id: Option<i64>,
    consultation_id: Option<i64>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        contributions::table
            .find(row.id)
            .filter(contributions::version.eq(row.version)),
    )
    .set((
        contributions::answer.eq(Some(status.as_str())),
        contributions::answer_explanation.eq(Some(explanation)),
        contributions::answer_measure_id.eq(measure_id),
        contributions::answer_consultation_id.eq(consultation_id),
        contributions::answered_at.eq(Some(now)),
        contributions::updated_at.eq(now),
        contributions::version.eq(row.version + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

// ------------------------------------------------------------------ supports

/// Adds `user`'s support; `false` when they supported it already.
pub fn support(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    user: i64,
) -> QueryResult<bool> {
    let inserted = db_run!(conn, |c| diesel::insert_into(contribution_supports::table)
        .values((
            contribution_supports::contribution_id.eq(id),
            contribution_supports::user_id.eq(user),
            contribution_supports::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 1 {
        count_support(conn, now, id, 1)?;
    }
    Ok(inserted == 1)
}

/// Withdraws `user`'s support; `false` when there was none.
pub fn withdraw_support(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    user: i64,
) -> QueryResult<bool> {
    let removed = diesel::delete(
        contribution_supports::table
            .filter(contribution_supports::contribution_id.eq(id))
            .filter(contribution_supports::user_id.eq(user)),
    )
    .execute(conn)?;
    if removed == 1 {
        count_support(conn, now, id, -1)?;
    }
    Ok(removed == 1)
}

fn count_support(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    delta: i32,
) -> QueryResult<()> {
    diesel::update(contributions::table.find(id))
        .set(contributions::support_count.eq(contributions::support_count + delta))
        .execute(conn)?;
    diesel::insert_into(support_events::table)
        .values((
            support_events::contribution_id.eq(id),
            support_events::at.eq(now),
            support_events::delta.eq(delta),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn support_count(conn: &mut DbConnection, id: i64) -> QueryResult<i32> {
    contributions::table
        .find(id)
        .select(contributions::support_count)
        .first(conn)
}

/// Withdraws every support of `user` (their account is deleted).
pub fn withdraw_all_supports(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: i64,
) -> QueryResult<()> {
    let ids: Vec<i64> = contribution_supports::table
        .filter(contribution_supports::user_id.eq(user))
        .select(contribution_supports::contribution_id)
        .load(conn)?;
    for id in ids {
        withdraw_support(conn, now, id, user)?;
    }
    Ok(())
}

// ------------------------------------------------------------------ flags

/// Records `user`'s flag; `None` when they flagged it already, else the open flags now.
pub fn flag(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    user: i64,
    reason: Reason,
    note: Option<&str>,
) -> QueryResult<Option<i32>> {
    let inserted = db_run!(conn, |c| diesel::insert_into(contribution_flags::table)
        .values((
            contribution_flags::contribution_id.eq(id),
            contribution_flags::user_id.eq(Some(user)),
            contribution_flags::reason.eq(reason.as_str()),
            contribution_flags::note.eq(note),
            contribution_flags::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 0 {
        return Ok(None);
    }
    diesel::update(contributions::table.find(id))
        .set(contributions::open_flags.eq(contributions::open_flags + 1))
        .execute(conn)?;
    contributions::table
        .find(id)
        .select(contributions::open_flags)
        .first(conn)
        .map(Some)
}

/// Hides a published contribution pending review (enough people flagged it).
pub fn hide_by_flags(conn: &mut DbConnection, now: NaiveDateTime, id: i64) -> QueryResult<()> {
    diesel::update(
        contributions::table
            .find(id)
            .filter(contributions::state.eq(Stored::Visible.as_str())),
    )
    .set((
        contributions::state.eq(Stored::Hidden.as_str()),
        contributions::hidden_by_flags.eq(true),
        contributions::updated_at.eq(now),
        contributions::version.eq(contributions::version + 1),
    ))
    .execute(conn)?;
    reindex(conn, id)
}

/// Unlinks `user` from their flags (their account is deleted): the flags stay counted.
pub fn unlink_flags(conn: &mut DbConnection, user: i64) -> QueryResult<()> {
    diesel::update(contribution_flags::table.filter(contribution_flags::user_id.eq(user)))
        .set((
            contribution_flags::user_id.eq(None::<i64>),
            contribution_flags::note.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Open flags of `ids` by reason.
pub fn open_flags(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<FlagCount>>> {
    let rows: Vec<(i64, String, i64)> = contribution_flags::table
        .filter(contribution_flags::contribution_id.eq_any(ids))
        .filter(contribution_flags::resolved_at.is_null())
        .group_by((
            contribution_flags::contribution_id,
            contribution_flags::reason,
        ))
        .select((
            contribution_flags::contribution_id,
            contribution_flags::reason,
            diesel::dsl::count_star(),
        ))
        .order((
            contribution_flags::contribution_id,
            contribution_flags::reason,
        ))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<FlagCount>> = HashMap::new();
    for (id, reason, count) in rows {
        if let Some(reason) = Reason::from_stored(&reason) {
            out.entry(id).or_default().push(FlagCount { reason, count });
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ revisions

/// Title, body, rationale, written and replaced.
type RevisionRow = (
    Option<String>,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);
/// The public columns of a decision.
type DecisionRow = (
    i64,
    String,
    i64,
    String,
    Option<String>,
    bool,
    NaiveDateTime,
);

pub fn revisions(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<Revision>> {
    let rows: Vec<RevisionRow> = contribution_revisions::table
        .filter(contribution_revisions::contribution_id.eq(id))
        .order(contribution_revisions::id)
        .select((
            contribution_revisions::title,
            contribution_revisions::body,
            contribution_revisions::rationale,
            contribution_revisions::written_at,
            contribution_revisions::replaced_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(title, body, rationale, written_at, replaced_at)| Revision {
                title,
                body,
                rationale,
                written_at: written_at.and_utc(),
                replaced_at: replaced_at.and_utc(),
            },
        )
        .collect())
}

// ------------------------------------------------------------------ lists

/// Who is reading: their account, and whether they are staff.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub user: Option<i64>,
    pub staff: bool,
}

impl Viewer {
    /// Somebody who is not signed in: what the public sees.
    pub const ANONYMOUS: Self = Self {
        user: None,
        staff: false,
    };

    /// Whether the viewer may see `row` at all (published or placeholder; their own pending
    /// or rejected; staff: everything pending too).
    pub fn sees(&self, row: &Row) -> bool {
        match row.stored() {
            Stored::Visible | Stored::Hidden => true,
            Stored::Pending => self.staff || self.user == Some(row.author_id),
            Stored::Rejected => self.user == Some(row.author_id) || self.staff,
        }
    }
}

/// What a list shows: one consultation's contributions of one kind, at the top of their
/// threads (or the replies to one comment), optionally of one target and one author group.
#[derive(Debug, Clone, Copy)]
pub struct Listing {
    pub consultation_id: Option<i64>,
    pub kind: ContributionKind,
    pub parent_id: Option<i64>,
    pub target_type: Option<TargetType>,
    pub target_id: Option<i64>,
    pub author_group: Option<AuthorGroup>,
    pub language: Option<LanguageTag>,
    pub sort: Sort,
}

type Boxed<'a, S> = contributions::BoxedQuery<'a, crate::db::MultiBackend, S>;

/// The listing's rows as `viewer` sees them; with `published == false`, only the rows nobody
/// but their author and staff see (pending, rejected) instead.
fn filtered<'a, S: 'a>(
    mut q: Boxed<'a, S>,
    listing: &Listing,
    viewer: Viewer,
    published: bool,
) -> Boxed<'a, S> {
    q = q.filter(contributions::kind.eq(listing.kind.as_str()));
    if let Some(c) = listing.consultation_id {
        q = q.filter(contributions::consultation_id.eq(c));
    }
    q = match listing.parent_id {
        Some(p) => q.filter(contributions::parent_id.eq(p)),
        None => q.filter(contributions::parent_id.is_null()),
    };
    if let Some(target_type) = listing.target_type {
        q = q.filter(contributions::target_type.eq(target_type.as_str()));
    }
    if let Some(id) = listing.target_id {
        q = q.filter(contributions::target_id.eq(id));
    }
    if let Some(group) = listing.author_group {
        q = q.filter(contributions::author_group.eq(group.as_str()));
    }
    if let Some(language) = listing.language {
        q = q.filter(contributions::language.eq(language.as_str().to_owned()));
    }
    // Two comparisons rather than `IN (…)`: diesel keeps no prepared statement with an `IN`
    // list on SQLite, and this is the hottest query there is.
    let public = contributions::state
        .eq(Stored::Visible.as_str())
        .or(contributions::state.eq(Stored::Hidden.as_str()));
    if !published {
        return q.filter(
            contributions::state
                .eq(Stored::Pending.as_str())
                .or(contributions::state.eq(Stored::Rejected.as_str())),
        );
    }
    match (viewer.user, viewer.staff) {
        (_, true) => q.filter(
            public
                .or(contributions::state.eq(Stored::Pending.as_str()))
                .or(contributions::author_id.nullable().eq(viewer.user)),
        ),
        (Some(me), false) => q.filter(public.or(contributions::author_id.eq(me))),
        (None, false) => q.filter(public),
    }
}

/// Position after which a page starts, for each order: the order it belongs to, the moment
/// the first page was read (support counts are compared as they were then, so a page never
/// repeats or skips an item when supports change while somebody reads), the sort key and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortCursor {
    pub sort: Sort,
    /// Microseconds since 1970 (milliseconds, in cursors of version `c1`, put a support given in
    /// the same millisecond before the read after it: the order then jumped).
    pub at: i64,
    pub key: i64,
    pub id: i64,
}

impl crate::http::pagination::PageCursor for SortCursor {
    fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            "c2:{}:{}:{}:{}",
            self.sort.as_str(),
            self.at,
            self.key,
            self.id
        ))
    }

    fn decode(raw: &str) -> Option<Self> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let mut parts = text.strip_prefix("c2:")?.split(':');
        let sort = Sort::from_stored(parts.next()?)?;
        let at = parts.next()?.parse().ok()?;
        let key = parts.next()?.parse().ok()?;
        let id = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(Self { sort, at, key, id })
    }
}

/// A row with its sort key.
pub type Keyed = (Row, i64);

/// One page of rows in the listing's order with their sort keys (support counts as at the
/// cursor's moment; 0 for the orders by time), and the cursor of the next page. A fixed number of
/// statements whatever the page size: one for the page (newest, oldest, the first page by
/// support) — or, for later pages by support, one for the candidates and one for the supports
/// given since the first page, then one for the rows.
pub fn page(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    listing: &Listing,
    viewer: Viewer,
    limit: i64,
    after: Option<SortCursor>,
) -> QueryResult<(Vec<Keyed>, Option<SortCursor>)> {
    let fetch = limit + 1;
    let at = after.map_or(now.and_utc().timestamp_micros(), |c| c.at);
    let q = filtered(
        contributions::table.select(Row::as_select()).into_boxed(),
        listing,
        viewer,
        true,
    );
    let mut rows: Vec<(Row, i64)> = match (listing.sort, after) {
        (Sort::Newest, after) => {
            let mut q = q.order(contributions::id.desc()).limit(fetch);
            if let Some(c) = after {
                q = q.filter(contributions::id.lt(c.id));
            }
            q.load(conn)?.into_iter().map(|r: Row| (r, 0)).collect()
        }
        (Sort::Oldest, after) => {
            let mut q = q.order(contributions::id.asc()).limit(fetch);
            if let Some(c) = after {
                q = q.filter(contributions::id.gt(c.id));
            }
            q.load(conn)?.into_iter().map(|r: Row| (r, 0)).collect()
        }
        (Sort::MostSupported, None) => q
            .order((
                contributions::support_count.desc(),
                contributions::id.desc(),
            ))
            .limit(fetch)
            .load(conn)?
            .into_iter()
            .map(|r: Row| {
                let key = i64::from(r.support_count);
                (r, key)
            })
            .collect(),
        (Sort::MostSupported, Some(c)) => supported_since(conn, listing, viewer, c, fetch)?,
    };
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|(r, key)| SortCursor {
            sort: listing.sort,
            at,
            key: *key,
            id: r.id,
        })
    } else {
        None
    };
    Ok((rows, next))
}

/// The viewer's own contributions of the listing that the public does not see (pending or
/// rejected: never published, so never supported, their sort key is 0 in every order), after
/// `after` in the listing's order, at most `limit`.
pub fn own_unpublished(
    conn: &mut DbConnection,
    listing: &Listing,
    me: i64,
    limit: i64,
    after: Option<SortCursor>,
) -> QueryResult<Vec<Row>> {
    let mut q = filtered(
        contributions::table.select(Row::as_select()).into_boxed(),
        listing,
        Viewer::ANONYMOUS,
        false,
    )
    .filter(contributions::author_id.eq(me))
    .limit(limit);
    q = match listing.sort {
        Sort::Oldest => q.order(contributions::id.asc()),
        Sort::Newest | Sort::MostSupported => q.order(contributions::id.desc()),
    };
    if let Some(c) = after {
        q = match c.sort {
            Sort::Oldest => q.filter(contributions::id.gt(c.id)),
            Sort::Newest => q.filter(contributions::id.lt(c.id)),
            // Key 0: after (key, id) when the cursor's key is above 0, or the id is lower.
            Sort::MostSupported if c.key > 0 => q,
            Sort::MostSupported => q.filter(contributions::id.lt(c.id)),
        };
    }
    q.load(conn)
}

/// Which of `ids` the user supports.
pub fn supported_among(
    conn: &mut DbConnection,
    user: i64,
    ids: &[i64],
) -> QueryResult<HashSet<i64>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(contribution_supports::table
        .filter(contribution_supports::user_id.eq(user))
        .filter(contribution_supports::contribution_id.eq_any(ids))
        .select(contribution_supports::contribution_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// A later page by support: the counts as they were at the cursor's moment (the current
/// count less what was given or withdrawn since), compared with the cursor's.
fn supported_since(
    conn: &mut DbConnection,
    listing: &Listing,
    viewer: Viewer,
    cursor: SortCursor,
    fetch: i64,
) -> QueryResult<Vec<(Row, i64)>> {
    let then = chrono::DateTime::from_timestamp_micros(cursor.at)
        .unwrap_or_default()
        .naive_utc();
    let candidates: Vec<(i64, i32)> = filtered(
        contributions::table
            .select((contributions::id, contributions::support_count))
            .into_boxed(),
        listing,
        viewer,
        true,
    )
    .load(conn)?;
    let since: Vec<(i64, i32)> = support_events::table
        .filter(support_events::at.gt(then))
        .select((support_events::contribution_id, support_events::delta))
        .load(conn)?;
    let mut change: HashMap<i64, i64> = HashMap::new();
    for (id, delta) in since {
        *change.entry(id).or_default() += i64::from(delta);
    }
    let mut ranked: Vec<(i64, i64)> = candidates
        .into_iter()
        .map(|(id, count)| (i64::from(count) - change.get(&id).copied().unwrap_or(0), id))
        .filter(|&(key, id)| key < cursor.key || (key == cursor.key && id < cursor.id))
        .collect();
    ranked.sort_unstable_by(|a, b| b.cmp(a));
    ranked.truncate(fetch as usize);
    let ids: Vec<i64> = ranked.iter().map(|(_, id)| *id).collect();
    let mut by_id: HashMap<i64, Row> = contributions::table
        .filter(contributions::id.eq_any(&ids))
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(|r: Row| (r.id, r))
        .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(key, id)| by_id.remove(&id).map(|r| (r, key)))
        .collect())
}

/// What a page needs besides its rows, loaded for all of them at once: authors, the
/// organisations they speak for, and what the viewer supports.
pub struct Decorations {
    people: HashMap<i64, (String, bool)>,
    organisations: HashMap<i64, OrganisationAuthor>,
    supported: HashSet<i64>,
    viewer: Viewer,
}

pub fn decorations(
    conn: &mut DbConnection,
    rows: &[Row],
    viewer: Viewer,
) -> QueryResult<Decorations> {
    let authors: Vec<i64> = rows.iter().map(|r| r.author_id).collect();
    let orgs: Vec<i64> = rows.iter().filter_map(|r| r.organisation_id).collect();
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let people = users::table
        .filter(users::id.eq_any(&authors))
        .select((
            users::id,
            users::display_name,
            users::deleted_at.is_not_null(),
        ))
        .load::<(i64, String, bool)>(conn)?
        .into_iter()
        .map(|(id, name, deleted)| (id, (name, deleted)))
        .collect();
    let organisations = organisations::table
        .filter(organisations::id.eq_any(&orgs))
        .select((organisations::id, organisations::name, organisations::kind))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .filter_map(|(id, name, kind)| {
            OrganisationKind::from_stored(&kind)
                .map(|kind| (id, OrganisationAuthor { id, name, kind }))
        })
        .collect();
    let supported = match viewer.user {
        Some(me) => contribution_supports::table
            .filter(contribution_supports::user_id.eq(me))
            .filter(contribution_supports::contribution_id.eq_any(&ids))
            .select(contribution_supports::contribution_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    Ok(Decorations {
        people,
        organisations,
        supported,
        viewer,
    })
}

impl Decorations {
    /// What a page of one new contribution by `viewer` needs, known without a query: its
    /// author is the viewer, it has no supports yet.
    pub fn of_author(
        viewer: Viewer,
        author_id: i64,
        display_name: String,
        organisation: Option<OrganisationAuthor>,
    ) -> Self {
        Self {
            people: HashMap::from([(author_id, (display_name, false))]),
            organisations: organisation.map(|o| (o.id, o)).into_iter().collect(),
            supported: HashSet::new(),
            viewer,
        }
    }

    /// The author of `row` as shown to everybody.
    pub fn author(&self, row: &Row) -> Author {
        if let Some(name) = &row.assisted_name {
            // Assisted: the person it was recorded for, never the facilitator.
            return Author {
                display_name: Some(name.clone()),
                deleted: false,
                organisation: None,
            };
        }
        let (name, deleted) = self
            .people
            .get(&row.author_id)
            .cloned()
            .unwrap_or_else(|| (String::new(), true));
        Author {
            display_name: (!deleted).then_some(name),
            deleted,
            organisation: row
                .organisation_id
                .and_then(|id| self.organisations.get(&id).cloned()),
        }
    }

    /// `row` as the viewer sees it: placeholders without text or author.
    pub fn view(&self, row: &Row) -> Contribution {
        let status = row.status();
        let shown = matches!(status, Status::Visible | Status::Pending | Status::Rejected);
        let answer = match (&row.answer, &row.answer_explanation, row.answered_at) {
            (Some(status), Some(explanation), Some(at)) if !row.is_deleted() => {
                AnswerStatus::from_stored(status).map(|status| ProposalAnswer {
                    status,
                    explanation: explanation.clone(),
                    measure_id: row.answer_measure_id,
                    consultation_id: row.answer_consultation_id,
                    answered_at: at.and_utc(),
                    languages: crate::translations::Languages::default(),
                    proposal_id: row.id,
                })
            }
            _ => None,
        };
        Contribution {
            id: row.id,
            kind: row.kind(),
            consultation_id: row.consultation_id,
            target_type: TargetType::from_stored(&row.target_type).unwrap_or(TargetType::Field),
            target_id: row.target_id,
            parent_id: row.parent_id,
            depth: row.depth,
            status,
            author: shown.then(|| self.author(row)),
            author_group: AuthorGroup::from_stored(&row.author_group)
                .unwrap_or(AuthorGroup::Citizen),
            title: if shown { row.title.clone() } else { None },
            body: shown.then(|| row.body.clone()),
            rationale: if shown { row.rationale.clone() } else { None },
            created_at: row.created_at.and_utc(),
            edited_at: row.edited_at.map(|t| t.and_utc()),
            support_count: row.support_count,
            reply_count: row.reply_count,
            supported: self.viewer.user.map(|_| self.supported.contains(&row.id)),
            mine: self.viewer.user == Some(row.author_id),
            answer,
            language: row.language.clone(),
            assisted: row.assisted_by.is_some(),
        }
    }

    /// For moderators: who recorded an assisted contribution, and the person's contact.
    pub fn assisted_record(&self, row: &Row) -> Option<AssistedRecord> {
        let facilitator_id = row.assisted_by?;
        Some(AssistedRecord {
            facilitator_id,
            facilitator_name: self
                .people
                .get(&facilitator_id)
                .filter(|(_, deleted)| !deleted)
                .map(|(name, _)| name.clone()),
            contact: row.assisted_contact.clone(),
        })
    }
}

// ------------------------------------------------------------------ counts

/// Published comments per target of a consultation, in all and per author group, from one
/// grouped query.
pub fn counts(
    conn: &mut DbConnection,
    consultation: i64,
    target_type: Option<TargetType>,
    target_id: Option<i64>,
) -> QueryResult<Vec<TargetCounts>> {
    let mut q = contributions::table
        .filter(contributions::consultation_id.eq(consultation))
        .filter(contributions::kind.eq(ContributionKind::Comment.as_str()))
        .filter(contributions::state.eq(Stored::Visible.as_str()))
        .filter(contributions::deleted_at.is_null())
        .group_by((
            contributions::target_type,
            contributions::target_id,
            contributions::author_group,
        ))
        .select((
            contributions::target_type,
            contributions::target_id,
            contributions::author_group,
            diesel::dsl::count_star(),
        ))
        .order((contributions::target_type, contributions::target_id))
        .into_boxed();
    if let Some(target_type) = target_type {
        q = q.filter(contributions::target_type.eq(target_type.as_str()));
    }
    if let Some(id) = target_id {
        q = q.filter(contributions::target_id.eq(id));
    }
    let rows: Vec<(String, i64, String, i64)> = q.load(conn)?;
    let mut out: Vec<TargetCounts> = Vec::new();
    for (target_type, target_id, group, count) in rows {
        let Some(target_type) = TargetType::from_stored(&target_type) else {
            continue;
        };
        let entry = match out.last_mut() {
            Some(last) if last.target_type == target_type && last.target_id == target_id => last,
            _ => {
                out.push(TargetCounts {
                    target_type,
                    target_id,
                    comments: 0,
                    citizen: 0,
                    migrant_organisation: 0,
                    welfare_provider: 0,
                    other_civil_society: 0,
                });
                out.last_mut().expect("just pushed")
            }
        };
        entry.comments += count;
        match AuthorGroup::from_stored(&group) {
            Some(AuthorGroup::Citizen) => entry.citizen += count,
            Some(AuthorGroup::MigrantOrganisation) => entry.migrant_organisation += count,
            Some(AuthorGroup::WelfareProvider) => entry.welfare_provider += count,
            Some(AuthorGroup::OtherCivilSociety) => entry.other_civil_society += count,
            None => {}
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------ moderation

fn in_queue<'a, S: 'a>(q: Boxed<'a, S>, kind: QueueKind) -> Boxed<'a, S> {
    let q = q.filter(contributions::deleted_at.is_null());
    match kind {
        QueueKind::Pending => q.filter(contributions::state.eq(Stored::Pending.as_str())),
        QueueKind::Flagged => q.filter(contributions::open_flags.gt(0)),
        QueueKind::Unanswered => q
            .filter(contributions::kind.eq(ContributionKind::Proposal.as_str()))
            .filter(contributions::state.eq(Stored::Visible.as_str()))
            .filter(
                contributions::answer
                    .is_null()
                    .or(contributions::answer.eq(AnswerStatus::UnderReview.as_str())),
            ),
    }
}

/// Why `row` is in the queue (the first that applies), if it is.
pub fn queue_kind(row: &Row) -> Option<QueueKind> {
    if row.is_deleted() {
        return None;
    }
    if row.stored() == Stored::Pending {
        Some(QueueKind::Pending)
    } else if row.open_flags > 0 {
        Some(QueueKind::Flagged)
    } else if row.kind() == ContributionKind::Proposal
        && row.stored() == Stored::Visible
        && matches!(row.answer.as_deref(), None | Some("under_review"))
    {
        Some(QueueKind::Unanswered)
    } else {
        None
    }
}

/// What the queue is narrowed to besides its kind: a consultation, a kind of item, a language,
/// assisted entries (or the others), one facilitator's.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueScope {
    pub consultation: Option<i64>,
    pub item_kind: Option<ContributionKind>,
    pub language: Option<LanguageTag>,
    pub assisted: Option<bool>,
    pub facilitator: Option<i64>,
}

fn scoped<'a, S: 'a>(mut q: Boxed<'a, S>, scope: &QueueScope) -> Boxed<'a, S> {
    if let Some(c) = scope.consultation {
        q = q.filter(contributions::consultation_id.eq(c));
    }
    if let Some(k) = scope.item_kind {
        q = q.filter(contributions::kind.eq(k.as_str()));
    }
    if let Some(language) = scope.language {
        q = q.filter(contributions::language.eq(language.as_str().to_owned()));
    }
    match scope.assisted {
        Some(true) => q = q.filter(contributions::assisted_by.is_not_null()),
        Some(false) => q = q.filter(contributions::assisted_by.is_null()),
        None => {}
    }
    if let Some(f) = scope.facilitator {
        q = q.filter(contributions::assisted_by.eq(f));
    }
    q
}

/// The queue, oldest first: entries of one kind, or of every kind.
pub fn queue(
    conn: &mut DbConnection,
    kind: Option<QueueKind>,
    scope: &QueueScope,
    limit: i64,
    after: Option<i64>,
) -> QueryResult<Vec<Row>> {
    let mut q = contributions::table
        .select(Row::as_select())
        .order(contributions::id)
        .limit(limit + 1)
        .into_boxed();
    let reviewing_assisted = scope.assisted == Some(true) || scope.facilitator.is_some();
    q = match kind {
        Some(kind) => in_queue(q, kind),
        // Assisted entries are reviewed whether or not they wait for anything.
        None if reviewing_assisted => q.filter(contributions::deleted_at.is_null()),
        None => q.filter(contributions::deleted_at.is_null()).filter(
            contributions::state
                .eq(Stored::Pending.as_str())
                .or(contributions::open_flags.gt(0))
                .or(contributions::kind
                    .eq(ContributionKind::Proposal.as_str())
                    .and(contributions::state.eq(Stored::Visible.as_str()))
                    .and(
                        contributions::answer
                            .is_null()
                            .or(contributions::answer.eq(AnswerStatus::UnderReview.as_str())),
                    )),
        ),
    };
    q = scoped(q, scope);
    if let Some(id) = after {
        q = q.filter(contributions::id.gt(id));
    }
    q.load(conn)
}

/// How many entries of `kind` wait.
pub fn queue_count(
    conn: &mut DbConnection,
    kind: QueueKind,
    scope: &QueueScope,
) -> QueryResult<i64> {
    let q = in_queue(
        contributions::table
            .select(diesel::dsl::count_star())
            .into_boxed(),
        kind,
    );
    scoped(q, scope).get_result(conn)
}

/// Records a moderation decision for the public log (and the moderator for the record).
#[allow(clippy::too_many_arguments)]
pub fn record_decision(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    row: &Row,
    decision: ModerationDecision,
    reason: Option<Reason>,
    note: Option<&str>,
    moderator: i64,
) -> QueryResult<()> {
    diesel::insert_into(moderation_decisions::table)
        .values((
            moderation_decisions::contribution_id.eq(row.id),
            moderation_decisions::item_kind.eq(row.kind().as_str()),
            moderation_decisions::consultation_id.eq(row.consultation_id),
            moderation_decisions::decision.eq(decision.as_str()),
            moderation_decisions::reason.eq(reason.map(Reason::as_str)),
            moderation_decisions::note.eq(note),
            moderation_decisions::after_automatic_hiding.eq(row.hidden_by_flags),
            moderation_decisions::moderator_id.eq(Some(moderator)),
            moderation_decisions::decided_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The public log, newest first: only the columns without anything about a person.
pub fn public_decisions(
    conn: &mut DbConnection,
    consultation: Option<i64>,
    limit: i64,
    before: Option<i64>,
) -> QueryResult<Vec<PublicDecision>> {
    let mut q = moderation_decisions::table
        .select((
            moderation_decisions::id,
            moderation_decisions::item_kind,
            moderation_decisions::consultation_id,
            moderation_decisions::decision,
            moderation_decisions::reason,
            moderation_decisions::after_automatic_hiding,
            moderation_decisions::decided_at,
        ))
        .order(moderation_decisions::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = consultation {
        q = q.filter(moderation_decisions::consultation_id.eq(c));
    }
    if let Some(id) = before {
        q = q.filter(moderation_decisions::id.lt(id));
    }
    let rows: Vec<DecisionRow> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, consultation_id, decision, reason, after, at)| PublicDecision {
                id,
                item_kind: ContributionKind::from_stored(&kind)
                    .unwrap_or(ContributionKind::Comment),
                consultation_id,
                decision: ModerationDecision::from_stored(&decision)
                    .unwrap_or(ModerationDecision::Approve),
                reason: reason.as_deref().and_then(Reason::from_stored),
                after_automatic_hiding: after,
                automated: false,
                decided_on: at.format("%Y-%m-%d").to_string(),
            },
        )
        .collect())
}

/// Every decision's reason, kind of decision and time: the statistics are counted from these
/// in memory (a city's decisions are thousands, not millions).
pub fn decision_facts(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, Option<String>, NaiveDateTime)>> {
    moderation_decisions::table
        .select((
            moderation_decisions::decision,
            moderation_decisions::reason,
            moderation_decisions::decided_at,
        ))
        .load(conn)
}

/// Counts of `keys`, sorted by key.
pub fn tally(keys: impl Iterator<Item = String>) -> Vec<KeyCount> {
    let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(key, count)| KeyCount { key, count })
        .collect()
}

/// The address and language of an author whose account still exists, for a mail.
pub fn author_address(conn: &mut DbConnection, user: i64) -> QueryResult<Option<(String, String)>> {
    users::table
        .find(user)
        .filter(users::deleted_at.is_null())
        .select((users::email, users::preferred_language))
        .first(conn)
        .optional()
}
