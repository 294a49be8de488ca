//! `/` of `fleet serve`: the fleet's view as a page for a person. The
//! table of `fleet status` (its cells from the one view), the rows a person
//! must act on marked and listed first, and each migration's lag over time
//! drawn on the server as SVG. No JavaScript, no asset from elsewhere; it
//! refreshes itself.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use super::state::Reading;
use super::view::{Column, FleetView, MigrationView, PAGE_COLUMNS};

/// Seconds between two refreshes of the page.
pub const REFRESH_SECONDS: u32 = 5;

/// The widest span the chart draws: the readings of the last week.
const SPAN: u64 = 7 * 24 * 3600;

/// Points drawn per line at most (the readings are already thinned).
const CHART_POINTS: usize = 150;
const ROW_POINTS: usize = 40;

/// Lines told apart by colour (Okabe–Ito, readable with colour blindness).
const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#111}\
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}\
p{margin:.2rem 0}.meta{color:#555}\
table{border-collapse:collapse;font-size:.9rem}th,td{padding:.25rem .6rem;text-align:left;\
border-bottom:1px solid #ddd;vertical-align:middle;white-space:nowrap}td.next{white-space:normal}\
th{background:#f3f3f3}\
tr.attention td{background:#fde2e1}tr.attention td:first-child{border-left:4px solid #c00}\
#attention{border:2px solid #c00;padding:.4rem .8rem;background:#fff5f5;display:inline-block}\
#attention li{margin:.2rem 0}svg text{font-size:11px;fill:#333}";

/// Escapes text for HTML and SVG, in content and in attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An `id` for a migration's row: its name, with every character that is
/// not a letter, digit, `-` or `_` written as its code.
fn row_id(name: &str) -> String {
    let mut id = String::from("m-");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            id.push(c);
        } else {
            let _ = write!(id, ".{:x}", u32::from(c));
        }
    }
    id
}

/// At most `points` of `readings`, the highest lag of each stretch of
/// time kept (a peak stays visible).
fn fewer(readings: &[Reading], from: u64, to: u64, points: usize) -> Vec<Reading> {
    let inside: Vec<Reading> = readings
        .iter()
        .copied()
        .filter(|(at, _)| *at >= from && *at <= to)
        .collect();
    if inside.len() <= points {
        return inside;
    }
    let width = (to - from).max(1).div_ceil(points as u64);
    let mut kept: Vec<Reading> = Vec::new();
    for (at, lag) in inside {
        let stretch = (at - from) / width;
        match kept.last_mut() {
            Some(last) if (last.0 - from) / width == stretch => {
                if lag >= last.1 {
                    *last = (at, lag);
                }
            }
            _ => kept.push((at, lag)),
        }
    }
    kept
}

/// A rounded top for the lag axis: 1, 2 or 5 times a power of ten.
fn nice_top(max: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= max {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// A duration as the axis says it: `45s`, `12m`, `3h`, `2d`.
fn short(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 2 * 3600 => format!("{}m", s / 60),
        s if s < 2 * 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// A polyline's points for `readings` in a box `width` × `height`, time
/// from `from` to `to` and lag from 0 to `top`.
fn points(readings: &[Reading], from: u64, to: u64, top: u64, width: f64, height: f64) -> String {
    let span = (to - from).max(1) as f64;
    let mut out = String::new();
    for (at, lag) in readings {
        let x = (at - from) as f64 / span * width;
        let y = height - (*lag).min(top) as f64 / top.max(1) as f64 * height;
        let _ = write!(out, "{x:.1},{y:.1} ");
    }
    out.trim_end().to_owned()
}

/// The chart of every migration's lag over time.
fn chart(view: &FleetView, now: u64) -> String {
    let (width, height, left, bottom) = (900.0, 260.0, 48.0, 22.0);
    let plot_w = width - left - 10.0;
    let plot_h = height - bottom - 10.0;
    let oldest = view
        .migrations
        .iter()
        .filter_map(|m| m.readings.first().map(|r| r.0))
        .min();
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg id=\"lag-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"Each migration's lag over time\">"
    );
    let Some(oldest) = oldest else {
        let _ = write!(
            svg,
            "<text x=\"{left}\" y=\"{}\">No lag read yet: apply records one at each read of a \
             job.</text></svg>",
            height / 2.0
        );
        return svg;
    };
    let to = now.max(oldest + 60);
    let from = oldest.max(to.saturating_sub(SPAN));
    let top = nice_top(
        view.migrations
            .iter()
            .flat_map(|m| m.readings.iter())
            .filter(|(at, _)| *at >= from)
            .map(|(_, lag)| *lag)
            .max()
            .unwrap_or(1)
            .max(1),
    );
    let _ = write!(
        svg,
        "<g transform=\"translate({left},10)\">\
         <rect width=\"{plot_w}\" height=\"{plot_h}\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
    );
    // Lag gridlines: 0, half, top.
    for part in [0u32, 1, 2] {
        let y = plot_h - plot_h * f64::from(part) / 2.0;
        let value = top * u64::from(part) / 2;
        let _ = write!(
            svg,
            "<line x1=\"0\" x2=\"{plot_w}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/>\
             <text x=\"-6\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            y + 4.0,
            short(value)
        );
    }
    // Time ticks: the start, three between, now.
    for part in 0..=4u64 {
        let x = plot_w * part as f64 / 4.0;
        let ago = (to - from) * (4 - part) / 4;
        let label = if ago == 0 {
            "now".to_owned()
        } else {
            format!("-{}", short(ago))
        };
        let _ = write!(
            svg,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
            plot_h + 16.0
        );
    }
    for (index, m) in view.migrations.iter().enumerate() {
        let drawn = fewer(&m.readings, from, to, CHART_POINTS);
        if drawn.is_empty() {
            continue;
        }
        let line = points(&drawn, from, to, top, plot_w, plot_h);
        // The last reading as a dot: a line of one reading draws nothing.
        let (x, y) = line
            .rsplit(' ')
            .next()
            .and_then(|p| p.split_once(','))
            .unwrap_or(("0", "0"));
        let colour = PALETTE[index % PALETTE.len()];
        let _ = write!(
            svg,
            "<g><title>{name}: {lag}</title><polyline class=\"lag\" data-name=\"{name}\" \
             fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{line}\"/>\
             <circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{colour}\"/></g>",
            name = escape(&m.name),
            lag = escape(&m.cell(Column::Lag)),
        );
    }
    svg.push_str("</g></svg>");
    svg
}

/// A row's own small chart, in its line's colour.
fn row_chart(m: &MigrationView, index: usize, now: u64) -> String {
    let Some(&(oldest, _)) = m.readings.first() else {
        return "-".to_owned();
    };
    let to = now.max(oldest + 60);
    let from = oldest.max(to.saturating_sub(SPAN));
    let drawn = fewer(&m.readings, from, to, ROW_POINTS);
    let top = drawn.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    let line = points(&drawn, from, to, top, 118.0, 20.0);
    let (x, y) = line
        .rsplit(' ')
        .next()
        .and_then(|p| p.split_once(','))
        .unwrap_or(("0", "0"));
    format!(
        "<svg class=\"row-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" \
         height=\"24\" viewBox=\"0 0 120 24\" role=\"img\" aria-label=\"lag of {name}, at \
         most {top}s\"><polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" \
         points=\"{line}\"/><circle cx=\"{x}\" cy=\"{y}\" r=\"2\" fill=\"{colour}\"/></svg>",
        name = escape(&m.name),
        colour = PALETTE[index % PALETTE.len()],
    )
}

/// The page for `view`, read from `state` at `now`.
pub fn render(view: &FleetView, state: &str, now: SystemTime) -> String {
    let unix = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Fleet: {}</title><style>{STYLE}</style></head><body>\
         <h1>Fleet: {}</h1>\
         <p class=\"meta\">state {}: {} · read {} · this page reads it again every {REFRESH_SECONDS} s</p>\
         <p id=\"summary\">{}</p>",
        escape(&crate::output::count(view.migrations.len(), "migration")),
        escape(&crate::output::count(view.migrations.len(), "migration")),
        escape(state),
        if view.apply_running {
            "an apply is running"
        } else {
            "no apply is running"
        },
        humantime::format_rfc3339_seconds(now),
        escape(&view.summary()),
    );
    let wanted: Vec<(&MigrationView, String)> = view
        .migrations
        .iter()
        .filter_map(|m| Some((m, m.attention(now)?)))
        .collect();
    if !wanted.is_empty() {
        page.push_str("<section id=\"attention\"><h2>Needs you</h2><ul>");
        for (m, why) in &wanted {
            let _ = write!(
                page,
                "<li><a href=\"#{}\">{}</a>: {}</li>",
                row_id(&m.name),
                escape(&m.name),
                escape(why)
            );
        }
        page.push_str("</ul></section>");
    }
    page.push_str("<h2>Lag over time</h2>");
    page.push_str(&chart(view, unix));
    page.push_str("<h2>Migrations</h2><table id=\"migrations\"><thead><tr>");
    for (title, _) in PAGE_COLUMNS {
        let _ = write!(page, "<th>{title}</th>");
    }
    page.push_str("</tr></thead><tbody>");
    for (index, m) in view.migrations.iter().enumerate() {
        let attention = m.attention(now);
        let _ = write!(
            page,
            "<tr id=\"{}\" data-name=\"{}\"{}>",
            row_id(&m.name),
            escape(&m.name),
            if attention.is_some() {
                " class=\"attention\""
            } else {
                ""
            }
        );
        for (_, column) in PAGE_COLUMNS {
            match column {
                Column::Lags => {
                    let _ = write!(page, "<td>{}</td>", row_chart(m, index, unix));
                }
                Column::Next => {
                    let _ = write!(page, "<td class=\"next\">{}</td>", escape(&m.cell(column)));
                }
                Column::Waiting => {
                    let _ = write!(
                        page,
                        "<td class=\"waiting\">{}</td>",
                        escape(&m.cell(column))
                    );
                }
                column => {
                    let _ = write!(page, "<td>{}</td>", escape(&m.cell(column)));
                }
            }
        }
        page.push_str("</tr>");
    }
    page.push_str("</tbody></table></body></html>\n");
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_make_ids() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(row_id("app 01/é"), "m-app.2001.2f.e9");
    }

    /// A week of readings every 15 s, thinned as the state keeps them:
    /// a line draws at most its points, and the week's peak stays.
    #[test]
    fn a_line_keeps_its_peak_with_fewer_points() {
        let now = 2_000_000_000;
        let mut readings: Vec<Reading> = (0..40_320u64)
            .map(|i| (now - SPAN + i * 15, 30 + i % 7))
            .collect();
        readings[20_000].1 = 900;
        let drawn = fewer(&readings, now - SPAN, now, CHART_POINTS);
        assert!(drawn.len() <= CHART_POINTS, "{}", drawn.len());
        assert_eq!(drawn.iter().map(|r| r.1).max(), Some(900));
        assert_eq!(nice_top(901), 1000);
        assert_eq!(nice_top(40), 50);
    }
}
