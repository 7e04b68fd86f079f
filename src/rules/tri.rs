//! Three-valued answers for rules that combine facts, some of which may be unknown: a
//! finding needs [`Tri::No`]; [`Tri::Unknown`] keeps a rule silent.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Unknown,
}

impl Tri {
    /// Kleene conjunction: `No` wins, then `Unknown`.
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Unknown,
        }
    }

    /// Kleene disjunction: `Yes` wins, then `Unknown`.
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Unknown,
        }
    }

    pub fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// `Some(b)` is known, `None` unknown.
    pub fn from(b: Option<bool>) -> Tri {
        match b {
            Some(true) => Tri::Yes,
            Some(false) => Tri::No,
            None => Tri::Unknown,
        }
    }
}

impl From<crate::filter_pattern::Match> for Tri {
    fn from(m: crate::filter_pattern::Match) -> Tri {
        match m {
            crate::filter_pattern::Match::Yes => Tri::Yes,
            crate::filter_pattern::Match::No => Tri::No,
            crate::filter_pattern::Match::Unknown => Tri::Unknown,
        }
    }
}
