//! What `fleet apply` shows while it works: on a terminal one live line per
//! migration; otherwise (logs, pipes, CI) a line per change, each starting
//! with the migration's name.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::outcome::End;

pub enum Report {
    Live(HashMap<String, ProgressBar>),
    Plain,
}

impl Report {
    /// A report for the migrations `names`, on stderr.
    pub fn for_stderr(names: &[String]) -> Self {
        if !std::io::stderr().is_terminal() {
            return Report::Plain;
        }
        // More migrations than the terminal has lines: live lines would
        // scroll out of reach and go stale; a line per change loses none.
        let height = usize::from(console::Term::stderr().size().0);
        if names.len() + 2 > height {
            eprintln!(
                "{} and a terminal of {height} lines: a line per change instead of a live \
                 line each (`fleet status --watch` shows the fleet in place)",
                crate::output::count(names.len(), "migration")
            );
            return Report::Plain;
        }
        let width = names.iter().map(String::len).max().unwrap_or(0);
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} {{prefix:<{width}}}  {{msg}}  ({{elapsed}})"
        ))
        .expect("a valid template");
        let multi = MultiProgress::new();
        let bars = names
            .iter()
            .map(|name| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.set_prefix(name.clone());
                bar.set_message("waiting for its turn");
                bar.enable_steady_tick(Duration::from_millis(200));
                (name.clone(), bar)
            })
            .collect();
        Report::Live(bars)
    }

    /// Something happened to `name`.
    pub fn line(&self, name: &str, text: &str) {
        match self {
            Report::Live(bars) => {
                if let Some(bar) = bars.get(name) {
                    bar.set_message(text.to_owned());
                }
            }
            Report::Plain => eprintln!("{name}: {text}"),
        }
    }

    /// `name` ended this apply.
    pub fn done(&self, name: &str, end: End, detail: Option<&str>) {
        let text = match detail {
            Some(detail) => format!("{}: {detail}", end.label()),
            None => end.label().to_owned(),
        };
        match self {
            Report::Live(bars) => {
                if let Some(bar) = bars.get(name) {
                    bar.finish_with_message(text);
                }
            }
            Report::Plain => eprintln!("{name}: {text}"),
        }
    }

    /// Ends every live line, so that what follows starts on its own line.
    pub fn finish(&self) {
        if let Report::Live(bars) = self {
            for bar in bars.values().filter(|bar| !bar.is_finished()) {
                bar.abandon();
            }
        }
    }
}
