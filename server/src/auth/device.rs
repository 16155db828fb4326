//! A session's device as a person recognises it ("Firefox", "Linux"), read
//! from the `User-Agent` it logged in with. Only the families people know
//! are named; anything else is the product token a client sent first
//! ("curl", "python-requests"), so a script's sessions are recognisable too.

/// What the sessions page shows of a `User-Agent`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Device {
    pub browser: Option<String>,
    pub os: Option<String>,
}

/// Longest name taken from an unknown client's product token.
const PRODUCT_MAX: usize = 32;

/// Reads a `User-Agent`. Order matters: Edge and Opera also say "Chrome",
/// Chrome also says "Safari", and every Android phone also says "Linux".
pub fn describe(user_agent: Option<&str>) -> Device {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return Device::default();
    };
    let has = |needle: &str| ua.contains(needle);
    let browser = if has("Edg/") || has("EdgA/") || has("EdgiOS/") {
        Some("Edge")
    } else if has("OPR/") || has("Opera") {
        Some("Opera")
    } else if has("Firefox/") || has("FxiOS/") {
        Some("Firefox")
    } else if has("HeadlessChrome/") {
        Some("Headless Chrome")
    } else if has("Chromium/") {
        Some("Chromium")
    } else if has("Chrome/") || has("CriOS/") {
        Some("Chrome")
    } else if has("Safari/") && has("Version/") {
        Some("Safari")
    } else {
        None
    };
    let os = if has("iPhone") || has("iPad") || has("iPod") {
        Some("iOS")
    } else if has("Android") {
        Some("Android")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Windows") {
        Some("Windows")
    } else if has("Mac OS X") || has("Macintosh") {
        Some("macOS")
    } else if has("Linux") || has("X11") {
        Some("Linux")
    } else {
        None
    };
    let browser = browser.map(str::to_owned).or_else(|| {
        // "curl/8.5.0" → "curl"; a bare "Mozilla/5.0" says nothing.
        let product = ua.split(['/', ' ']).next().unwrap_or_default();
        (!product.is_empty() && product != "Mozilla")
            .then(|| product.chars().take(PRODUCT_MAX).collect())
    });
    Device {
        browser,
        os: os.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(ua: &str) -> (Option<String>, Option<String>) {
        let d = describe(Some(ua));
        (d.browser, d.os)
    }

    fn some(b: &str, o: &str) -> (Option<String>, Option<String>) {
        (Some(b.into()), Some(o.into()))
    }

    #[test]
    fn common_browsers_and_systems() {
        assert_eq!(pair("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"), some("Chrome", "Linux"));
        assert_eq!(pair("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"), some("Edge", "Windows"));
        assert_eq!(pair("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"), some("Safari", "macOS"));
        assert_eq!(
            pair("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"),
            some("Firefox", "Linux")
        );
        assert_eq!(pair("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"), some("Safari", "iOS"));
        assert_eq!(pair("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"), some("Chrome", "Android"));
        assert_eq!(pair("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"), some("Headless Chrome", "Linux"));
    }

    #[test]
    fn scripts_by_their_product_and_nothing_by_nothing() {
        assert_eq!(pair("curl/8.5.0"), (Some("curl".into()), None));
        assert_eq!(
            pair("python-requests/2.31"),
            (Some("python-requests".into()), None)
        );
        assert_eq!(describe(Some("  ")), Device::default());
        assert_eq!(describe(None), Device::default());
        assert_eq!(pair("Mozilla/5.0"), (None, None));
    }
}
