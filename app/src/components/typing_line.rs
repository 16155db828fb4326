//! "ann is typing…" under the message list, for a few seconds after each
//! `typing` frame. The line keeps its height when empty so the list does not jump.

use leptos::prelude::*;

use super::use_chat;
use crate::protocol::RoomId;

/// How the line reads for these names.
pub fn typing_text(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("{one} is typing…"),
        [a, b] => format!("{a} and {b} are typing…"),
        [a, b, c] => format!("{a}, {b} and {c} are typing…"),
        _ => "Several people are typing…".to_owned(),
    }
}

#[component]
pub fn TypingLine(room: RoomId) -> impl IntoView {
    let chat = use_chat();
    let text = move || {
        let names: Vec<String> = chat.typing.with(|t| {
            t.iter()
                .filter(|x| x.room == room)
                .map(|x| x.user.clone())
                .collect()
        });
        typing_text(&names)
    };
    view! { <div class="typing-line">{text}</div> }
}

#[cfg(test)]
mod tests {
    use super::typing_text;

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
