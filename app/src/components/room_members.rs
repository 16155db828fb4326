//! A private room's members, beside the online list: everyone with their
//! room role and, for the room's owners and moderators (and admins), a way
//! to invite people and to remove them. The server checks every call again
//! (`/api/rooms/{room}/members`); a removed member's page is told by a
//! `member_removed` frame.

use leptos::prelude::*;

use super::{avatar::Avatar, people_picker::PeoplePicker, use_chat};
use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{Role, RoomId, RoomMember, RoomRole, User};

/// Whether someone with `mine` (room role) and `admin` may remove a member
/// whose role is `theirs`: the server's rule, so the UI offers no button
/// that would be refused.
fn may_remove(mine: Option<RoomRole>, admin: bool, theirs: RoomRole) -> bool {
    admin
        || match mine {
            Some(RoomRole::Owner) => true,
            Some(RoomRole::Moderator) => theirs == RoomRole::Member,
            _ => false,
        }
}

#[component]
pub fn RoomMembers(room: RoomId) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let lang = Lang::here();
    let members = RwSignal::new(None::<Vec<RoomMember>>);
    let status = RwSignal::new(None::<Result<String, String>>);
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        reload.track();
        leptos::task::spawn_local(async move {
            match http::room_members(room).await {
                Ok(list) => members.set(Some(list)),
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
        });
    });
    let mine = Memo::new(move |_| chat.rooms.with(|r| r.get(room).and_then(|x| x.role)));
    let admin = Memo::new(move |_| {
        chat.me
            .with(|m| m.as_ref().is_some_and(|u| u.role == Role::Admin))
    });
    let manages = move || admin.get() || mine.get().is_some_and(|r| r >= RoomRole::Moderator);
    let me = chat.my_name();

    let add = Callback::new(move |person: User| {
        status.set(None);
        leptos::task::spawn_local(async move {
            let l = lang.get();
            match http::add_member(room, person.id).await {
                Ok(m) => status.set(Some(Ok(td_string!(
                    l,
                    chat.members.added,
                    name = m.username
                )
                .to_string()))),
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
            reload.update(|n| *n += 1);
        });
    });
    let remove = move |member: RoomMember| {
        status.set(None);
        leptos::task::spawn_local(async move {
            let l = lang.get();
            match http::remove_member(room, member.id).await {
                Ok(()) => status.set(Some(Ok(td_string!(
                    l,
                    chat.members.removed,
                    name = member.username
                )
                .to_string()))),
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
            reload.update(|n| *n += 1);
        });
    };
    let exclude = Signal::derive(move || {
        members.with(|m| {
            m.as_ref()
                .map(|list| list.iter().map(|x| x.username.clone()).collect())
                .unwrap_or_default()
        })
    });
    let placeholder =
        Signal::derive(move || t_string!(i18n, chat.members.add_placeholder).to_string());

    view! {
        <section class="room-members" aria-labelledby="members-heading">
            <h2 id="members-heading">{t!(i18n, chat.members.heading, count = move || members.with(|m| m.as_ref().map_or(0, Vec::len)))}</h2>
            {move || match members.get() {
                None => view! { <p class="muted small">{tr(i18n, |l| td_string!(l, chat.members.loading))}</p> }.into_any(),
                Some(list) => view! {
                    <ul class="member-list" aria-label=tr(i18n, |l| td_string!(l, chat.members.heading_plain))>
                        {list.into_iter().map(|m| {
                            let name = m.username.clone();
                            let role = m.role;
                            let mine_row = m.username.eq_ignore_ascii_case(&me);
                            let removable = move || !mine_row && manages() && may_remove(mine.get(), admin.get(), role);
                            let label_name = name.clone();
                            let member = m.clone();
                            view! {
                                <li>
                                    <Avatar name=name.clone() small=true/>
                                    <span class="member-name">{name.clone()}</span>
                                    {match role {
                                        RoomRole::Owner => Some(view! { <span class="member-role muted small">{tr(i18n, |l| td_string!(l, chat.members.owner))}</span> }),
                                        RoomRole::Moderator => Some(view! { <span class="member-role muted small">{tr(i18n, |l| td_string!(l, chat.members.moderator))}</span> }),
                                        RoomRole::Member => None,
                                    }}
                                    {move || removable().then(|| {
                                        let member = member.clone();
                                        let label_name = label_name.clone();
                                        view! {
                                            <button type="button" class="button small subtle danger-text remove-member"
                                                aria-label=move || t_string!(i18n, chat.members.remove_label, name = label_name.clone()).to_string()
                                                on:click=move |_| remove(member.clone())>
                                                {tr(i18n, |l| td_string!(l, chat.members.remove))}
                                            </button>
                                        }
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {move || manages().then(|| view! {
                <div class="dm-picker">
                    <label for="invite-search" class="small">{tr(i18n, |l| td_string!(l, chat.members.add))}</label>
                    <PeoplePicker input_id="invite-search" placeholder exclude on_pick=add/>
                </div>
            })}
            <p class="small" aria-live="polite">
                {move || match status.get() {
                    Some(Ok(m)) => view! { <span class="ok">{m}</span> }.into_any(),
                    Some(Err(m)) => view! { <span class="field-error">{m}</span> }.into_any(),
                    None => ().into_any(),
                }}
            </p>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_buttons_follow_the_servers_rule() {
        use RoomRole::*;
        assert!(may_remove(Some(Owner), false, Moderator));
        assert!(may_remove(Some(Moderator), false, Member));
        assert!(!may_remove(Some(Moderator), false, Moderator));
        assert!(!may_remove(Some(Member), false, Member));
        assert!(may_remove(None, true, Owner));
    }
}
