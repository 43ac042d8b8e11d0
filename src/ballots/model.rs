//! Ballots, eligibility and results as the API shows them.

pub use crate::contributions::model::AuthorGroup as Group;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// Points given to one option of the ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    /// Id of the option (a field of action, measure or priority goal on the ballot); ids are
    /// safe integers in JavaScript (at most 2^53 − 1).
    #[validate(range(min = 1, max = 9_007_199_254_740_991_i64))]
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    pub option_id: i64,
    /// Whole points, at most the consultation's `max_points_per_option`; 0 gives none.
    #[validate(range(min = 0, max = 1000))]
    #[schema(minimum = 0, maximum = 1000)]
    pub points: i32,
}

/// A ballot as a voter casts it: points distributed over the ballot's options, in all at most
/// the consultation's `points_budget`. Options left out get no points. Casting again replaces
/// the ballot as a whole.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotSubmission {
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub allocations: Vec<Allocation>,
}

/// A ballot a facilitator records on behalf of a person without an account (assisted
/// participation): the person, and their points under the rules of any ballot.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistedBallotSubmission {
    #[validate(nested)]
    pub on_behalf_of: crate::contributions::model::OnBehalfOf,
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub allocations: Vec<Allocation>,
}

/// An assisted ballot as its facilitator sees it (the person's name is not repeated here: it
/// is kept for moderators, and the contact is erased after the consultation).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistedBallot {
    /// Id of the ballot, for its withdrawal by the facilitator.
    pub id: i64,
    pub consultation_id: i64,
    /// The participant group it counts for, as assisted.
    pub group: Group,
    pub allocations: Vec<Allocation>,
    pub points_used: i32,
    pub points_budget: i32,
    pub cast_at: DateTime<Utc>,
    /// Always `true`: counted separately inside its group in the results.
    pub assisted: bool,
}

/// Whose ballot it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoterKind {
    Person,
    Organisation,
}

/// A stored ballot, as its voter sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ballot {
    pub consultation_id: i64,
    pub voter: VoterKind,
    /// The organisation the ballot is cast for; `null` for a person's own ballot.
    pub organisation_id: Option<i64>,
    /// The participant group the ballot counts for.
    pub group: Group,
    /// Options with points, in ballot order.
    pub allocations: Vec<Allocation>,
    pub points_used: i32,
    pub points_budget: i32,
    /// When it was last cast.
    pub cast_at: DateTime<Utc>,
    /// Times it was cast (1 for the first).
    pub version: i32,
}

/// An organisation the caller is a member of, and whether they may cast its ballot.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganisationVoting {
    pub organisation_id: i64,
    pub name: String,
    pub group: Group,
    /// Whether the caller may cast, replace and withdraw its ballot (representatives of a
    /// verified organisation).
    pub may_cast: bool,
    /// Whether the organisation has a ballot in this consultation.
    pub has_ballot: bool,
}

/// Who the caller may vote as in a consultation, and what they have cast.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Eligibility {
    pub consultation_id: i64,
    /// Whether the voting window is open now.
    pub voting_open: bool,
    /// Whether the caller may cast a ballot of their own (a verified e-mail address).
    pub may_vote: bool,
    /// Whether the caller has a ballot of their own in this consultation.
    pub has_ballot: bool,
    /// Organisations the caller is a member of; their representatives cast one ballot for
    /// each, besides their own.
    pub organisations: Vec<OrganisationVoting>,
}

/// One option's result in one scope (the whole city or one group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OptionResult {
    pub option_id: i64,
    pub points: i64,
    /// Ballots giving the option any points.
    pub supporters: i64,
    /// The option's points divided by all points given in the scope (0 when none were).
    pub share: f64,
    /// 1 for the most points; options with equal points share the better rank, and the next
    /// rank skips as many places (standard competition ranking: 1, 2, 2, 4).
    pub rank: i32,
}

/// The results within one participant group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupResults {
    pub group: Group,
    /// All ballots of the group, assisted ones included.
    pub ballots: i64,
    /// Of `ballots`, those facilitators recorded on behalf of people without an account.
    pub assisted_ballots: i64,
    /// Of the group's points (the sum over `options`), those of assisted ballots.
    pub assisted_points: i64,
    /// Every option of the ballot, in rank order (ties in ballot order).
    pub options: Vec<OptionResult>,
}

/// How widely an option is shared across the groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConsensusOption {
    pub option_id: i64,
    /// The lowest share of points any group with ballots (and so with points) gave the option.
    pub lowest_share: f64,
    /// The group that gave it that lowest share (`null` when no group has ballots).
    pub lowest_group: Option<Group>,
    /// Rank by `lowest_share` (standard competition ranking).
    pub rank: i32,
}

/// The results of a consultation's priority vote.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Results {
    pub consultation_id: i64,
    /// Whether the voting window has closed: then the results no longer change.
    #[serde(rename = "final")]
    pub is_final: bool,
    pub points_budget: i32,
    pub ballots: i64,
    /// Of `ballots`, those recorded by facilitators (assisted participation).
    pub assisted_ballots: i64,
    /// The whole city: every option of the ballot, in rank order (ties in ballot order).
    pub options: Vec<OptionResult>,
    /// Each participant group, side by side, all four always present.
    pub groups: Vec<GroupResults>,
    /// Group-informed consensus: the options ranked by the lowest share any group gave them.
    pub consensus: Vec<ConsensusOption>,
    /// SHA-256 (hex) of the anonymised ballot export these results were computed from
    /// (`GET …/ballots.csv` at the same moment).
    pub ballot_export_sha256: String,
}
