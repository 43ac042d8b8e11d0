//! `GET /api/v1/me/export` (Art. 15 and 20 GDPR): everything held about the caller, as one
//! JSON document built from every registered slice's section, streamed as it is read.

use crate::auth::extract::CurrentUser;
use crate::clock::Now;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::personal_data::{Registry, Section, Subject};
use actix_web::{get, web, HttpResponse};
use std::io::Write;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// The format of the document; a change that is not only an addition gets a new number.
pub const FORMAT: &str = "beteiligung-export/1";

/// The accounts whose export is being written on this node: one at a time per account, so that
/// one person cannot take every download place with exports read slowly.
#[derive(Clone, Default, Debug)]
pub struct Running(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<i64>>>);

/// An account's place in [`Running`], given back when dropped (the export ended, however).
pub struct Place(Running, i64);

impl Running {
    fn take(&self, user_id: i64) -> Option<Place> {
        let mut running = self.0.lock().unwrap_or_else(|e| e.into_inner());
        running
            .insert(user_id)
            .then(|| Place(self.clone(), user_id))
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut running = (self.0).0.lock().unwrap_or_else(|e| e.into_inner());
        running.remove(&self.1);
    }
}

/// Everything held about you, as one JSON document: the account, sessions (never their
/// tokens), consents, memberships and join requests, comments and proposals with their
/// earlier texts, supports, reports, ballots, statements you drafted or signed, mails to you
/// and the audit entries about you. Other people's contributions are referenced by id, not
/// copied. Mails and invitations are found by the address, so they are included only once
/// the address is verified. One export per account runs at a time on a node (429 otherwise).
/// The
/// document is streamed as it is read (`Content-Disposition: attachment`).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The export", content_type = "application/json", body = inline(Object), headers(("Content-Disposition" = String, description = "attachment; filename=\"beteiligung-export-<id>.json\""))),
        (status = 429, description = "An export of this account is being written already (`rate_limited`); retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database cannot be reached, or too many downloads run on this node (`database_unavailable`); retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/export")]
pub async fn export(
    user: CurrentUser,
    now: Now,
    db: web::Data<Db>,
    registry: web::Data<Registry>,
    desk: web::Data<super::Desk>,
) -> ApiResult<HttpResponse> {
    let registry = *registry.get_ref();
    let place = desk
        .exports
        .take(user.id())
        .ok_or_else(|| ApiError::rate_limited(10))?;
    let subject = Subject {
        user_id: user.id(),
        email: user.user.email.clone(),
        now: now.naive(),
        remove_texts: false,
        address_verified: user.user.email_verified_at.is_some(),
    };
    let filename = format!("beteiligung-export-{}.json", subject.user_id);
    crate::http::download::stream(&db, "application/json", filename, move |conn, sink| {
        let _place = place;
        let mut out = crate::http::download::writer(sink);
        write(conn, registry, &subject, &mut out)?;
        out.flush()
            .map_err(|e| ApiError::internal(format!("the export could not be written: {e}")))
    })
    .await
}

/// Writes the whole document for `subject` to `out`.
pub fn write(
    conn: &mut crate::db::DbConnection,
    registry: Registry,
    subject: &Subject,
    out: &mut dyn Write,
) -> ApiResult<()> {
    let io =
        |e: std::io::Error| ApiError::internal(format!("the export could not be written: {e}"));
    write!(
        out,
        "{{\"format\":\"{FORMAT}\",\"generated_at\":{},\"user_id\":{},\"sections\":{{",
        serde_json::Value::from(
            subject
                .now
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        subject.user_id
    )
    .map_err(io)?;
    for (i, slice) in registry.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        write!(out, "{sep}\"{}\":{{", slice.name()).map_err(io)?;
        slice.export(conn, subject, &mut Section::new(out))?;
        out.write_all(b"}").map_err(io)?;
    }
    out.write_all(b"}}").map_err(io)
}

/// Adds the schema of the export (`Export`, with one section per registered slice) to `api`
/// and makes it the answer of `GET /api/v1/me/export`.
pub fn document(mut api: OpenApi, registry: Registry) -> OpenApi {
    let mut schemas = Vec::new();
    let mut sections = ObjectBuilder::new().schema_type(Type::Object);
    for slice in registry {
        sections = sections
            .property(slice.name(), slice.export_schema(&mut schemas))
            .required(slice.name());
    }
    let whole = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Everything the installation holds about the person: one section per part of the API.",
        ))
        .property(
            "format",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([FORMAT])),
        )
        .required("format")
        .property(
            "generated_at",
            ObjectBuilder::new().schema_type(Type::String).format(Some(
                utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime),
            )),
        )
        .required("generated_at")
        .property(
            "user_id",
            ObjectBuilder::new().schema_type(Type::Integer).format(Some(
                utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64),
            )),
        )
        .required("user_id")
        .property("sections", sections)
        .required("sections")
        .build();
    let components = api.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.insert(name, schema);
    }
    components
        .schemas
        .insert("Export".into(), RefOr::T(Schema::Object(whole)));
    if let Some(op) = api
        .paths
        .paths
        .get_mut("/api/v1/me/export")
        .and_then(|item| item.get.as_mut())
    {
        if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
            if let Some(RefOr::T(content)) = ok.content.get_mut("application/json") {
                content.schema = Some(Ref::from_schema_name("Export").into());
            }
        }
    }
    api
}

#[cfg(test)]
mod tests {
    use super::Running;

    #[test]
    fn one_export_per_account_and_the_place_is_given_back() {
        let running = Running::default();
        let first = running.take(7).expect("free");
        assert!(
            running.take(7).is_none(),
            "a second export of the same account waits"
        );
        let other = running.take(8).expect("another account is not held up");
        drop(first);
        assert!(
            running.take(7).is_some(),
            "the place is given back when the export ends"
        );
        drop(other);
    }
}
