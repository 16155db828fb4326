//! One stored message: author, time, text, and — for its author, or an admin
//! deleting — inline edit and delete. Edits and deletes are sent as frames and
//! show when the server's `edited`/`deleted` comes back, to every viewer alike.
//! In a room, a message can be answered in a thread: a button opens its
//! pane, and a line under it counts its replies.

use leptos::prelude::*;

use super::{
    avatar::Avatar, composer::body_problem, message_files::MessageFiles, message_list::Row,
    message_text::MessageText, profile_card::ProfileCard, reactions::Reactions, use_chat,
};
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::Role;
use crate::text;
use crate::validate::MessageBody;

#[component]
pub fn MessageRow(
    row: Row,
    /// Shown in a thread's pane: no thread button or reply count there.
    #[prop(optional)]
    in_thread: bool,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let Row {
        message,
        continued,
        day,
    } = row;
    let id = message.id;
    let room = message.room;
    let author = message.author.clone();
    // A message of the room may start a thread; a reply also sent to the
    // room says so and opens its thread.
    let starts_thread = !in_thread && message.thread.is_none();
    let reply_of = message.thread.filter(|_| !in_thread);
    let pinned = move || chat.is_pinned(room, id);
    let summary = (starts_thread && message.replies > 0).then(|| {
        let n = message.replies;
        let last = message.last_reply_at.map(|at| {
            if browser::local_day(at) == browser::local_day(browser::now()) {
                browser::local_time(at)
            } else {
                format!("{} {}", browser::local_day(at), browser::local_time(at))
            }
        });
        (n, last, message.participants.clone())
    });
    // "bob (deactivated)" for an account an admin has deactivated since: the
    // words come from the stylesheet, per `<html lang>`. A translation key
    // used here, or another element, cost every page's first load 23–65 KB
    // gzip when tried (see docs/performance.md, "First load").
    let author_class = if message.author_deactivated {
        "author deactivated"
    } else {
        "author"
    };
    // The name opens the author's card (display name, status, a DM), placed
    // by the name on the screen: the message list clips what overflows it.
    let card = RwSignal::new(None::<String>);
    let toggle_card = move |ev: leptos::ev::MouseEvent| {
        if card.get_untracked().is_some() {
            card.set(None);
            return;
        }
        card.set(Some(super::profile_card::place(
            super::profile_card::anchor(&ev),
        )));
    };
    let shown = {
        let author = author.clone();
        move || chat.profiles.shown(&author)
    };
    let mine = {
        let author = author.clone();
        move || {
            chat.me
                .with(|m| m.as_ref().is_some_and(|u| u.username == author))
        }
    };
    let admin = move || {
        chat.me
            .with(|m| m.as_ref().is_some_and(|u| u.role == Role::Admin))
    };
    let can_edit = mine.clone();
    let can_delete = {
        let mine = mine.clone();
        move || mine() || admin()
    };
    let editing = RwSignal::new(false);
    // The emoji picker, while open for this message: where it is.
    let picking = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let draft = RwSignal::new(message.body.clone());
    let edit_error = RwSignal::new(None::<String>);

    let time = browser::local_time(message.sent_at);
    let when = browser::local_day(message.sent_at);
    let stamp = message.sent_at.to_rfc3339();
    let edited = message.edited_at.is_some();
    let original = message.body.clone();
    // Mentions are marked for everyone; a message that mentions me (and is
    // not mine) is highlighted as a whole.
    let my_name = chat
        .me
        .with_untracked(|m| m.as_ref().map(|u| u.username.clone()))
        .unwrap_or_default();
    let mentions_me =
        !my_name.is_empty() && author != my_name && text::mentions(&message.body, &my_name);

    let save = move || {
        let typed = draft.get_untracked();
        match MessageBody::parse(&typed) {
            Ok(body) => {
                if chat.edit(id, body) {
                    editing.set(false);
                }
            }
            Err(e) => edit_error.set(Some(body_problem(i18n.get_locale_untracked(), &e, &typed))),
        }
    };
    let cancel = {
        let original = original.clone();
        move || {
            draft.set(original.clone());
            edit_error.set(None);
            editing.set(false);
        }
    };
    let on_edit_key = {
        let cancel = cancel.clone();
        move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
            "Enter" if !ev.shift_key() && !ev.is_composing() => {
                ev.prevent_default();
                save();
            }
            "Escape" => {
                ev.prevent_default();
                cancel();
            }
            _ => {}
        }
    };

    view! {
        {day.map(|d| view! {
            <div class="day-divider" role="separator" aria-label=d.clone()><span>{d.clone()}</span></div>
        })}
        // Focusable by a tap (not by Tab): on a touch screen that shows its toolbar.
        <div class="message" tabindex="-1" data-message-id=id.to_string() class:pinned=pinned class:flash=move || chat.flash.get() == Some(id) class:continued=continued class:mine=mine.clone() class:mentions-me=mentions_me class:editing=move || editing.get()>
            <div class="gutter">
                {if continued {
                    view! { <time class="hover-time" datetime=stamp.clone() title=when.clone()>{time.clone()}</time> }.into_any()
                } else {
                    view! { <Avatar name=author.clone()/> }.into_any()
                }}
            </div>
            <div class="message-content">
                {(!continued).then(|| view! {
                    <div class="message-meta">
                        <button type="button" class=author_class aria-haspopup="dialog"
                            aria-expanded=move || card.with(Option::is_some).to_string()
                            on:click=toggle_card>{shown.clone()}</button>
                        <time datetime=stamp.clone() title=when.clone()>{time.clone()}</time>
                    </div>
                })}
                {
                    let author = author.clone();
                    move || card.with(Option::is_some).then(|| view! { <ProfileCard name=author.clone() open=card/> })
                }
                {reply_of.map(|parent| view! {
                    <button type="button" class="link-button thread-origin small" on:click=move |_| chat.open_thread(room, parent)>
                        {tr(i18n, |l| td_string!(l, chat.thread.replied_to))}
                    </button>
                })}
                <Show
                    when=move || editing.get()
                    fallback={
                        let body = message.body.clone();
                        move || view! {
                            <div class="message-body">
                                <span class="message-text"><MessageText body=body.clone() me=my_name.clone()/></span>
                                {edited.then(|| view! { <span class="edited">{tr(i18n, |l| td_string!(l, chat.message.edited))}</span> })}
                            </div>
                        }
                    }
                >
                    <form class="edit-form" on:submit={
                        let save = save;
                        move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            save();
                        }
                    }>
                        <label class="visually-hidden" for=format!("edit-{id}")>{tr(i18n, |l| td_string!(l, chat.message.edit_label))}</label>
                        <textarea
                            id=format!("edit-{id}")
                            prop:value=move || draft.get()
                            on:input=move |ev| {
                                draft.set(event_target_value(&ev));
                                edit_error.set(None);
                            }
                            on:keydown=on_edit_key.clone()
                        ></textarea>
                        <p class="field-error" aria-live="polite">{move || edit_error.get()}</p>
                        <div class="edit-actions">
                            <span class="muted small">{tr(i18n, |l| td_string!(l, chat.message.edit_hint))}</span>
                            <button class="button subtle small" type="button" on:click={
                                let cancel = cancel.clone();
                                move |_| cancel()
                            }>{tr(i18n, |l| td_string!(l, chat.message.cancel))}</button>
                            <button class="button primary small" type="submit">{tr(i18n, |l| td_string!(l, chat.message.save))}</button>
                        </div>
                    </form>
                </Show>
                {(!message.files.is_empty()).then(|| view! { <MessageFiles files=message.files.clone()/> })}
                <Reactions id reactions=message.reactions.clone() picking/>
                {summary.map(|(n, last, people)| view! {
                    <button type="button" class="thread-summary" data-testid="thread-summary" on:click=move |_| chat.open_thread(room, id)>
                        <span class="thread-faces" aria-hidden="true">
                            {people.into_iter().take(3).map(|name| view! { <Avatar name/> }).collect_view()}
                        </span>
                        <span class="thread-replies">{move || if n == 1 {
                            t_string!(i18n, chat.thread.one_reply).to_string()
                        } else {
                            t_string!(i18n, chat.thread.replies, count = browser::number(n as usize)).to_string()
                        }}</span>
                        {last.clone().map(|when| view! {
                            <span class="muted small">{move || t_string!(i18n, chat.thread.last_reply, when = when.clone()).to_string()}</span>
                        })}
                    </button>
                })}
                <Show when=move || confirming.get()>
                    <div class="confirm" role="group" aria-label=tr(i18n, |l| td_string!(l, chat.message.confirm_delete_label))>
                        {tr(i18n, |l| td_string!(l, chat.message.confirm_delete))}
                        <button class="button danger small" type="button" on:click=move |_| {
                            if chat.delete(id) {
                                confirming.set(false);
                            }
                        }>{tr(i18n, |l| td_string!(l, chat.message.delete))}</button>
                        <button class="button subtle small" type="button" on:click=move |_| confirming.set(false)>
                            {tr(i18n, |l| td_string!(l, chat.message.cancel))}
                        </button>
                    </div>
                </Show>
            </div>
            <Show when=move || !editing.get() && !confirming.get()>
                <div class="message-actions">
                    <button class="icon-button" type="button" data-testid="add-reaction"
                        aria-label=tr(i18n, |l| td_string!(l, chat.reactions.add))
                        title=tr(i18n, |l| td_string!(l, chat.reactions.add))
                        on:click=move |ev| super::reactions::toggle(picking, &ev)>"☺"</button>
                    <button class="icon-button" type="button" data-testid="pin-message"
                        aria-pressed=move || pinned().to_string()
                        aria-label=move || if pinned() { t_string!(i18n, chat.pins.unpin) } else { t_string!(i18n, chat.pins.pin) }
                        title=move || if pinned() { t_string!(i18n, chat.pins.unpin) } else { t_string!(i18n, chat.pins.pin) }
                        on:click=move |_| { chat.pin(id, !pinned()); }>"📌"</button>
                    {starts_thread.then(|| view! {
                        <button class="icon-button" type="button" data-testid="reply-in-thread"
                            aria-label=tr(i18n, |l| td_string!(l, chat.thread.reply))
                            title=tr(i18n, |l| td_string!(l, chat.thread.reply))
                            on:click=move |_| chat.open_thread(room, id)>
                            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                                <path d="M4 5h16v11H9l-5 4z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>
                            </svg>
                        </button>
                    })}
                    <Show when=can_edit.clone()>
                        <button class="icon-button" type="button" aria-label=tr(i18n, |l| td_string!(l, chat.message.edit_label)) title=tr(i18n, |l| td_string!(l, chat.message.edit_title)) on:click=move |_| {
                            editing.set(true);
                        }>
                            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                                <path d="M4 20h4L19 9l-4-4L4 16zM14 6l4 4" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>
                            </svg>
                        </button>
                    </Show>
                    <Show when=can_delete.clone()>
                        <button class="icon-button" type="button" aria-label=tr(i18n, |l| td_string!(l, chat.message.delete_label)) title=tr(i18n, |l| td_string!(l, chat.message.delete_title)) on:click=move |_| confirming.set(true)>
                            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                                <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>
                            </svg>
                        </button>
                    </Show>
                </div>
            </Show>
        </div>
    }
    .into_any()
}
