//! The demo leak's guide: the exercises a trainer walks a class through, each a question, a "Show me" that
//! runs the search answering it (and gets out of the way so the list, reader and details show the answer),
//! and what to look at once there.

use yew::prelude::*;

use crate::format;
use crate::protocol::LessonView;

/// Guide properties.
#[derive(Properties, PartialEq)]
pub struct DemoGuideProps {
    /// The exercises.
    pub lessons: Vec<LessonView>,
    /// The exercise last shown, if any.
    pub current: Option<usize>,
    /// "Show me" on exercise N.
    pub on_show: Callback<usize>,
    /// Close the guide.
    pub on_close: Callback<()>,
}

/// The guide panel.
#[component(DemoGuide)]
pub fn demo_guide(p: &DemoGuideProps) -> Html {
    html! {
        <aside class="case-panel guide-panel" data-testid="demo-guide" aria-label="Demo guide">
            <div class="case-head">
                <h2>{ "Demo guide: the Northwind leak" }</h2>
                <button class="link" onclick={p.on_close.reform(|_| ())}>{ "Close" }</button>
            </div>
            <p class="guide-intro">
                { "The mail of an invented port authority about a dredging contract, leaked as leaks arrive: two mailboxes, a zip of one official's mail, and an archived DKIM key record. Every name and address is made up; the files were built inside this browser, nothing was downloaded." }
            </p>
            <p class="muted">{ "Each exercise runs a search, opens its first message and closes this guide so the answer is in view. The Guide button brings it back. Clear the search box to see all the mail again." }</p>
            <ol class="lessons">
            { for p.lessons.iter().enumerate().map(|(i, l)| {
                let show = p.on_show.reform(move |_: MouseEvent| i);
                let current = p.current == Some(i);
                html! {
                    <li class={classes!("lesson", current.then_some("current"))} data-testid="lesson" data-query={l.query}>
                        <div class="lesson-head">
                            <strong>{ l.title }</strong>
                            <button class="button small" data-testid="lesson-show" onclick={show}
                                title={format!("Search for {}", l.query)}>{ "Show me" }</button>
                        </div>
                        <p class="lesson-question">{ l.question }</p>
                        <p class="muted lesson-query"><code>{ l.query }</code>{ format!(" finds {}", format::plural(u64::from(l.expect), "message", "messages")) }</p>
                        <details open={current}>
                            <summary>{ "What to look for" }</summary>
                            <p>{ l.explain }</p>
                        </details>
                    </li>
                }
            }) }
            </ol>
        </aside>
    }
}
