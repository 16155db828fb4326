//! A support conversation's system lines in the reader's language, from the
//! event the server recorded (its English `body` is for API clients).
//!
//! Agents read what happened inside the desk ("bob transferred the
//! conversation to alice"). Visitors read what it means for them ("You are
//! now talking to alice"); the desk's routing is not their business.

use crate::i18n::*;
use crate::protocol::{SupportMessage, SystemEvent};

/// Who reads the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Agent,
    Visitor,
}

/// The text of a message as `reader` sees it in `l`: a system line from its
/// event, anything else (and lines from before events were recorded) as sent.
pub fn shown_body(l: Locale, m: &SupportMessage, reader: Reader) -> String {
    match &m.event {
        Some(event) => system_line(l, event, reader),
        None => m.body.clone(),
    }
}

pub fn system_line(l: Locale, event: &SystemEvent, reader: Reader) -> String {
    match reader {
        Reader::Agent => for_agents(l, event),
        Reader::Visitor => for_visitors(l, event),
    }
}

fn for_agents(l: Locale, event: &SystemEvent) -> String {
    use SystemEvent as E;
    match event {
        E::Assigned { to } => td_string!(l, support.agent.assigned, to).to_string(),
        E::Claimed { agent, from: None } => td_string!(l, support.agent.claimed, agent).to_string(),
        E::Claimed {
            agent,
            from: Some(from),
        } => td_string!(l, support.agent.claimed_from, agent, from).to_string(),
        E::Transferred { by, from: None, to } => {
            td_string!(l, support.agent.assigned_by, by, to).to_string()
        }
        E::Transferred {
            by,
            from: Some(from),
            to,
        } if from == by => td_string!(l, support.agent.transferred, by, to).to_string(),
        E::Transferred {
            by,
            from: Some(from),
            to,
        } => td_string!(l, support.agent.transferred_from, by, from, to).to_string(),
        E::AgentRemoved { agent: Some(agent) } => {
            td_string!(l, support.agent.agent_removed, agent).to_string()
        }
        E::AgentRemoved { agent: None } => {
            td_string!(l, support.agent.agent_removed_someone).to_string()
        }
        E::NotAnswered {
            agent: Some(agent),
            seconds,
        } => td_string!(
            l,
            support.agent.not_answered,
            agent,
            minutes = crate::protocol::in_minutes(*seconds)
        )
        .to_string(),
        E::NotAnswered {
            agent: None,
            seconds,
        } => td_string!(
            l,
            support.agent.not_answered_someone,
            minutes = crate::protocol::in_minutes(*seconds)
        )
        .to_string(),
        E::Reopened { by: None } => td_string!(l, support.agent.visitor_reopened).to_string(),
        E::Reopened { by: Some(by) } => td_string!(l, support.agent.reopened, by).to_string(),
        E::VisitorAnswered => td_string!(l, support.agent.visitor_answered).to_string(),
        E::Waiting { by } => td_string!(l, support.agent.waiting, by).to_string(),
        E::Resolved { by } => td_string!(l, support.agent.resolved, by).to_string(),
        E::Rated { score } => td_string!(l, support.agent.rated, score).to_string(),
        E::LeftEmail { email } => td_string!(l, support.agent.left_email, email).to_string(),
    }
}

fn for_visitors(l: Locale, event: &SystemEvent) -> String {
    use SystemEvent as E;
    if let Some(agent) = event.new_agent() {
        return td_string!(l, support.visitor.now_talking_to, agent).to_string();
    }
    match event {
        E::AgentRemoved { .. } | E::NotAnswered { .. } => {
            td_string!(l, support.visitor.finding_someone).to_string()
        }
        E::Reopened { .. } | E::VisitorAnswered => {
            td_string!(l, support.visitor.reopened).to_string()
        }
        E::Waiting { by } => td_string!(l, support.visitor.waiting, by).to_string(),
        E::Resolved { by } => td_string!(l, support.visitor.resolved, by).to_string(),
        E::Rated { score } => td_string!(l, support.visitor.rated, score).to_string(),
        E::LeftEmail { email } => td_string!(l, support.visitor.left_email, email).to_string(),
        E::Assigned { .. } | E::Claimed { .. } | E::Transferred { .. } => unreachable!(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11: visitors saw "bob transferred the conversation to alice".
    #[test]
    fn visitors_read_what_a_handover_means_for_them() {
        let transfer = SystemEvent::Transferred {
            by: "bob".into(),
            from: Some("bob".into()),
            to: "alice".into(),
        };
        assert_eq!(
            system_line(Locale::en, &transfer, Reader::Visitor),
            "You are now talking to alice"
        );
        assert_eq!(
            system_line(Locale::en, &transfer, Reader::Agent),
            transfer.english()
        );
        assert_eq!(
            system_line(Locale::zh_CN, &transfer, Reader::Visitor),
            "现在由 alice 为你服务"
        );
    }

    /// The agents' English lines are the server's English bodies, word for word.
    #[test]
    fn agents_english_lines_match_the_stored_bodies() {
        let events = [
            SystemEvent::Assigned { to: "ann".into() },
            SystemEvent::Claimed {
                agent: "ann".into(),
                from: Some("bob".into()),
            },
            SystemEvent::Transferred {
                by: "boss".into(),
                from: None,
                to: "ann".into(),
            },
            SystemEvent::Transferred {
                by: "boss".into(),
                from: Some("bob".into()),
                to: "ann".into(),
            },
            SystemEvent::AgentRemoved { agent: None },
            SystemEvent::NotAnswered {
                agent: Some("ann".into()),
                seconds: 3,
            },
            SystemEvent::Reopened { by: None },
            SystemEvent::Reopened {
                by: Some("ann".into()),
            },
            SystemEvent::VisitorAnswered,
            SystemEvent::Waiting { by: "ann".into() },
            SystemEvent::Resolved { by: "ann".into() },
            SystemEvent::Rated { score: 5 },
            SystemEvent::LeftEmail {
                email: "v@example.com".into(),
            },
        ];
        for e in events {
            assert_eq!(system_line(Locale::en, &e, Reader::Agent), e.english());
            assert!(!system_line(Locale::zh_CN, &e, Reader::Agent).is_empty());
            assert!(!system_line(Locale::zh_CN, &e, Reader::Visitor).is_empty());
        }
    }
}
