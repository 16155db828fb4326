//! The Switchboard server as a library: the binary in `main.rs` only loads
//! settings and calls [`startup::Application`], and the integration tests build
//! the same application on port 0 with a fresh database.
#![forbid(unsafe_code)]
// The server renders the app's pages: their view types nest deeply (as in `app`).
#![recursion_limit = "256"]

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod bus;
pub mod chat;
pub mod config;
pub mod error;
pub mod files;
#[cfg(test)]
mod fuzz;
pub mod http;
pub mod hub;
pub mod ingest;
pub mod limits;
pub mod metrics;
pub mod origin;
pub mod profiles;
pub mod push;
pub mod refusal;
pub mod rooms;
pub mod scheduler;
pub mod search;
pub mod serve;
pub mod startup;
pub mod state;
pub mod store;
pub mod support;
pub mod ws;
