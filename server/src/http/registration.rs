//! Who may create an account, as the HTTP API applies it: the public policy
//! answer for the register and login pages, and the decision that turns
//! `SWITCHBOARD_REGISTRATION`, an invite token and the first-run setup token
//! into a [`store::Admission`](crate::store::Admission). The store makes the
//! final, atomic check; this module also checks first, cheaply, so a sign-up
//! that will be refused does not cost a password hash.

use crate::{
    auth::token,
    error::{ApiError, ApiQuery},
    state::AppState,
    store::{Admission, SignUpError, SignUpRefusal},
};
use app::protocol::{
    ErrorCode, InviteState, Registration, RegistrationInfo, RegistrationPolicy, User,
};
use axum::{extract::State, Json};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PolicyQuery {
    invite: Option<String>,
}

/// `GET /api/auth/policy[?invite=TOKEN]` (anyone).
pub async fn policy(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PolicyQuery>,
) -> Result<Json<RegistrationInfo>, ApiError> {
    let first_account = !state.store.has_users().await?;
    let invite = match query.invite.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some(
            state
                .store
                .invite_state(&token::digest(t), state.clock.now())
                .await?,
        ),
        None => None,
    };
    Ok(Json(RegistrationInfo {
        policy: state.settings.registration,
        first_account,
        setup_required: first_account && state.setup.is_some(),
        invite,
    }))
}

/// What `body` brings to a sign-up: the admission the policy asks for, and
/// whether it may make the very first account.
struct Ticket {
    invite_hash: Option<String>,
    may_be_first: bool,
}

impl Ticket {
    fn of(state: &AppState, body: &Registration) -> Ticket {
        Ticket {
            invite_hash: body
                .invite
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(token::digest),
            may_be_first: match &state.setup {
                None => true,
                Some(setup) => body
                    .setup
                    .as_deref()
                    .is_some_and(|t| setup.matches(t.trim())),
            },
        }
    }

    fn admission(&self, policy: RegistrationPolicy) -> Admission<'_> {
        match policy {
            RegistrationPolicy::Open => Admission::Open,
            RegistrationPolicy::Invite => Admission::Invite(self.invite_hash.as_deref()),
            RegistrationPolicy::Closed => Admission::Closed,
        }
    }
}

/// Refuses early, before the password is hashed, what the store would refuse.
/// Not the final word (an invite may be used up meanwhile): [`sign_up`] is.
pub(super) async fn precheck(state: &AppState, body: &Registration) -> Result<(), ApiError> {
    let ticket = Ticket::of(state, body);
    let refusal = if !state.store.has_users().await? {
        (!ticket.may_be_first).then_some(SignUpRefusal::SetupRequired)
    } else {
        match ticket.admission(state.settings.registration) {
            Admission::Open | Admission::ByAdmin(_) => None,
            Admission::Closed => Some(SignUpRefusal::Closed),
            Admission::Invite(None) => Some(SignUpRefusal::InviteRequired),
            Admission::Invite(Some(hash)) => {
                match state.store.invite_state(hash, state.clock.now()).await? {
                    InviteState::Valid => None,
                    other => Some(SignUpRefusal::Invite(other)),
                }
            }
        }
    };
    refusal.map_or(Ok(()), |r| Err(refused(r)))
}

/// Creates the account if the policy lets it in, atomically with taking the
/// invite's use (see `Store::sign_up`).
pub(super) async fn sign_up(
    state: &AppState,
    body: &Registration,
    username: &str,
    password_hash: &str,
) -> Result<User, ApiError> {
    let ticket = Ticket::of(state, body);
    state
        .store
        .sign_up(
            username,
            password_hash,
            ticket.admission(state.settings.registration),
            ticket.may_be_first,
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            SignUpError::Refused(r) => refused(r),
            SignUpError::Store(e) => e.into(),
        })
}

fn refused(r: SignUpRefusal) -> ApiError {
    let (code, message) = match r {
        SignUpRefusal::SetupRequired => (
            ErrorCode::SetupRequired,
            "This server has no account yet. Open the setup link printed in the server's log to create the first (admin) account.",
        ),
        SignUpRefusal::Closed => (
            ErrorCode::RegistrationClosed,
            "Registration is closed on this server. Ask an admin to create an account for you.",
        ),
        SignUpRefusal::InviteRequired => (
            ErrorCode::InviteRequired,
            "Registration on this server needs an invite link. Ask an admin for one.",
        ),
        SignUpRefusal::Invite(state) => (
            ErrorCode::InviteInvalid,
            state
                .problem()
                .unwrap_or("This invite link cannot be used."),
        ),
    };
    ApiError::Refused { code, message }
}
