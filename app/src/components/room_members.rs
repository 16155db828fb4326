//! A room's members, beside the online list: everyone with their room role
//! and, for the room's owners and moderators (and admins), a way to invite
//! people and to remove them (private rooms), to mute them for a while, and
//! to ban them from a public room (with the list of bans to lift). The
//! server checks every call again (`/api/rooms/{room}/…`); the member's own
//! page is told by `member_removed` or `muted`.

use leptos::prelude::*;

use super::{avatar::Avatar, people_picker::PeoplePicker, use_chat};
use crate::client::{browser, http};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{Role, RoomBan, RoomId, RoomMember, RoomRole, User};

/// The mute lengths offered, in minutes.
const MUTE_FOR: [i64; 4] = [10, 60, 24 * 60, 7 * 24 * 60];

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
    let bans = RwSignal::new(Vec::<RoomBan>::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    let reload = RwSignal::new(0u32);
    let mine = Memo::new(move |_| chat.rooms.with(|r| r.get(room).and_then(|x| x.role)));
    let admin = Memo::new(move |_| {
        chat.me
            .with(|m| m.as_ref().is_some_and(|u| u.role == Role::Admin))
    });
    let manages = move || admin.get() || mine.get().is_some_and(|r| r >= RoomRole::Moderator);
    let public = Memo::new(move |_| {
        chat.rooms
            .with(|r| r.get(room).is_some_and(|x| !x.is_members_only()))
    });
    // Who is online here changes as people join: the list follows.
    let here = Memo::new(move |_| chat.online.with(|o| o.get(&room).map_or(0, |s| s.len())));
    Effect::new(move |_| {
        reload.track();
        here.track();
        let moderates = manages();
        let public = public.get_untracked();
        leptos::task::spawn_local(async move {
            match http::room_members(room).await {
                Ok(list) => members.set(Some(list)),
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
            if moderates && public {
                if let Ok(list) = http::bans(room).await {
                    bans.set(list);
                }
            }
        });
    });
    let me = chat.my_name();
    let mute_for = RwSignal::new(MUTE_FOR[1]);
    // One call, then a fresh list and what happened (or why not).
    let act = move |call: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), http::ApiError>>>,
    >,
                    done: String| {
        status.set(None);
        leptos::task::spawn_local(async move {
            match call.await {
                Ok(()) => status.set(Some(Ok(done))),
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
            reload.update(|n| *n += 1);
        });
    };
    let mute = move |m: RoomMember| {
        let minutes = mute_for.get_untracked();
        let done = td_string!(
            lang.get(),
            chat.members.muted_done,
            name = m.username.clone()
        )
        .to_string();
        act(
            Box::pin(async move { http::mute(room, m.id, minutes).await.map(|_| ()) }),
            done,
        );
    };
    let unmute = move |m: RoomMember| {
        let done = td_string!(
            lang.get(),
            chat.members.unmuted_done,
            name = m.username.clone()
        )
        .to_string();
        act(
            Box::pin(async move { http::unmute(room, m.id).await }),
            done,
        );
    };
    let ban = move |m: RoomMember| {
        let done = td_string!(
            lang.get(),
            chat.members.banned_done,
            name = m.username.clone()
        )
        .to_string();
        act(
            Box::pin(async move { http::ban(room, m.id).await.map(|_| ()) }),
            done,
        );
    };
    let unban = move |b: RoomBan| {
        let done = td_string!(
            lang.get(),
            chat.members.unbanned_done,
            name = b.username.clone()
        )
        .to_string();
        act(Box::pin(async move { http::unban(room, b.id).await }), done);
    };

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
                            let muted_until = m.muted_until;
                            let (for_mute, for_ban) = (m.clone(), m.clone());
                            view! {
                                <li>
                                    <Avatar name=name.clone() small=true/>
                                    <span class="member-name">{name.clone()}</span>
                                    {match role {
                                        RoomRole::Owner => Some(view! { <span class="member-role muted small">{tr(i18n, |l| td_string!(l, chat.members.owner))}</span> }),
                                        RoomRole::Moderator => Some(view! { <span class="member-role muted small">{tr(i18n, |l| td_string!(l, chat.members.moderator))}</span> }),
                                        RoomRole::Member => None,
                                    }}
                                    {muted_until.map(|until| view! {
                                        <span class="member-role muted small member-muted">
                                            {move || t_string!(i18n, chat.members.muted_until, until = browser::local_time(until)).to_string()}
                                        </span>
                                    })}
                                    {move || removable().then(|| {
                                        let m = for_mute.clone();
                                        let label = if muted_until.is_some() {
                                            t_string!(i18n, chat.members.unmute).to_string()
                                        } else {
                                            t_string!(i18n, chat.members.mute).to_string()
                                        };
                                        view! {
                                            <button type="button" class="button small subtle mute-member"
                                                on:click=move |_| if muted_until.is_some() { unmute(m.clone()) } else { mute(m.clone()) }>
                                                {label}
                                            </button>
                                        }
                                    })}
                                    {move || (removable() && public.get()).then(|| {
                                        let m = for_ban.clone();
                                        view! {
                                            <button type="button" class="button small subtle danger-text ban-member"
                                                on:click=move |_| ban(m.clone())>
                                                {tr(i18n, |l| td_string!(l, chat.members.ban))}
                                            </button>
                                        }
                                    })}
                                    {move || (removable() && !public.get()).then(|| {
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
                <label class="small mute-for">
                    {tr(i18n, |l| td_string!(l, chat.members.mute_for))}
                    <select on:change=move |ev| {
                        if let Ok(m) = event_target_value(&ev).parse() { mute_for.set(m) }
                    }>
                        {MUTE_FOR.into_iter().map(|m| {
                            let label = move || match m {
                                10 => t_string!(i18n, chat.members.for_10_minutes).to_string(),
                                60 => t_string!(i18n, chat.members.for_an_hour).to_string(),
                                1440 => t_string!(i18n, chat.members.for_a_day).to_string(),
                                _ => t_string!(i18n, chat.members.for_a_week).to_string(),
                            };
                            view! { <option value=m.to_string() selected=move || mute_for.get() == m>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            {move || (manages() && !public.get()).then(|| view! {
                <div class="dm-picker">
                    <label for="invite-search" class="small">{tr(i18n, |l| td_string!(l, chat.members.add))}</label>
                    <PeoplePicker input_id="invite-search" placeholder exclude on_pick=add/>
                </div>
            })}
            {move || (manages() && public.get() && !bans.with(Vec::is_empty)).then(|| view! {
                <h3 class="small">{tr(i18n, |l| td_string!(l, chat.members.banned_heading))}</h3>
                <ul class="member-list banned-list">
                    {bans.get().into_iter().map(|b| {
                        let name = b.username.clone();
                        view! {
                            <li>
                                <span class="member-name">{name}</span>
                                <button type="button" class="button small subtle unban-member" on:click=move |_| unban(b.clone())>
                                    {tr(i18n, |l| td_string!(l, chat.members.unban))}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
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
