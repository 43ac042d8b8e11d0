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

    /// Moves a fixed clock; the system clock cannot be set.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Self::Fixed(at) = self {
            *at.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }
}
