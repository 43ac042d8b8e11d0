//! The one way every list paginates: `?limit=` (default 20, max 100) and an opaque `cursor`,
//! answered as `{ "items": [...], "next_cursor": "…" | null }`.
//!
//! Keyset pagination: the cursor holds the sort key and id of the last item returned, so pages
//! stay stable while rows are added and no page costs more than the first.

use crate::error::{ApiError, Text};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Query parameters of every paginated list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1…100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Position after which a page starts: the sort key and id of the last item seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

/// What a cursor holds and how it is written: opaque to clients, versioned, and checked when
/// it comes back.
pub trait PageCursor: Sized {
    fn encode(&self) -> String;
    fn decode(raw: &str) -> Option<Self>;
}

impl PageCursor for Cursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{}:{}", self.key, self.id))
    }

    fn decode(raw: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let mut parts = text.strip_prefix("v1:")?.split(':');
        let key = parts.next()?.parse().ok()?;
        let id = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(Self { key, id })
    }
}

/// Position in a list sorted by text (names): the sort key and id of the last item seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextCursor {
    pub key: String,
    pub id: i64,
}

impl PageCursor for TextCursor {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("t1:{}:{}", self.id, self.key))
    }

    fn decode(raw: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let (id, key) = text.strip_prefix("t1:")?.split_once(':')?;
        if key.chars().any(char::is_control) {
            return None;
        }
        Some(Self {
            key: key.to_owned(),
            id: id.parse().ok()?,
        })
    }
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<C = Cursor> {
    pub limit: i64,
    pub after: Option<C>,
}

impl PageParams {
    pub fn validate(&self) -> Result<PageRequest, ApiError> {
        self.validate_as()
    }

    /// The page request of a list with another kind of cursor.
    pub fn validate_as<C: PageCursor>(&self) -> Result<PageRequest<C>, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                "range",
                Text::format(
                    format!("muss zwischen 1 und {MAX_LIMIT} liegen"),
                    format!("must be between 1 and {MAX_LIMIT}"),
                ),
            ));
        }
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(C::decode(raw).ok_or_else(|| {
                ApiError::invalid_field(
                    "cursor",
                    "invalid_cursor",
                    Text::new(
                        "ist kein Cursor dieser API; bitte nehmen Sie `next_cursor` der vorigen Seite",
                        "is not a cursor this API issued; use `next_cursor` from the previous page",
                    ),
                )
            })?),
        };
        Ok(PageRequest { limit, after })
    }
}

impl<C: PageCursor> PageRequest<C> {
    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts the fetched rows to the page and computes the next cursor from the last item.
    pub fn finish<R, T>(
        &self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> C,
        into: impl FnMut(R) -> T,
    ) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| key(r).encode())
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(into).collect(),
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor { key: 7, id: -3 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "x", "djE6MQ", "djE6MToyOjM", "!!!"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
        let t = TextCursor {
            key: "arbeiterwohlfahrt: kreis".into(),
            id: 12,
        };
        assert_eq!(TextCursor::decode(&t.encode()), Some(t.clone()));
        assert_eq!(TextCursor::decode(&c.encode()), None);
        assert_eq!(Cursor::decode(&t.encode()), None);
    }

    #[test]
    fn limit_is_bounded() {
        let p = |limit| {
            PageParams {
                limit: Some(limit),
                cursor: None,
            }
            .validate()
        };
        assert_eq!(p(1).unwrap().limit, 1);
        assert_eq!(p(100).unwrap().limit, 100);
        assert_eq!(p(0).unwrap_err().errors[0].field, "limit");
        assert_eq!(p(101).unwrap_err().errors[0].field, "limit");
        assert_eq!(
            PageParams::default().validate().unwrap().limit,
            DEFAULT_LIMIT
        );
    }
}
