//! The time the server acts on. Phases of consultations are derived from it, never stored;
//! tests set it to a fixed instant to walk through the phases.

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub enum Clock {
    /// The system clock (every node's, kept in sync by NTP as usual).
    #[default]
    System,
    /// A settable instant (tests).
    Fixed(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self::Fixed(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Self::System => Utc::now(),
            Self::Fixed(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// The clock the application of `req` was built with (the system clock when none was given).
    pub fn of(req: &actix_web::HttpRequest) -> Self {
        req.app_data::<actix_web::web::Data<Clock>>()
            .map_or_else(Clock::default, |clock| clock.get_ref().clone())
    }

    /// Moves a fixed clock; the system clock cannot be set.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Self::Fixed(at) = self {
            *at.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }
}

/// The application's clock itself, for the few handlers that must read it again later than at
/// the start of the request (a change that may only commit inside a window).
impl actix_web::FromRequest for Clock {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Clock::of(req)))
    }
}

/// Seconds since the Unix epoch by the system clock. Access and device tokens use it: their
/// `exp`, `nbf` and `iat` are checked by `jsonwebtoken` against the system clock, so they must
/// be issued on the same one (a token is never subject to a moved test clock).
pub fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The time of a request, from the application's clock: handlers take it as an argument and
/// pass it into every domain function and store that records or compares a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now(pub DateTime<Utc>);

impl Now {
    /// The time of `req` by the clock the application was built with (the system clock when
    /// none was given).
    pub fn of(req: &actix_web::HttpRequest) -> Self {
        Now(Clock::of(req).now())
    }

    /// As stored in the database (UTC without zone).
    pub fn naive(self) -> chrono::NaiveDateTime {
        self.0.naive_utc()
    }
}

impl actix_web::FromRequest for Now {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Now::of(req)))
    }
}
