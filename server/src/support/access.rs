//! Which conversations the staff may see and act on: the one rule every path
//! asks — conversation lists (in their SQL form, `store::ListFilter`), details
//! and transcripts over HTTP, `support.join` and the live events a listener
//! gets, and every action (reply, note, typing, claim, transfer, status).
//!
//! The policy (docs/protocol.md, "Who sees which conversation"):
//! - admins see and act on every conversation;
//! - agents see and act on unassigned conversations (the queue, which any of
//!   them may pick up, and those resolved from it) and on those assigned to
//!   them, resolved ones included;
//! - a conversation assigned to another agent — its messages and its private
//!   notes — is that agent's: the others reach it only when its agent
//!   transfers it or an admin assigns it. To them it does not exist
//!   (`not_found`, as another visitor's conversation is to a visitor), so ids
//!   reveal nothing.
//!
//! Visitors are not staff: they reach only their own conversations, decided
//! where the visitor is known (`support::session`).

use app::protocol::{Role, UserId};

/// Whether `user`, with `role`, may see and act on a conversation assigned
/// to `assignee` (`None`: unassigned).
pub fn may_see(user: UserId, role: Role, assignee: Option<UserId>) -> bool {
    match role {
        Role::Admin => true,
        Role::Agent => assignee.is_none_or(|a| a == user),
        Role::Member => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_everything_agents_the_queue_and_their_own_members_nothing() {
        let (me, other) = (UserId(7), UserId(8));
        for assignee in [None, Some(me), Some(other)] {
            assert!(may_see(me, Role::Admin, assignee));
            assert!(!may_see(me, Role::Member, assignee));
        }
        assert!(may_see(me, Role::Agent, None));
        assert!(may_see(me, Role::Agent, Some(me)));
        assert!(!may_see(me, Role::Agent, Some(other)));
    }
}
