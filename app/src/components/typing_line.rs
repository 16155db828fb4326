//! "ann is typing…" under the message list, for a few seconds after each
//! `typing` frame. The line keeps its height when empty so the list does not jump.

use leptos::prelude::*;

use super::use_chat;
use crate::i18n::*;
use crate::protocol::RoomId;

/// How the line reads for these names, in `locale`.
pub fn typing_text(locale: Locale, names: &[String]) -> String {
    match names {
        [] => String::new(),
        [name] => td_string!(locale, chat.typing.one, name).to_string(),
        [a, b] => td_string!(locale, chat.typing.two, a, b).to_string(),
        [a, b, c] => td_string!(locale, chat.typing.three, a, b, c).to_string(),
        _ => td_string!(locale, chat.typing.several).to_string(),
    }
}

#[component]
pub fn TypingLine(room: RoomId) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let text = move || {
        let names: Vec<String> = chat.typing.with(|t| {
            t.iter()
                .filter(|x| x.room == room)
                .map(|x| x.user.clone())
                .collect()
        });
        typing_text(i18n.get_locale(), &names)
    };
    view! { <div class="typing-line">{text}</div> }
}

#[cfg(test)]
mod tests {
    use crate::i18n::Locale;

    /// The line in English.
    fn typing_text(names: &[String]) -> String {
        super::typing_text(Locale::en, names)
    }

    #[test]
    fn names_read_naturally() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(typing_text(&n(&[])), "");
        assert_eq!(typing_text(&n(&["ann"])), "ann is typing…");
        assert_eq!(typing_text(&n(&["ann", "bob"])), "ann and bob are typing…");
        assert_eq!(
            typing_text(&n(&["a", "b", "c", "d"])),
            "Several people are typing…"
        );
    }
}
