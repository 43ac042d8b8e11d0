//! Consultations as the API shows them and as administrators write them.

use crate::translations::{Languages, Localized};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// Where a consultation stands, derived from the clock and its windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// No window has opened yet.
    Upcoming,
    /// Only the commenting window is open.
    Commenting,
    /// Only the voting window is open.
    Voting,
    /// Both windows are open (they overlap).
    CommentingAndVoting,
    /// One window has closed and the next has not opened yet.
    BetweenPhases,
    /// Every window has closed.
    Closed,
}

impl Phase {
    pub const ALL: [Self; 6] = [
        Self::Upcoming,
        Self::Commenting,
        Self::Voting,
        Self::CommentingAndVoting,
        Self::BetweenPhases,
        Self::Closed,
    ];
}

/// A window of time, open from `opens_at` (inclusive) to `closes_at` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
}

impl Window {
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}

/// The phase at `now` and the time of the next change of phase.
pub fn phase_at(
    commenting: Option<Window>,
    voting: Option<Window>,
    now: DateTime<Utc>,
) -> (Phase, Option<DateTime<Utc>>) {
    let windows: Vec<Window> = commenting.into_iter().chain(voting).collect();
    let next = windows
        .iter()
        .flat_map(|w| [w.opens_at, w.closes_at])
        .filter(|t| *t > now)
        .min();
    let c = commenting.is_some_and(|w| w.is_open(now));
    let v = voting.is_some_and(|w| w.is_open(now));
    let phase = match (c, v) {
        (true, true) => Phase::CommentingAndVoting,
        (true, false) => Phase::Commenting,
        (false, true) => Phase::Voting,
        (false, false) => {
            let ahead = windows.iter().any(|w| w.opens_at > now);
            let behind = windows.iter().any(|w| w.closes_at <= now);
            match (ahead, behind) {
                (true, true) => Phase::BetweenPhases,
                (true, false) => Phase::Upcoming,
                (false, true) => Phase::Closed,
                (false, false) => Phase::Upcoming,
            }
        }
    };
    (phase, next)
}

/// How contributions are moderated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    /// Vorabmoderation: visible after approval.
    Pre,
    /// Nachmoderation: visible at once, reviewable.
    Post,
}

/// Which catalogue items are the options of the priority ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OptionKind {
    Fields,
    Measures,
    PriorityGoals,
}

/// When results of the vote are visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultsVisibility {
    Live,
    AfterClose,
}

macro_rules! stored_enum {
    ($t:ty { $($v:ident => $s:literal),* }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            pub fn from_stored(value: &str) -> Option<Self> {
                match value { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}
stored_enum!(Moderation { Pre => "pre", Post => "post" });
stored_enum!(OptionKind { Fields => "fields", Measures => "measures", PriorityGoals => "priority_goals" });
stored_enum!(ResultsVisibility { Live => "live", AfterClose => "after_close" });

/// The part of the catalogue a consultation is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The whole concept; otherwise the fields and measures listed.
    pub whole_concept: bool,
    #[serde(default)]
    pub field_ids: Vec<i64>,
    #[serde(default)]
    pub measure_ids: Vec<i64>,
}

/// Rules of the priority vote. Frozen once the voting window opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VotingRules {
    /// Points each ballot distributes.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub points_budget: i32,
    /// Most points one option may get on one ballot.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub max_points_per_option: i32,
    pub option_kind: OptionKind,
    /// Ids of the items (of `option_kind`) on the ballot, in ballot order.
    #[validate(length(max = 500))]
    #[schema(max_items = 500)]
    pub options: Vec<i64>,
}

/// Beteiligungsrunde: a consultation with its rules, scope and current phase.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Consultation {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub scope: Scope,
    /// When participants can comment and propose; absent when there is no such window.
    pub commenting: Option<Window>,
    /// When participants can vote on priorities; absent when there is no vote.
    pub voting: Option<Window>,
    pub moderation: Moderation,
    pub voting_rules: VotingRules,
    pub results_visibility: ResultsVisibility,
    /// Derived from the clock and the windows.
    pub phase: Phase,
    /// When the phase changes next; `null` when it never will.
    pub next_phase_change_at: Option<DateTime<Utc>>,
    pub version: i32,
    /// The language of each text in this answer, and the languages it can be read in.
    #[serde(default)]
    pub languages: Languages,
}

impl Localized for Consultation {
    const SUBJECT: &'static str = "consultation";
    fn subject_id(&self) -> i64 {
        self.id
    }
    fn texts(&mut self) -> (Vec<(&'static str, &mut String)>, &mut Languages) {
        (
            vec![
                ("title", &mut self.title),
                ("description", &mut self.description),
            ],
            &mut self.languages,
        )
    }
}

/// A consultation as an administrator creates it.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationDraft {
    #[validate(length(min = 1, max = 300), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: String,
    #[validate(length(max = 20000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    #[serde(default)]
    pub description: String,
    pub scope: Scope,
    pub commenting: Option<Window>,
    pub voting: Option<Window>,
    pub moderation: Moderation,
    #[validate(nested)]
    pub voting_rules: VotingRules,
    pub results_visibility: ResultsVisibility,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Window>>, D::Error> {
    Option::<Window>::deserialize(d).map(Some)
}

/// Changes to a consultation; what is left out stays as it is.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationChanges {
    #[validate(length(min = 1, max = 300), custom(function = "crate::text::name"))]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF](?:[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\u061C\\u2060-\\u2064\\uFEFF])?$"
    )]
    pub title: Option<String>,
    #[validate(length(max = 20000), custom(function = "crate::text::text"))]
    #[schema(
        max_length = 20000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub description: Option<String>,
    pub scope: Option<Scope>,
    /// A new commenting window; `null` is refused (a window is not removed).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Window, required = false)]
    pub commenting: Option<Option<Window>>,
    /// A new voting window; `null` is refused.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Window, required = false)]
    pub voting: Option<Option<Window>>,
    pub moderation: Option<Moderation>,
    #[validate(nested)]
    pub voting_rules: Option<VotingRules>,
    pub results_visibility: Option<ResultsVisibility>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, day, 12, 0, 0).unwrap()
    }

    #[test]
    fn phases_follow_the_windows() {
        let c = Some(Window {
            opens_at: at(2),
            closes_at: at(10),
        });
        let v = Some(Window {
            opens_at: at(8),
            closes_at: at(20),
        });
        assert_eq!(phase_at(c, v, at(1)), (Phase::Upcoming, Some(at(2))));
        assert_eq!(phase_at(c, v, at(2)), (Phase::Commenting, Some(at(8))));
        assert_eq!(
            phase_at(c, v, at(9)),
            (Phase::CommentingAndVoting, Some(at(10)))
        );
        assert_eq!(phase_at(c, v, at(10)), (Phase::Voting, Some(at(20))));
        assert_eq!(phase_at(c, v, at(20)), (Phase::Closed, None));
        let later = Some(Window {
            opens_at: at(15),
            closes_at: at(20),
        });
        assert_eq!(
            phase_at(c, later, at(12)),
            (Phase::BetweenPhases, Some(at(15)))
        );
        assert_eq!(phase_at(None, None, at(12)), (Phase::Upcoming, None));
    }
}
