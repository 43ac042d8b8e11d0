//! The moderators' review of organisations as a domain: a decision on a pending
//! registration or change, under the `If-Match` of what was reviewed, with its audit entry
//! and a mail to the representatives. Run by the caller inside one write transaction; the
//! handlers are in [`super::moderation`].

use super::model::{OrganisationDetails, OrganisationStatus, Verdict};
use super::standing::no_such_organisation;
use super::store;
use crate::audit;
use crate::auth::model::Language;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::cache::{etag_of, stale, IfMatch};
use crate::mail::{self, templates};
use chrono::NaiveDateTime;

fn name_taken() -> ApiError {
    super::problems::NAME_TAKEN.problem()
}

/// Decides on organisation `id` for moderator `actor`, with the reason the organisation reads.
pub fn decide(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    actor: i64,
    id: i64,
    if_match: &IfMatch,
    verdict: Verdict,
    reason: Option<&str>,
) -> ApiResult<OrganisationDetails> {
    let current = store::lock(conn, id)?.ok_or_else(no_such_organisation)?;
    let before = current.details();
    if !if_match.matches(&etag_of(&before)) {
        return Err(stale());
    }
    if current.status() != OrganisationStatus::Pending {
        return Err(super::problems::NOT_PENDING.problem());
    }
    if verdict == Verdict::Verified {
        let name = current
            .proposed_change()
            .map_or_else(|| current.name.clone(), |p| p.name);
        if store::name_taken(conn, id, &name)? {
            return Err(name_taken());
        }
    }
    let decided = store::decide(conn, now, &current, verdict, reason).map_err(|e| {
        // Another moderator verified the same name a moment earlier.
        match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => name_taken(),
            e => ApiError::from(e),
        }
    })?;
    if !decided {
        return Err(stale());
    }
    let after: OrganisationDetails = store::find(conn, id)?
        .ok_or_else(no_such_organisation)?
        .details();
    let action = match verdict {
        Verdict::Verified => "organisation.verified",
        Verdict::Rejected => "organisation.rejected",
    };
    audit::record(
        conn,
        now,
        Some(actor),
        action,
        "organisation",
        Some(id),
        serde_json::json!({"before": before, "after": after, "reason": reason}),
    )?;
    // The name the decision was about: a rejected change names the proposal.
    let subject = before
        .proposed_change
        .as_ref()
        .map_or(before.name.as_str(), |p| p.name.as_str());
    for (to, language) in store::representative_addresses(conn, id)? {
        mail::enqueue(
            conn,
            now,
            &templates::organisation_decision(
                &to,
                Language::from_stored(&language),
                subject,
                verdict == Verdict::Verified,
                reason,
            ),
        )?;
    }
    Ok(after)
}
