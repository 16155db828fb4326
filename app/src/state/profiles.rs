//! The profiles the chat has seen, by login name: what to call someone and
//! their picture, wherever a name is shown. Messages and presence carry only
//! login names (they never change, and every copy of a frame stays short),
//! so names are looked up here, in batches (`GET /api/profiles?users=`), and
//! kept current by `profile_updated` frames.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use leptos::prelude::*;

use crate::client::{browser, http};
use crate::protocol::{Profile, PROFILES_PER_ASK};

#[derive(Clone, Copy)]
pub struct Profiles {
    known: RwSignal<HashMap<String, Profile>>,
    /// Names asked for (or being asked), so each is fetched once per page.
    asked: StoredValue<HashSet<String>>,
    /// Names waiting for the next batch.
    waiting: StoredValue<Vec<String>>,
}

impl Profiles {
    pub fn new() -> Self {
        Profiles {
            known: RwSignal::new(HashMap::new()),
            asked: StoredValue::new(HashSet::new()),
            waiting: StoredValue::new(Vec::new()),
        }
    }

    /// The profile of `name`, if known (tracked: it updates when it arrives
    /// or changes).
    pub fn get(&self, name: &str) -> Option<Profile> {
        self.known.with(|k| k.get(name).cloned())
    }

    /// What to call `name`: the display name once known, else the name.
    pub fn shown(&self, name: &str) -> String {
        self.known.with(|k| {
            k.get(name)
                .map_or_else(|| name.to_owned(), |p| p.shown_name().to_owned())
        })
    }

    /// A profile from the server (an answer or a `profile_updated` frame).
    pub fn apply(&self, profile: Profile) {
        self.asked.update_value(|a| {
            a.insert(profile.username.clone());
        });
        self.known.update(|k| {
            k.insert(profile.username.clone(), profile);
        });
    }

    /// Makes sure these names get looked up: the new ones are fetched
    /// together, a moment from now, at most [`PROFILES_PER_ASK`] a request.
    pub fn want<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        let mut fresh = Vec::new();
        self.asked.update_value(|asked| {
            for name in names {
                if asked.insert(name.to_owned()) {
                    fresh.push(name.to_owned());
                }
            }
        });
        if fresh.is_empty() {
            return;
        }
        let first = self.waiting.with_value(Vec::is_empty);
        self.waiting.update_value(|w| w.extend(fresh));
        if first {
            let this = *self;
            browser::after(Duration::from_millis(10), move || this.fetch());
        }
    }

    fn fetch(&self) {
        let names = self
            .waiting
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        for batch in names.chunks(PROFILES_PER_ASK) {
            let (this, batch) = (*self, batch.to_vec());
            leptos::task::spawn_local(async move {
                match http::profiles(&batch).await {
                    Ok(found) => found.into_iter().for_each(|p| this.apply(p)),
                    // Asked again the next time the name is seen.
                    Err(_) => this.asked.update_value(|a| {
                        for n in &batch {
                            a.remove(n);
                        }
                    }),
                }
            });
        }
    }
}

impl Default for Profiles {
    fn default() -> Self {
        Self::new()
    }
}
