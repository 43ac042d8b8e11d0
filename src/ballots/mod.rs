//! Priority voting: each verified participant, and each verified organisation through its
//! representatives, distributes a budget of points over the options of a consultation's
//! ballot; results for the whole city, per participant group and as a consensus view, with an
//! anonymised export anyone can recompute them from.
//!
//! One ballot per voter and consultation (a unique key on the voter); casting again replaces
//! it atomically. Tallies are kept up to date in the transaction of every change, so results
//! never scan the ballots.

pub mod domain;
pub mod model;
pub mod personal_data;
pub mod problems;
pub mod routes;
pub mod store;
