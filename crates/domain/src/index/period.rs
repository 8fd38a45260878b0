//! Reporting periods of an index: a month (`2026-10`) or a quarter (`2026-Q3`).

use std::fmt;
use std::str::FromStr;

/// One reporting period. Months and quarters are different kinds: the period before
/// `2026-01` is `2025-12`, the one before `2026-Q1` is `2025-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// A calendar month, 1..=12.
    Month { year: i32, month: u8 },
    /// A calendar quarter, 1..=4.
    Quarter { year: i32, quarter: u8 },
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("期间 `{text}` 无效：应为 YYYY-MM 或 YYYY-Qn / invalid period, want YYYY-MM or YYYY-Qn")]
pub struct PeriodError {
    pub text: String,
}

impl Period {
    /// Parses `YYYY-MM` (month 01..12) or `YYYY-Qn` (n 1..4, `q` accepted too).
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let err = || PeriodError {
            text: text.to_owned(),
        };
        let (y, rest) = text.trim().split_once('-').ok_or_else(err)?;
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: i32 = y.parse().map_err(|_| err())?;
        if let Some(q) = rest.strip_prefix(['Q', 'q']) {
            let quarter: u8 = match q {
                "1" | "2" | "3" | "4" => q.parse().map_err(|_| err())?,
                _ => return Err(err()),
            };
            return Ok(Period::Quarter { year, quarter });
        }
        if rest.len() != 2 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let month: u8 = rest.parse().map_err(|_| err())?;
        if !(1..=12).contains(&month) {
            return Err(err());
        }
        Ok(Period::Month { year, month })
    }

    /// The period just before this one, of the same kind.
    pub fn previous(self) -> Self {
        match self {
            Period::Month { year, month: 1 } => Period::Month {
                year: year - 1,
                month: 12,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month - 1,
            },
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
        }
    }

    /// The period just after this one, of the same kind.
    pub fn next(self) -> Self {
        match self {
            Period::Month { year, month: 12 } => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
            Period::Quarter { year, quarter: 4 } => Period::Quarter {
                year: year + 1,
                quarter: 1,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter + 1,
            },
        }
    }

    /// The first and last month (1..=12) the period covers.
    pub fn months(self) -> (u8, u8) {
        match self {
            Period::Month { month, .. } => (month, month),
            Period::Quarter { quarter, .. } => (quarter * 3 - 2, quarter * 3),
        }
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Month { year, .. } | Period::Quarter { year, .. } => year,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_quarters_parse_and_print_back() {
        for text in ["2026-10", "2026-01", "2025-Q1", "2026-Q4"] {
            assert_eq!(Period::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Period::parse("2026-q3").unwrap().to_string(), "2026-Q3");
    }

    #[test]
    fn malformed_periods_are_refused() {
        for text in [
            "2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-10", "2026", "2026-1", "",
        ] {
            assert!(Period::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn previous_crosses_the_year_boundary() {
        let p = |t| Period::parse(t).unwrap();
        assert_eq!(p("2026-01").previous(), p("2025-12"));
        assert_eq!(p("2026-10").previous(), p("2026-09"));
        assert_eq!(p("2026-Q1").previous(), p("2025-Q4"));
        assert_eq!(p("2026-Q3").previous(), p("2026-Q2"));
        assert_eq!(p("2025-12").next(), p("2026-01"));
        assert_eq!(p("2025-Q4").next(), p("2026-Q1"));
        assert_eq!(p("2026-Q3").months(), (7, 9));
    }
}
