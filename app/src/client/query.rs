//! The page's query string, read without the router: the visitor page has
//! no routes, and `leptos_router` only to read `?embed=1&page=…` cost its
//! bundle about 14 KB of WASM.
//!
//! The browser reads `location.search`; the server's render reads the
//! request's URL, which leptos_axum provides to every page it renders, so
//! both see the same values and hydration matches.

/// Decoded `name=value` pairs, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// `application/x-www-form-urlencoded`, as browsers and `URLSearchParams`
    /// read a query: `+` is a space, `%XX` a byte, bad UTF-8 replaced.
    pub fn parse(raw: &str) -> Query {
        let raw = raw.strip_prefix('?').unwrap_or(raw);
        Query(
            form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The current page's query.
    pub fn here() -> Query {
        #[cfg(target_arch = "wasm32")]
        {
            let search = web_sys::window()
                .and_then(|w| w.location().search().ok())
                .unwrap_or_default();
            Query::parse(&search)
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            leptos::prelude::use_context::<leptos_router::location::RequestUrl>()
                .and_then(|url| url.as_ref().split_once('?').map(|(_, q)| Query::parse(q)))
                .unwrap_or_default()
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_decoded_as_a_browser_decodes_them() {
        let q = Query::parse(
            "?embed=1&page=https%3A%2F%2Fshop.test%2Fa%3Fb%3Dc&name=Jo+D%C3%BCrr&email=&embed=2&bad=%ZZ",
        );
        assert_eq!(q.get("embed").as_deref(), Some("1"), "the first value wins");
        assert_eq!(q.get("page").as_deref(), Some("https://shop.test/a?b=c"));
        assert_eq!(q.get("name").as_deref(), Some("Jo Dürr"));
        assert_eq!(q.get("email").as_deref(), Some(""));
        assert_eq!(q.get("bad").as_deref(), Some("%ZZ"));
        assert_eq!(q.get("missing"), None);
        assert_eq!(Query::parse(""), Query::default());
    }
}
