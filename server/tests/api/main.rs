//! Integration tests: the real server on port 0 with a fresh database each,
//! driven over real HTTP and WebSockets.

#[macro_use]
mod helpers;

mod accounts;
mod actions;
mod auth;
mod chat;
mod chat_limits;
mod cluster;
mod cluster_faults;
mod durability;
mod edge;
mod files;
mod limits;
mod pins;
mod profiles;
mod push;
mod reactions;
mod receipts;
mod registration;
mod room_moderation;
pub mod rooms_access;
mod search;
mod sessions_and_resets;
mod store;
mod support;
mod threads;
mod transport;
mod visitor_security;
mod widget_token;
