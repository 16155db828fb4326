//! The widget's iframe and the page that embeds it (`widget.js`) trading the
//! visitor token with `postMessage`.
//!
//! The visitor cookie belongs to our origin, which is a third-party origin
//! inside the embedding site, and Safari, Firefox (strict) and Brave drop such
//! cookies. So `widget.js` keeps the token (the cookie's own signed value) in
//! the embedding site's `localStorage`: the iframe asks for it before its
//! session call ([`token_from_host`]) and hands back each new one
//! ([`hand_token`]). Messages go to the embedding origin only (`host`, which
//! the server checked against `SWITCHBOARD_WIDGET_ORIGINS` before serving the
//! page) and are taken only from it and from our parent window.
//!
//! The messages: `{type: "switchboard:ready"}` (iframe → page: "send me your
//! token"), `{type: "switchboard:token", token: string | null}` (both ways:
//! the token to use or keep; `null`: none, or forget it).

/// How long the iframe waits for the embedding page's answer. `widget.js`
/// answers at once; a page that frames `/support` without it never does.
#[cfg(target_arch = "wasm32")]
const ANSWER_MS: u32 = 1_500;

#[cfg(target_arch = "wasm32")]
const READY: &str = "switchboard:ready";
#[cfg(target_arch = "wasm32")]
const TOKEN: &str = "switchboard:token";

/// The visitor token the embedding page at `host` kept, if it has one and
/// answers in time.
pub async fn token_from_host(host: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        imp::token_from_host(host).await
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = host;
        None
    }
}

/// Hands the embedding page at `host` the token to keep (`None`: forget the
/// one it has).
pub fn hand_token(host: &str, token: Option<&str>) {
    #[cfg(target_arch = "wasm32")]
    {
        if let Some(parent) = imp::parent() {
            let _ = parent.post_message(&imp::message(TOKEN, token), host);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (host, token);
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::{cell::RefCell, rc::Rc};

    use futures_util::{future::FutureExt, pin_mut, select_biased};
    use gloo_timers::future::TimeoutFuture;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};

    use super::{ANSWER_MS, READY, TOKEN};

    /// The window that frames us, if we are framed.
    pub(super) fn parent() -> Option<web_sys::Window> {
        let window = web_sys::window()?;
        let parent = window.parent().ok()??;
        (!js_sys::Object::is(&parent, &window)).then_some(parent)
    }

    pub(super) fn message(kind: &str, token: Option<&str>) -> JsValue {
        let m = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&m, &"type".into(), &kind.into());
        if kind == TOKEN {
            let token = token.map_or(JsValue::NULL, JsValue::from);
            let _ = js_sys::Reflect::set(&m, &"token".into(), &token);
        }
        m.into()
    }

    fn field(data: &JsValue, name: &str) -> Option<String> {
        js_sys::Reflect::get(data, &name.into()).ok()?.as_string()
    }

    pub(super) async fn token_from_host(host: &str) -> Option<String> {
        let window = web_sys::window()?;
        let parent = parent()?;
        let (tx, rx) = futures_channel::oneshot::channel::<Option<String>>();
        let tx = Rc::new(RefCell::new(Some(tx)));
        let (expected, from) = (host.to_owned(), parent.clone());
        let listener =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let from_parent = e.source().is_some_and(|s| js_sys::Object::is(&s, &from));
                let data = e.data();
                if e.origin() != expected
                    || !from_parent
                    || field(&data, "type").as_deref() != Some(TOKEN)
                {
                    return;
                }
                if let Some(tx) = tx.borrow_mut().take() {
                    let _ = tx.send(field(&data, "token"));
                }
            });
        let callback = listener.as_ref().unchecked_ref();
        window
            .add_event_listener_with_callback("message", callback)
            .ok()?;
        let answer = if parent.post_message(&message(READY, None), host).is_ok() {
            let answer = rx.fuse();
            let timeout = TimeoutFuture::new(ANSWER_MS).fuse();
            pin_mut!(answer, timeout);
            select_biased! {
                token = answer => token.ok().flatten(),
                _ = timeout => None,
            }
        } else {
            None
        };
        let _ = window.remove_event_listener_with_callback("message", callback);
        answer
    }
}
