//! The rules of contributing and moderating. Each public function is one change with its audit
//! entry (and mails, through the outbox), run by the caller inside one write transaction
//! ([`crate::db::Db::write`]); the handlers only extract, call and answer.

use super::model::{
    canonical_tag, AnswerSubmission, AuthorGroup, Contribution, ContributionEdit, ContributionKind,
    DecisionSubmission, FlagReceipt, FlagSubmission, ModerationDecision, ModerationItem,
    NewComment, NewProposal, NewReply, OnBehalfOf, OrganisationAuthor, Reason, Sort, Stored,
    SupportState, TargetType, EDIT_WINDOW_MINUTES, FLAGS_TO_HIDE, MAX_DEPTH, UNDETERMINED,
};
use super::problems;
use super::store::{self, NewRow, Row, Viewer};
use crate::audit;
use crate::auth::extract::{CurrentUser, Verified};
use crate::auth::model::Role;
use crate::consultations::model::Moderation;
use crate::db::schema::{
    consultation_fields, consultation_measures, consultations, fields, measures,
};
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, Text};
use crate::http::cache::{stale, IfMatch};
use crate::http::pagination::{Page, PageCursor, PageRequest};
use crate::language::Preferences;
use crate::mail;
use crate::organisations::acting::{Author, Capability};
use crate::translations::localize_all;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashSet;
use validator::Validate;

pub fn no_such_contribution() -> ApiError {
    ApiError::not_found(Text::new(
        "Es gibt keinen Beitrag mit dieser ID.",
        "There is no contribution with this id.",
    ))
}

fn no_such_consultation() -> ApiError {
    ApiError::not_found(Text::new(
        "Es gibt keine Beteiligungsrunde mit dieser ID.",
        "There is no consultation with this id.",
    ))
}

/// The viewer a signed-in (or anonymous) caller is.
pub fn viewer(user: Option<&CurrentUser>) -> Viewer {
    Viewer {
        user: user.map(CurrentUser::id),
        staff: user.is_some_and(|u| matches!(u.role(), Role::Moderator | Role::Admin)),
    }
}

/// What contributing needs to know of a consultation: one row, no scope lists or options.
pub struct Round {
    pub id: i64,
    whole_concept: bool,
    commenting: Option<(NaiveDateTime, NaiveDateTime)>,
    moderation: Moderation,
}

/// The consultation `id` (404 when there is none), read with one statement.
pub fn consultation(conn: &mut DbConnection, id: i64) -> ApiResult<Round> {
    let row: Option<(bool, Option<NaiveDateTime>, Option<NaiveDateTime>, String)> =
        consultations::table
            .find(id)
            .select((
                consultations::whole_concept,
                consultations::comment_opens_at,
                consultations::comment_closes_at,
                consultations::moderation,
            ))
            .first(conn)
            .optional()?;
    let (whole_concept, opens, closes, moderation) = row.ok_or_else(no_such_consultation)?;
    Ok(Round {
        id,
        whole_concept,
        commenting: opens.zip(closes),
        moderation: Moderation::from_stored(&moderation).unwrap_or(Moderation::Pre),
    })
}

impl Round {
    /// Whether the commenting window is open at `now` (statements are submitted in it too).
    pub fn commenting_at(&self, now: NaiveDateTime) -> bool {
        matches!(self.commenting, Some((opens, closes)) if opens <= now && now < closes)
    }
}

/// 409 `phase_closed` outside the consultation's commenting window.
fn commenting_open(c: &Round, now: NaiveDateTime) -> ApiResult<()> {
    match c.commenting_at(now) {
        true => Ok(()),
        false => Err(problems::PHASE_CLOSED.with_detail(Text::new(
            "Die Beteiligungsrunde nimmt Kommentare und Vorschläge nur während der Kommentarphase an.",
            "The consultation takes comments and proposals only during its commenting window.",
        ))),
    }
}

fn not_in_scope(field: &str) -> ApiError {
    let mut e = problems::NOT_IN_SCOPE.problem();
    e.errors.push(crate::error::FieldError::new(
        field,
        "not_in_scope",
        Text::new(
            "gehört nicht zum Umfang der Beteiligungsrunde",
            "is not part of the consultation's scope",
        ),
    ));
    e
}

/// Checks that a field of action (current, not retired) is in the consultation's scope (404
/// when there is none, `not_in_scope` naming the request's field `name` otherwise): one
/// statement (two when the scope is a list).
pub fn field_in_scope(conn: &mut DbConnection, c: &Round, id: i64, name: &str) -> ApiResult<()> {
    let retired: Option<Option<NaiveDateTime>> = fields::table
        .find(id)
        .select(fields::retired_at)
        .first(conn)
        .optional()?;
    match retired {
        None => Err(ApiError::not_found(Text::new(
            "Es gibt kein Handlungsfeld mit dieser ID.",
            "There is no field of action with this id.",
        ))),
        Some(Some(_)) => Err(not_in_scope(name)),
        Some(None) if c.whole_concept || listed_field(conn, c.id, id)? => Ok(()),
        Some(None) => Err(not_in_scope(name)),
    }
}

fn listed_field(conn: &mut DbConnection, consultation: i64, field: i64) -> ApiResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        consultation_fields::table
            .filter(consultation_fields::consultation_id.eq(consultation))
            .filter(consultation_fields::field_id.eq(field)),
    ))
    .get_result(conn)?)
}

/// Checks that a measure (current, not retired) is in the consultation's scope, itself or
/// through its field of action; answers the field.
pub fn measure_in_scope(conn: &mut DbConnection, c: &Round, id: i64) -> ApiResult<i64> {
    let found: Option<(i64, Option<NaiveDateTime>)> = measures::table
        .find(id)
        .select((measures::field_id, measures::retired_at))
        .first(conn)
        .optional()?;
    let in_scope = |conn: &mut DbConnection, field: i64| -> ApiResult<bool> {
        if c.whole_concept {
            return Ok(true);
        }
        let listed: bool = diesel::select(diesel::dsl::exists(
            consultation_measures::table
                .filter(consultation_measures::consultation_id.eq(c.id))
                .filter(consultation_measures::measure_id.eq(id)),
        ))
        .get_result(conn)?;
        Ok(listed || listed_field(conn, c.id, field)?)
    };
    match found {
        None => Err(ApiError::not_found(Text::new(
            "Es gibt keine Maßnahme mit dieser ID.",
            "There is no measure with this id.",
        ))),
        Some((_, Some(_))) => Err(not_in_scope("target_id")),
        Some((field, None)) if in_scope(conn, field)? => Ok(field),
        Some(_) => Err(not_in_scope("target_id")),
    }
}

fn author_of(
    conn: &mut DbConnection,
    user: &Verified,
    as_organisation: Option<i64>,
) -> ApiResult<(Option<OrganisationAuthor>, AuthorGroup)> {
    Ok(
        match Author::resolve(conn, user, as_organisation, Capability::Act)? {
            Author::Person { .. } => (None, AuthorGroup::Citizen),
            Author::Organisation(org) => (
                Some(OrganisationAuthor {
                    id: org.organisation_id,
                    name: org.name,
                    kind: org.kind,
                }),
                AuthorGroup::of_organisation(org.kind),
            ),
        },
    )
}

/// A new contribution as its author sees it, without reading it back.
fn fresh(
    row: &Row,
    user: &Verified,
    organisation: Option<OrganisationAuthor>,
) -> (Contribution, String) {
    let decorations = store::Decorations::of_author(
        viewer(Some(&user.0)),
        user.0.id(),
        user.0.user.display_name.clone(),
        organisation,
    );
    (decorations.view(row), row.etag())
}

fn initial_state(c: &Round) -> Stored {
    match c.moderation {
        Moderation::Pre => Stored::Pending,
        Moderation::Post => Stored::Visible,
    }
}

/// The contribution as its author sees it right after a change.
fn as_seen_by(
    conn: &mut DbConnection,
    id: i64,
    user: Option<&CurrentUser>,
) -> ApiResult<(Contribution, String)> {
    let row = store::find(conn, id)?.ok_or_else(no_such_contribution)?;
    let viewer = viewer(user);
    let decorations = store::decorations(conn, std::slice::from_ref(&row), viewer)?;
    Ok((decorations.view(&row), row.etag()))
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
        "contribution",
        Some(id),
        details,
    )?;
    Ok(())
}

/// What a new contribution says and where it goes; [`contribute`] adds who wrote it.
struct Draft<'a> {
    kind: ContributionKind,
    target_type: TargetType,
    target_id: i64,
    /// The comment replied to.
    parent: Option<&'a Row>,
    title: Option<&'a str>,
    body: &'a str,
    rationale: Option<&'a str>,
    as_organisation: Option<i64>,
    /// The declared language, as sent (`None`: undetermined).
    language: Option<&'a str>,
    /// Recorded by a facilitator for a person without an account.
    on_behalf_of: Option<&'a OnBehalfOf>,
}

/// 403 `not_a_facilitator` unless `user` may record on behalf of people without an account.
pub fn facilitator(user: &CurrentUser) -> ApiResult<()> {
    match user.role() {
        Role::Facilitator => Ok(()),
        _ => Err(problems::NOT_A_FACILITATOR.problem()),
    }
}

/// Who a contribution is by, and the group it counts for: for an assisted one the person a
/// facilitator records it for (never an organisation); otherwise the writer, for themselves or
/// an organisation.
fn speaker(
    conn: &mut DbConnection,
    user: &Verified,
    as_organisation: Option<i64>,
    on_behalf_of: Option<&OnBehalfOf>,
) -> ApiResult<(Option<OrganisationAuthor>, AuthorGroup)> {
    let Some(person) = on_behalf_of else {
        return author_of(conn, user, as_organisation);
    };
    facilitator(&user.0)?;
    if as_organisation.is_some() {
        return Err(ApiError::invalid_field(
            "as_organisation",
            "not_allowed",
            crate::error::Text::new(
                "kann nicht mit `on_behalf_of` verbunden werden",
                "cannot be combined with `on_behalf_of`",
            ),
        ));
    }
    Ok((None, person.group))
}

/// Writes a contribution of `user` (for themselves or for an organisation) in consultation
/// `c`, checked for its window and scope by the caller: `pending` in pre-moderation, visible at
/// once otherwise (a visible reply counts under its parent), with its audit entry.
fn contribute(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    c: &Round,
    draft: Draft,
) -> ApiResult<(Contribution, String)> {
    let (organisation, group) = speaker(conn, user, draft.as_organisation, draft.on_behalf_of)?;
    let organisation_id = organisation.as_ref().map(|o| o.id);
    let state = initial_state(c);
    let language = draft
        .language
        .map_or_else(|| UNDETERMINED.to_owned(), canonical_tag);
    let assisted = draft.on_behalf_of.map(|p| store::Assisted {
        facilitator: user.0.id(),
        name: &p.name,
        contact: p.contact.as_deref(),
    });
    let row = store::insert(
        conn,
        now,
        &NewRow {
            kind: draft.kind,
            consultation_id: c.id,
            target_type: draft.target_type,
            target_id: draft.target_id,
            parent_id: draft.parent.map(|p| p.id),
            depth: draft.parent.map_or(0, |p| p.depth + 1),
            author_id: user.0.id(),
            organisation_id,
            author_group: group,
            title: draft.title,
            body: draft.body,
            rationale: draft.rationale,
            state,
            language: &language,
            assisted,
        },
    )?;
    if let (Some(parent), Stored::Visible) = (draft.parent, state) {
        store::count_reply(conn, parent.id)?;
    }
    record(
        conn,
        now,
        user.0.id(),
        &format!("{}.created", draft.kind.as_str()),
        row.id,
        // An assisted entry names its facilitator (the actor) and the group, never the
        // person's name or contact.
        serde_json::json!({"consultation": c.id, "parent": draft.parent.map(|p| p.id), "organisation": organisation_id, "assisted": assisted.is_some(), "group": group.as_str(), "language": language}),
    )?;
    Ok(fresh(&row, user, organisation))
}

/// A new comment on a field, a measure or a proposal of consultation `consultation_id`.
pub fn comment(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    consultation_id: i64,
    new: ApiResult<NewComment>,
) -> ApiResult<(Contribution, String)> {
    let c = consultation(conn, consultation_id)?;
    let new = new?;
    new.validate()?;
    commenting_open(&c, now)?;
    match new.target_type {
        TargetType::Field => field_in_scope(conn, &c, new.target_id, "target_id")?,
        TargetType::Measure => {
            measure_in_scope(conn, &c, new.target_id)?;
        }
        TargetType::Proposal => {
            let proposal = store::find(conn, new.target_id)?
                .filter(|p| {
                    p.kind() == ContributionKind::Proposal
                        && p.consultation_id == c.id
                        && viewer(Some(&user.0)).sees(p)
                })
                .ok_or_else(|| {
                    ApiError::not_found(Text::new(
                        "Es gibt keinen Vorschlag mit dieser ID in der Beteiligungsrunde.",
                        "There is no proposal with this id in the consultation.",
                    ))
                })?;
            if !proposal.is_public() {
                return Err(problems::NOT_OPEN_FOR_REACTIONS.problem());
            }
        }
    }
    let draft = Draft {
        kind: ContributionKind::Comment,
        target_type: new.target_type,
        target_id: new.target_id,
        parent: None,
        title: None,
        body: &new.body,
        rationale: None,
        as_organisation: new.as_organisation,
        language: new.language.as_deref(),
        on_behalf_of: new.on_behalf_of.as_ref(),
    };
    contribute(conn, now, user, &c, draft)
}

/// A reply to comment `parent_id`, on the same target, one level deeper.
pub fn reply(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    parent_id: i64,
    new: ApiResult<NewReply>,
) -> ApiResult<(Contribution, String)> {
    let parent = store::find(conn, parent_id)?
        .filter(|p| viewer(Some(&user.0)).sees(p))
        .ok_or_else(no_such_contribution)?;
    let new = new?;
    new.validate()?;
    if parent.kind() != ContributionKind::Comment {
        return Err(ApiError::not_found(Text::new(
            "Antworten beziehen sich auf Kommentare. Einen Vorschlag kommentieren Sie mit `POST /consultations/{id}/comments` und `target_type` `proposal`.",
            "Replies answer comments; comment on a proposal with `POST /consultations/{id}/comments` and `target_type` `proposal`.",
        )));
    }
    let c = consultation(conn, parent.consultation_id)?;
    commenting_open(&c, now)?;
    if !parent.is_public() {
        return Err(problems::NOT_OPEN_FOR_REACTIONS.problem());
    }
    if parent.depth >= MAX_DEPTH {
        return Err(problems::THREAD_TOO_DEEP.problem());
    }
    let draft = Draft {
        kind: ContributionKind::Comment,
        target_type: TargetType::from_stored(&parent.target_type).unwrap_or(TargetType::Field),
        target_id: parent.target_id,
        parent: Some(&parent),
        title: None,
        body: &new.body,
        rationale: None,
        as_organisation: new.as_organisation,
        language: new.language.as_deref(),
        on_behalf_of: None,
    };
    contribute(conn, now, user, &c, draft)
}

/// A proposal of a new measure for a field of action of the consultation.
pub fn propose(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    consultation_id: i64,
    new: ApiResult<NewProposal>,
) -> ApiResult<(Contribution, String)> {
    let c = consultation(conn, consultation_id)?;
    let new = new?;
    new.validate()?;
    commenting_open(&c, now)?;
    field_in_scope(conn, &c, new.field_id, "field_id")?;
    let draft = Draft {
        kind: ContributionKind::Proposal,
        target_type: TargetType::Field,
        target_id: new.field_id,
        parent: None,
        title: Some(&new.title),
        body: &new.body,
        rationale: Some(&new.rationale),
        as_organisation: new.as_organisation,
        language: new.language.as_deref(),
        on_behalf_of: new.on_behalf_of.as_ref(),
    };
    contribute(conn, now, user, &c, draft)
}

/// The author's contribution, locked, for a change: 404 if the caller may not see it, 403
/// `not_the_author` if it is somebody else's.
fn own(conn: &mut DbConnection, user: &CurrentUser, id: i64) -> ApiResult<Row> {
    let row = store::lock(conn, id)?
        .filter(|r| viewer(Some(user)).sees(r))
        .ok_or_else(no_such_contribution)?;
    if row.author_id != user.id() {
        return Err(problems::NOT_THE_AUTHOR.problem());
    }
    Ok(row)
}

/// The author changes the text within the edit window, under `If-Match`; the previous text is
/// kept as a revision for moderators.
pub fn edit(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &Verified,
    id: i64,
    if_match: ApiResult<IfMatch>,
    change: ApiResult<ContributionEdit>,
) -> ApiResult<(Contribution, String)> {
    let row = own(conn, &user.0, id)?;
    let if_match = if_match?;
    let change = change?;
    change.validate()?;
    if !if_match.matches(&row.etag()) {
        return Err(stale());
    }
    if row.is_deleted() {
        return Err(problems::CONTRIBUTION_DELETED.problem());
    }
    if !matches!(row.stored(), Stored::Pending | Stored::Visible) {
        return Err(problems::NOT_OPEN_FOR_REACTIONS.with_detail(Text::new(
            "Ein ausgeblendeter oder abgelehnter Beitrag kann nicht geändert werden.",
            "A hidden or rejected contribution cannot be changed.",
        )));
    }
    if now > row.created_at + chrono::Duration::minutes(EDIT_WINDOW_MINUTES) {
        return Err(problems::EDIT_WINDOW_CLOSED.problem());
    }
    let proposal = row.kind() == ContributionKind::Proposal;
    if !proposal && (change.title.is_some() || change.rationale.is_some()) {
        let field = if change.title.is_some() {
            "title"
        } else {
            "rationale"
        };
        return Err(ApiError::invalid_field(
            field,
            "not_allowed",
            Text::new("gibt es nur bei Vorschlägen", "belongs to proposals only"),
        ));
    }
    let title = if proposal {
        change.title.as_deref().or(row.title.as_deref())
    } else {
        None
    };
    let body = change.body.as_deref().unwrap_or(&row.body);
    let rationale = if proposal {
        change.rationale.as_deref().or(row.rationale.as_deref())
    } else {
        None
    };
    let language = change
        .language
        .as_deref()
        .map_or_else(|| row.language.clone(), canonical_tag);
    if !store::edit(conn, now, &row, title, body, rationale, &language)? {
        return Err(stale());
    }
    record(
        conn,
        now,
        user.0.id(),
        "contribution.edited",
        id,
        serde_json::json!({"version": row.version + 1}),
    )?;
    as_seen_by(conn, id, Some(&user.0))
}

/// The author deletes their contribution at any time: the text is gone, the placeholder
/// keeps the thread, replies stay. Deleting again changes nothing.
pub fn delete(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
) -> ApiResult<()> {
    let row = own(conn, user, id)?;
    if row.is_deleted() {
        return Ok(());
    }
    store::remove_text(conn, now, &row)?;
    record(
        conn,
        now,
        user.id(),
        "contribution.deleted",
        id,
        serde_json::json!({}),
    )?;
    Ok(())
}

/// A published contribution the caller may react to (support, report).
fn public(conn: &mut DbConnection, viewer: Viewer, id: i64) -> ApiResult<Row> {
    let row = store::find(conn, id)?
        .filter(|r| viewer.sees(r))
        .ok_or_else(no_such_contribution)?;
    if row.is_deleted() {
        return Err(problems::CONTRIBUTION_DELETED.problem());
    }
    if !row.is_public() {
        return Err(problems::NOT_OPEN_FOR_REACTIONS.problem());
    }
    Ok(row)
}

/// Supports (or, with `on == false`, withdraws the support of) a published contribution.
/// Idempotent both ways; supports are given while the commenting window is open.
pub fn support(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    on: bool,
) -> ApiResult<SupportState> {
    let row = public(conn, viewer(Some(user)), id)?;
    if on {
        let c = consultation(conn, row.consultation_id)?;
        commenting_open(&c, now)?;
        store::support(conn, now, id, user.id())?;
    } else {
        store::withdraw_support(conn, now, id, user.id())?;
    }
    Ok(SupportState {
        supported: on,
        support_count: store::support_count(conn, id)?,
    })
}

/// Reports a published contribution; after [`FLAGS_TO_HIDE`] reports from different people it
/// is hidden pending review.
pub fn flag(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    user: &CurrentUser,
    id: i64,
    submission: ApiResult<FlagSubmission>,
) -> ApiResult<FlagReceipt> {
    // Locked: concurrent reports count one after the other.
    let row = store::lock(conn, id)?
        .filter(|r| viewer(Some(user)).sees(r))
        .ok_or_else(no_such_contribution)?;
    let submission = submission?;
    submission.validate()?;
    if submission.reason == Reason::Other && submission.note.is_none() {
        return Err(ApiError::invalid_field(
            "note",
            "required",
            Text::new(
                "ist beim Grund `other` nötig",
                "is required with reason `other`",
            ),
        ));
    }
    if row.is_deleted() {
        return Err(problems::CONTRIBUTION_DELETED.problem());
    }
    // Only what the public can read is reported: a hidden item waits for (or had) a decision.
    if row.stored() != Stored::Visible {
        return Err(problems::NOT_OPEN_FOR_REACTIONS.problem());
    }
    let open = store::flag(
        conn,
        now,
        id,
        user.id(),
        submission.reason,
        submission.note.as_deref(),
    )?
    .ok_or_else(|| problems::ALREADY_FLAGGED.problem())?;
    if open >= FLAGS_TO_HIDE {
        store::hide_by_flags(conn, now, id)?;
        audit::record(
            conn,
            now,
            None,
            "contribution.hidden_by_flags",
            "contribution",
            Some(id),
            serde_json::json!({"open_flags": open}),
        )?;
    }
    Ok(FlagReceipt {
        contribution_id: id,
        reason: submission.reason,
        created_at: now.and_utc(),
    })
}

// ------------------------------------------------------------------ moderation

/// The item as moderators see it.
pub fn moderation_item(
    conn: &mut DbConnection,
    rows: Vec<Row>,
    viewer: Viewer,
) -> ApiResult<Vec<ModerationItem>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let decorations = store::decorations(conn, &rows, viewer)?;
    let mut flags = store::open_flags(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| ModerationItem {
            queue: store::queue_kind(&row),
            contribution: decorations.view(&row),
            title: row.title.clone(),
            body: row.body.clone(),
            rationale: row.rationale.clone(),
            author: decorations.author(&row),
            flags: flags.remove(&row.id).unwrap_or_default(),
            etag: row.etag(),
            assisted_by: decorations.assisted_record(&row),
        })
        .collect())
}

/// A moderator's decision under `If-Match`: of two moderators deciding the same item at once
/// the second gets 412. Open reports are resolved; the public log, the audit log and the
/// author (by mail) learn of it.
pub fn decide(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    staff: &CurrentUser,
    id: i64,
    if_match: &IfMatch,
    submission: &DecisionSubmission,
) -> ApiResult<ModerationItem> {
    submission.validate()?;
    let row = store::lock(conn, id)?.ok_or_else(no_such_contribution)?;
    if !if_match.matches(&row.etag()) {
        return Err(stale());
    }
    if row.is_deleted() {
        return Err(problems::CONTRIBUTION_DELETED.problem());
    }
    let (state, hidden_by_flags) = match (submission.decision, row.stored()) {
        (ModerationDecision::Approve, Stored::Pending) => (Stored::Visible, false),
        (ModerationDecision::Approve, Stored::Visible) if row.open_flags > 0 => {
            (Stored::Visible, false)
        }
        (ModerationDecision::Approve, Stored::Hidden) if row.hidden_by_flags => {
            (Stored::Visible, false)
        }
        (ModerationDecision::Reject, Stored::Pending) => (Stored::Rejected, false),
        (ModerationDecision::Hide, Stored::Visible) => (Stored::Hidden, false),
        (ModerationDecision::Hide, Stored::Hidden) if row.hidden_by_flags => {
            (Stored::Hidden, false)
        }
        (ModerationDecision::Restore, Stored::Hidden) => (Stored::Visible, false),
        _ => return Err(problems::DECISION_NOT_APPLICABLE.problem()),
    };
    if !store::moderate(conn, now, &row, state, hidden_by_flags)? {
        return Err(stale());
    }
    // A reply published for the first time counts under its parent.
    if row.stored() == Stored::Pending && state == Stored::Visible {
        if let Some(parent) = row.parent_id {
            store::count_reply(conn, parent)?;
        }
    }
    store::record_decision(
        conn,
        now,
        &row,
        submission.decision,
        Some(submission.reason),
        submission.note.as_deref(),
        staff.id(),
    )?;
    record(
        conn,
        now,
        staff.id(),
        &format!("contribution.{}", submission.decision.as_str()),
        id,
        serde_json::json!({"reason": submission.reason, "note": submission.note, "before": row.state, "after": state.as_str(), "after_automatic_hiding": row.hidden_by_flags}),
    )?;
    if let Some((to, language)) = store::author_address(conn, row.author_id)? {
        mail::enqueue(
            conn,
            now,
            &super::mails::decision(
                &to,
                crate::language::Language::from_stored(&language),
                row.kind(),
                submission.decision,
                Some(submission.reason),
                submission.note.as_deref(),
            ),
        )?;
    }
    let row = store::find(conn, id)?.ok_or_else(no_such_contribution)?;
    let viewer = viewer(Some(staff));
    Ok(moderation_item(conn, vec![row], viewer)?.remove(0))
}

/// The staff's public answer to a proposal, under `If-Match`; audited and mailed to the author.
pub fn answer(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    staff: &CurrentUser,
    id: i64,
    if_match: &IfMatch,
    submission: &AnswerSubmission,
) -> ApiResult<ModerationItem> {
    use super::model::AnswerStatus;
    submission.validate()?;
    let accepted = submission.status == AnswerStatus::Accepted;
    if !accepted && (submission.measure_id.is_some() || submission.consultation_id.is_some()) {
        let field = if submission.measure_id.is_some() {
            "measure_id"
        } else {
            "consultation_id"
        };
        return Err(ApiError::invalid_field(
            field,
            "not_allowed",
            Text::new(
                "gibt es nur bei angenommenen Vorschlägen",
                "is for accepted proposals only",
            ),
        ));
    }
    let row = store::lock(conn, id)?.ok_or_else(no_such_contribution)?;
    if !if_match.matches(&row.etag()) {
        return Err(stale());
    }
    if row.kind() != ContributionKind::Proposal {
        return Err(problems::NOT_A_PROPOSAL.problem());
    }
    if !row.is_public() {
        return Err(problems::NOT_OPEN_FOR_REACTIONS.problem());
    }
    if let Some(m) = submission.measure_id {
        let exists: i64 = measures::table
            .filter(measures::id.eq(m))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            return Err(ApiError::invalid_field(
                "measure_id",
                "unknown",
                Text::new("nennt keine Maßnahme", "names no measure"),
            ));
        }
    }
    if let Some(c) = submission.consultation_id {
        let exists: i64 = consultations::table
            .filter(consultations::id.eq(c))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            return Err(ApiError::invalid_field(
                "consultation_id",
                "unknown",
                Text::new("nennt keine Beteiligungsrunde", "names no consultation"),
            ));
        }
    }
    if !store::answer(
        conn,
        now,
        &row,
        submission.status,
        &submission.explanation,
        submission.measure_id,
        submission.consultation_id,
    )? {
        return Err(stale());
    }
    record(
        conn,
        now,
        staff.id(),
        "proposal.answered",
        id,
        serde_json::json!({"status": submission.status, "explanation": submission.explanation, "measure": submission.measure_id, "consultation": submission.consultation_id}),
    )?;
    if let Some((to, language)) = store::author_address(conn, row.author_id)? {
        let title = row.title.clone().unwrap_or_default();
        mail::enqueue(
            conn,
            now,
            &super::mails::answer(
                &to,
                crate::language::Language::from_stored(&language),
                &title,
                submission.status,
                &submission.explanation,
            ),
        )?;
    }
    let row = store::find(conn, id)?.ok_or_else(no_such_contribution)?;
    let viewer = viewer(Some(staff));
    Ok(moderation_item(conn, vec![row], viewer)?.remove(0))
}

// ------------------------------------------------------------------ reads

/// One page of a listing as `viewer` sees it, with what a signed-in reader's page is built
/// from when it is the public's page ([`own_share`], [`merged`]).
pub struct Listed {
    items: Vec<Contribution>,
    /// Per item: its author's account (never shown; it says which items are the reader's)
    /// and its sort key.
    places: Vec<(i64, i64)>,
    sort: Sort,
    /// The moment support counts are compared at: the cursor's, or when this first page was
    /// read.
    at: i64,
    next: Option<store::SortCursor>,
}

impl Listed {
    pub fn page(&self) -> Page<Contribution> {
        Page {
            items: self.items.clone(),
            next_cursor: self.next.map(|c| c.encode()),
        }
    }
}

/// One page of a listing as `viewer` sees it (404 when its consultation or parent comment is
/// not there for them): a fixed number of statements whatever the page size (the anchor, the
/// page, then authors, organisations and the viewer's supports for all its rows).
pub fn list(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    viewer: Viewer,
    listing: &store::Listing,
    page: &PageRequest<store::SortCursor>,
    prefs: &Preferences,
) -> ApiResult<Listed> {
    if page.after.is_some_and(|c| c.sort != listing.sort) {
        return Err(ApiError::invalid_field(
            "cursor",
            "invalid_cursor",
            Text::new(
                "gehört zu einer anderen Sortierung; behalten Sie `sort` beim Blättern bei",
                "belongs to another order; keep `sort` while paging",
            ),
        ));
    }
    // What the listing hangs from must exist for the viewer: 404 otherwise.
    if let Some(parent) = listing.parent_id {
        store::find(conn, parent)?
            .filter(|p| viewer.sees(p))
            .ok_or_else(no_such_contribution)?;
    } else if let Some(c) = listing.consultation_id {
        consultation(conn, c)?;
    }
    let (rows, next) = store::page(conn, now, listing, viewer, page.limit, page.after)?;
    let plain: Vec<Row> = rows.iter().map(|(r, _)| r.clone()).collect();
    let decorations = store::decorations(conn, &plain, viewer)?;
    let mut items: Vec<Contribution> = plain.iter().map(|r| decorations.view(r)).collect();
    localize_all(
        conn,
        prefs,
        items.iter_mut().filter_map(|c| c.answer.as_mut()).collect(),
    )?;
    Ok(Listed {
        items,
        places: rows.iter().map(|(r, key)| (r.author_id, *key)).collect(),
        sort: listing.sort,
        at: page
            .after
            .map_or(now.and_utc().timestamp_micros(), |c| c.at),
        next,
    })
}

/// What a signed-in participant's page adds to the public's: their own contributions that
/// only they see (pending, rejected) and which of the page's contributions they support.
pub struct OwnShare {
    unpublished: Vec<Contribution>,
    supported: HashSet<i64>,
}

/// The share of `viewer` (a participant, not staff) in the page of the public that `public` is:
/// two statements, four when they have unpublished contributions in the listing (with their
/// authors and organisations).
pub fn own_share(
    conn: &mut DbConnection,
    viewer: Viewer,
    listing: &store::Listing,
    page: &PageRequest<store::SortCursor>,
    public: &Listed,
) -> ApiResult<OwnShare> {
    let me = viewer
        .user
        .ok_or_else(|| ApiError::internal("an own share without a reader"))?;
    let rows = store::own_unpublished(conn, listing, me, page.limit + 1, page.after)?;
    let unpublished = if rows.is_empty() {
        Vec::new()
    } else {
        // Decorated as for anybody (no supports to look up: never published, never
        // supported), then marked as the reader's.
        let decorations = store::decorations(conn, &rows, Viewer::ANONYMOUS)?;
        rows.iter()
            .map(|r| Contribution {
                supported: Some(false),
                mine: true,
                ..decorations.view(r)
            })
            .collect()
    };
    let ids: Vec<i64> = public.items.iter().map(|c| c.id).collect();
    Ok(OwnShare {
        unpublished,
        supported: store::supported_among(conn, me, &ids)?,
    })
}

/// The page `me` sees: the public's page and their unpublished contributions in the listing's
/// order (those have no supports: sort key 0), cut to `limit`, with their support state and
/// which are theirs. The same page as [`list`] for them gives, as long as both read the same
/// moment.
pub fn merged(public: &Listed, own: &OwnShare, me: i64, limit: i64) -> Page<Contribution> {
    let mut all: Vec<(Contribution, i64)> = public
        .items
        .iter()
        .zip(&public.places)
        .map(|(item, &(author, key))| {
            let mut item = item.clone();
            item.supported = Some(own.supported.contains(&item.id));
            item.mine = author == me;
            (item, key)
        })
        .chain(own.unpublished.iter().map(|item| (item.clone(), 0)))
        .collect();
    match public.sort {
        Sort::Newest => all.sort_by_key(|(item, _)| std::cmp::Reverse(item.id)),
        Sort::Oldest => all.sort_by_key(|(item, _)| item.id),
        Sort::MostSupported => all.sort_by_key(|(item, key)| std::cmp::Reverse((*key, item.id))),
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = public.next.is_some() || all.len() > limit;
    all.truncate(limit);
    let next_cursor = all.last().filter(|_| more).map(|(item, key)| {
        store::SortCursor {
            sort: public.sort,
            at: public.at,
            key: *key,
            id: item.id,
        }
        .encode()
    });
    Page {
        items: all.into_iter().map(|(item, _)| item).collect(),
        next_cursor,
    }
}

/// One contribution as `viewer` sees it, with its entity tag; 404 when they may not, 410 when
/// its author deleted it (the lists keep its placeholder, so threads stay whole).
pub fn one(
    conn: &mut DbConnection,
    viewer: Viewer,
    id: i64,
    prefs: &Preferences,
) -> ApiResult<(Contribution, String)> {
    let row = store::find(conn, id)?
        .filter(|r| viewer.sees(r))
        .ok_or_else(no_such_contribution)?;
    if row.is_deleted() {
        return Err(problems::CONTRIBUTION_GONE.problem());
    }
    let decorations = store::decorations(conn, std::slice::from_ref(&row), viewer)?;
    let mut view = decorations.view(&row);
    localize_all(conn, prefs, view.answer.iter_mut().collect())?;
    Ok((view, row.etag()))
}
