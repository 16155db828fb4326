//! The announcements a page shows: those pushed live (`announcement` frames)
//! and, for accounts, the inbox of those sent while they were away. One piece
//! for the chat, the support console and the visitor page, so an announcement
//! to "agents" shows on `/console` and one to "visitors" on the visitor page.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::client::{browser, http, socket::Connection};
use crate::i18n::*;
use crate::language::{error_text, Lang};
use crate::protocol::{Announcement, AnnouncementId, ClientFrame};

/// Who is reading: accounts have an inbox and report what they saw and
/// dismissed; visitors have neither, so dismissing only hides it here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Account,
    Visitor,
}

#[derive(Clone, Copy)]
pub struct Announcements {
    /// On screen, newest first (not dismissed).
    pub list: RwSignal<Vec<Announcement>>,
    /// Whether every banner shows, or only the newest and a count.
    pub expanded: RwSignal<bool>,
    /// A receipt that could not be sent.
    pub notice: RwSignal<Option<String>>,
    /// Handled by this tab (shown or dismissed): the same id comes again
    /// after a reconnect and from the inbox, and is shown once.
    known: StoredValue<HashSet<AnnouncementId>>,
    connection: Connection,
    reader: Reader,
    /// The UI's language, for the notice made here.
    lang: Lang,
}

impl Announcements {
    pub fn new(connection: Connection, reader: Reader) -> Self {
        Announcements {
            list: RwSignal::new(Vec::new()),
            expanded: RwSignal::new(false),
            notice: RwSignal::new(None),
            known: StoredValue::new(HashSet::new()),
            connection,
            reader,
            lang: Lang::here(),
        }
    }

    /// Shows an announcement unless this tab has seen its id before.
    /// `dismissed` (from the inbox) only records the id.
    pub fn announce(&self, a: Announcement, dismissed: bool) {
        let fresh = self
            .known
            .try_update_value(|known| known.insert(a.id))
            .unwrap_or(false);
        if fresh && !dismissed {
            self.list.update(|list| {
                list.push(a);
                list.sort_by_key(|a| std::cmp::Reverse(a.sent_at));
            });
        }
    }

    /// Loads the inbox (accounts only): what was sent while the user was away.
    pub fn load_inbox(&self) {
        if self.reader != Reader::Account {
            return;
        }
        let this = *self;
        leptos::task::spawn_local(async move {
            match http::announcements().await {
                Ok(entries) => {
                    for entry in entries {
                        this.announce(entry.announcement, entry.dismissed);
                    }
                }
                Err(e) => browser::warn(&format!("announcements: {e}")),
            }
        });
    }

    /// The banner for `id` was shown (`dismiss` false) or closed.
    pub fn receipt(&self, id: AnnouncementId, dismiss: bool) {
        if dismiss {
            self.list.update(|list| list.retain(|a| a.id != id));
            if self.list.with_untracked(|l| l.len() <= 1) {
                self.expanded.set(false);
            }
        }
        if self.reader != Reader::Account {
            return;
        }
        let frame = if dismiss {
            ClientFrame::AnnouncementDismiss { id }
        } else {
            ClientFrame::AnnouncementSeen { id }
        };
        if self.connection.online() && self.connection.link.send(&frame) {
            return;
        }
        let notice = self.notice;
        let lang = self.lang;
        leptos::task::spawn_local(async move {
            if let Err(e) = http::announcement_receipt(id, dismiss).await {
                if dismiss {
                    let error = error_text(lang, &e);
                    notice.set(Some(
                        td_string!(lang.get(), common.announcements.could_not_dismiss, error)
                            .to_string(),
                    ));
                }
            }
        });
    }

    /// Closes every banner.
    pub fn dismiss_all(&self) {
        let ids: Vec<AnnouncementId> = self
            .list
            .with_untracked(|l| l.iter().map(|a| a.id).collect());
        for id in ids {
            self.receipt(id, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Severity, Target};
    use chrono::DateTime;

    fn announcement(id: i64) -> Announcement {
        Announcement {
            id: AnnouncementId(id),
            occurrence: None,
            title: None,
            body_html: "<p>hi</p>".into(),
            severity: Severity::Info,
            target: Target::All,
            due_at: None,
            sent_at: DateTime::from_timestamp(id, 0).unwrap(),
            late: false,
        }
    }

    fn ids(a: &Announcements) -> Vec<i64> {
        a.list
            .with_untracked(|l| l.iter().map(|a| a.id.0).collect())
    }

    #[test]
    fn announcements_show_once_and_dismissed_ones_not_at_all() {
        Owner::new().with(|| {
            let a = Announcements::new(Connection::new(), Reader::Account);
            a.announce(announcement(1), false);
            // Again after a reconnect, and from the inbox.
            a.announce(announcement(1), false);
            a.announce(announcement(2), true);
            a.announce(announcement(3), false);
            assert_eq!(ids(&a), vec![3, 1]);
        });
    }

    #[test]
    fn a_visitor_dismisses_here_and_dismiss_all_empties_the_bar() {
        Owner::new().with(|| {
            let a = Announcements::new(Connection::new(), Reader::Visitor);
            for id in 1..=4 {
                a.announce(announcement(id), false);
            }
            a.expanded.set(true);
            a.receipt(AnnouncementId(4), true);
            assert_eq!(ids(&a), vec![3, 2, 1]);
            a.dismiss_all();
            assert!(ids(&a).is_empty());
            assert!(!a.expanded.get_untracked());
        });
    }
}
