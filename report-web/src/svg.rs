//! Charts as inline SVG, written by hand: no scripts, no fonts to fetch.
//! Every text that reaches the SVG is escaped here.

use std::collections::BTreeMap;

use keyledger_schemas::time;

/// Escape text for XML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

const PALETTE: [&str; 6] = [
    "#2f6db5", "#1d7a46", "#a15c00", "#6b3fa0", "#b3261e", "#8a94a6",
];

fn status_colour(status: &str) -> &'static str {
    match status {
        "COMPLIANT" => "#1d7a46",
        "NON_COMPLIANT" => "#b3261e",
        "UNKNOWN" => "#6b3fa0",
        _ => "#8a94a6",
    }
}

/// One horizontal bar split by verdict.
pub fn verdict_bar(counts: &[(String, usize)]) -> String {
    let total: usize = counts.iter().map(|c| c.1).sum();
    if total == 0 {
        return String::new();
    }
    let (w, h) = (600.0, 28.0);
    let mut x = 0.0;
    let mut out = format!(
        r#"<svg role="img" aria-label="keys by verdict" width="{w}" height="{}" viewBox="0 0 {w} {}">"#,
        h + 22.0,
        h + 22.0
    );
    for (status, n) in counts {
        let width = w * *n as f64 / total as f64;
        out.push_str(&format!(
            r#"<rect x="{x:.1}" y="0" width="{width:.1}" height="{h}" fill="{}"><title>{}: {n}</title></rect>"#,
            status_colour(status),
            esc(status)
        ));
        if width > 60.0 {
            out.push_str(&format!(
                r#"<text x="{:.1}" y="{}">{} {n}</text>"#,
                x + 4.0,
                h + 15.0,
                esc(status)
            ));
        }
        x += width;
    }
    out.push_str("</svg>");
    out
}

/// Stacked daily bars per series, with days to mark (findings) in red.
pub fn daily_usage(days: &BTreeMap<i32, BTreeMap<String, i64>>, marks: &[i32]) -> String {
    let (Some(first), Some(last)) = (days.keys().next().copied(), days.keys().last().copied())
    else {
        return "<p class=\"muted\">No use recorded.</p>".into();
    };
    let mut series: Vec<String> = days.values().flat_map(|d| d.keys().cloned()).collect();
    series.sort();
    series.dedup();
    let n = (last - first + 1).max(1) as f64;
    let max = days
        .values()
        .map(|d| d.values().sum::<i64>())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (w, h, left, bottom) = (900.0, 220.0, 48.0, 20.0);
    let bar = ((w - left) / n).max(1.0);
    let mut out = format!(
        r#"<svg role="img" aria-label="use per day" width="{w}" height="{}" viewBox="0 0 {w} {}">"#,
        h + bottom + 16.0 * series.len() as f64 + 8.0,
        h + bottom + 16.0 * series.len() as f64 + 8.0
    );
    out.push_str(&format!(
        r#"<text x="0" y="12">{}</text><text x="0" y="{h}">0</text>"#,
        max as i64
    ));
    for (day, counts) in days {
        let x = left + (f64::from(day - first)) * bar;
        let mut y = h;
        for (i, s) in series.iter().enumerate() {
            let v = *counts.get(s).unwrap_or(&0) as f64;
            if v <= 0.0 {
                continue;
            }
            let bh = (h - 4.0) * v / max;
            y -= bh;
            out.push_str(&format!(
                r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{bh:.1}" fill="{}"><title>{} {}: {}</title></rect>"#,
                (bar - 1.0).max(0.5),
                PALETTE[i % PALETTE.len()],
                time::date32_to_string(*day),
                esc(s),
                v as i64
            ));
        }
    }
    for m in marks.iter().filter(|m| (first..=last).contains(*m)) {
        let x = left + f64::from(m - first) * bar + bar / 2.0;
        out.push_str(&format!(
            r##"<path d="M{x:.1} 2 l5 9 h-10 z" fill="#b3261e"><title>finding on {}</title></path>"##,
            time::date32_to_string(*m)
        ));
    }
    out.push_str(&format!(
        r#"<text x="{left}" y="{}">{}</text><text x="{}" y="{}" text-anchor="end">{}</text>"#,
        h + 14.0,
        time::date32_to_string(first),
        w - 2.0,
        h + 14.0,
        time::date32_to_string(last)
    ));
    for (i, s) in series.iter().enumerate() {
        let y = h + bottom + 16.0 * i as f64 + 10.0;
        out.push_str(&format!(
            r#"<rect x="{left}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{y}">{}</text>"#,
            y - 9.0,
            PALETTE[i % PALETTE.len()],
            left + 16.0,
            esc(s)
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_logs_is_escaped() {
        let mut days = BTreeMap::new();
        days.insert(
            20000,
            BTreeMap::from([("<script>alert('x')</script>\"".to_owned(), 3)]),
        );
        let svg = daily_usage(&days, &[20000]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;"));
        let bar = verdict_bar(&[("<b>".into(), 1)]);
        assert!(bar.contains("&lt;b&gt;") && !bar.contains("<b>"));
    }
}
