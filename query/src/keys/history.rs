//! Compliance across a period: a key's verdict on every day of it.

use super::{KeyTimeline, Status, verdict};

const DAY: i64 = 86_400_000_000;

/// Consecutive days (Date32, inclusive) with one status and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub from: i32,
    pub to: i32,
    pub status: Status,
    pub reason: &'static str,
}

impl Span {
    /// Days in the span.
    pub fn days(&self) -> i32 {
        self.to - self.from + 1
    }
}

/// `2026-03-01..2026-03-31 rotation_disabled`
impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use keyledger_schemas::time::date32_to_string as day;
        write!(f, "{}..{} {}", day(self.from), day(self.to), self.reason)
    }
}

/// The verdict at the end of each day from `first` to `last` (Date32,
/// inclusive), merged into spans. Days before the key was known are left out.
pub fn daily(t: &KeyTimeline, first: i32, last: i32, policy_days: u32) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    for day in first..=last {
        let end_of_day = (i64::from(day) + 1) * DAY;
        if !t.known_at(end_of_day) {
            continue;
        }
        let v = verdict(&t.facts_at(end_of_day), end_of_day, policy_days);
        match spans.last_mut() {
            Some(s) if s.to + 1 == day && s.status == v.status && s.reason == v.reason => {
                s.to = day
            }
            _ => spans.push(Span {
                from: day,
                to: day,
                status: v.status,
                reason: v.reason,
            }),
        }
    }
    spans
}

/// The spans of a period in which the key was out of compliance.
pub fn out_of_compliance(t: &KeyTimeline, first: i32, last: i32, policy_days: u32) -> Vec<Span> {
    daily(t, first, last, policy_days)
        .into_iter()
        .filter(|s| s.status == Status::NonCompliant)
        .collect()
}
