//! Paged reads: the entries after a cursor, a bounded number at a time.

/// A page request, checked against the list's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Entries after this cursor (0 for the beginning).
    pub after: i64,
    pub limit: i64,
}

/// Why a page request was refused: the parameter at fault and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct PageError {
    pub field: &'static str,
    pub problem: String,
}

/// How much one read of a list may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageBounds {
    pub default_limit: i64,
    pub max_limit: i64,
}

impl Page {
    pub fn parse(after: i64, limit: Option<i64>, bounds: PageBounds) -> Result<Self, PageError> {
        let limit = limit.unwrap_or(bounds.default_limit);
        if after < 0 {
            return Err(PageError { field: "after", problem: "must not be negative".into() });
        }
        if !(1..=bounds.max_limit).contains(&limit) {
            return Err(PageError { field: "limit", problem: format!("must be 1 to {}", bounds.max_limit) });
        }
        Ok(Self { after, limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_start_at_a_cursor_and_stay_within_their_bounds() {
        let bounds = PageBounds { default_limit: 100, max_limit: 1000 };
        assert_eq!(Page::parse(0, None, bounds), Ok(Page { after: 0, limit: 100 }));
        assert_eq!(Page::parse(7, Some(1000), bounds), Ok(Page { after: 7, limit: 1000 }));
        assert_eq!(Page::parse(-1, None, bounds).unwrap_err().field, "after");
        assert_eq!(Page::parse(0, Some(0), bounds).unwrap_err().to_string(), "limit: must be 1 to 1000");
        assert_eq!(Page::parse(0, Some(1001), bounds).unwrap_err().field, "limit");
    }
}
