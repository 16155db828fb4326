//! The agent's composer: a Reply/Note switch (a note goes to agents only),
//! Enter to send, typing frames at most every few seconds, and canned replies:
//! typing `/` lists them by shortcut (their title), filtered as you type;
//! arrows choose, Enter or a click puts the reply's body in the box. A reply
//! or a note may carry files (attach button, paste, drop), and then no text;
//! a note's files are for staff alone, as the note. Ctrl/⌘+B, I, E and Shift+X format the selection, and
//! "Preview" shows the reply as the visitor will see it.

use leptos::prelude::*;

use super::formatting::{self, FormatPreview, PreviewToggle};
use super::{attach_button::AttachButton, attachment_chips::AttachmentChips, use_desk};
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{ConversationId, MAX_BODY_CHARS};
use crate::state::attachments::Attachments;
use crate::state::desk::matching_canned;

#[component]
pub fn ConsoleComposer(id: ConversationId, name: Memo<String>) -> impl IntoView {
    let desk = use_desk();
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let note = RwSignal::new(false);
    let chosen = RwSignal::new(0usize);
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Textarea>::new();
    let attachments = Attachments::new(None);
    let preview = RwSignal::new(false);
    let matches = Memo::new(move |_| {
        let typed = text.get();
        desk.canned.with(|list| matching_canned(list, &typed))
    });

    let focus = move || {
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    let insert = move |index: usize| {
        let body = matches.with_untracked(|m| {
            m.as_ref()
                .and_then(|m| m.get(index))
                .map(|c| c.body.clone())
        });
        if let Some(body) = body {
            text.set(body);
            chosen.set(0);
        }
        focus();
    };
    let send = move || {
        let typed = text.get_untracked();
        let body = typed.trim();
        let private = note.get_untracked();
        let (uploading, files) = attachments
            .tray
            .with_untracked(|t| (t.uploading(), t.ready().len()));
        let problem = if uploading {
            Some(td_string!(desk.lang.get(), common.files.still_uploading).to_string())
        } else if body.chars().count() > MAX_BODY_CHARS {
            let max = MAX_BODY_CHARS;
            Some(td_string!(desk.lang.get(), console.composer.too_long, max).to_string())
        } else {
            None
        };
        if problem.is_some() {
            error.set(problem);
            return;
        }
        if body.is_empty() && files == 0 {
            return;
        }
        desk.send(id, body.to_owned(), private, attachments.take());
        text.set(String::new());
        error.set(None);
        focus();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(marker) = formatting::shortcut(&ev) {
            ev.prevent_default();
            if let Some(el) = input.get_untracked() {
                formatting::apply(&el, text, marker);
            }
            return;
        }
        let open = matches.with_untracked(|m| m.as_ref().map_or(0, Vec::len));
        match ev.key().as_str() {
            "ArrowDown" if open > 0 => {
                ev.prevent_default();
                chosen.update(|c| *c = (*c + 1) % open);
            }
            "ArrowUp" if open > 0 => {
                ev.prevent_default();
                chosen.update(|c| *c = (*c + open - 1) % open);
            }
            "Escape" if open > 0 => {
                ev.prevent_default();
                text.set(String::new());
            }
            "Enter" if !ev.shift_key() && !ev.is_composing() => {
                ev.prevent_default();
                if open > 0 {
                    insert(chosen.get_untracked().min(open - 1));
                } else {
                    send();
                }
            }
            _ => {}
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        // Notes are between agents: the visitor is not told we are typing.
        if !value.trim().is_empty() && !note.get_untracked() {
            desk.typed(id);
        }
        text.set(value);
        chosen.set(0);
        error.set(None);
    };
    let label = move || {
        if note.get() {
            t_string!(i18n, console.composer.private_note).to_string()
        } else {
            t_string!(i18n, console.composer.reply_to, name = name.get()).to_string()
        }
    };

    view! {
        <form class="console-composer" class:note-mode=move || note.get()
            on:submit=move |ev| { ev.prevent_default(); send(); }
            on:dragover=attachments.on_drag_over() on:dragleave=attachments.on_drag_leave() on:drop=attachments.on_drop()>
            <div class="composer-mode" role="group" aria-label=tr(i18n, |l| td_string!(l, console.composer.write_a))>
                <button type="button" class="console-mode" aria-pressed=move || (!note.get()).to_string()
                    on:click=move |_| { note.set(false); focus(); }>{tr(i18n, |l| td_string!(l, console.composer.reply))}</button>
                <button type="button" class="console-mode" aria-pressed=move || note.get().to_string()
                    on:click=move |_| { note.set(true); focus(); }>{tr(i18n, |l| td_string!(l, console.composer.note))}</button>
                <Show when=move || note.get()>
                    <span class="note-label">{tr(i18n, |l| td_string!(l, console.composer.only_agents_see_notes))}</span>
                </Show>
                <PreviewToggle open=preview/>
            </div>
            {move || matches.get().filter(|m| !m.is_empty()).map(|list| view! {
                <ul class="canned-list" role="listbox" aria-label=tr(i18n, |l| td_string!(l, console.composer.canned_replies))>
                    {list.into_iter().enumerate().map(|(i, c)| view! {
                        <li
                            role="option"
                            class="canned-option"
                            aria-selected=move || (chosen.get() == i).to_string()
                            on:mousedown=move |ev| { ev.prevent_default(); insert(i); }
                        >
                            <strong>{format!("/{}", c.title)}</strong>
                            <span class="muted small">{c.body}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {move || matches.get().filter(Vec::is_empty).map(|_| view! {
                <p class="muted small canned-none">{tr(i18n, |l| td_string!(l, console.composer.no_canned_match))}</p>
            })}
            <FormatPreview open=preview text/>
            <AttachmentChips attachments/>
            <div class="composer-box">
                <AttachButton attachments/>
                <textarea
                    node_ref=input
                    rows="2"
                    aria-label=label
                    placeholder=move || if note.get() {
                        t_string!(i18n, console.composer.note_placeholder)
                    } else {
                        t_string!(i18n, console.composer.reply_placeholder)
                    }
                    prop:value=move || text.get()
                    on:keydown=on_keydown
                    on:input=on_input
                    on:paste=attachments.on_paste()
                ></textarea>
                <button class="button primary small" type="submit"
                    disabled=move || !attachments.can_send(text.with(|t| t.trim().is_empty()))>
                    {move || if note.get() {
                        t_string!(i18n, console.composer.add_note)
                    } else {
                        t_string!(i18n, console.composer.send_reply)
                    }}
                </button>
            </div>
            <p class="field-error" aria-live="polite">{move || error.get()}</p>
        </form>
    }
    .into_any()
}
