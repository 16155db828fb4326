//! The chat UI's building blocks, one component per file. Components read the
//! [`crate::state::Chat`] from context and call its methods; none of them
//! talks to the network directly except the forms that make an HTTP call
//! (new room, logout) and hand the result to the state.

pub mod account_bar;
pub mod admin_gate;
pub mod admin_header;
pub mod announce_form;
pub mod announcement_bar;
pub mod api_keys;
pub mod attach_button;
pub mod attachment_chips;
pub mod avatar;
pub mod browse_rooms;
pub mod composer;
pub mod connection_badge;
pub mod create_account_card;
pub mod dm_picker;
pub mod formatting;
pub mod invites_card;
pub mod language_picker;
pub mod message_files;
pub mod message_list;
pub mod message_row;
pub mod message_text;
pub mod new_room_form;
pub mod notice_banner;
pub mod online_list;
pub mod pending_row;
pub mod people_picker;
pub mod pins_menu;
pub mod profile_card;
pub mod reactions;
pub mod room_members;
pub mod room_nav;
pub mod room_settings;
pub mod room_view;
pub mod schedule_list;
pub mod search_pane;
pub mod sidebar;
pub mod thread_pane;
pub mod typing_line;
pub mod visitor_away;
pub mod visitor_composer;
pub mod visitor_prechat;
pub mod visitor_rating;
pub mod visitor_start_over;
pub mod visitor_thread;

// The support console (`/console`) and its admin settings (`/admin/support`).
pub mod console_actions;
pub mod console_agents;
pub mod console_composer;
pub mod console_header;
pub mod console_list;
pub mod console_message;
pub mod console_pane;
pub mod console_row;
pub mod console_visitor;
pub mod support_canned;
pub mod support_capacity;
pub mod support_hours;

use crate::state::Chat;
use leptos::prelude::*;

/// The chat state provided by the chat page.
pub fn use_chat() -> Chat {
    expect_context::<Chat>()
}

/// The visitor state provided by the support page.
pub fn use_visitor() -> crate::state::visitor::Visitor {
    expect_context::<crate::state::visitor::Visitor>()
}

/// The support desk state provided by the console page.
pub fn use_desk() -> crate::state::desk::Desk {
    expect_context::<crate::state::desk::Desk>()
}
