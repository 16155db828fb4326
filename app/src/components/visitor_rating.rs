//! Asked once a conversation is resolved: 1–5 stars (radio buttons) and an
//! optional comment, sent as `support.rate`; thanks once sent.

use leptos::either::Either;
use leptos::prelude::*;

use super::use_visitor;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::MAX_COMMENT_CHARS;

#[component]
pub fn VisitorRating() -> impl IntoView {
    let visitor = use_visitor();
    let i18n = use_i18n();
    let score = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(s) = score.get_untracked() {
            let c = comment.get_untracked();
            let c = c.trim();
            visitor.rate(s, (!c.is_empty()).then(|| c.to_owned()));
        }
    };

    move || match visitor.rated.get() {
        Some(_) => Either::Left(view! {
            <p class="visitor-thanks ok" role="note">{tr(i18n, |l| td_string!(l, visitor.rating.thanks))}</p>
        }),
        None => Either::Right(view! {
            <form class="visitor-rating" on:submit=on_submit>
                <fieldset>
                    <legend>{tr(i18n, |l| td_string!(l, visitor.rating.how_did_we_do))}</legend>
                    <div class="visitor-stars">
                        {(1..=5u8)
                            .map(|n| {
                                let label = move || if n == 1 {
                                    t_string!(i18n, visitor.rating.one_star).to_string()
                                } else {
                                    t_string!(i18n, visitor.rating.stars, count = n).to_string()
                                };
                                view! {
                                    <label class="visitor-star" class:lit=move || score.get().is_some_and(|s| s >= n)>
                                        <input type="radio" name="visitor-score" value=n.to_string()
                                            prop:checked=move || score.get() == Some(n)
                                            on:change=move |_| score.set(Some(n))/>
                                        <span aria-hidden="true">"★"</span>
                                        <span class="visually-hidden">{label}</span>
                                    </label>
                                }
                            })
                            .collect_view()}
                    </div>
                </fieldset>
                <label for="visitor-comment">{tr(i18n, |l| td_string!(l, visitor.rating.comment))}</label>
                <textarea id="visitor-comment" rows="2" maxlength=MAX_COMMENT_CHARS.to_string()
                    prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                <button class="button primary" type="submit" disabled=move || score.with(Option::is_none)>
                    {tr(i18n, |l| td_string!(l, visitor.rating.send))}
                </button>
            </form>
        }),
    }
}
