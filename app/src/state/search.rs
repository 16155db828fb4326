//! The chat's message search: what was asked, the results so far, and the
//! next page. The search box fills `form` and calls [`Search::run`]; the
//! results pane shows the rest. Answers to an older search that arrive after
//! a newer one was asked are dropped, so results never mix two searches.

use leptos::prelude::*;

use crate::client::{browser, http};
use crate::language::{error_text, Lang};
use crate::protocol::{RoomId, SearchResult};

/// What the search form holds: the words and the filters as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchForm {
    pub q: String,
    /// Only this room (`None`: every room).
    pub room: Option<RoomId>,
    /// Only messages by this login name.
    pub from: String,
    /// Only messages from this day on / up to this day (`YYYY-MM-DD`, the
    /// reader's days).
    pub since_day: String,
    pub until_day: String,
}

impl SearchForm {
    /// The request for the first page: days become instants in the
    /// reader's time zone ("until the 3rd" includes the 3rd).
    pub fn ask(&self) -> http::SearchAsk {
        let instant =
            |day: &str, days| browser::local_midnight(day, days).map(|at| at.to_rfc3339());
        http::SearchAsk {
            q: self.q.trim().to_owned(),
            room: self.room,
            from: self.from.trim().trim_start_matches('@').to_owned(),
            before_id: None,
            before: instant(&self.until_day, 1),
            after: instant(&self.since_day, 0),
        }
    }
}

#[derive(Clone, Copy)]
pub struct Search {
    /// The results pane is showing.
    pub open: RwSignal<bool>,
    pub form: RwSignal<SearchForm>,
    /// Newest first, every page fetched so far.
    pub results: RwSignal<Vec<SearchResult>>,
    /// Older results exist.
    pub more: RwSignal<bool>,
    pub loading: RwSignal<bool>,
    /// A search has been answered (before that "no results" would be a lie).
    pub answered: RwSignal<bool>,
    pub error: RwSignal<Option<String>>,
    /// The request the shown results answer; later pages reuse it.
    asked: StoredValue<Option<http::SearchAsk>>,
    /// Counts searches, so a late answer to an older one is dropped.
    generation: StoredValue<u64>,
    lang: Lang,
}

impl Search {
    pub fn new() -> Self {
        Search {
            open: RwSignal::new(false),
            form: RwSignal::new(SearchForm::default()),
            results: RwSignal::new(Vec::new()),
            more: RwSignal::new(false),
            loading: RwSignal::new(false),
            answered: RwSignal::new(false),
            error: RwSignal::new(None),
            asked: StoredValue::new(None),
            generation: StoredValue::new(0),
            lang: Lang::here(),
        }
    }

    /// Searches with what the form holds, from the newest match.
    pub fn run(&self) {
        let ask = self.form.with_untracked(SearchForm::ask);
        self.open.set(true);
        if ask.q.is_empty() {
            return;
        }
        self.results.set(Vec::new());
        self.more.set(false);
        self.answered.set(false);
        self.asked.set_value(Some(ask.clone()));
        self.fetch(ask);
    }

    /// The next page of the search on screen.
    pub fn load_more(&self) {
        if self.loading.get_untracked() {
            return;
        }
        let last = self
            .results
            .with_untracked(|r| r.last().map(|r| r.message.id));
        let Some(ask) = self.asked.get_value() else {
            return;
        };
        if last.is_none() {
            return;
        }
        self.fetch(http::SearchAsk {
            before_id: last,
            ..ask
        });
    }

    fn fetch(&self, ask: http::SearchAsk) {
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        self.loading.set(true);
        self.error.set(None);
        let this = *self;
        leptos::task::spawn_local(async move {
            let answer = http::search(&ask).await;
            if this.generation.try_get_value() != Some(generation) {
                return;
            }
            match answer {
                Ok(page) => {
                    this.results.update(|r| r.extend(page.results));
                    this.more.set(page.more);
                    this.answered.set(true);
                }
                Err(e) => this.error.set(Some(error_text(this.lang, &e))),
            }
            this.loading.set(false);
        });
    }

    pub fn close(&self) {
        self.open.set(false);
    }
}

impl Default for Search {
    fn default() -> Self {
        Self::new()
    }
}
