//! `/api/v1/admin/users*` (administrators only).

use crate::audit;
use crate::auth::extract::Admin;
use crate::auth::model::Role;
use crate::auth::store::{self, UserRow};
use crate::clock::Now;
use crate::db::schema::users;
use crate::db::{write_transaction, Db, DbConnection};
use crate::error::{ApiError, ApiResult, Problem, Text};
use crate::http::pagination::{Cursor, Page, PageParams};
use actix_web::{get, post, put, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(set_role)
        .service(block_user)
        .service(unblock_user);
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// An account as administrators see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserAccount {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub email_verified: bool,
    pub blocked: bool,
    pub deleted: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<&UserRow> for UserAccount {
    fn from(u: &UserRow) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role(),
            email_verified: u.email_verified_at.is_some(),
            blocked: u.blocked_at.is_some(),
            deleted: u.deleted_at.is_some(),
            created_at: u.created_at.and_utc(),
        }
    }
}

/// Search and filters of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Part of the e-mail address or display name (case-insensitive); at most 100
    /// characters, no control characters.
    #[param(
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub q: Option<String>,
    /// Only users with this role.
    pub role: Option<Role>,
}

/// Users in order of registration (administrators only).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(UserFilter, PageParams),
    responses(
        (status = 200, description = "One page of users", body = Page<UserAccount>),
        (status = 400, description = "Invalid filter or page parameters", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    _admin: Admin,
    db: web::Data<Db>,
    filter: web::Query<UserFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<UserAccount>>> {
    let page = page.validate()?;
    let UserFilter { q, role } = filter.into_inner();
    if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::invalid_field(
            "q",
            "length",
            Text::new(
                "darf höchstens 100 Zeichen lang sein",
                "must be at most 100 characters",
            ),
        ));
    }
    if let Some(Err(e)) = q.as_deref().map(crate::text::line) {
        return Err(ApiError::invalid_field(
            "q",
            "invalid_characters",
            crate::error::rule_message(&e),
        ));
    }
    let users = db
        .run(move |conn| {
            let mut query = users::table
                .select(UserRow::as_select())
                .order(users::id)
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
                let escaped = q
                    .trim()
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let pattern = format!("%{escaped}%");
                query = query.filter(
                    lower(users::email)
                        .like(pattern.clone())
                        .escape('\\')
                        .or(lower(users::display_name).like(pattern).escape('\\')),
                );
            }
            if let Some(role) = role {
                query = query.filter(users::role.eq(role.as_str()));
            }
            if let Some(after) = page.after {
                query = query.filter(users::id.gt(after.id));
            }
            let rows: Vec<UserRow> = query.load(conn)?;
            Ok::<_, diesel::result::Error>(page.finish(
                rows,
                |u| Cursor { key: 0, id: u.id },
                |u| UserAccount::from(&u),
            ))
        })
        .await?;
    Ok(web::Json(users))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role: Role,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    /// Why; recorded in the audit log.
    #[validate(length(max = 500), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: Option<String>,
}

/// An account that does not exist (or no longer does).
fn no_such_user() -> ApiError {
    ApiError::not_found(Text::new(
        "Es gibt kein Konto mit dieser ID.",
        "No user with this id.",
    ))
}

/// The acting administrator, checked again inside the transaction of the change.
fn still_admin(conn: &mut DbConnection, actor: i64) -> QueryResult<bool> {
    Ok(store::lock_user(conn, actor)?.is_some_and(|u| {
        u.role() == Role::Admin && u.blocked_at.is_none() && u.deleted_at.is_none()
    }))
}

fn live_user(conn: &mut DbConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Give a user another role. Their sessions end, so the new role applies at once everywhere.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the user")),
    request_body = RoleChange,
    responses(
        (status = 200, description = "The user with the new role", body = UserAccount),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It would leave no active administrator (`last_admin`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/users/{id}/role")]
pub async fn set_role(
    now: Now,
    Admin(admin): Admin,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: crate::http::Json<RoleChange>,
) -> ApiResult<web::Json<UserAccount>> {
    let now = now.naive();
    let (id, role, actor) = (id.into_inner(), body.role, admin.id());
    let outcome = db
        .run(move |conn| -> ApiResult<UserRow> {
            write_transaction(conn, |conn| {
                if !still_admin(conn, actor)? {
                    return Err(crate::error::codes::FORBIDDEN.problem());
                }
                let Some(user) = live_user(conn, id)? else {
                    return Err(no_such_user());
                };
                let before = user.role();
                if before == role {
                    return Ok(user);
                }
                if before == Role::Admin
                    && user.blocked_at.is_none()
                    && store::active_admins(conn)? <= 1
                {
                    return Err(crate::auth::problems::LAST_ADMIN.problem());
                }
                diesel::update(users::table.find(id))
                    .set((users::role.eq(role.as_str()), users::updated_at.eq(now)))
                    .execute(conn)?;
                store::revoke_all_sessions(conn, now, id)?;
                audit::record(
                    conn,
                    now,
                    Some(actor),
                    "user.role_changed",
                    "user",
                    Some(id),
                    serde_json::json!({"before": {"role": before}, "after": {"role": role}}),
                )?;
                Ok(store::user_by_id(conn, id)?)
            })
        })
        .await?;
    Ok(web::Json(UserAccount::from(&outcome)))
}

/// Block a user: their sessions end at once and sign-in answers 403 `account_blocked`.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the user")),
    request_body = BlockRequest,
    responses(
        (status = 200, description = "The blocked user", body = UserAccount),
        (status = 400, description = "Invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The own account (`own_account`) or the last active administrator (`last_admin`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/block")]
pub async fn block_user(
    now: Now,
    Admin(admin): Admin,
    db: web::Data<Db>,
    id: web::Path<i64>,
    body: crate::http::Json<BlockRequest>,
) -> ApiResult<web::Json<UserAccount>> {
    let now = now.naive();
    body.validate()?;
    let (id, actor, reason) = (id.into_inner(), admin.id(), body.into_inner().reason);
    if id == actor {
        return Err(super::problems::OWN_ACCOUNT.problem());
    }
    let outcome = db
        .run(move |conn| -> ApiResult<UserRow> {
            write_transaction(conn, |conn| {
                if !still_admin(conn, actor)? {
                    return Err(crate::error::codes::FORBIDDEN.problem());
                }
                let Some(user) = live_user(conn, id)? else {
                    return Err(no_such_user());
                };
                if user.blocked_at.is_some() {
                    return Ok(user);
                }
                if user.role() == Role::Admin && store::active_admins(conn)? <= 1 {
                    return Err(crate::auth::problems::LAST_ADMIN.problem());
                }
                diesel::update(users::table.find(id))
                    .set(users::blocked_at.eq(Some(now)))
                    .execute(conn)?;
                store::revoke_all_sessions(conn, now, id)?;
                audit::record(
                    conn,
                    now,
                    Some(actor),
                    "user.blocked",
                    "user",
                    Some(id),
                    serde_json::json!({"reason": reason}),
                )?;
                Ok(store::user_by_id(conn, id)?)
            })
        })
        .await?;
    Ok(web::Json(UserAccount::from(&outcome)))
}

/// Unblock a user; they can sign in again.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Id of the user")),
    responses(
        (status = 200, description = "The unblocked user", body = UserAccount),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/unblock")]
pub async fn unblock_user(
    now: Now,
    Admin(admin): Admin,
    db: web::Data<Db>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<UserAccount>> {
    let now = now.naive();
    let (id, actor) = (id.into_inner(), admin.id());
    let outcome = db
        .run(move |conn| -> ApiResult<UserRow> {
            write_transaction(conn, |conn| {
                if !still_admin(conn, actor)? {
                    return Err(crate::error::codes::FORBIDDEN.problem());
                }
                let Some(user) = live_user(conn, id)? else {
                    return Err(no_such_user());
                };
                if user.blocked_at.is_none() {
                    return Ok(user);
                }
                diesel::update(users::table.find(id))
                    .set(users::blocked_at.eq(None::<chrono::NaiveDateTime>))
                    .execute(conn)?;
                audit::record(
                    conn,
                    now,
                    Some(actor),
                    "user.unblocked",
                    "user",
                    Some(id),
                    serde_json::json!({}),
                )?;
                Ok(store::user_by_id(conn, id)?)
            })
        })
        .await?;
    Ok(web::Json(UserAccount::from(&outcome)))
}
