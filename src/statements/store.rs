//! Queries of statements, their attachments, receipt numbers and responses. Every function that
//! records a time takes it from the caller's clock (`now`).

use super::model::{PublishAs, StatementState, StatementTarget};
use crate::db::schema::{
    organisation_members, organisations, statement_attachments, statement_counters,
    statement_responses, statements, users,
};
use crate::db::DbConnection;
use crate::db_run;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

/// A statement as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = statements)]
pub struct Row {
    pub id: i64,
    pub consultation_id: i64,
    pub organisation_id: i64,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub field_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub state: String,
    pub drafted_by: Option<i64>,
    pub publish_as: Option<String>,
    pub seq: Option<i32>,
    pub receipt_number: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<i64>,
    pub content_sha256: Option<String>,
    pub signature: Option<String>,
    pub key_id: Option<String>,
    pub organisation_name: Option<String>,
    pub organisation_kind: Option<String>,
    pub reviewer_id: Option<i64>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_by: Option<i64>,
    pub answered_at: Option<NaiveDateTime>,
    pub published_response_id: Option<i64>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Row {
    pub fn state(&self) -> StatementState {
        StatementState::from_stored(&self.state).unwrap_or(StatementState::Draft)
    }

    pub fn target_type(&self) -> StatementTarget {
        StatementTarget::from_stored(&self.target_type).unwrap_or(StatementTarget::Concept)
    }

    pub fn publish_as(&self) -> Option<PublishAs> {
        self.publish_as.as_deref().and_then(PublishAs::from_stored)
    }

    /// The entity tag of the statement: it changes with every change of text, attachments or
    /// state.
    pub fn etag(&self) -> String {
        crate::http::cache::etag_of(&("statement", self.id, self.version))
    }
}

/// An attachment as listed (without its content).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = statement_attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub statement_id: i64,
    pub filename: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

/// A version of a response.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = statement_responses)]
pub struct ResponseRow {
    pub id: i64,
    pub statement_id: i64,
    pub version: i32,
    pub body: String,
    pub written_by: Option<i64>,
    pub written_at: NaiveDateTime,
}

/// What a new draft is.
pub struct NewDraft<'a> {
    pub consultation_id: i64,
    pub organisation_id: i64,
    pub target_type: StatementTarget,
    pub target_id: Option<i64>,
    pub field_id: Option<i64>,
    pub title: &'a str,
    pub body: &'a str,
    pub drafted_by: i64,
}

pub fn insert_draft(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    new: &NewDraft<'_>,
) -> QueryResult<Row> {
    let values = (
        statements::consultation_id.eq(new.consultation_id),
        statements::organisation_id.eq(new.organisation_id),
        statements::target_type.eq(new.target_type.as_str()),
        statements::target_id.eq(new.target_id),
        statements::field_id.eq(new.field_id),
        statements::title.eq(new.title),
        statements::body.eq(new.body),
        statements::state.eq(StatementState::Draft.as_str()),
        statements::drafted_by.eq(Some(new.drafted_by)),
        statements::created_at.eq(now),
        statements::updated_at.eq(now),
    );
    db_run!(conn, |c| diesel::insert_into(statements::table)
        .values(values)
        .returning(Row::as_returning())
        .get_result(c))
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Row>> {
    statements::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()
}

/// The statement, its row locked until the transaction ends (PostgreSQL; on SQLite the write
/// transaction holds the database).
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Row>> {
    match conn {
        DbConnection::Postgresql(pg) => statements::table
            .find(id)
            .select(Row::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(_) => find(conn, id),
    }
}

/// The current name and kind of organisation `id` (a draft shows them; a submitted statement
/// keeps those of its submission).
pub fn organisation(conn: &mut DbConnection, id: i64) -> QueryResult<(String, String)> {
    organisations::table
        .find(id)
        .select((organisations::name, organisations::kind))
        .first(conn)
}

/// Changes the text of a draft seen at `version`; `false` when it changed meanwhile.
pub fn edit_draft(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    row: &Row,
    title: &str,
    body: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        statements::table
            .find(row.id)
            .filter(statements::version.eq(row.version))
            .filter(statements::state.eq(StatementState::Draft.as_str())),
    )
    .set((
        statements::title.eq(title),
        statements::body.eq(body),
        statements::version.eq(row.version + 1),
        statements::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A new version of a draft whose attachments changed.
pub fn touch(conn: &mut DbConnection, now: NaiveDateTime, id: i64) -> QueryResult<()> {
    diesel::update(statements::table.find(id))
        .set((
            statements::version.eq(statements::version + 1),
            statements::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_draft(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(
        statements::table
            .find(id)
            .filter(statements::state.eq(StatementState::Draft.as_str())),
    )
    .execute(conn)?;
    Ok(())
}

/// The attachments of the statements `ids`, in the order they were added.
pub fn attachments_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<AttachmentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    statement_attachments::table
        .filter(statement_attachments::statement_id.eq_any(ids))
        .order((
            statement_attachments::statement_id,
            statement_attachments::id,
        ))
        .select(AttachmentRow::as_select())
        .load(conn)
}

pub fn insert_attachment(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    statement_id: i64,
    filename: &str,
    sha256: &str,
    content: &[u8],
) -> QueryResult<AttachmentRow> {
    let values = (
        statement_attachments::statement_id.eq(statement_id),
        statement_attachments::filename.eq(filename),
        statement_attachments::size.eq(content.len() as i64),
        statement_attachments::sha256.eq(sha256),
        statement_attachments::content.eq(content),
        statement_attachments::created_at.eq(now),
    );
    db_run!(conn, |c| diesel::insert_into(statement_attachments::table)
        .values(values)
        .returning(AttachmentRow::as_returning())
        .get_result(c))
}

/// The name and content of attachment `id` of statement `statement_id`.
pub fn attachment_content(
    conn: &mut DbConnection,
    statement_id: i64,
    id: i64,
) -> QueryResult<Option<(String, Vec<u8>)>> {
    statement_attachments::table
        .find(id)
        .filter(statement_attachments::statement_id.eq(statement_id))
        .select((
            statement_attachments::filename,
            statement_attachments::content,
        ))
        .first(conn)
        .optional()
}

/// Removes attachment `id` of statement `statement_id`; `false` when there is none.
pub fn delete_attachment(conn: &mut DbConnection, statement_id: i64, id: i64) -> QueryResult<bool> {
    let gone = diesel::delete(
        statement_attachments::table
            .find(id)
            .filter(statement_attachments::statement_id.eq(statement_id)),
    )
    .execute(conn)?;
    Ok(gone == 1)
}

/// The next receipt number of the consultation. The counter's row stays locked until the
/// submitting transaction ends (on SQLite the write transaction holds the database), so
/// concurrent submissions take consecutive numbers, and a submission that fails gives its
/// number back with its rollback: no gaps.
pub fn next_seq(conn: &mut DbConnection, consultation_id: i64) -> QueryResult<i32> {
    db_run!(conn, |c| diesel::insert_into(statement_counters::table)
        .values((
            statement_counters::consultation_id.eq(consultation_id),
            statement_counters::last_seq.eq(1),
        ))
        .on_conflict(statement_counters::consultation_id)
        .do_update()
        .set(statement_counters::last_seq.eq(statement_counters::last_seq + 1))
        .returning(statement_counters::last_seq)
        .get_result(c))
}

/// What a submission stores.
pub struct Submitted<'a> {
    pub publish_as: PublishAs,
    pub seq: i32,
    pub number: &'a str,
    pub by: i64,
    pub sha256: &'a str,
    pub signature: &'a str,
    pub key_id: &'a str,
    pub organisation_name: &'a str,
    pub organisation_kind: &'a str,
}

/// Freezes the draft seen at `row.version`; `false` when it changed meanwhile.
pub fn submit(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    row: &Row,
    s: &Submitted<'_>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        statements::table
            .find(row.id)
            .filter(statements::version.eq(row.version))
            .filter(statements::state.eq(StatementState::Draft.as_str())),
    )
    .set((
        statements::state.eq(StatementState::Submitted.as_str()),
        statements::publish_as.eq(s.publish_as.as_str()),
        statements::seq.eq(s.seq),
        statements::receipt_number.eq(s.number),
        statements::submitted_at.eq(now),
        statements::submitted_by.eq(s.by),
        statements::content_sha256.eq(s.sha256),
        statements::signature.eq(s.signature),
        statements::key_id.eq(s.key_id),
        statements::organisation_name.eq(s.organisation_name),
        statements::organisation_kind.eq(s.organisation_kind),
        statements::version.eq(row.version + 1),
        statements::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A change of a submitted statement's state, with what it records; what it leaves out keeps
/// its value.
#[derive(Debug, Clone, Copy)]
pub enum Transition {
    Withdraw { by: i64 },
    Assign { reviewer: i64 },
    Publish { response_id: i64 },
}

/// Applies `transition` to the statement seen at `row.version`; `false` when it changed
/// meanwhile.
pub fn transition(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    row: &Row,
    transition: Transition,
) -> QueryResult<bool> {
    let (mut withdrawn_at, mut withdrawn_by) = (row.withdrawn_at, row.withdrawn_by);
    let (mut reviewer, mut answered_at, mut response) =
        (row.reviewer_id, row.answered_at, row.published_response_id);
    let to = match transition {
        Transition::Withdraw { by } => {
            (withdrawn_at, withdrawn_by) = (Some(now), Some(by));
            StatementState::Withdrawn
        }
        Transition::Assign { reviewer: r } => {
            reviewer = Some(r);
            StatementState::InReview
        }
        Transition::Publish { response_id } => {
            (answered_at, response) = (Some(now), Some(response_id));
            StatementState::Answered
        }
    };
    let changed = diesel::update(
        statements::table
            .find(row.id)
            .filter(statements::version.eq(row.version)),
    )
    .set((
        statements::state.eq(to.as_str()),
        statements::withdrawn_at.eq(withdrawn_at),
        statements::withdrawn_by.eq(withdrawn_by),
        statements::reviewer_id.eq(reviewer),
        statements::answered_at.eq(answered_at),
        statements::published_response_id.eq(response),
        statements::version.eq(row.version + 1),
        statements::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Adds the next version of the statement's response.
pub fn add_response(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    statement_id: i64,
    body: &str,
    by: i64,
) -> QueryResult<ResponseRow> {
    let last: Option<i32> = statement_responses::table
        .filter(statement_responses::statement_id.eq(statement_id))
        .select(diesel::dsl::max(statement_responses::version))
        .first(conn)?;
    let values = (
        statement_responses::statement_id.eq(statement_id),
        statement_responses::version.eq(last.unwrap_or(0) + 1),
        statement_responses::body.eq(body),
        statement_responses::written_by.eq(Some(by)),
        statement_responses::written_at.eq(now),
    );
    db_run!(conn, |c| diesel::insert_into(statement_responses::table)
        .values(values)
        .returning(ResponseRow::as_returning())
        .get_result(c))
}

/// Every version of the statement's response, the newest first.
pub fn responses_of(conn: &mut DbConnection, statement_id: i64) -> QueryResult<Vec<ResponseRow>> {
    statement_responses::table
        .filter(statement_responses::statement_id.eq(statement_id))
        .order(statement_responses::version.desc())
        .select(ResponseRow::as_select())
        .load(conn)
}

/// What statements are shown with: their attachments (without content) and their published
/// responses — two queries for a whole page or chunk of rows.
pub struct Parts {
    pub attachments: Vec<AttachmentRow>,
    responses: HashMap<i64, ResponseRow>,
}

impl Parts {
    /// The published response of `row`, if it has one.
    pub fn response_of(&self, row: &Row) -> Option<&ResponseRow> {
        row.published_response_id
            .and_then(|id| self.responses.get(&id))
    }
}

pub fn parts_of(conn: &mut DbConnection, rows: &[Row]) -> QueryResult<Parts> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let response_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.published_response_id)
        .collect();
    Ok(Parts {
        attachments: attachments_of(conn, &ids)?,
        responses: responses(conn, &response_ids)?
            .into_iter()
            .map(|r| (r.id, r))
            .collect(),
    })
}

/// The responses `ids` (the published ones of a page of statements).
pub fn responses(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ResponseRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    statement_responses::table
        .filter(statement_responses::id.eq_any(ids))
        .select(ResponseRow::as_select())
        .load(conn)
}

/// The addresses and languages of the organisation's representatives (for receipts).
pub fn representatives(
    conn: &mut DbConnection,
    organisation_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    organisation_members::table
        .inner_join(users::table)
        .filter(organisation_members::organisation_id.eq(organisation_id))
        .filter(organisation_members::role.eq("representative"))
        .filter(users::deleted_at.is_null())
        .order(users::id)
        .select((users::email, users::preferred_language))
        .load(conn)
}

/// Whether account `id` may review statements: a moderator or administrator, not blocked or
/// deleted.
pub fn is_staff(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .find(id)
            .filter(users::role.eq_any(["moderator", "admin"]))
            .filter(users::blocked_at.is_null())
            .filter(users::deleted_at.is_null()),
    ))
    .get_result(conn)
}

/// The order of a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// As they were created (an organisation's own list, drafts included).
    #[default]
    Created,
    /// By consultation, then receipt number: the order of submission (submitted statements
    /// only).
    Submitted,
}

impl Order {
    /// The position of `row` in a list of this order: (key, id) of a page cursor.
    pub fn position(self, row: &Row) -> (i64, i64) {
        match self {
            Self::Created => (row.id, row.id),
            Self::Submitted => (row.consultation_id, i64::from(row.seq.unwrap_or(0))),
        }
    }
}

/// Which statements a list holds.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub order: Order,
    pub organisation_id: Option<i64>,
    pub consultation_id: Option<i64>,
    pub states: Vec<StatementState>,
    pub field_id: Option<i64>,
    pub measure_id: Option<i64>,
    pub organisation_kind: Option<String>,
    pub reviewer_id: Option<i64>,
}

/// Up to `limit` statements of `listing` after the position `after` ([`Order::position`]).
pub fn list(
    conn: &mut DbConnection,
    listing: &Listing,
    after: Option<(i64, i64)>,
    limit: i64,
) -> QueryResult<Vec<Row>> {
    let mut query = statements::table
        .select(Row::as_select())
        .limit(limit)
        .into_boxed();
    query = match listing.order {
        Order::Created => query.order(statements::id),
        Order::Submitted => query
            .filter(statements::seq.is_not_null())
            .order((statements::consultation_id, statements::seq)),
    };
    match (listing.order, after) {
        (_, None) => {}
        (Order::Created, Some((_, id))) => query = query.filter(statements::id.gt(id)),
        (Order::Submitted, Some((consultation, seq))) => {
            let seq = i32::try_from(seq).unwrap_or(i32::MAX);
            query = query.filter(
                statements::consultation_id
                    .gt(consultation)
                    .or(statements::consultation_id
                        .eq(consultation)
                        .and(statements::seq.gt(seq))),
            );
        }
    }
    if let Some(org) = listing.organisation_id {
        query = query.filter(statements::organisation_id.eq(org));
    }
    if let Some(c) = listing.consultation_id {
        query = query.filter(statements::consultation_id.eq(c));
    }
    if !listing.states.is_empty() {
        let states: Vec<&str> = listing.states.iter().map(|s| s.as_str()).collect();
        query = query.filter(statements::state.eq_any(states));
    }
    if let Some(field) = listing.field_id {
        query = query.filter(statements::field_id.eq(field));
    }
    if let Some(measure) = listing.measure_id {
        query = query
            .filter(statements::target_type.eq(StatementTarget::Measure.as_str()))
            .filter(statements::target_id.eq(measure));
    }
    if let Some(kind) = &listing.organisation_kind {
        query = query.filter(statements::organisation_kind.eq(kind.clone()));
    }
    if let Some(reviewer) = listing.reviewer_id {
        query = query.filter(statements::reviewer_id.eq(reviewer));
    }
    query.load(conn)
}

/// The submitted statement of the consultation with receipt `number`.
pub fn by_receipt(
    conn: &mut DbConnection,
    consultation_id: i64,
    number: &str,
) -> QueryResult<Option<Row>> {
    statements::table
        .filter(statements::consultation_id.eq(consultation_id))
        .filter(statements::receipt_number.eq(number))
        .select(Row::as_select())
        .first(conn)
        .optional()
}

/// Unlinks the person from the statements they drafted, submitted or withdrew: the statements
/// stay with the organisation.
pub fn unlink_person(conn: &mut DbConnection, user: i64) -> QueryResult<()> {
    diesel::update(statements::table.filter(statements::drafted_by.eq(user)))
        .set(statements::drafted_by.eq(None::<i64>))
        .execute(conn)?;
    diesel::update(statements::table.filter(statements::submitted_by.eq(user)))
        .set(statements::submitted_by.eq(None::<i64>))
        .execute(conn)?;
    diesel::update(statements::table.filter(statements::withdrawn_by.eq(user)))
        .set(statements::withdrawn_by.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}
