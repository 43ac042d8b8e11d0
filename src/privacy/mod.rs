//! Duties about personal data that span every slice: deleting an account (with a record that
//! a restored backup cannot undo: [`erasures`]), the export of everything held about a person
//! ([`export`]), the retention purge ([`retention`]) and the processing record ([`record`]).
//! This module names no slice: it runs the steps of the personal-data registry
//! ([`crate::personal_data`]) that `lib.rs` hands to the application.

pub mod erasures;
pub mod export;
pub mod record;
pub mod retention;

/// What the data-rights routes share on a node.
#[derive(Clone, Debug)]
pub struct Desk {
    /// The key of the records of deleted accounts.
    pub erasure_key: erasures::Key,
    /// Where this node writes mails as files, if it does (no SMTP server).
    pub mail_files: Option<std::path::PathBuf>,
    /// The exports being written on this node (one per account at a time).
    pub exports: export::Running,
}

impl Desk {
    /// The desk of a node with `settings`; fails (one line) when no erasure key can be had.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Self, String> {
        Ok(Self {
            erasure_key: erasures::Key::from_settings(settings)?,
            mail_files: crate::mail::directory(settings),
            exports: export::Running::default(),
        })
    }
}

use crate::audit;
use crate::auth::extract::CurrentUser;
use crate::auth::model::DeletionConfirmation;
use crate::auth::Auth;
use crate::clock::Now;
use crate::db::{write_transaction, Db};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Body;
use crate::personal_data::{erase_everywhere, Registry, Subject};
use actix_web::{delete, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(delete_me).service(export::export);
}

/// Delete the own account. Sessions end at once; address, name, password and preferences are
/// erased; comments and proposals stay as from a deleted participant (with
/// `remove_texts: true` their texts go too, placeholders keep the threads); a ballot in an
/// open vote is withdrawn, in a closed one it stays counted but unlinked; an organisation's
/// statements stay with the organisation. A record without personal data keeps a restored
/// backup from bringing the account back.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = DeletionConfirmation,
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Wrong password or invalid body", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active administrator (`last_admin`) or the only representative of an organisation (`last_representative`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me")]
pub async fn delete_me(
    user: CurrentUser,
    auth: web::Data<Auth>,
    db: web::Data<Db>,
    now: Now,
    registry: web::Data<Registry>,
    desk: web::Data<Desk>,
    body: Body<DeletionConfirmation>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner()?;
    body.validate()?;
    auth.limits.password_check(user.id()).await?;
    auth.confirm_password(&user, body.password, "password")
        .await?;
    let registry = *registry.get_ref();
    let now = now.naive();
    let address = user
        .user
        .email_verified_at
        .is_some()
        .then(|| user.user.email.clone());
    let key = desk.erasure_key.clone();
    db.run(move |conn| {
        write_transaction(conn, |conn| {
            // Serialises the deletion with whatever this account joins or accepts meanwhile,
            // with a second deletion and with credential changes: the row as it is now
            // decides.
            let account = user.still_current(conn, now)?;
            let subject = Subject {
                user_id: account.id,
                email: account.email.clone(),
                now,
                remove_texts: body.remove_texts,
                address_verified: account.email_verified_at.is_some(),
            };
            erase_everywhere(registry, conn, &subject)?;
            erasures::keep(
                conn,
                &erasures::Record {
                    address_hash: key.hash(&account.email),
                    key_id: key.id(),
                    erased_at: now,
                    texts_removed: body.remove_texts,
                },
            )?;
            audit::record(
                conn,
                now,
                Some(account.id),
                "user.deleted",
                "user",
                Some(account.id),
                serde_json::json!({"texts_removed": body.remove_texts}),
            )?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    // Mails written as files (no SMTP server) to a verified address go too, once the deletion
    // holds; should that fail, the deletion stands and the files go with their retention rule.
    if let (Some(dir), Some(address)) = (desk.mail_files.clone(), address) {
        if let Err(e) = web::block(move || crate::mail::remove_files_to(&dir, &address)).await {
            tracing::warn!(error = %e, "the mail files of a deleted account were not removed");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The module's own tables: the records of erasures and the purge's coordination.
pub struct Privacy;

/// The `privacy` section of the export: always empty (a record of an erasure exists only
/// once the account is gone, and cannot be linked to a live account without the key).
#[derive(utoipa::ToSchema)]
pub struct PrivacySection {}

impl crate::personal_data::PersonalData for Privacy {
    fn name(&self) -> &'static str {
        "privacy"
    }

    fn tables(&self) -> &'static [crate::personal_data::Table] {
        use crate::personal_data::Kind::*;
        &[
            crate::personal_data::Table {
                name: "erasures",
                columns: &[
                    ("id", Plain),
                    (
                        "address_hash",
                        Personal("a keyed hash of a deleted account's address: kept, so that a restored backup cannot bring the account back"),
                    ),
                    ("key_id", Plain),
                    ("erased_at", Plain),
                    ("texts_removed", Plain),
                ],
            },
            crate::personal_data::Table {
                name: "maintenance_runs",
                columns: &[("job", Plain), ("last_run_at", Plain), ("removed", Plain)],
            },
        ]
    }

    fn processing(&self) -> &'static [crate::personal_data::Category] {
        &[crate::personal_data::Category {
            data: "records of erasures: a keyed hash (HMAC-SHA-256) of a deleted account's address",
            tables: &["erasures"],
            purpose: "keeping a deletion in force when a backup is restored (Art. 17)",
            basis: crate::personal_data::Basis::LegalObligation,
            retention: crate::personal_data::Retention::Record,
        }]
    }

    fn export(
        &self,
        _: &mut crate::db::DbConnection,
        _: &Subject,
        _: &mut crate::personal_data::Section<'_>,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    fn export_schema(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::personal_data::section_schema::<PrivacySection>(schemas)
    }
}
