//! The left column: brand and connection state, the rooms you are in, your
//! direct messages, a form for a new room, rooms you could join, and your
//! account. On narrow screens
//! it is a drawer the room header's menu button opens.

use leptos::prelude::*;

use super::{
    account_bar::AccountBar, browse_rooms::BrowseRooms, connection_badge::ConnectionBadge,
    dm_picker::DmPicker, new_room_form::NewRoomForm, room_nav::RoomNav, search_pane::SearchBox,
};
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::RoomKind;

#[component]
pub fn Sidebar(
    /// Whether the drawer is open (narrow screens only).
    open: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <aside
            id="sidebar"
            class="sidebar"
            class:open=move || open.get()
            aria-label=tr(i18n, |l| td_string!(l, chat.sidebar.label))
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <div class="sidebar-header">
                <a class="brand" href="/">
                    <img src="/favicon.svg" alt="" width="24" height="24"/>
                    <span>"Switchboard"</span>
                </a>
                <button
                    class="icon-button close-drawer"
                    type="button"
                    aria-label=tr(i18n, |l| td_string!(l, chat.sidebar.close))
                    on:click=move |_| open.set(false)
                >
                    "×"
                </button>
            </div>
            <ConnectionBadge/>
            <SearchBox/>
            <div class="sidebar-scroll">
                <RoomNav kind=RoomKind::Room on_pick=move || open.set(false)/>
                <RoomNav kind=RoomKind::Dm on_pick=move || open.set(false)>
                    <DmPicker on_open=move || open.set(false)/>
                </RoomNav>
                <NewRoomForm/>
                <BrowseRooms/>
            </div>
            <AccountBar/>
        </aside>
    }
    .into_any()
}
