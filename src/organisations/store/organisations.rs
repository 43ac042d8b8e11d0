//! Queries of organisations: registration, changes, review, the directory and the queue.

use super::*;
use crate::db::schema::organisations;
use crate::db::DbConnection;
use crate::db_run;
use crate::http::pagination::{Cursor, Page, PageRequest, TextCursor};
use crate::organisations::model::{
    Decision, MemberRole, OrganisationChanges, OrganisationDetails, OrganisationKind,
    OrganisationProfile, OrganisationRegistration, OrganisationStatus, OrganisationSummary,
    ProposedChange, Verdict,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The name as the directory sorts and compares it: lower case, German umlauts and ß folded
/// (DIN 5007-1), combining marks dropped (so a decomposed "u\u{308}" equals "ü" equals "u"),
/// runs of white space as one space. Stored, so both backends sort alike.
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            match c {
                '\u{300}'..='\u{36f}'
                | '\u{1ab0}'..='\u{1aff}'
                | '\u{1dc0}'..='\u{1dff}'
                | '\u{20d0}'..='\u{20ff}'
                | '\u{fe20}'..='\u{fe2f}' => {}
                'ä' => key.push('a'),
                'ö' => key.push('o'),
                'ü' => key.push('u'),
                'ß' => key.push_str("ss"),
                c => key.push(c),
            }
        }
    }
    key
}

/// A stored organisation.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub kind: String,
    pub proposed_name: Option<String>,
    pub proposed_kind: Option<String>,
    pub description: String,
    pub website: Option<String>,
    pub contact_email: String,
    pub registry_number: Option<String>,
    pub status: String,
    pub verified_at: Option<NaiveDateTime>,
    pub decision: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub registered_by: Option<i64>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn kind(value: &str) -> OrganisationKind {
    OrganisationKind::from_stored(value).unwrap_or(OrganisationKind::OtherCivilSociety)
}

impl OrgRow {
    pub fn kind(&self) -> OrganisationKind {
        kind(&self.kind)
    }

    pub fn status(&self) -> OrganisationStatus {
        OrganisationStatus::from_stored(&self.status).unwrap_or(OrganisationStatus::Pending)
    }

    /// Verified at some time, so in the public directory under its verified name and kind.
    pub fn listed(&self) -> bool {
        self.verified_at.is_some()
    }

    pub fn proposed_change(&self) -> Option<ProposedChange> {
        Some(ProposedChange {
            name: self.proposed_name.clone()?,
            kind: kind(self.proposed_kind.as_deref()?),
        })
    }

    pub fn details(&self) -> OrganisationDetails {
        OrganisationDetails {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind(),
            description: self.description.clone(),
            website: self.website.clone(),
            contact_email: self.contact_email.clone(),
            registry_number: self.registry_number.clone(),
            status: self.status(),
            verified_at: self.verified_at.map(|t| t.and_utc()),
            proposed_change: self.proposed_change(),
            last_decision: match (&self.decision, self.decided_at) {
                (Some(d), Some(at)) => Verdict::from_stored(d).map(|verdict| Decision {
                    verdict,
                    reason: self.decision_reason.clone(),
                    decided_at: at.and_utc(),
                }),
                _ => None,
            },
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }

    /// The public profile; `None` for an organisation that was never verified.
    pub fn profile(&self) -> Option<OrganisationProfile> {
        Some(OrganisationProfile {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind(),
            description: self.description.clone(),
            website: self.website.clone(),
            contact_email: self.contact_email.clone(),
            registry_number: self.registry_number.clone(),
            verified_at: self.verified_at?.and_utc(),
        })
    }

    pub fn summary(&self) -> OrganisationSummary {
        OrganisationSummary {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind(),
            status: self.status(),
            verified_at: self.verified_at.map(|t| t.and_utc()),
        }
    }
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OrgRow>> {
    organisations::table
        .find(id)
        .select(OrgRow::as_select())
        .first(conn)
        .optional()
}

/// The organisation's row, locked until the end of the transaction on PostgreSQL, so that
/// changes of its membership or review are made one after the other (SQLite's write
/// transaction holds the whole database already).
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OrgRow>> {
    match conn {
        DbConnection::Postgresql(pg) => organisations::table
            .find(id)
            .select(OrgRow::as_select())
            .for_update()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(_) => find(conn, id),
    }
}

/// Registers an organisation as `pending` with its registrant as first representative.
pub fn insert(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    registration: &OrganisationRegistration,
    registrant: i64,
) -> QueryResult<i64> {
    let values = (
        organisations::name.eq(&registration.name),
        organisations::name_key.eq(name_key(&registration.name)),
        organisations::kind.eq(registration.kind.as_str()),
        organisations::description.eq(&registration.description),
        organisations::website.eq(&registration.website),
        organisations::contact_email.eq(&registration.contact_email),
        organisations::registry_number.eq(&registration.registry_number),
        organisations::status.eq(OrganisationStatus::Pending.as_str()),
        organisations::registered_by.eq(Some(registrant)),
        organisations::created_at.eq(now),
        organisations::updated_at.eq(now),
    );
    let id: i64 = db_run!(conn, |c| diesel::insert_into(organisations::table)
        .values(values)
        .returning(organisations::id)
        .get_result(c))?;
    add_member(conn, now, id, registrant, MemberRole::Representative)?;
    Ok(id)
}

/// Registrations of this person that wait for their first review.
pub fn pending_registrations(conn: &mut DbConnection, registrant: i64) -> QueryResult<i64> {
    organisations::table
        .filter(organisations::registered_by.eq(registrant))
        .filter(organisations::status.eq(OrganisationStatus::Pending.as_str()))
        .filter(organisations::verified_at.is_null())
        .count()
        .get_result(conn)
}

/// What a change of the profile does to the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Nothing that needs review changed.
    Unchanged,
    /// The organisation (again) waits for review.
    Requested,
}

/// Applies `changes` to `current` (checked against its version): a change of name or kind of
/// a verified organisation becomes a proposal and sends it to review; before the first
/// verification they apply at once, and a rejected registration goes back to review.
pub fn update(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    current: &OrgRow,
    changes: &OrganisationChanges,
) -> QueryResult<Option<Review>> {
    let name = changes.name.clone().unwrap_or_else(|| {
        current
            .proposed_name
            .clone()
            .unwrap_or_else(|| current.name.clone())
    });
    let kind = changes
        .kind
        .or_else(|| current.proposed_change().map(|p| p.kind))
        .unwrap_or_else(|| current.kind());
    let (name, kind, proposed, status, review) = if current.listed() {
        // Proposing the verified identity again withdraws the proposal.
        let proposes = name != current.name || kind != current.kind();
        let status = if proposes {
            OrganisationStatus::Pending
        } else {
            OrganisationStatus::Verified
        };
        let review = if proposes
            && current.proposed_change()
                != Some(ProposedChange {
                    name: name.clone(),
                    kind,
                }) {
            Review::Requested
        } else {
            Review::Unchanged
        };
        let proposed = proposes.then_some((name, kind));
        (
            current.name.clone(),
            current.kind(),
            proposed,
            status,
            review,
        )
    } else if current.status() == OrganisationStatus::Rejected {
        // A change of a rejected registration submits it again.
        (
            name,
            kind,
            None,
            OrganisationStatus::Pending,
            Review::Requested,
        )
    } else {
        (name, kind, None, current.status(), Review::Unchanged)
    };
    let website = match &changes.website {
        Some(w) => w.clone(),
        None => current.website.clone(),
    };
    let registry_number = match &changes.registry_number {
        Some(r) => r.clone(),
        None => current.registry_number.clone(),
    };
    let updated = diesel::update(
        organisations::table
            .find(current.id)
            .filter(organisations::version.eq(current.version)),
    )
    .set((
        organisations::name.eq(&name),
        organisations::name_key.eq(name_key(&name)),
        organisations::kind.eq(kind.as_str()),
        organisations::proposed_name.eq(proposed.as_ref().map(|p| p.0.clone())),
        organisations::proposed_kind.eq(proposed.as_ref().map(|p| p.1.as_str())),
        organisations::description.eq(changes.description.as_ref().unwrap_or(&current.description)),
        organisations::website.eq(website),
        organisations::contact_email.eq(changes
            .contact_email
            .as_ref()
            .unwrap_or(&current.contact_email)),
        organisations::registry_number.eq(registry_number),
        organisations::status.eq(status.as_str()),
        organisations::version.eq(current.version + 1),
        organisations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok((updated == 1).then_some(review))
}

/// Another listed organisation that has (or would have, verified) this name.
pub fn name_taken(conn: &mut DbConnection, id: i64, name: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organisations::table
            .filter(organisations::verified_at.is_not_null())
            .filter(organisations::id.ne(id))
            .filter(organisations::name_key.eq(name_key(name))),
    ))
    .get_result(conn)
}

/// Records a moderator's decision on a pending organisation. Verifying applies a proposed
/// change; rejecting a proposed change keeps the verified identity; rejecting a first
/// registration marks it rejected.
pub fn decide(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    current: &OrgRow,
    verdict: Verdict,
    reason: Option<&str>,
) -> QueryResult<bool> {
    let (name, kind) = match (verdict, current.proposed_change()) {
        (Verdict::Verified, Some(p)) => (p.name, p.kind),
        _ => (current.name.clone(), current.kind()),
    };
    let status = match verdict {
        Verdict::Verified => OrganisationStatus::Verified,
        Verdict::Rejected if current.listed() => OrganisationStatus::Verified,
        Verdict::Rejected => OrganisationStatus::Rejected,
    };
    let verified_at = match verdict {
        Verdict::Verified => current.verified_at.or(Some(now)),
        Verdict::Rejected => current.verified_at,
    };
    let updated = diesel::update(
        organisations::table
            .find(current.id)
            .filter(organisations::version.eq(current.version)),
    )
    .set((
        organisations::name.eq(&name),
        organisations::name_key.eq(name_key(&name)),
        organisations::kind.eq(kind.as_str()),
        organisations::proposed_name.eq(None::<String>),
        organisations::proposed_kind.eq(None::<String>),
        organisations::status.eq(status.as_str()),
        organisations::verified_at.eq(verified_at),
        organisations::decision.eq(Some(verdict.as_str())),
        organisations::decision_reason.eq(reason),
        organisations::decided_at.eq(Some(now)),
        organisations::version.eq(current.version + 1),
        organisations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The public directory: listed organisations in alphabetical order, optionally of one kind.
pub fn directory(
    conn: &mut DbConnection,
    kind: Option<OrganisationKind>,
    page: &PageRequest<TextCursor>,
) -> QueryResult<Page<OrganisationProfile>> {
    let mut query = organisations::table
        .filter(organisations::verified_at.is_not_null())
        .select(OrgRow::as_select())
        .order((organisations::name_key, organisations::id))
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(organisations::kind.eq(kind.as_str()));
    }
    if let Some(after) = &page.after {
        query = query.filter(
            organisations::name_key
                .gt(after.key.clone())
                .or(organisations::name_key
                    .eq(after.key.clone())
                    .and(organisations::id.gt(after.id))),
        );
    }
    let rows = query.load(conn)?;
    Ok(page.finish(
        rows,
        |r| TextCursor {
            key: r.name_key.clone(),
            id: r.id,
        },
        |r| r.profile().expect("listed organisations are verified"),
    ))
}

/// The moderators' queue: organisations with this status, oldest first.
pub fn queue(
    conn: &mut DbConnection,
    status: OrganisationStatus,
    page: &PageRequest,
) -> QueryResult<Page<OrgRow>> {
    let mut query = organisations::table
        .filter(organisations::status.eq(status.as_str()))
        .select(OrgRow::as_select())
        .order(organisations::id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisations::id.gt(after.id));
    }
    let rows = query.load(conn)?;
    Ok(page.finish(rows, |r| Cursor { key: 0, id: r.id }, |r| r))
}

/// Removes an organisation that was never verified, with its members, invitations and
/// requests (its registration is withdrawn).
pub fn withdraw(conn: &mut DbConnection, org: i64) -> QueryResult<()> {
    diesel::delete(
        organisations::table
            .find(org)
            .filter(organisations::verified_at.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn names_fold_for_sorting_and_comparing() {
        assert_eq!(
            name_key("  Türkischer   Elternverein  Bielefeld "),
            "turkischer elternverein bielefeld"
        );
        assert_eq!(name_key("STRASSE"), name_key("Straße"));
        assert_eq!(name_key("Ärzte ohne Grenzen"), "arzte ohne grenzen");
        assert!(name_key("Ökumene") < name_key("Pfadfinder"));
        assert_eq!(
            name_key("Tu\u{308}rkischer Verein"),
            name_key("Türkischer Verein")
        );
    }
}
