//! What `watch` shows while it waits: a live status line on a terminal, one
//! plain line per change otherwise (logs, pipes, CI).

use std::io::IsTerminal;
use std::time::{Duration, SystemTime};

use atlas_live_migration_api::WaitEvent;
use indicatif::{ProgressBar, ProgressStyle};

use crate::output;

pub enum Display {
    Live(ProgressBar),
    Plain { last: Option<String> },
}

impl Display {
    pub fn for_stderr() -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}  (waited {elapsed})")
                    .expect("a valid template"),
            );
            bar.set_message("waiting for the first answer");
            bar.enable_steady_tick(Duration::from_millis(120));
            Display::Live(bar)
        } else {
            Display::Plain { last: None }
        }
    }

    pub fn show(&mut self, event: WaitEvent<'_>) {
        // Once the live line was cleared (for a question), go on in lines.
        if let Display::Live(bar) = self
            && bar.is_finished()
        {
            *self = Display::Plain { last: None };
        }
        match (self, event) {
            (Display::Live(bar), WaitEvent::Observed(seen)) => {
                bar.set_message(output::state(&seen.job))
            }
            (Display::Live(bar), WaitEvent::PollFailed { error, .. }) => {
                bar.set_message(format!("poll failed, still waiting: {error}"));
            }
            (Display::Plain { last }, WaitEvent::Observed(seen)) => {
                let state = output::state(&seen.job);
                if last.as_deref() != Some(state.as_str()) {
                    println!(
                        "{} {state}",
                        humantime::format_rfc3339_seconds(SystemTime::now())
                    );
                    *last = Some(state);
                }
            }
            (Display::Plain { .. }, WaitEvent::PollFailed { error, .. }) => {
                eprintln!("poll failed, still waiting: {error}");
            }
            _ => {}
        }
    }

    /// A line of its own, above the live line if there is one.
    pub fn note(&self, line: &str) {
        match self {
            Display::Live(bar) => bar.println(line),
            Display::Plain { .. } => println!("{line}"),
        }
    }

    /// A function that removes the live line, so that what follows starts
    /// on a clean line; usable while `show` is borrowed by the wait.
    pub fn clearer(&self) -> impl Fn() + use<> {
        let bar = match self {
            Display::Live(bar) => Some(bar.clone()),
            Display::Plain { .. } => None,
        };
        move || {
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
        }
    }
}
