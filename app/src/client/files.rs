//! Attachments' bytes: uploading one (`POST /api/files`, multipart, field
//! `file`) with its progress and a way to cancel it, and — for the visitor —
//! fetching one as a blob URL.
//!
//! Uploads go through `XMLHttpRequest`, the one place the app uses it:
//! `fetch` reports no upload progress. The visitor's page cannot point an
//! `<img>` or a link at a file: in the widget's iframe without third-party
//! cookies only the visitor-token header carries who they are, and an element
//! sends no header. So [`Blobs`] fetches the bytes with the header and hands
//! out object URLs, kept while a view shows them (logged-in users' pages use
//! the files' own URLs: their session cookie goes with every request).
//!
//! Outside the browser nothing uploads or fetches: the stand-ins do nothing.

use leptos::prelude::*;

use crate::client::browser;

/// Where uploads go.
#[cfg(target_arch = "wasm32")]
const UPLOAD_PATH: &str = "/api/files";

/// How long an object URL no view shows is kept: a list rebuilt on each new
/// message drops its pictures and makes them again at once, and should find
/// them still there.
const KEEP_UNUSED: std::time::Duration = std::time::Duration::from_secs(2);

/// An upload in flight. [`Upload::cancel`] aborts it; its `done` then gets a
/// network error, which the caller, having forgotten the upload, ignores.
pub struct Upload {
    #[cfg(target_arch = "wasm32")]
    xhr: web_sys::XmlHttpRequest,
}

impl Upload {
    pub fn cancel(&self) {
        #[cfg(target_arch = "wasm32")]
        let _ = self.xhr.abort();
    }
}

/// Starts uploading `file`: `progress` gets 0–100 as bytes leave, `done` the
/// server's [`FileInfo`](crate::protocol::FileInfo) or why not, once. A
/// visitor passes their token (see `client::http`'s `call_as_visitor`).
#[cfg(target_arch = "wasm32")]
pub fn upload(
    file: &web_sys::File,
    visitor_token: Option<&str>,
    progress: impl Fn(u8) + 'static,
    done: impl FnOnce(Result<crate::protocol::FileInfo, super::http::ApiError>) + 'static,
) -> Result<Upload, super::http::ApiError> {
    use super::http::ApiError;
    use wasm_bindgen::{closure::Closure, JsCast};

    let failed = |e: wasm_bindgen::JsValue| ApiError::Network(format!("{e:?}"));
    let xhr = web_sys::XmlHttpRequest::new().map_err(failed)?;
    xhr.open("POST", UPLOAD_PATH).map_err(failed)?;
    xhr.set_request_header("Accept", "application/json")
        .map_err(failed)?;
    if let Some(token) = visitor_token {
        xhr.set_request_header(crate::protocol::VISITOR_TOKEN_HEADER, token)
            .map_err(failed)?;
    }
    let form = web_sys::FormData::new().map_err(failed)?;
    form.append_with_blob_and_filename("file", file, &file.name())
        .map_err(failed)?;

    let sending = xhr.upload().map_err(failed)?;
    let on_progress =
        Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                progress((ev.loaded() / ev.total() * 100.0).clamp(0.0, 100.0) as u8);
            }
        });
    sending.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    // `loadend` comes once, after a load, an error or an abort, so the
    // handler frees itself (`once_into_js`) and the progress handler with it.
    let answered = xhr.clone();
    let on_end = Closure::once_into_js(move || {
        sending.set_onprogress(None);
        drop(on_progress);
        done(answer(&answered));
    });
    xhr.set_onloadend(Some(on_end.unchecked_ref()));
    xhr.send_with_opt_form_data(Some(&form)).map_err(failed)?;
    Ok(Upload { xhr })
}

/// What an ended upload came to.
#[cfg(target_arch = "wasm32")]
fn answer(
    xhr: &web_sys::XmlHttpRequest,
) -> Result<crate::protocol::FileInfo, super::http::ApiError> {
    use super::http::{error_from, ApiError};
    // 0: no answer (offline, refused before the body was read, or aborted).
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return Err(ApiError::Network("the upload did not finish".into()));
    }
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(error_from(status, &text));
    }
    serde_json::from_str(&text).map_err(|e| ApiError::Network(format!("unexpected answer: {e}")))
}

/// One file the visitor's page fetched or is fetching.
#[derive(Clone, Debug, PartialEq)]
struct Held {
    url: String,
    /// Views showing it now.
    views: u32,
    /// A fetch was started and has not failed.
    asked: bool,
    /// Its object URL, once fetched.
    object: Option<String>,
}

/// The bookkeeping of [`Blobs`], apart from the browser so it can be tested.
#[derive(Clone, Debug, Default, PartialEq)]
struct Holds(Vec<Held>);

impl Holds {
    fn find(&mut self, url: &str) -> Option<&mut Held> {
        self.0.iter_mut().find(|h| h.url == url)
    }

    /// A view shows `url`: true when its bytes are to be fetched now.
    fn hold(&mut self, url: &str) -> bool {
        if self.find(url).is_none() {
            self.0.push(Held {
                url: url.to_owned(),
                views: 0,
                asked: false,
                object: None,
            });
        }
        let Some(h) = self.find(url) else {
            return false;
        };
        h.views += 1;
        let fetch = !h.asked;
        h.asked = true;
        fetch
    }

    /// A view of `url` went: true when none is left (sweep it later).
    fn release(&mut self, url: &str) -> bool {
        match self.find(url) {
            Some(h) => {
                h.views = h.views.saturating_sub(1);
                h.views == 0
            }
            None => false,
        }
    }

    /// A fetch of `url` ended with `object` (`None`: it failed). Returns an
    /// object URL nobody needs any more, to revoke.
    fn fetched(&mut self, url: &str, object: Option<String>) -> Option<String> {
        match self.find(url) {
            Some(h) if h.views > 0 && object.is_some() => {
                h.object = object;
                None
            }
            Some(h) => {
                // Nobody wants it now (or it failed): a later view asks again.
                h.asked = false;
                object
            }
            None => object,
        }
    }

    /// Forgets `url` if no view shows it; returns its object URL to revoke.
    fn sweep(&mut self, url: &str) -> Option<String> {
        let at = self.0.iter().position(|h| h.url == url && h.views == 0)?;
        self.0.remove(at).object
    }

    fn object(&self, url: &str) -> Option<String> {
        self.0
            .iter()
            .find(|h| h.url == url)
            .and_then(|h| h.object.clone())
    }
}

/// The visitor's files as object URLs: fetched with the visitor token once
/// per file however many views show it, revoked a moment after the last
/// view showing it goes.
#[derive(Clone, Copy)]
pub struct Blobs {
    /// The visitor token (in the widget), read when a fetch starts.
    token: StoredValue<Option<String>>,
    /// A signal: a picture waiting for its bytes shows them when they come.
    holds: RwSignal<Holds>,
}

impl Blobs {
    pub fn new(token: StoredValue<Option<String>>) -> Self {
        Blobs {
            token,
            holds: RwSignal::new(Holds::default()),
        }
    }

    /// Keeps `url`'s bytes while the current view lives, fetching them the
    /// first time; [`Blobs::get`] gives their object URL once they are here.
    pub fn hold(self, url: &str) {
        let fetch = self
            .holds
            .try_maybe_update(|h| (false, h.hold(url)))
            .unwrap_or(false);
        if fetch {
            let url = url.to_owned();
            leptos::task::spawn_local(async move {
                let object = object_url(&url, self.token.try_get_value().flatten()).await;
                if let Err(e) = &object {
                    browser::warn(&format!("could not load {url}: {e}"));
                }
                let unwanted = self
                    .holds
                    .try_update(|h| h.fetched(&url, object.as_ref().ok().cloned()));
                match unwanted {
                    Some(Some(gone)) => revoke(&gone),
                    // The page went meanwhile.
                    None => {
                        if let Ok(gone) = object {
                            revoke(&gone);
                        }
                    }
                    Some(None) => {}
                }
            });
        }
        let url = url.to_owned();
        on_cleanup(move || {
            let unused = self
                .holds
                .try_maybe_update(|h| (false, h.release(&url)))
                .unwrap_or(false);
            if unused {
                browser::after(KEEP_UNUSED, move || {
                    let gone = self
                        .holds
                        .try_maybe_update(|h| (false, h.sweep(&url)))
                        .flatten();
                    if let Some(gone) = gone {
                        revoke(&gone);
                    }
                });
            }
        });
    }

    /// `url`'s object URL, once fetched (tracked: a view updates when it comes).
    pub fn get(self, url: &str) -> Option<String> {
        self.holds.with(|h| h.object(url))
    }

    /// Downloads `url` as `name`: fetched with the token, then saved through
    /// a link to its object URL (a link to the file itself would go without
    /// the token).
    pub fn save(self, url: String, name: String) {
        leptos::task::spawn_local(async move {
            match object_url(&url, self.token.try_get_value().flatten()).await {
                Ok(object) => {
                    click_download(&object, &name);
                    // The download has its bytes by the time this runs.
                    browser::after(std::time::Duration::from_secs(60), move || revoke(&object));
                }
                Err(e) => browser::warn(&format!("could not download {url}: {e}")),
            }
        });
    }
}

/// Fetches `url` (with the visitor token when there is one) into an object URL.
#[cfg(target_arch = "wasm32")]
async fn object_url(
    url: &str,
    visitor_token: Option<String>,
) -> Result<String, super::http::ApiError> {
    use super::http::{error_from, ApiError};
    use wasm_bindgen::JsCast;
    let network = |e: gloo_net::Error| ApiError::Network(e.to_string());
    let failed = |e: wasm_bindgen::JsValue| ApiError::Network(format!("{e:?}"));
    let mut request =
        gloo_net::http::Request::get(url).credentials(web_sys::RequestCredentials::Include);
    if let Some(token) = &visitor_token {
        request = request.header(crate::protocol::VISITOR_TOKEN_HEADER, token);
    }
    let response = request.send().await.map_err(network)?;
    if !response.ok() {
        let text = response.text().await.unwrap_or_default();
        return Err(error_from(response.status(), &text));
    }
    let raw = web_sys::Response::from(response);
    let blob = wasm_bindgen_futures::JsFuture::from(raw.blob().map_err(failed)?)
        .await
        .map_err(failed)?;
    web_sys::Url::create_object_url_with_blob(blob.unchecked_ref()).map_err(failed)
}

#[cfg(not(target_arch = "wasm32"))]
async fn object_url(
    _url: &str,
    _visitor_token: Option<String>,
) -> Result<String, super::http::ApiError> {
    Err(super::http::ApiError::Network(
        "only available in the browser".into(),
    ))
}

fn revoke(object: &str) {
    #[cfg(target_arch = "wasm32")]
    let _ = web_sys::Url::revoke_object_url(object);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = object;
}

/// Saves an object URL as a file named `name`, as a click on a link would.
fn click_download(object: &str, name: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let link = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("a").ok())
            .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        if let Some(link) = link {
            link.set_href(object);
            link.set_download(name);
            link.click();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (object, name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_fetch_per_file_however_many_views() {
        let mut h = Holds::default();
        assert!(h.hold("/a"), "the first view fetches");
        assert!(!h.hold("/a"), "the second waits for the same bytes");
        assert_eq!(h.fetched("/a", Some("blob:1".into())), None);
        assert_eq!(h.object("/a").as_deref(), Some("blob:1"));
        assert!(!h.release("/a"));
        assert!(h.release("/a"), "the last view went");
        // A list rebuilt at once holds it again before the sweep.
        assert!(!h.hold("/a"), "still here: no second fetch");
        assert_eq!(h.sweep("/a"), None, "held again: kept");
        assert!(h.release("/a"));
        assert_eq!(h.sweep("/a").as_deref(), Some("blob:1"));
        assert_eq!(h.object("/a"), None);
    }

    #[test]
    fn bytes_nobody_waits_for_are_given_back() {
        let mut h = Holds::default();
        assert!(h.hold("/b"));
        assert!(h.release("/b"));
        // Arrived after its view went: revoke it, and a later view fetches again.
        assert_eq!(
            h.fetched("/b", Some("blob:2".into())).as_deref(),
            Some("blob:2")
        );
        assert!(h.hold("/b"));
        // A failed fetch is asked again by the next view.
        assert_eq!(h.fetched("/b", None), None);
        assert!(h.hold("/b"));
        assert_eq!(
            h.fetched("/gone", Some("blob:3".into())).as_deref(),
            Some("blob:3")
        );
    }
}
