//! The files a composer holds for its next message, one chip each: name,
//! size, the upload's progress or why it failed, and × to cancel or remove
//! it. Shared by the chat, console and visitor composers.

use leptos::prelude::*;

use crate::i18n::*;
use crate::protocol::{human_size, FILES_PER_MESSAGE};
use crate::state::attachments::{Attachments, Stage, Tray};

#[component]
pub fn AttachmentChips(attachments: Attachments) -> impl IntoView {
    let i18n = use_i18n();
    let tray = attachments.tray;
    let chip = move |key: u32| {
        // A chip's name and size never change; its stage does.
        let (name, size) = tray
            .with_untracked(|t| t.get(key).map(|c| (c.name.clone(), c.size)))
            .unwrap_or_default();
        let stage = move || tray.with(|t| t.get(key).map(|c| c.stage.clone()));
        let percent = move || match stage() {
            Some(Stage::Uploading(p)) => Some(p),
            _ => None,
        };
        let failure = move || match stage() {
            Some(Stage::Failed(reason)) => Some(reason),
            _ => None,
        };
        let label = {
            let name = name.clone();
            move || match percent() {
                Some(_) => t_string!(i18n, common.files.cancel, name = name.clone()).to_string(),
                None => t_string!(i18n, common.files.remove, name = name.clone()).to_string(),
            }
        };
        let title = name.clone();
        let uploading = t_string!(i18n, common.files.uploading, name = name.clone()).to_string();
        view! {
            <li class="attachment-chip" class:failed=move || failure().is_some()>
                <span class="attachment-name" title=title>{name}</span>
                <span class="attachment-size muted small">{human_size(size)}</span>
                {move || percent().map(|p| view! {
                    <progress class="attachment-progress" max="100" value=p.to_string() aria-label=uploading.clone()></progress>
                })}
                {move || failure().map(|reason| view! { <span class="attachment-error">{reason}</span> })}
                <button type="button" class="attachment-remove" aria-label=label on:click=move |_| attachments.remove(key)>"×"</button>
            </li>
        }
    };
    view! {
        <ul class="attachment-chips">
            <For each=move || tray.with(Tray::keys) key=|k| *k children=chip/>
        </ul>
        {move || tray.with(|t| t.full).then(|| view! {
            <p class="field-error" role="alert">
                {move || t_string!(i18n, common.files.full, max = FILES_PER_MESSAGE).to_string()}
            </p>
        })}
    }
}
