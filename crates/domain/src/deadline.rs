//! Deadlines (办理时限): a limit per case kind, category and level, in working days on the
//! calendar, or in minutes for alerts. The clock starts at assignment; overdue is derived
//! from `due_at` and now, never stored.

use crate::calendar::Calendar;
use crate::case::CaseKind;
use crate::division::Level;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Limit {
    WorkingDays(u32),
    Minutes(u32),
}

impl Limit {
    pub fn label(self) -> String {
        match self {
            Limit::WorkingDays(n) => format!("{n} 个工作日"),
            Limit::Minutes(n) => format!("{n} 分钟"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineRule {
    pub kind: Option<CaseKind>,
    pub category: Option<String>,
    /// The level of the assignee.
    pub level: Option<Level>,
    pub limit: Limit,
}

impl DeadlineRule {
    fn matches(&self, kind: CaseKind, category: &str, level: Level) -> bool {
        self.kind.is_none_or(|k| k == kind)
            && self.level.is_none_or(|l| l == level)
            && self.category.as_deref().is_none_or(|c| {
                c == category || category.strip_prefix(c).is_some_and(|r| r.starts_with('.'))
            })
    }

    fn specificity(&self) -> u32 {
        let cat = match self.category.as_deref() {
            Some(c) if c.contains('.') => 8,
            Some(_) => 4,
            None => 0,
        };
        cat + 2 * u32::from(self.level.is_some()) + u32::from(self.kind.is_some())
    }
}

/// Defaults: disputes 10 working days at a community, 15 at a township, 20 at a county, 30 at
/// the city (the People's Mediation Law asks for about a month); hazards 3 (fire 1); service
/// requests 5; alerts 30 minutes (fraud warnings 10: the person must be reached before the
/// money moves).
pub fn default_deadlines() -> Vec<DeadlineRule> {
    use CaseKind::*;
    use Level::*;
    let r = |kind, category: Option<&str>, level, limit| DeadlineRule {
        kind: Some(kind),
        category: category.map(str::to_owned),
        level,
        limit,
    };
    vec![
        r(Dispute, None, None, Limit::WorkingDays(15)),
        r(Dispute, None, Some(Community), Limit::WorkingDays(10)),
        r(Dispute, None, Some(Township), Limit::WorkingDays(15)),
        r(Dispute, None, Some(County), Limit::WorkingDays(20)),
        r(Dispute, None, Some(City), Limit::WorkingDays(30)),
        r(Hazard, None, None, Limit::WorkingDays(3)),
        r(Hazard, Some("fire"), None, Limit::WorkingDays(1)),
        r(ServiceRequest, None, None, Limit::WorkingDays(5)),
        r(Alert, None, None, Limit::Minutes(30)),
        r(Alert, Some("fraud"), None, Limit::Minutes(10)),
    ]
}

/// Read rules from `kind,category,level,limit` lines (`#` comments, a header line allowed);
/// a bad line is named by its number.
pub fn parse_rules(text: &str) -> Result<Vec<DeadlineRule>, crate::error::ParseError> {
    use crate::error::ParseError;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with("kind,") {
            continue;
        }
        let bad = |why: String| {
            ParseError::new(
                "deadlines",
                "deadline.line_invalid",
                format!("第 {} 行：{why}", i + 1),
            )
        };
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 4 {
            return Err(bad("应有 4 列：kind,category,level,limit".into()));
        }
        let kind = if f[0].is_empty() {
            None
        } else {
            Some(CaseKind::parse(f[0]).map_err(|e| bad(e.message))?)
        };
        let category = (!f[1].is_empty()).then(|| f[1].to_owned());
        let level = if f[2].is_empty() {
            None
        } else {
            Some(Level::parse(f[2]).map_err(|e| bad(e.message))?)
        };
        let (n, unit) = f[3].split_at(f[3].len().saturating_sub(1));
        let n: u32 = n
            .parse()
            .map_err(|_| bad(format!("时限「{}」应为如 10d 或 30m", f[3])))?;
        let limit = match unit {
            "d" if n > 0 => Limit::WorkingDays(n),
            "m" if n > 0 => Limit::Minutes(n),
            _ => return Err(bad(format!("时限「{}」应为如 10d 或 30m", f[3]))),
        };
        out.push(DeadlineRule {
            kind,
            category,
            level,
            limit,
        });
    }
    Ok(out)
}

/// The most specific rule's limit; 15 working days when nothing matches.
pub fn limit_for(rules: &[DeadlineRule], kind: CaseKind, category: &str, level: Level) -> Limit {
    rules
        .iter()
        .filter(|r| r.matches(kind, category, level))
        .max_by_key(|r| r.specificity())
        .map(|r| r.limit)
        .unwrap_or(Limit::WorkingDays(15))
}

/// When a case assigned at `assigned_at_ms` falls due.
pub fn due_at(calendar: &Calendar, assigned_at_ms: i64, limit: Limit) -> i64 {
    match limit {
        Limit::WorkingDays(n) => calendar.add_working_days(assigned_at_ms, n),
        Limit::Minutes(m) => assigned_at_ms + i64::from(m) * 60_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{day_start_ms, parse_date};

    #[test]
    fn the_shipped_rules_file_is_the_default_and_bad_lines_are_named() {
        let shipped = parse_rules(include_str!("../../../data/deadlines.csv")).unwrap();
        assert_eq!(shipped, default_deadlines());
        let err =
            parse_rules("kind,category,level,limit\ndispute,,community,ten days\n").unwrap_err();
        assert!(err.message.starts_with("第 2 行"), "{}", err.message);
        assert!(parse_rules("dispute,,village,10d").is_err());
    }

    #[test]
    fn the_most_specific_limit_applies() {
        let rules = default_deadlines();
        assert_eq!(
            limit_for(&rules, CaseKind::Dispute, "neighbour", Level::Community),
            Limit::WorkingDays(10)
        );
        assert_eq!(
            limit_for(&rules, CaseKind::Dispute, "neighbour", Level::County),
            Limit::WorkingDays(20)
        );
        assert_eq!(
            limit_for(&rules, CaseKind::Hazard, "fire.passage", Level::Township),
            Limit::WorkingDays(1)
        );
        assert_eq!(
            limit_for(&rules, CaseKind::Alert, "fraud", Level::Township),
            Limit::Minutes(10)
        );
    }

    #[test]
    fn the_spring_festival_and_its_swapped_saturdays_move_the_due_date() {
        let cal = Calendar::parse(include_str!("../../../data/calendar/cn-workdays.csv")).unwrap();
        // Assigned Friday 13 Feb 2026. Sat 14 Feb is a swapped working day (1st), 15–23 Feb
        // are the Spring Festival, Tue 24 Feb is the 2nd … Fri 27 Feb the 5th, Sat 28 Feb
        // (调休) the 6th, Mon 2 Mar the 7th.
        let t = day_start_ms(parse_date("2026-02-13").unwrap()) + 10 * 3_600_000;
        let end_of = |d: &str| day_start_ms(parse_date(d).unwrap() + 1);
        assert_eq!(due_at(&cal, t, Limit::WorkingDays(1)), end_of("2026-02-14"));
        assert_eq!(due_at(&cal, t, Limit::WorkingDays(2)), end_of("2026-02-24"));
        assert_eq!(due_at(&cal, t, Limit::WorkingDays(6)), end_of("2026-02-28"));
        assert_eq!(due_at(&cal, t, Limit::WorkingDays(7)), end_of("2026-03-02"));
        assert_eq!(due_at(&cal, t, Limit::Minutes(10)), t + 600_000);
    }
}
