//! A room's settings, for its owners and moderators (and admins): its name,
//! its topic, and archiving or reopening it. Opened from the room header. The
//! server checks the call again (`PATCH /api/rooms/{room}`); every page that
//! lists the room hears the change as `room_updated`.

use leptos::prelude::*;

use super::use_chat;
use crate::client::http;
use crate::i18n::*;
use crate::language::{error_text, tr, Lang};
use crate::protocol::{RoomId, UpdateRoom, MAX_TOPIC_CHARS};

#[component]
pub fn RoomSettingsForm(room: RoomId, open: RwSignal<bool>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let lang = Lang::here();
    let held = chat
        .rooms
        .with_untracked(|r| r.get(room).map(|x| (x.name.clone(), x.topic.clone())))
        .unwrap_or_default();
    let name = RwSignal::new(held.0);
    let topic = RwSignal::new(held.1);
    let archived = Memo::new(move |_| chat.rooms.with(|r| r.get(room).is_some_and(|x| x.archived)));
    let status = RwSignal::new(None::<Result<String, String>>);
    let confirming = RwSignal::new(false);

    let apply = move |change: UpdateRoom| {
        status.set(None);
        leptos::task::spawn_local(async move {
            match http::update_room(room, &change).await {
                Ok(settings) => {
                    chat.rooms.update(|r| r.apply_settings(settings));
                    status.set(Some(Ok(
                        td_string!(lang.get(), chat.settings.saved).to_string()
                    )));
                }
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (was_name, was_topic) = chat
            .rooms
            .with_untracked(|r| r.get(room).map(|x| (x.name.clone(), x.topic.clone())))
            .unwrap_or_default();
        let (new_name, new_topic) = (name.get_untracked(), topic.get_untracked());
        let change = UpdateRoom {
            name: (new_name.trim() != was_name).then(|| new_name.trim().to_owned()),
            topic: (new_topic.trim() != was_topic).then(|| new_topic.trim().to_owned()),
            archived: None,
        };
        if change.name.is_none() && change.topic.is_none() {
            open.set(false);
            return;
        }
        apply(change);
    };
    let set_archived = move |to: bool| {
        confirming.set(false);
        apply(UpdateRoom {
            archived: Some(to),
            ..UpdateRoom::default()
        });
    };

    view! {
        <form class="room-settings" on:submit=save aria-labelledby="room-settings-heading">
            <h2 id="room-settings-heading" class="visually-hidden">{tr(i18n, |l| td_string!(l, chat.settings.heading))}</h2>
            <label class="field">
                <span>{tr(i18n, |l| td_string!(l, chat.settings.name))}</span>
                <input type="text" name="room-name" required maxlength="64"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                <span>{tr(i18n, |l| td_string!(l, chat.settings.topic))}</span>
                <input type="text" name="room-topic" maxlength=MAX_TOPIC_CHARS.to_string()
                    placeholder=tr(i18n, |l| td_string!(l, chat.settings.topic_placeholder))
                    prop:value=move || topic.get()
                    on:input=move |ev| topic.set(event_target_value(&ev))/>
            </label>
            <div class="settings-actions">
                <button class="button primary small" type="submit">{tr(i18n, |l| td_string!(l, chat.settings.save))}</button>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button class="button subtle small" type="button" on:click=move |_| {
                            if archived.get_untracked() { set_archived(false) } else { confirming.set(true) }
                        }>
                            {move || if archived.get() {
                                t_string!(i18n, chat.settings.unarchive)
                            } else {
                                t_string!(i18n, chat.settings.archive)
                            }}
                        </button>
                    }
                >
                    <span class="confirm">
                        {tr(i18n, |l| td_string!(l, chat.settings.archive_confirm))}
                        <button class="button danger small" type="button" on:click=move |_| set_archived(true)>
                            {tr(i18n, |l| td_string!(l, chat.settings.archive_yes))}
                        </button>
                        <button class="button subtle small" type="button" on:click=move |_| confirming.set(false)>
                            {tr(i18n, |l| td_string!(l, chat.room.stay))}
                        </button>
                    </span>
                </Show>
                <button class="button subtle small" type="button" on:click=move |_| open.set(false)>
                    {tr(i18n, |l| td_string!(l, chat.settings.close))}
                </button>
            </div>
            <p class="small" aria-live="polite">
                {move || status.get().map(|s| match s {
                    Ok(m) => view! { <span class="ok">{m}</span> },
                    Err(m) => view! { <span class="field-error">{m}</span> },
                })}
            </p>
        </form>
    }
}
