//! Priority voting as routes. The rules are in [`super::domain`]; these handlers extract,
//! call one of its functions and answer.

use super::domain;
use super::model::{
    AssistedBallot, AssistedBallotSubmission, Ballot, BallotSubmission, Eligibility, Results,
};
use super::VotingCache;
use crate::auth::extract::{CurrentUser, MaybeUser, Session, Verified};
use crate::clock::{Clock, Now};
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Body;
use actix_web::web;
use actix_web::{delete, get, post, put, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(cast_ballot)
        .service(my_ballot)
        .service(withdraw_ballot)
        .service(cast_organisation_ballot)
        .service(organisation_ballot)
        .service(withdraw_organisation_ballot)
        .service(cast_assisted_ballot)
        .service(withdraw_assisted_ballot)
        .service(voting)
        .service(results)
        .service(results_csv)
        .service(results_xlsx)
        .service(ballot_export);
}

/// Casts and withdrawals check the session in their write's trip to the database, first of
/// all (one trip instead of two).
async fn cast(
    clock: Clock,
    session: Session,
    (db, cache): (&Db, &VotingCache),
    id: i64,
    organisation: Option<i64>,
    body: Body<BallotSubmission>,
) -> ApiResult<HttpResponse> {
    let (now, submission, kept) = (clock.now().naive_utc(), body.into_inner(), cache.clone());
    // Not one transaction: `domain::cast` commits as it goes (a person's ballot on PostgreSQL
    // is a single statement).
    let ballot = db
        .run(move |conn| {
            let user = session.verified(conn)?;
            let round = kept.round(id, now, || domain::round(conn, id))?;
            let at_commit = || clock.now().naive_utc();
            domain::cast(
                conn,
                (now, &at_commit),
                &round,
                &user,
                organisation,
                submission,
            )
        })
        .await?;
    cache.changed(id).await;
    Ok(HttpResponse::Ok().json(ballot))
}

async fn withdraw(
    clock: Clock,
    session: Session,
    (db, cache): (&Db, &VotingCache),
    id: i64,
    organisation: Option<i64>,
) -> ApiResult<HttpResponse> {
    let (now, kept) = (clock.now().naive_utc(), cache.clone());
    db.write(move |conn| {
        let user = session.verified(conn)?;
        let round = kept.round(id, now, || domain::round(conn, id))?;
        domain::withdraw(conn, now, &round, &user, organisation)?;
        domain::voting_open(&round, clock.now().naive_utc())
    })
    .await?;
    cache.changed(id).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Cast or replace one's own ballot during the voting window: points for options of the
/// consultation's ballot, whole and not negative, at most `max_points_per_option` each and
/// `points_budget` in all. The new ballot replaces the old one as a whole, atomically.
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    request_body = BallotSubmission,
    responses(
        (status = 200, description = "The ballot as stored", body = Ballot),
        (status = 400, description = "Invalid body (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The voting window is not open (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Against the rules of the ballot (`option_not_on_ballot`, `option_listed_twice`, `too_many_points_for_option`, `points_budget_exceeded`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/consultations/{id}/ballot")]
pub async fn cast_ballot(
    clock: Clock,
    session: Session,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    id: web::Path<i64>,
    body: Body<BallotSubmission>,
) -> ApiResult<HttpResponse> {
    cast(clock, session, (&db, &cache), id.into_inner(), None, body).await
}

/// One's own ballot in the consultation.
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    responses(
        (status = 200, description = "The caller's ballot", body = Ballot),
        (status = 403, description = "Address not verified (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation, or no ballot of the caller in it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/ballot")]
pub async fn my_ballot(
    user: Verified,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Ballot>> {
    let id = id.into_inner();
    let ballot = db
        .run(move |conn| domain::ballot(conn, &user, id, None))
        .await?;
    Ok(web::Json(ballot))
}

/// Withdraw one's own ballot during the voting window.
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "Address not verified (`email_unverified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation, or no ballot of the caller in it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The voting window is not open (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/consultations/{id}/ballot")]
pub async fn withdraw_ballot(
    clock: Clock,
    session: Session,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    withdraw(clock, session, (&db, &cache), id.into_inner(), None).await
}

/// Record a ballot on behalf of a person without an account (facilitators; assisted
/// participation), during the voting window and under the rules of any ballot. Every call
/// records a new ballot; it counts inside the person's group and, apart, as assisted
/// (`assisted_ballots`, `assisted_points` in the results). The audit log names the
/// facilitator; at most `ASSISTED_PER_HOUR` assisted entries per facilitator and hour.
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    request_body = AssistedBallotSubmission,
    responses(
        (status = 201, description = "The assisted ballot as stored", body = AssistedBallot, headers(("Location" = String, description = "Address for its withdrawal"))),
        (status = 400, description = "Invalid body (`validation_failed`, with fields; `consent_required` at `on_behalf_of.consent_declared`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`), or not a facilitator (`not_a_facilitator`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The voting window is not open (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Against the rules of the ballot (`option_not_on_ballot`, `option_listed_twice`, `too_many_points_for_option`, `points_budget_exceeded`, `empty_ballot`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/consultations/{id}/assisted-ballots")]
pub async fn cast_assisted_ballot(
    clock: Clock,
    user: Verified,
    auth: web::Data<crate::auth::Auth>,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    id: web::Path<i64>,
    body: Body<AssistedBallotSubmission>,
) -> ApiResult<HttpResponse> {
    crate::contributions::domain::facilitator(&user.0)?;
    auth.limits.assisted(user.0.id()).await?;
    let (id, now, submission, kept) = (
        id.into_inner(),
        clock.now().naive_utc(),
        body.into_inner(),
        cache.get_ref().clone(),
    );
    let ballot = db
        .write(move |conn| {
            let round = kept.round(id, now, || domain::round(conn, id))?;
            let at_commit = || clock.now().naive_utc();
            domain::cast_assisted(conn, (now, &at_commit), &round, &user, submission)
        })
        .await?;
    cache.changed(id).await;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/consultations/{id}/assisted-ballots/{}", ballot.id),
        ))
        .json(ballot))
}

/// Withdraw an assisted ballot one recorded (facilitators), during the voting window — to
/// correct it, withdraw it and record it again.
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation"), ("ballot_id" = i64, Path, description = "Id of the assisted ballot")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "Address not verified (`email_unverified`), or not a facilitator (`not_a_facilitator`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation, or no assisted ballot of the caller with this id in it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The voting window is not open (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/consultations/{id}/assisted-ballots/{ballot_id}")]
pub async fn withdraw_assisted_ballot(
    clock: Clock,
    user: Verified,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let ((id, ballot), now, kept) = (
        path.into_inner(),
        clock.now().naive_utc(),
        cache.get_ref().clone(),
    );
    db.write(move |conn| {
        let round = kept.round(id, now, || domain::round(conn, id))?;
        domain::withdraw_assisted(conn, now, &round, &user, ballot)?;
        domain::voting_open(&round, clock.now().naive_utc())
    })
    .await?;
    cache.changed(id).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Cast or replace the ballot of an organisation during the voting window: one ballot per
/// organisation, cast by any of its representatives (the last cast counts; the audit log says
/// who). It counts for the organisation's participant group. The rules are those of one's own
/// ballot.
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation"), ("organisation_id" = i64, Path, description = "Id of the organisation")),
    request_body = BallotSubmission,
    responses(
        (status = 200, description = "The organisation's ballot as stored", body = Ballot),
        (status = 400, description = "Invalid body (`validation_failed`, with fields)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Address not verified (`email_unverified`), not a member (`not_a_member`), not a representative (`representative_required`), or the organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation or organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The voting window is not open (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Against the rules of the ballot (`option_not_on_ballot`, `option_listed_twice`, `too_many_points_for_option`, `points_budget_exceeded`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/consultations/{id}/organisations/{organisation_id}/ballot")]
pub async fn cast_organisation_ballot(
    clock: Clock,
    session: Session,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    path: web::Path<(i64, i64)>,
    body: Body<BallotSubmission>,
) -> ApiResult<HttpResponse> {
    let (id, org) = path.into_inner();
    cast(clock, session, (&db, &cache), id, Some(org), body).await
}

/// The ballot of an organisation, for its members.
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation"), ("organisation_id" = i64, Path, description = "Id of the organisation")),
    responses(
        (status = 200, description = "The organisation's ballot", body = Ballot),
        (status = 403, description = "Address not verified (`email_unverified`), not a member (`not_a_member`), or the organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation or organisation, or no ballot of it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/organisations/{organisation_id}/ballot")]
pub async fn organisation_ballot(
    user: Verified,
    db: web::Data<Db>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<web::Json<Ballot>> {
    let (id, org) = path.into_inner();
    let ballot = db
        .run(move |conn| domain::ballot(conn, &user, id, Some(org)))
        .await?;
    Ok(web::Json(ballot))
}

/// Withdraw the ballot of an organisation during the voting window (representatives).
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation"), ("organisation_id" = i64, Path, description = "Id of the organisation")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "Address not verified (`email_unverified`), not a member (`not_a_member`), not a representative (`representative_required`), or the organisation is not verified (`organisation_not_verified`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation or organisation, or no ballot of it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The voting window is not open (`phase_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/consultations/{id}/organisations/{organisation_id}/ballot")]
pub async fn withdraw_organisation_ballot(
    clock: Clock,
    session: Session,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, org) = path.into_inner();
    withdraw(clock, session, (&db, &cache), id, Some(org)).await
}

/// Who the caller may vote as in the consultation — themselves (with a verified address) and
/// each organisation they represent — and which of these ballots exist.
#[utoipa::path(
    tag = "voting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    responses(
        (status = 200, description = "The caller's eligibility", body = Eligibility),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/voting")]
pub async fn voting(
    now: Now,
    user: CurrentUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Eligibility>> {
    let (now, id) = (now.naive(), id.into_inner());
    let found = db
        .run(move |conn| domain::eligibility(conn, now, &user, id))
        .await?;
    Ok(web::Json(found))
}

/// The results of the priority vote: per option points, supporters, share and rank, for the
/// whole city and side by side for each participant group, and the consensus view (options by
/// the lowest share any group gave them). Public while voting runs when the consultation's
/// `results_visibility` is `live`, otherwise once the voting window has closed; always for
/// administrators. Names the SHA-256 of the ballot export it was computed from.
#[utoipa::path(
    tag = "voting",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    responses(
        (status = 200, description = "The results", body = Results),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not public yet (`results_not_yet_public`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/results")]
pub async fn results(
    now: Now,
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let found = load_results(now, user, &db, &cache, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(&*found))
}

/// The results, if the viewer may see them: from the node's cache, or read in one snapshot
/// with the export's hash.
async fn load_results(
    now: Now,
    user: Option<CurrentUser>,
    db: &Db,
    cache: &VotingCache,
    id: i64,
) -> ApiResult<std::sync::Arc<Results>> {
    let now = now.naive();
    let stage = db
        .run(move |conn| {
            let round = domain::round(conn, id)?;
            domain::may_see_results(&round, now, user.as_ref())?;
            Ok::<_, ApiError>(round.stage(now))
        })
        .await?;
    cache
        .get(id, stage, || async move {
            db.run(move |conn| {
                crate::db::read_snapshot(conn, |conn| {
                    let round = domain::round(conn, id)?;
                    domain::results(conn, now, &round)
                })
            })
            .await
        })
        .await
}

/// The results as a file to download.
#[derive(Clone, Copy)]
enum Table {
    Csv,
    Xlsx,
}

impl Table {
    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    fn render(self, found: &Results) -> ApiResult<Vec<u8>> {
        match self {
            Self::Csv => Ok(domain::results_csv(found).into_bytes()),
            Self::Xlsx => domain::results_xlsx(found),
        }
    }
}

/// The results of consultation `id` as `table`, named by the hash of their export.
async fn table(
    (now, user): (Now, Option<CurrentUser>),
    db: &Db,
    cache: &VotingCache,
    id: i64,
    kind: Table,
) -> ApiResult<HttpResponse> {
    let found = load_results(now, user, db, cache, id).await?;
    let body = kind.render(&found)?;
    Ok(HttpResponse::Ok()
        .content_type(kind.content_type())
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"results-{id}.{}\"", kind.extension()),
        ))
        .insert_header(("X-Ballot-Export-Sha256", found.ballot_export_sha256.clone()))
        .body(body))
}

/// The results as CSV, one row per option for the whole city (`scope` `all`) and for each
/// participant group: `scope,ballots,option_id,points,supporters,share,rank`. The hash of the
/// ballot export they come from is in `X-Ballot-Export-Sha256`. Visible when the results are.
#[utoipa::path(
    tag = "voting",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    responses(
        (status = 200, description = "The results as CSV", body = String, content_type = "text/csv", headers(("X-Ballot-Export-Sha256" = String, description = "SHA-256 of the ballot export they were computed from"))),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not public yet (`results_not_yet_public`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/results.csv")]
pub async fn results_csv(
    now: Now,
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    table((now, user), &db, &cache, id.into_inner(), Table::Csv).await
}

/// The results as an XLSX workbook: sheet `results` with the rows of `results.csv`, sheet
/// `source` with the consultation, whether the results are final and the hash of the ballot
/// export. Visible when the results are.
#[utoipa::path(
    tag = "voting",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    responses(
        (status = 200, description = "The results as a workbook", body = crate::http::download::File, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers(("X-Ballot-Export-Sha256" = String, description = "SHA-256 of the ballot export they were computed from"))),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not public yet (`results_not_yet_public`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/results.xlsx")]
pub async fn results_xlsx(
    now: Now,
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    cache: web::Data<VotingCache>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    table((now, user), &db, &cache, id.into_inner(), Table::Xlsx).await
}

/// The anonymised ballots as CSV, one line per allocation: `ballot` (a random pseudonym that
/// names no person or organisation), `group`, `option_id`, `points`; ordered by pseudonym and
/// option, streamed from one snapshot. Its SHA-256 is the `ballot_export_sha256` of the results
/// read at the same moment (after close: always). Visible when the results are.
#[utoipa::path(
    tag = "voting",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the consultation")),
    responses(
        (status = 200, description = "The ballots, anonymised", body = String, content_type = "text/csv"),
        (status = 401, description = "An `Authorization` header without a valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not public yet (`results_not_yet_public`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consultation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/consultations/{id}/ballots.csv")]
pub async fn ballot_export(
    now: Now,
    MaybeUser(user): MaybeUser,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (now, id) = (now.naive(), id.into_inner());
    db.run(move |conn| {
        let round = domain::round(conn, id)?;
        domain::may_see_results(&round, now, user.as_ref())
    })
    .await?;
    crate::http::download::stream(
        &db,
        "text/csv; charset=utf-8",
        format!("ballots-{id}.csv"),
        move |conn, sink| domain::export_each(conn, id, sink),
    )
    .await
}
