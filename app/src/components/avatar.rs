//! A user's picture, or until they have one (or where no profiles are
//! known: pages other than the chat and the console) a round badge with their initial, coloured from their
//! name so the same person always gets the same colour. Decorative: the name
//! is always written next to it, so screen readers skip it.

use leptos::either::Either;
use leptos::prelude::*;

use crate::state::Profiles;

/// A hue from the name (FNV-1a), so colours are stable across sessions.
fn hue(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.to_lowercase().bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % 360
}

#[component]
pub fn Avatar(
    #[prop(into)] name: String,
    #[prop(optional)] small: bool,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let profiles = use_context::<Profiles>();
    if let Some(p) = profiles {
        p.want([name.as_str()]);
    }
    let initial = name
        .chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default();
    // Lightness 38% keeps white text above 4.5:1 contrast at every hue.
    let style = format!("background-color: hsl({} 55% 38%)", hue(&name));
    let picture = move || profiles.and_then(|p| p.get(&name)).and_then(|p| p.avatar);
    move || match picture() {
        Some(url) => Either::Left(view! {
            <img class="avatar picture" class:small=small class:large=large src=url alt="" aria-hidden="true"/>
        }),
        None => Either::Right(view! {
            <span class="avatar" class:small=small class:large=large style=style.clone() aria-hidden="true">{initial.clone()}</span>
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::hue;

    #[test]
    fn hue_is_stable_and_case_blind() {
        assert_eq!(hue("Ann"), hue("ann"));
        assert!(hue("bob") < 360);
    }
}
