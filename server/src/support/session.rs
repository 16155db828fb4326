//! One connection's support desk, for visitors and for agents, as
//! transport-free actions: open, join, post, note, typing, rate, contact,
//! claim, transfer, assign, status, availability, subscribe. `ws/support.rs`
//! parses a frame and calls one of these.
//!
//! Permission is decided here: a visitor reaches only their own conversations
//! (another visitor's is "not found", so ids leak nothing); agent actions need
//! the agent or admin role, and an agent reaches only the conversations
//! [`access::may_see`] allows (others are "not found" too); assigning needs
//! admin. Messages are acknowledged only after they are stored, and a
//! repeated `client_id` is stored once.
//!
//! Every action that stores or reads much is rate limited per visitor or
//! agent (`Limits`), and new conversations per client IP; a refusal says
//! when to retry (`retry_after_ms`).

use crate::{
    auth::Visitor,
    hub::{encode, Audience, Outbox},
    limits::ClientIp,
    refusal::Refusal,
    state::AppState,
    store::{
        ConversationState, ListFilter, MessageKind, NewConversation, NewSupportMessage, Uploader,
    },
    support::{access, Actor, Handover},
};
use app::{
    protocol::{
        AuthorKind, Availability, AwayReason, ConversationId, ConversationStatus, ErrorCode,
        FileId, Role, ServerFrame, SupportAck, SupportAway, SupportHello, SupportHistory,
        SupportMessageId, SupportReceipt, SupportTyping, SystemEvent, User, UserId, VisitorId,
        VisitorInfo, SUPPORT_HISTORY,
    },
    validate::{ClientId, Email, MessageBody, Rating, VisitorName},
};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

/// Typing notices per connection and conversation are relayed at most this often.
const TYPING_EVERY: Duration = Duration::from_secs(1);
/// Longest page URL kept.
const MAX_PAGE: usize = 2_000;

/// Who is on the other end.
enum Party {
    Visitor(Guest),
    /// An account: agents and admins use the desk; members are refused.
    User(User),
}

/// A visitor's connection: their cookie's key, and their row once they have
/// one (made by their first `support.open`, on this connection or another).
#[derive(Clone)]
struct Guest {
    key: String,
    info: Option<VisitorInfo>,
    ip: ClientIp,
    user_agent: Option<String>,
}

pub struct SupportSession {
    state: AppState,
    party: Party,
    outbox: Outbox,
    last_typing: HashMap<ConversationId, Instant>,
}

fn not_found(c: ConversationId) -> Refusal {
    Refusal::new(
        ErrorCode::NotFound,
        format!("conversation {c} does not exist"),
    )
}

impl SupportSession {
    pub fn for_visitor(state: AppState, visitor: Visitor, outbox: Outbox) -> SupportSession {
        SupportSession {
            state,
            party: Party::Visitor(Guest {
                key: visitor.key,
                info: visitor.info,
                ip: visitor.ip,
                user_agent: visitor.user_agent,
            }),
            outbox,
            last_typing: HashMap::new(),
        }
    }

    pub fn for_user(state: AppState, user: User, outbox: Outbox) -> SupportSession {
        SupportSession {
            state,
            party: Party::User(user),
            outbox,
            last_typing: HashMap::new(),
        }
    }

    /// The first frame of a visitor's connection (a visitor without a row
    /// yet has no conversations and nothing known about them).
    pub async fn visitor_hello(
        state: &AppState,
        v: Option<&VisitorInfo>,
    ) -> Result<ServerFrame, crate::store::StoreError> {
        let conversations = match v {
            Some(v) => state.store.visitor_conversations(v.id).await?,
            None => Vec::new(),
        };
        Ok(ServerFrame::SupportHello(SupportHello {
            visitor: v.map(|v| v.id),
            name: v.and_then(|v| v.name.clone()),
            email: v.and_then(|v| v.email.clone()),
            verified: v.is_some_and(|v| v.verified),
            conversations,
            desk: state.desk.state(),
        }))
    }

    fn reply(&self, frame: &ServerFrame) {
        self.outbox.push(encode(frame));
    }

    fn agent(&self) -> Result<&User, Refusal> {
        match &self.party {
            Party::User(u) if u.role >= Role::Agent => Ok(u),
            _ => Err(Refusal::new(
                ErrorCode::Forbidden,
                "support desk frames are for agents and admins",
            )),
        }
    }

    fn visitor(&self) -> Result<&Guest, Refusal> {
        match &self.party {
            Party::Visitor(v) => Ok(v),
            Party::User(_) => Err(Refusal::new(
                ErrorCode::Forbidden,
                "this frame is for support visitors",
            )),
        }
    }

    fn is_agent(&self) -> bool {
        self.agent().is_ok()
    }

    /// Who rate limits count this party as.
    fn actor(&self) -> Actor {
        match &self.party {
            Party::Visitor(g) => Actor::Visitor(g.key.clone()),
            Party::User(u) => Actor::User(u.id),
        }
    }

    /// Counts one support action (anything but a message) against this
    /// party's limit.
    fn act(&self) -> Result<(), Refusal> {
        self.state
            .limits
            .support_actions
            .admit(&self.actor(), "support actions")
    }

    /// This visitor's row: the one known at connect, else looked up by key
    /// (another tab of theirs may have made it since). `None`: they have not
    /// written yet, so they own no conversation.
    async fn visitor_row(&mut self) -> Result<Option<VisitorId>, Refusal> {
        let Party::Visitor(g) = &mut self.party else {
            return Ok(None);
        };
        if g.info.is_none() {
            g.info = self.state.store.visitor_by_key(&g.key).await?;
        }
        Ok(g.info.as_ref().map(|i| i.id))
    }

    /// The conversation, if this party may see it: a visitor their own, staff
    /// what [`access::may_see`] allows. Anything else is "not found".
    async fn conversation(&mut self, id: ConversationId) -> Result<ConversationState, Refusal> {
        if let Party::User(_) = &self.party {
            self.agent()?;
        }
        let c = self
            .state
            .store
            .conversation_state(id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let allowed = if let Party::User(u) = &self.party {
            access::may_see(u.id, u.role, c.assignee)
        } else {
            self.visitor_row().await? == Some(c.visitor)
        };
        if allowed {
            Ok(c)
        } else {
            Err(not_found(id))
        }
    }

    /// Stops listening to a conversation.
    pub fn leave(&mut self, conversation: ConversationId) {
        self.state.hub.unlisten(conversation, self.outbox.id);
    }

    /// Sets the agent's availability (online, away, offline).
    pub async fn availability(&mut self, status: Availability) -> Result<(), Refusal> {
        let me = self.agent()?.clone();
        self.act()?;
        self.state.desk.set_availability(&me, status).await;
        Ok(())
    }

    /// A visitor's or agent's reply.
    pub async fn send(
        &mut self,
        conversation: ConversationId,
        body: &str,
        client_id: &str,
        files: &[FileId],
    ) -> Result<(), Refusal> {
        self.post(conversation, body, client_id, files, false).await
    }

    /// An agent's private note (never shown to the visitor).
    pub async fn note(
        &mut self,
        conversation: ConversationId,
        body: &str,
        client_id: &str,
        files: &[FileId],
    ) -> Result<(), Refusal> {
        self.agent().map_err(|r| r.for_client(client_id))?;
        self.post(conversation, body, client_id, files, true).await
    }

    /// An agent takes a conversation from the queue (an admin, from anyone).
    pub async fn claim(&mut self, id: ConversationId) -> Result<(), Refusal> {
        self.take(id).await
    }

    /// An agent hands their conversation to another agent.
    pub async fn transfer(&mut self, id: ConversationId, to: UserId) -> Result<(), Refusal> {
        self.hand_over(id, to, false).await
    }

    /// An admin gives a conversation to an agent.
    pub async fn assign(&mut self, id: ConversationId, to: UserId) -> Result<(), Refusal> {
        self.hand_over(id, to, true).await
    }

    pub async fn open(
        &mut self,
        body: &str,
        client_id: &str,
        name: Option<String>,
        email: Option<String>,
        page: Option<String>,
        files: &[FileId],
    ) -> Result<(), Refusal> {
        let cid = ClientId::parse(client_id)?.into_string();
        let v = self.visitor().map_err(|r| r.for_client(&cid))?.clone();
        let body = MessageBody::parse_with_files(body, files.len())
            .map_err(|e| Refusal::from(e).for_client(&cid))?;
        let typed_name = VisitorName::parse(name.as_deref())
            .map_err(|e| Refusal::from(e).for_client(&cid))?
            .map(VisitorName::into_string);
        let typed_email = Email::parse(email.as_deref())
            .map_err(|e| Refusal::from(e).for_client(&cid))?
            .map(Email::into_string);
        self.limit(&cid)?;
        let store = &self.state.store;
        let files = crate::files::attachable(store, &Uploader::Visitor(v.key.clone()), files)
            .await
            .map_err(|r| r.for_client(&cid))?;
        let now = self.state.desk.now();
        // The visitor's row is made by their first conversation. A retried
        // open (same client_id) opens nothing, so only new ones count
        // against the per-IP limit on conversations.
        let known = store.visitor_by_key(&v.key).await?;
        let retry = match &known {
            Some(k) => store.opened_with(k.id, &cid).await?,
            None => false,
        };
        if !retry {
            self.state
                .limits
                .visitor_conversations
                .admit(&v.ip.0, "opening conversations")
                .map_err(|r| r.for_client(&cid))?;
        }
        let v_key = v.key.clone();
        let v = match known {
            Some(k) => k,
            None => {
                let made = store.ensure_visitor(&v.key, now).await?;
                store
                    .touch_visitor(made.id, None, v.user_agent.as_deref(), now)
                    .await?;
                made
            }
        };
        if let Party::Visitor(g) = &mut self.party {
            g.info = Some(v.clone());
        }
        // A verified identity is never replaced by what the visitor types.
        let (name, email) = if v.verified {
            (v.name.clone(), v.email.clone())
        } else {
            store
                .set_visitor_identity(v.id, typed_name.as_deref(), typed_email.as_deref(), None)
                .await?;
            (
                typed_name.or(v.name.clone()),
                typed_email.or(v.email.clone()),
            )
        };
        let page: Option<String> = page.map(|p| p.chars().take(MAX_PAGE).collect());
        store
            .touch_visitor(v.id, page.as_deref(), None, now)
            .await?;
        let fresh_info = store.visitor(v.id).await?;
        let new = NewConversation {
            visitor: v.id,
            client_id: cid.clone(),
            name: name.clone(),
            email,
            verified: v.verified,
            page: page.or_else(|| fresh_info.as_ref().and_then(|i| i.page.clone())),
            user_agent: fresh_info.and_then(|i| i.user_agent),
            body: body.into_string(),
            files,
            uploader_key: v_key,
        };
        let author = name.unwrap_or_else(|| "Visitor".into());
        let (conversation, stored) = store.open_conversation(&new, &author, now).await?;
        self.state.hub.listen(conversation, self.outbox.id, None);
        if stored.fresh {
            self.state.desk.publish_message(stored.message.clone());
            self.state.desk.refresh_row(conversation, None).await?;
            self.state.desk.wake();
        }
        self.reply(&ServerFrame::SupportAck(SupportAck {
            client_id: cid,
            id: stored.message.id,
            conversation,
        }));
        if stored.fresh {
            self.tell_if_away(conversation);
        }
        Ok(())
    }

    /// Tells the visitor when nobody will answer soon (the message is kept).
    fn tell_if_away(&self, conversation: ConversationId) {
        let desk = self.state.desk.state();
        let reason = if !desk.open_now {
            AwayReason::Closed
        } else if !desk.agents_online {
            AwayReason::NoAgents
        } else {
            return;
        };
        self.reply(&ServerFrame::SupportAway(SupportAway {
            conversation,
            reason,
            message: desk.away_message,
        }));
    }

    /// Counts one visitor message (`support.open`, `support.send`).
    fn limit(&self, cid: &str) -> Result<(), Refusal> {
        let v = self.visitor().map_err(|r| r.for_client(cid))?;
        self.state
            .limits
            .visitor_messages
            .admit(&v.key, "sending")
            .map_err(|r| r.for_client(cid))
    }

    pub async fn join(
        &mut self,
        id: ConversationId,
        since: Option<SupportMessageId>,
    ) -> Result<(), Refusal> {
        self.act()?;
        let c = self.conversation(id).await?;
        let agent = self.is_agent();
        let staff = match &self.party {
            Party::User(u) => Some((u.id, u.role)),
            Party::Visitor(_) => None,
        };
        // Listen before reading history, so nothing falls between the two; the
        // client merges by id whatever arrives twice.
        self.state.hub.listen(id, self.outbox.id, staff);
        let mut messages = self
            .state
            .store
            .support_messages(id, since, agent, SUPPORT_HISTORY + 1)
            .await?;
        let more = messages.len() > SUPPORT_HISTORY;
        if more {
            match since {
                Some(_) => messages.truncate(SUPPORT_HISTORY),
                None => {
                    messages.remove(0);
                }
            }
        }
        let (assignee, rating) = self
            .state
            .store
            .conversation_row(id)
            .await?
            .map(|r| (r.assignee, r.rating))
            .unwrap_or_default();
        // Only a resolved conversation asks for a rating.
        let rating = rating.filter(|_| c.status == ConversationStatus::Resolved);
        let (visitor_read, agent_read) = self.state.store.support_reads(id).await?;
        self.reply(&ServerFrame::SupportHistory(SupportHistory {
            conversation: id,
            status: c.status,
            assignee,
            messages,
            more,
            rating,
            visitor_read,
            agent_read,
        }));
        Ok(())
    }

    /// Moves this side's read marker (the visitor's, or the staff's) up to
    /// `id` and, when it moved, tells the conversation (`support.receipt`).
    /// An agent who turned receipts off in their profile moves nothing.
    /// Over the limit a read is dropped, not refused, as in chat.
    pub async fn read(
        &mut self,
        id: ConversationId,
        up_to: SupportMessageId,
    ) -> Result<(), Refusal> {
        let over = match &self.party {
            Party::User(u) => self.state.limits.mark.check(&u.id).is_err(),
            Party::Visitor(_) => self.act().is_err(),
        };
        if over {
            return Ok(());
        }
        self.conversation(id).await?;
        let (visitor, by) = match &self.party {
            Party::Visitor(_) => (true, AuthorKind::Visitor),
            Party::User(u) => {
                let sends = self
                    .state
                    .store
                    .profile(u.id)
                    .await?
                    .is_some_and(|p| p.receipts);
                if !sends {
                    return Ok(());
                }
                (false, AuthorKind::Agent)
            }
        };
        if self
            .state
            .store
            .mark_support_read(id, visitor, up_to)
            .await?
        {
            self.state.desk.to_conversation(
                id,
                Audience::Everyone,
                ServerFrame::SupportReceipt(SupportReceipt {
                    conversation: id,
                    by,
                    id: up_to,
                }),
            );
        }
        Ok(())
    }

    async fn post(
        &mut self,
        id: ConversationId,
        body: &str,
        client_id: &str,
        files: &[FileId],
        note: bool,
    ) -> Result<(), Refusal> {
        let cid = ClientId::parse(client_id)?.into_string();
        let c = self
            .conversation(id)
            .await
            .map_err(|r| r.for_client(&cid))?;
        let body = MessageBody::parse_with_files(body, files.len())
            .map_err(|e| Refusal::from(e).for_client(&cid))?;
        let uploader = match &self.party {
            Party::Visitor(g) => Uploader::Visitor(g.key.clone()),
            Party::User(u) => Uploader::User(u.id),
        };
        let (kind, author_id, author_name, author_key) = match &self.party {
            Party::Visitor(_) => {
                self.limit(&cid)?;
                // `conversation` found their row: they own this one.
                let v = c.visitor;
                let name = self
                    .state
                    .store
                    .visitor(v)
                    .await?
                    .and_then(|i| i.name)
                    .unwrap_or_else(|| "Visitor".into());
                (MessageKind::Visitor, None, name, format!("v{v}"))
            }
            Party::User(u) => {
                self.state
                    .limits
                    .messages
                    .admit(&u.id, "sending")
                    .map_err(|r| r.for_client(&cid))?;
                let kind = if note {
                    MessageKind::Note
                } else {
                    MessageKind::Agent
                };
                (kind, Some(u.id), u.username.clone(), format!("u{}", u.id))
            }
        };
        let files = crate::files::attachable(&self.state.store, &uploader, files)
            .await
            .map_err(|r| r.for_client(&cid))?;
        let stored = self
            .state
            .store
            .add_support_message(
                &NewSupportMessage {
                    conversation: id,
                    kind,
                    author_id,
                    author_name,
                    author_key: Some(author_key),
                    client_id: Some(cid.clone()),
                    body: body.into_string(),
                    event: None,
                    files,
                    uploader: Some(uploader),
                },
                self.state.desk.now(),
            )
            .await?;
        let desk = &self.state.desk;
        if stored.fresh {
            desk.publish_message(stored.message.clone());
            if kind == MessageKind::Visitor && c.status != ConversationStatus::Open {
                // A visitor writing to a resolved (or pending) conversation reopens it.
                let line = if c.status == ConversationStatus::Resolved {
                    SystemEvent::Reopened { by: None }
                } else {
                    SystemEvent::VisitorAnswered
                };
                desk.change_status(id, ConversationStatus::Open, line, c.assignee)
                    .await?;
            } else if kind != MessageKind::Note {
                desk.refresh_row(id, None).await?;
            }
        }
        self.reply(&ServerFrame::SupportAck(SupportAck {
            client_id: cid,
            id: stored.message.id,
            conversation: id,
        }));
        if stored.fresh && kind == MessageKind::Visitor && c.assignee.is_none() {
            self.tell_if_away(id);
        }
        Ok(())
    }

    pub async fn typing(&mut self, id: ConversationId) -> Result<(), Refusal> {
        let now = Instant::now();
        if let Some(last) = self.last_typing.get(&id) {
            if now.duration_since(*last) < TYPING_EVERY {
                return Ok(());
            }
        }
        // Only relayed notices cost a lookup, and only they count.
        self.act()?;
        self.conversation(id).await?;
        self.last_typing.insert(id, now);
        let (who, kind) = match &self.party {
            Party::Visitor(g) => (
                g.info
                    .as_ref()
                    .and_then(|i| i.name.clone())
                    .unwrap_or_else(|| "Visitor".into()),
                AuthorKind::Visitor,
            ),
            Party::User(u) => (u.username.clone(), AuthorKind::Agent),
        };
        self.state.desk.to_conversation_except(
            id,
            ServerFrame::SupportTyping(SupportTyping {
                conversation: id,
                who,
                kind,
            }),
            self.outbox.id,
        );
        Ok(())
    }

    pub async fn rate(
        &mut self,
        id: ConversationId,
        score: u8,
        comment: Option<String>,
    ) -> Result<(), Refusal> {
        self.visitor()?;
        self.act()?;
        let c = self.conversation(id).await?;
        let rating = Rating::parse(score, comment.as_deref())?;
        if c.status != ConversationStatus::Resolved {
            return Err(Refusal::new(
                ErrorCode::Invalid,
                "score: only a resolved conversation can be rated",
            ));
        }
        self.state
            .store
            .rate_conversation(id, rating.score, rating.comment.as_deref())
            .await?;
        self.state
            .desk
            .system_line(
                id,
                SystemEvent::Rated {
                    score: rating.score,
                },
            )
            .await?;
        // Consoles show the rating and its comment on the row.
        self.state.desk.refresh_row(id, None).await?;
        Ok(())
    }

    pub async fn contact(
        &mut self,
        id: ConversationId,
        email: &str,
        name: Option<&str>,
    ) -> Result<(), Refusal> {
        self.visitor()?;
        self.act()?;
        let c = self.conversation(id).await?;
        let email = Email::parse(Some(email))?
            .ok_or_else(|| {
                Refusal::new(
                    ErrorCode::Invalid,
                    "email: give an address to be answered at",
                )
            })?
            .into_string();
        let name = VisitorName::parse(name)?.map(VisitorName::into_string);
        let store = &self.state.store;
        // A verified visitor's own record keeps what the site vouched for;
        // the conversation still notes the address given here.
        store
            .set_visitor_identity(c.visitor, name.as_deref(), Some(&email), None)
            .await?;
        store
            .set_conversation_contact(id, name.as_deref(), &email)
            .await?;
        self.state
            .desk
            .system_line(
                id,
                SystemEvent::LeftEmail {
                    email: email.to_string(),
                },
            )
            .await?;
        self.state.desk.refresh_row(id, None).await?;
        Ok(())
    }

    async fn take(&mut self, id: ConversationId) -> Result<(), Refusal> {
        let me = self.agent()?.clone();
        self.act()?;
        let c = self.conversation(id).await?;
        if c.assignee == Some(me.id) {
            return Ok(());
        }
        let desk = &self.state.desk;
        let now = desk.now();
        match c.assignee {
            None => {
                if !self
                    .state
                    .store
                    .assign_if_unassigned(id, me.id, None, now)
                    .await?
                {
                    return Err(Refusal::new(
                        ErrorCode::Conflict,
                        format!("conversation {id} was just taken or resolved"),
                    ));
                }
            }
            Some(_) if me.role == Role::Admin => {
                self.state
                    .store
                    .set_assignee(id, Some(me.id), None, now)
                    .await?;
            }
            Some(_) => {
                return Err(Refusal::new(
                    ErrorCode::Conflict,
                    format!("conversation {id} is assigned; ask its agent to transfer it"),
                ))
            }
        }
        desk.announce_assignment(id, c.assignee, Some(me.id), Handover::Claim)
            .await?;
        Ok(())
    }

    async fn hand_over(
        &mut self,
        id: ConversationId,
        to: UserId,
        admin_only: bool,
    ) -> Result<(), Refusal> {
        let me = self.agent()?.clone();
        if admin_only && me.role != Role::Admin {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "only admins assign conversations; agents transfer their own",
            ));
        }
        self.act()?;
        let c = self.conversation(id).await?;
        if me.role != Role::Admin && c.assignee != Some(me.id) {
            return Err(Refusal::new(
                ErrorCode::Forbidden,
                "you can transfer only conversations assigned to you",
            ));
        }
        if c.status == ConversationStatus::Resolved {
            return Err(Refusal::new(
                ErrorCode::Invalid,
                "agent: reopen a resolved conversation before assigning it",
            ));
        }
        let target = self.state.store.user(to).await?;
        if target
            .as_ref()
            .is_none_or(|u| u.role < Role::Agent || !u.active)
        {
            return Err(Refusal::new(
                ErrorCode::Invalid,
                format!("agent: user {to} is not an agent"),
            ));
        }
        let desk = &self.state.desk;
        self.state
            .store
            .set_assignee(id, Some(to), Some(desk.reroute_deadline()), desk.now())
            .await?;
        desk.announce_assignment(id, c.assignee, Some(to), Handover::By(me.username))
            .await?;
        Ok(())
    }

    pub async fn status(
        &mut self,
        id: ConversationId,
        status: ConversationStatus,
    ) -> Result<(), Refusal> {
        let me = self.agent()?.clone();
        self.act()?;
        let c = self.conversation(id).await?;
        if c.status == status {
            return Ok(());
        }
        let by = me.username.clone();
        let line = match status {
            ConversationStatus::Open => SystemEvent::Reopened { by: Some(by) },
            ConversationStatus::Pending => SystemEvent::Waiting { by },
            ConversationStatus::Resolved => SystemEvent::Resolved { by },
        };
        self.state
            .desk
            .change_status(id, status, line, c.assignee)
            .await?;
        Ok(())
    }

    pub async fn subscribe(&mut self) -> Result<(), Refusal> {
        let me = self.agent()?.clone();
        self.act()?;
        let desk = &self.state.desk;
        // Subscribe before the snapshot: a change in between arrives twice,
        // never not at all (rows replace by id).
        self.state.hub.add_console(self.outbox.id);
        let conversations = self
            .state
            .store
            .list_conversations(ListFilter::Desk {
                agent: me.id,
                admin: me.role == Role::Admin,
            })
            .await?;
        let agents = desk.agents().await?;
        self.reply(&ServerFrame::SupportDesk {
            conversations,
            agents,
        });
        Ok(())
    }
}
