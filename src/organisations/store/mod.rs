//! Queries of the organisations slice, one module per aggregate: organisations, memberships,
//! invitations and join requests. Callers use them through this module (`store::…`).

mod invitations;
mod join_requests;
mod memberships;
mod organisations;

pub use invitations::*;
pub use join_requests::*;
pub use memberships::*;
pub use organisations::*;
