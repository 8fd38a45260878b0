use serde::Serialize;

/// A page request: 1-based page number and a bounded page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    pub const DEFAULT_SIZE: u32 = 50;
    pub const MAX_SIZE: u32 = 1000;

    /// Clamp raw query values: a missing or zero page is the first, sizes are capped.
    pub fn new(number: Option<u32>, size: Option<u32>) -> Self {
        Self {
            number: number.unwrap_or(1).max(1),
            size: size.unwrap_or(Self::DEFAULT_SIZE).clamp(1, Self::MAX_SIZE),
        }
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.size)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::new(None, None)
    }
}

/// One page of results with the total across all pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paged<T> {
    pub total: i64,
    /// False when counting stopped at a cap: `total` is then a lower bound ("10000+").
    pub total_exact: bool,
    pub page: u32,
    pub page_size: u32,
    pub items: Vec<T>,
}

impl<T> Paged<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            total: self.total,
            total_exact: self.total_exact,
            page: self.page,
            page_size: self.page_size,
            items: self.items.into_iter().map(f).collect(),
        }
    }

    pub fn pages(&self) -> i64 {
        let size = i64::from(self.page_size.max(1));
        (self.total + size - 1) / size
    }

    /// Whether a page follows this one: within the counted pages, or past a capped count
    /// while pages come back full.
    pub fn has_next(&self) -> bool {
        i64::from(self.page) < self.pages()
            || (!self.total_exact && self.items.len() >= self.page_size as usize)
    }
}
