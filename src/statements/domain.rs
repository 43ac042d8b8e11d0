//! The rules of statements. Each public function that changes something is one change with its
//! audit entry (and mails, through the outbox), run by the caller inside one write transaction
//! ([`crate::db::Db::write`]); the handlers only extract, call and answer.
//!
//! Who sees what: a draft only the organisation's members; a submitted statement also the
//! moderators and administrators; an answered (published) one everybody, the public in its
//! published form ([`PublishedStatement`]). Anybody else gets 404, as if it did not exist.

use super::model::{
    Attachment, NewStatement, PublishAs, PublishedOrganisation, PublishedResponse,
    PublishedStatement, Receipt, ResponseDraft, ResponseVersion, Statement, StatementEdit,
    StatementOrganisation, StatementState, StatementTarget, Submission, Target, MAX_ATTACHMENTS,
};
use super::problems;
use super::receipt::{self, Content, Signer};
use super::store::{self, AttachmentRow, Listing, Order, Row, Transition};
use crate::audit;
use crate::auth::extract::{CurrentUser, Verified};
use crate::auth::model::Role;
use crate::contributions::domain as contributing;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, Text};
use crate::http::cache::{stale, IfMatch};
use crate::http::pagination::{Cursor, Page, PageRequest};
use crate::language::Language;
use crate::language::Preferences;
use crate::mail;
use crate::organisations::acting::{self, Capability};
use crate::organisations::model::OrganisationKind;
use crate::organisations::store as organisations;
use crate::translations::localize_all;
use chrono::{NaiveDateTime, Timelike};
use validator::Validate;

/// Bytes of one attachment.
pub const ATTACHMENT_LIMIT_BYTES: usize = 10 << 20;

pub fn no_such_statement() -> ApiError {
    ApiError::not_found(Text::new(
        "Es gibt keine Stellungnahme mit dieser ID.",
        "There is no statement with this id.",
    ))
}

/// What the caller may do with a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A member of its organisation.
    Member,
    /// A moderator or administrator (not a member).
    Staff,
    /// Anybody else.
    Public,
}

fn is_staff(user: &CurrentUser) -> bool {
    matches!(user.role(), Role::Moderator | Role::Admin)
}

/// The caller's access to `row`, or 404 when they may not see it at all.
pub fn access(conn: &mut DbConnection, user: Option<&CurrentUser>, row: &Row) -> ApiResult<Access> {
    let member = match user {
        Some(u) => organisations::role_of(conn, row.organisation_id, u.id())?.is_some(),
        None => false,
    };
    let access = if member {
        Access::Member
    } else if user.is_some_and(is_staff) {
        Access::Staff
    } else {
        Access::Public
    };
    let visible = match row.state() {
        StatementState::Draft => access == Access::Member,
        StatementState::Answered => true,
        _ => access != Access::Public,
    };
    if visible {
        Ok(access)
    } else {
        Err(no_such_statement())
    }
}

/// The statement `id` for a change in the name of its organisation: the row (locked), after
/// the acting rule for `capability` (404 for anybody who is not a member).
fn acting_on(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: i64,
    capability: Capability,
) -> ApiResult<Row> {
    // The membership first (the acting rule share-locks it), then the statement: account
    // deletion takes its locks in that order too (memberships before statements), so the two
    // cannot wait for each other.
    let seen = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    as_member(conn, user, &seen, capability)?;
    store::lock(conn, id)?.ok_or_else(no_such_statement)
}

/// The acting rule for `capability` on `row`'s organisation, with 404 for non-members.
fn as_member(
    conn: &mut DbConnection,
    user: &CurrentUser,
    row: &Row,
    capability: Capability,
) -> ApiResult<()> {
    if organisations::role_of(conn, row.organisation_id, user.id())?.is_none() {
        return Err(no_such_statement());
    }
    acting::authorize(conn, user.id(), row.organisation_id, capability)?;
    Ok(())
}

fn draft_only(row: &Row) -> ApiResult<()> {
    if row.state() == StatementState::Draft {
        Ok(())
    } else {
        Err(problems::NOT_A_DRAFT.problem())
    }
}

fn record(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    actor: i64,
    action: &str,
    id: i64,
    details: serde_json::Value,
) -> ApiResult<()> {
    audit::record(
        conn,
        now,
        Some(actor),
        action,
        "statement",
        Some(id),
        details,
    )?;
    Ok(())
}

fn attachment(a: &AttachmentRow) -> Attachment {
    Attachment {
        id: a.id,
        filename: a.filename.clone(),
        size: a.size,
        sha256: a.sha256.clone(),
        created_at: a.created_at.and_utc(),
    }
}

fn target(row: &Row) -> Target {
    Target {
        kind: row.target_type(),
        id: row.target_id,
        field_id: row.field_id,
    }
}

fn kind_of(stored: &str) -> OrganisationKind {
    OrganisationKind::from_stored(stored).unwrap_or(OrganisationKind::OtherCivilSociety)
}

/// The receipt as it was issued: the key that signed it is the one named in the row (the
/// installation's key may have been replaced since).
fn receipt_of(row: &Row) -> Option<Receipt> {
    let (number, at, sha256, signature, key_id) = (
        row.receipt_number.clone()?,
        row.submitted_at?,
        row.content_sha256.clone()?,
        row.signature.clone()?,
        row.key_id.clone()?,
    );
    Some(Receipt {
        signed_message: receipt::signed_message(&number, row.consultation_id, at, &sha256, &key_id),
        number,
        consultation_id: row.consultation_id,
        submitted_at: at.and_utc(),
        sha256,
        signature,
        key_id,
    })
}

fn published_response(
    row: &Row,
    response: Option<&store::ResponseRow>,
) -> Option<PublishedResponse> {
    let (response, at) = (response?, row.answered_at?);
    Some(PublishedResponse {
        body: response.body.clone(),
        version: response.version,
        published_at: at.and_utc(),
        languages: crate::translations::Languages::default(),
        statement_id: row.id,
    })
}

/// The full view of a statement (members and staff).
/// The full view of a statement, for its organisation's members (`Access::Member`: without the
/// staff's reviewer) or the staff.
fn full(conn: &mut DbConnection, row: &Row, access: Access) -> ApiResult<(Statement, String)> {
    let (name, kind) = match (&row.organisation_name, &row.organisation_kind) {
        (Some(name), Some(kind)) => (name.clone(), kind.clone()),
        _ => store::organisation(conn, row.organisation_id)?,
    };
    let parts = store::parts_of(conn, std::slice::from_ref(row))?;
    let view = Statement {
        id: row.id,
        consultation_id: row.consultation_id,
        organisation: StatementOrganisation {
            id: row.organisation_id,
            name,
            kind: kind_of(&kind),
        },
        target: target(row),
        title: row.title.clone(),
        body: row.body.clone(),
        state: row.state(),
        attachments: parts.attachments.iter().map(attachment).collect(),
        publish_as: row.publish_as(),
        receipt: receipt_of(row),
        reviewer_id: row.reviewer_id.filter(|_| access == Access::Staff),
        withdrawn_at: row.withdrawn_at.map(|t| t.and_utc()),
        response: published_response(row, parts.response_of(row)),
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    };
    Ok((view, row.etag()))
}

fn published_view(row: &Row, parts: &store::Parts) -> Option<PublishedStatement> {
    let attachments = &parts.attachments;
    let response = parts.response_of(row);
    let kind = kind_of(row.organisation_kind.as_deref()?);
    Some(PublishedStatement {
        id: row.id,
        consultation_id: row.consultation_id,
        receipt_number: row.receipt_number.clone()?,
        submitted_at: row.submitted_at?.and_utc(),
        organisation: PublishedOrganisation {
            kind,
            name: match row.publish_as() {
                Some(PublishAs::Name) => row.organisation_name.clone(),
                _ => None,
            },
        },
        target: target(row),
        title: row.title.clone(),
        body: row.body.clone(),
        attachments: attachments
            .iter()
            .filter(|a| a.statement_id == row.id)
            .map(attachment)
            .collect(),
        response: published_response(row, response)?,
    })
}

/// A statement as the caller sees it: in full for members and staff, published for the
/// public.
pub enum Seen {
    Full(Box<Statement>, String),
    Published(Box<PublishedStatement>),
}

/// One statement as the caller may see it.
/// The published response's text is given in the reader's languages.
pub fn one(
    conn: &mut DbConnection,
    user: Option<&CurrentUser>,
    id: i64,
    prefs: &Preferences,
) -> ApiResult<Seen> {
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    match access(conn, user, &row)? {
        access @ (Access::Member | Access::Staff) => {
            let (mut view, etag) = full(conn, &row, access)?;
            localize_all(conn, prefs, view.response.iter_mut().collect())?;
            Ok(Seen::Full(Box::new(view), etag))
        }
        Access::Public => {
            let parts = store::parts_of(conn, std::slice::from_ref(&row))?;
            let mut view = published_view(&row, &parts).ok_or_else(no_such_statement)?;
            localize_all(conn, prefs, vec![&mut view.response])?;
            Ok(Seen::Published(Box::new(view)))
        }
    }
}

/// A new draft of organisation `organisation_id`, by one of its members.
pub fn create(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    organisation_id: i64,
    new: ApiResult<NewStatement>,
) -> ApiResult<(Statement, String)> {
    acting::authorize(conn, user.0.id(), organisation_id, Capability::Act)?;
    let new = new?;
    new.validate()?;
    let round = contributing::consultation(conn, new.consultation_id)?;
    let field_id = match (new.target_type, new.target_id) {
        (StatementTarget::Concept, None) => None,
        (StatementTarget::Concept, Some(_)) => {
            return Err(ApiError::invalid_field(
                "target_id",
                "not_allowed",
                Text::new(
                    "entfällt bei einer Stellungnahme zum ganzen Konzept",
                    "must be left out for a statement on the whole concept",
                ),
            ))
        }
        (_, None) => {
            return Err(ApiError::invalid_field(
                "target_id",
                "required",
                Text::new(
                    "nennt das Handlungsfeld oder die Maßnahme",
                    "names the field of action or measure",
                ),
            ))
        }
        (StatementTarget::Field, Some(id)) => {
            contributing::field_in_scope(conn, &round, id, "target_id")?;
            Some(id)
        }
        (StatementTarget::Measure, Some(id)) => {
            Some(contributing::measure_in_scope(conn, &round, id)?)
        }
    };
    let row = store::insert_draft(
        conn,
        now,
        &store::NewDraft {
            consultation_id: new.consultation_id,
            organisation_id,
            target_type: new.target_type,
            target_id: new.target_id,
            field_id,
            title: &new.title,
            body: &new.body,
            drafted_by: user.0.id(),
        },
    )?;
    record(
        conn,
        now,
        user.0.id(),
        "statement.drafted",
        row.id,
        serde_json::json!({"organisation": organisation_id, "consultation": new.consultation_id}),
    )?;
    full(conn, &row, Access::Member)
}

/// Changes a draft seen with `if_match`.
pub fn edit(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    id: i64,
    if_match: ApiResult<IfMatch>,
    change: ApiResult<StatementEdit>,
) -> ApiResult<(Statement, String)> {
    let row = acting_on(conn, &user.0, id, Capability::Act)?;
    let if_match = if_match?;
    let change = change?;
    change.validate()?;
    if !if_match.matches(&row.etag()) {
        return Err(stale());
    }
    draft_only(&row)?;
    let title = change.title.as_deref().unwrap_or(&row.title);
    let body = change.body.as_deref().unwrap_or(&row.body);
    if !store::edit_draft(conn, now, &row, title, body)? {
        return Err(stale());
    }
    record(
        conn,
        now,
        user.0.id(),
        "statement.edited",
        id,
        serde_json::json!({"version": row.version + 1}),
    )?;
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    full(conn, &row, Access::Member)
}

/// Deletes a draft (with its attachments).
pub fn delete(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<()> {
    let row = acting_on(conn, user, id, Capability::Act)?;
    draft_only(&row)?;
    store::delete_draft(conn, id)?;
    record(
        conn,
        now,
        user.id(),
        "statement.draft_deleted",
        id,
        serde_json::json!({"organisation": row.organisation_id}),
    )
}

/// Whether `content` is a PDF document by its content: the header `%PDF-` at the start and
/// the end-of-file marker `%%EOF` in its last kilobyte (where PDF puts it).
pub fn is_pdf(content: &[u8]) -> bool {
    let tail = &content[content.len().saturating_sub(1024)..];
    content.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

/// Whether `user` may add an attachment to statement `id` now (the same checks as [`attach`],
/// made before the file is read, so that nobody else makes the node read 10 MiB).
pub fn may_attach(conn: &mut DbConnection, user: &CurrentUser, id: i64) -> ApiResult<()> {
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    as_member(conn, user, &row, Capability::Act)?;
    draft_only(&row)
}

/// Adds a PDF attachment to a draft.
pub fn attach(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    id: i64,
    filename: &str,
    content: &[u8],
) -> ApiResult<Attachment> {
    let row = acting_on(conn, &user.0, id, Capability::Act)?;
    draft_only(&row)?;
    if content.is_empty() || !is_pdf(content) {
        return Err(problems::NOT_A_PDF.problem());
    }
    if store::attachments_of(conn, &[id])?.len() as i64 >= MAX_ATTACHMENTS {
        return Err(problems::TOO_MANY_ATTACHMENTS.problem());
    }
    let sha256 = receipt::sha256_hex(content);
    let added = store::insert_attachment(conn, now, id, filename, &sha256, content)?;
    store::touch(conn, now, id)?;
    record(
        conn,
        now,
        user.0.id(),
        "statement.attachment_added",
        id,
        serde_json::json!({"attachment": added.id, "size": added.size, "sha256": sha256}),
    )?;
    Ok(attachment(&added))
}

/// Removes an attachment of a draft.
pub fn detach(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    attachment_id: i64,
) -> ApiResult<()> {
    let row = acting_on(conn, user, id, Capability::Act)?;
    draft_only(&row)?;
    if !store::delete_attachment(conn, id, attachment_id)? {
        return Err(ApiError::not_found(no_such_attachment()));
    }
    store::touch(conn, now, id)?;
    record(
        conn,
        now,
        user.id(),
        "statement.attachment_removed",
        id,
        serde_json::json!({"attachment": attachment_id}),
    )
}

fn no_such_attachment() -> Text {
    Text::new(
        "Die Stellungnahme hat keinen Anhang mit dieser ID.",
        "The statement has no attachment with this id.",
    )
}

/// The content of an attachment, for whoever may see the statement.
pub fn attachment_content(
    conn: &mut DbConnection,
    user: Option<&CurrentUser>,
    id: i64,
    attachment_id: i64,
) -> ApiResult<(String, Vec<u8>)> {
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    access(conn, user, &row)?;
    store::attachment_content(conn, id, attachment_id)?
        .ok_or_else(|| ApiError::not_found(no_such_attachment()))
}

/// The canonical form of a statement (what its receipt's hash covers, for a submitted one).
pub fn canonical(conn: &mut DbConnection, row: &Row) -> ApiResult<Vec<u8>> {
    let attachments = store::attachments_of(conn, &[row.id])?;
    Ok(receipt::canonical(&Content {
        consultation_id: row.consultation_id,
        organisation_id: row.organisation_id,
        target_type: row.target_type(),
        target_id: row.target_id,
        title: &row.title,
        body: &row.body,
        attachments: attachments
            .iter()
            .map(|a| (a.filename.as_str(), a.sha256.as_str(), a.size))
            .collect(),
    }))
}

/// The canonical form of the statement `id`, for whoever may see it. It names the
/// organisation by id, so the public gets it only when the organisation chose publication by
/// name.
pub fn canonical_of(
    conn: &mut DbConnection,
    user: Option<&CurrentUser>,
    id: i64,
) -> ApiResult<Vec<u8>> {
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    if access(conn, user, &row)? == Access::Public && row.publish_as() != Some(PublishAs::Name) {
        return Err(no_such_statement());
    }
    canonical(conn, &row)
}

/// Submits a draft seen with `if_match`: a representative, during the commenting window. The
/// statement is frozen, numbered, hashed and signed; the representatives get the receipt.
#[allow(clippy::too_many_arguments)]
pub fn submit(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    signer: &Signer,
    base_url: &str,
    id: i64,
    if_match: ApiResult<IfMatch>,
    submission: ApiResult<Submission>,
) -> ApiResult<(Statement, String)> {
    let row = acting_on(conn, &user.0, id, Capability::Sign)?;
    let if_match = if_match?;
    let submission = submission?;
    if !if_match.matches(&row.etag()) {
        return Err(stale());
    }
    draft_only(&row)?;
    let round = contributing::consultation(conn, row.consultation_id)?;
    if !round.commenting_at(now) {
        return Err(crate::contributions::problems::PHASE_CLOSED
            .with_detail(Text::new(
                "Stellungnahmen werden während der Kommentarphase der Beteiligungsrunde eingereicht.",
                "Statements are submitted during the consultation's commenting window.",
            )));
    }
    // The receipt's time has whole seconds, so that what is signed is what is stored.
    let now = now.with_nanosecond(0).unwrap_or(now);
    let org = organisations::find(conn, row.organisation_id)?.ok_or_else(no_such_statement)?;
    let sha256 = receipt::sha256_hex(&canonical(conn, &row)?);
    let seq = store::next_seq(conn, row.consultation_id)?;
    let number = receipt::number(chrono::Datelike::year(&now), seq);
    let signature = signer.sign(&receipt::signed_message(
        &number,
        row.consultation_id,
        now,
        &sha256,
        signer.key_id(),
    ));
    let submitted = store::Submitted {
        publish_as: submission.publish_as,
        seq,
        number: &number,
        by: user.0.id(),
        sha256: &sha256,
        signature: &signature,
        key_id: signer.key_id(),
        organisation_name: &org.name,
        organisation_kind: org.kind().as_str(),
    };
    if !store::submit(conn, now, &row, &submitted)? {
        return Err(stale());
    }
    record(
        conn,
        now,
        user.0.id(),
        "statement.submitted",
        id,
        serde_json::json!({"number": number, "sha256": sha256, "publish_as": submission.publish_as}),
    )?;
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    let (view, etag) = full(conn, &row, Access::Member)?;
    if let Some(receipt) = &view.receipt {
        for (to, language) in store::representatives(conn, row.organisation_id)? {
            let mail = super::mails::receipt(
                &to,
                Language::from_stored(&language),
                &row.title,
                receipt,
                base_url,
            );
            mail::enqueue(conn, now, &mail)?;
        }
    }
    Ok((view, etag))
}

/// Withdraws a submitted statement that is not answered yet (a representative).
pub fn withdraw(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    id: i64,
) -> ApiResult<(Statement, String)> {
    let row = acting_on(conn, &user.0, id, Capability::Sign)?;
    if !matches!(
        row.state(),
        StatementState::Submitted | StatementState::InReview
    ) {
        return Err(problems::NOT_WITHDRAWABLE.problem());
    }
    if !store::transition(conn, now, &row, Transition::Withdraw { by: user.0.id() })? {
        return Err(stale());
    }
    super::search::index(conn, id)?;
    record(
        conn,
        now,
        user.0.id(),
        "statement.withdrawn",
        id,
        serde_json::json!({"number": row.receipt_number}),
    )?;
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    full(conn, &row, Access::Member)
}

/// A statement in the staff's queue (submitted or in review), locked.
fn in_queue(conn: &mut DbConnection, id: i64) -> ApiResult<Row> {
    let row = store::lock(conn, id)?.ok_or_else(no_such_statement)?;
    match row.state() {
        StatementState::Draft => Err(no_such_statement()),
        StatementState::Submitted | StatementState::InReview => Ok(row),
        _ => Err(problems::NOT_IN_QUEUE.problem()),
    }
}

/// Assigns a statement of the queue to a reviewer (a moderator or administrator).
pub fn assign(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    staff: &CurrentUser,
    id: i64,
    reviewer: i64,
) -> ApiResult<(Statement, String)> {
    let row = in_queue(conn, id)?;
    if !store::is_staff(conn, reviewer)? {
        let mut refused = problems::NOT_A_REVIEWER.problem();
        refused.errors.push(crate::error::FieldError::new(
            "reviewer_id",
            "not_a_reviewer",
            Text::new(
                "gehört nicht zur Moderation oder Administration",
                "is not a moderator or administrator",
            ),
        ));
        return Err(refused);
    }
    if !store::transition(conn, now, &row, Transition::Assign { reviewer })? {
        return Err(stale());
    }
    record(
        conn,
        now,
        staff.id(),
        "statement.assigned",
        id,
        serde_json::json!({"reviewer": reviewer}),
    )?;
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    full(conn, &row, Access::Staff)
}

fn version_view(r: &store::ResponseRow, published: Option<i64>) -> ResponseVersion {
    ResponseVersion {
        version: r.version,
        body: r.body.clone(),
        written_by: r.written_by,
        written_at: r.written_at.and_utc(),
        published: published == Some(r.id),
    }
}

/// Writes the next version of the response to a statement of the queue; a statement nobody
/// reviews yet is assigned to the writer.
pub fn respond(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    staff: &CurrentUser,
    id: i64,
    draft: ApiResult<ResponseDraft>,
) -> ApiResult<ResponseVersion> {
    let row = in_queue(conn, id)?;
    let draft = draft?;
    draft.validate()?;
    if row.reviewer_id.is_none() {
        let reviewer = staff.id();
        if !store::transition(conn, now, &row, Transition::Assign { reviewer })? {
            return Err(stale());
        }
        record(
            conn,
            now,
            staff.id(),
            "statement.assigned",
            id,
            serde_json::json!({"reviewer": reviewer}),
        )?;
    } else {
        // A new version changes what a publication would publish: the statement's tag moves,
        // so a reviewer who publishes what they read is refused if somebody wrote since.
        store::touch(conn, now, id)?;
    }
    let written = store::add_response(conn, now, id, &draft.body, staff.id())?;
    record(
        conn,
        now,
        staff.id(),
        "statement.response_written",
        id,
        serde_json::json!({"version": written.version}),
    )?;
    Ok(version_view(&written, None))
}

/// Every version of the response, the newest first (staff).
pub fn responses(conn: &mut DbConnection, id: i64) -> ApiResult<Vec<ResponseVersion>> {
    let row = store::find(conn, id)?
        .filter(|r| r.state() != StatementState::Draft)
        .ok_or_else(no_such_statement)?;
    Ok(store::responses_of(conn, id)?
        .iter()
        .map(|r| version_view(r, row.published_response_id))
        .collect())
}

/// Publishes the statement with the newest version of its response, seen with `if_match`.
#[allow(clippy::too_many_arguments)]
pub fn publish(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    staff: &CurrentUser,
    base_url: &str,
    id: i64,
    if_match: ApiResult<IfMatch>,
) -> ApiResult<(Statement, String)> {
    let row = in_queue(conn, id)?;
    if !if_match?.matches(&row.etag()) {
        return Err(stale());
    }
    let newest = store::responses_of(conn, id)?
        .into_iter()
        .next()
        .ok_or_else(|| problems::NO_RESPONSE.problem())?;
    if !store::transition(
        conn,
        now,
        &row,
        Transition::Publish {
            response_id: newest.id,
        },
    )? {
        return Err(stale());
    }
    super::search::index(conn, id)?;
    record(
        conn,
        now,
        staff.id(),
        "statement.published",
        id,
        serde_json::json!({"response_version": newest.version}),
    )?;
    let number = row.receipt_number.clone().unwrap_or_default();
    for (to, language) in store::representatives(conn, row.organisation_id)? {
        let mail = super::mails::answered(
            &to,
            Language::from_stored(&language),
            &number,
            &row.title,
            base_url,
            id,
        );
        mail::enqueue(conn, now, &mail)?;
    }
    let row = store::find(conn, id)?.ok_or_else(no_such_statement)?;
    full(conn, &row, Access::Staff)
}

/// The page cursor of a view listed with its position ([`Order::position`]).
fn cursor<V>((_, (key, id)): &(V, (i64, i64))) -> Cursor {
    Cursor { key: *key, id: *id }
}

/// One page of statements in full (an organisation's own, or the staff's queue).
pub fn list_full(
    conn: &mut DbConnection,
    access: Access,
    listing: &Listing,
    page: &PageRequest,
) -> ApiResult<Page<Statement>> {
    let after = page.after.map(|c| (c.key, c.id));
    let rows = store::list(conn, listing, after, page.fetch_limit())?;
    let mut views = Vec::with_capacity(rows.len());
    for row in &rows {
        views.push((full(conn, row, access)?.0, listing.order.position(row)));
    }
    Ok(page.finish(views, cursor, |(v, _)| v))
}

/// One page of published statements with their responses (in the reader's languages), in the
/// order of submission, from five queries.
pub fn list_published(
    conn: &mut DbConnection,
    listing: &Listing,
    page: &PageRequest,
    prefs: &Preferences,
) -> ApiResult<Page<PublishedStatement>> {
    let mut listing = listing.clone();
    listing.states = vec![StatementState::Answered];
    listing.order = Order::Submitted;
    let after = page.after.map(|c| (c.key, c.id));
    let rows = store::list(conn, &listing, after, page.fetch_limit())?;
    let parts = store::parts_of(conn, &rows)?;
    let mut views: Vec<(PublishedStatement, (i64, i64))> = rows
        .iter()
        .filter_map(|r| published_view(r, &parts).map(|v| (v, Order::Submitted.position(r))))
        .collect();
    localize_all(
        conn,
        prefs,
        views.iter_mut().map(|(v, _)| &mut v.response).collect(),
    )?;
    Ok(page.finish(views, cursor, |(v, _)| v))
}

/// The public check of a receipt: whether `number` and `sha256` belong to one submitted
/// statement of the consultation.
pub fn check_receipt(
    conn: &mut DbConnection,
    consultation_id: i64,
    number: &str,
    sha256: &str,
) -> ApiResult<super::model::ReceiptCheck> {
    contributing::consultation(conn, consultation_id)?;
    let found = store::by_receipt(conn, consultation_id, number)?
        .filter(|r| r.content_sha256.as_deref() == Some(sha256));
    Ok(super::model::ReceiptCheck {
        number: number.to_owned(),
        sha256: sha256.to_owned(),
        matches: found.is_some(),
        submitted_at: found
            .as_ref()
            .and_then(|r| r.submitted_at)
            .map(|t| t.and_utc()),
        withdrawn: found
            .as_ref()
            .map(|r| r.state() == StatementState::Withdrawn),
    })
}
