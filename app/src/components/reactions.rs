//! Reactions under a message — each emoji with its count, pressed when one
//! of them is yours, who reacted on hover — and the picker that adds one:
//! recent emoji first, then a searchable set (English and Chinese words).
//! The server's `reaction` frame changes what is shown, for everyone alike.

use leptos::prelude::*;

use super::use_chat;
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{MessageId, Reaction};

/// The picker's emoji and the words that find them.
const EMOJI: &[(&str, &str)] = &[
    ("👍", "thumbs up yes ok agree 赞 好 同意"),
    ("👎", "thumbs down no disagree 踩 不"),
    ("❤️", "heart love 心 爱"),
    ("😂", "joy laugh tears funny 笑 哭笑"),
    ("😄", "smile happy grin 开心 笑"),
    ("🎉", "party tada celebrate congrats 庆祝 恭喜"),
    ("🙏", "thanks pray please 谢谢 拜托"),
    ("👀", "eyes look watching 看"),
    ("✅", "check done yes 完成 对"),
    ("❌", "cross no wrong 错 不"),
    ("🔥", "fire hot lit 火 厉害"),
    ("🚀", "rocket ship launch 火箭 上线"),
    ("💯", "hundred perfect 满分"),
    ("🤔", "thinking hmm 想 思考"),
    ("😮", "wow surprised open mouth 惊讶"),
    ("😢", "sad cry tear 难过 哭"),
    ("😡", "angry mad 生气"),
    ("👏", "clap applause bravo 鼓掌"),
    ("🙌", "raised hands hooray 欢呼"),
    ("💪", "muscle strong 加油 强"),
    ("👌", "ok perfect fine 好的"),
    ("🤝", "handshake deal 握手 合作"),
    ("😅", "sweat smile phew 尴尬"),
    ("😎", "cool sunglasses 酷"),
    ("😴", "sleep tired 困 睡"),
    ("🤯", "mind blown exploding 震惊"),
    ("🥳", "party celebrate birthday 派对 生日"),
    ("☕", "coffee break 咖啡"),
    ("🍵", "tea 茶"),
    ("🍕", "pizza food lunch 披萨 吃"),
    ("🐛", "bug insect 虫 错误"),
    ("⭐", "star favourite 星"),
    ("💡", "idea bulb 想法 主意"),
    ("📌", "pin important 置顶 重要"),
    ("⚠️", "warning caution 警告"),
    ("⏰", "alarm clock time 闹钟 时间"),
    ("🧧", "red envelope lucky 红包"),
    ("🍻", "cheers beer 干杯"),
];

/// How many recent emoji the picker remembers.
const RECENT: usize = 8;
const RECENT_KEY: &str = "switchboard.recent_emoji";

fn recent() -> Vec<String> {
    browser::local_get(RECENT_KEY)
        .map(|s| {
            s.split(' ')
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn remember(emoji: &str) {
    let mut list = recent();
    list.retain(|e| e != emoji);
    list.insert(0, emoji.to_owned());
    list.truncate(RECENT);
    browser::local_set(RECENT_KEY, &list.join(" "));
}

/// The emoji whose words hold every word of `search` (all of them when it
/// is empty).
pub fn matching(search: &str) -> Vec<&'static str> {
    let words: Vec<String> = search.split_whitespace().map(str::to_lowercase).collect();
    EMOJI
        .iter()
        .filter(|(_, names)| {
            words
                .iter()
                .all(|w| names.split(' ').any(|n| n.starts_with(w.as_str())))
        })
        .map(|(e, _)| *e)
        .collect()
}

/// A message's reactions, one more chip that opens the picker (the
/// message's toolbar has another), and the picker while `picking`.
#[component]
pub fn Reactions(
    id: MessageId,
    reactions: Vec<Reaction>,
    picking: RwSignal<Option<String>>,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let me = chat.my_name();
    let any = !reactions.is_empty();
    let chips = reactions
        .into_iter()
        .map(|r| {
            let mine = r.users.iter().any(|u| *u == me);
            let people = r
                .users
                .iter()
                .map(|u| chat.profiles.shown(u))
                .collect::<Vec<_>>()
                .join(", ");
            let who =
                t_string!(i18n, chat.reactions.who, people, emoji = r.emoji.clone()).to_string();
            let count = r.users.len();
            let emoji = r.emoji;
            let label = format!("{emoji} {count}");
            let described = format!("{label}: {who}");
            view! {
                <button class="reaction" class:mine=mine type="button" title=who
                    aria-label=described aria-pressed=mine.to_string()
                    on:click=move |_| {
                        chat.react(id, &emoji, !mine);
                    }>{label}</button>
            }
        })
        .collect_view();
    view! {
        <div class="reactions" role="group" aria-label=tr(i18n, |l| td_string!(l, chat.reactions.label))>
            {chips}
            <button class="reaction add-reaction" type="button" hidden=!any
                aria-label=tr(i18n, |l| td_string!(l, chat.reactions.add))
                title=tr(i18n, |l| td_string!(l, chat.reactions.add))
                aria-expanded=move || picking.with(Option::is_some).to_string()
                on:click=move |ev| toggle(picking, &ev)>"☺+"</button>
            {move || picking.get().map(|style| view! { <EmojiPicker id style open=picking/> })}
        </div>
    }
    .into_any()
}

/// Opens the picker by what was clicked, or closes it.
pub fn toggle(picking: RwSignal<Option<String>>, ev: &leptos::ev::MouseEvent) {
    if picking.with_untracked(Option::is_some) {
        picking.set(None);
    } else {
        picking.set(Some(super::profile_card::place(
            super::profile_card::anchor(ev),
        )));
    }
}

#[component]
fn EmojiPicker(id: MessageId, style: String, open: RwSignal<Option<String>>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let search = RwSignal::new(String::new());
    let recent = recent();
    let pick = move |emoji: String| {
        remember(&emoji);
        chat.react(id, &emoji, true);
        open.set(None);
    };
    let button = move |emoji: String| {
        let e = emoji.clone();
        view! { <button type="button" class="emoji" on:click=move |_| pick(e.clone())>{emoji}</button> }
    };
    let recent_row = (!recent.is_empty()).then(|| {
        view! {
            <p class="muted small">{tr(i18n, |l| td_string!(l, chat.reactions.recent))}</p>
            <div class="emoji-grid">{recent.into_iter().map(button).collect_view()}</div>
        }
    });
    view! {
        <div class="emoji-picker" role="dialog" style=style aria-label=tr(i18n, |l| td_string!(l, chat.reactions.add))
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(None);
                }
            }>
            <input type="search" autofocus data-testid="emoji-search"
                aria-label=tr(i18n, |l| td_string!(l, chat.reactions.search))
                placeholder=tr(i18n, |l| td_string!(l, chat.reactions.search))
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))/>
            {recent_row}
            <div class="emoji-grid">
                {move || {
                    let found = matching(&search.get());
                    if found.is_empty() {
                        view! { <p class="muted small">{tr(i18n, |l| td_string!(l, chat.reactions.none))}</p> }.into_any()
                    } else {
                        found.into_iter().map(|e| button(e.to_owned())).collect_view().into_any()
                    }
                }}
            </div>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Emoji;

    #[test]
    fn the_picker_finds_by_english_and_chinese_words() {
        assert_eq!(matching("thumbs up"), ["👍"]);
        assert_eq!(matching("庆祝"), ["🎉"]);
        assert_eq!(matching("").len(), EMOJI.len());
        assert!(matching("zzz").is_empty());
        // Every one of them is an emoji the server takes.
        for (e, _) in EMOJI {
            assert!(Emoji::parse(e).is_ok(), "{e}");
        }
    }
}
