//! One parser for what a person types in a search box, shared by every list that searches a
//! read model's `search_text` (folded name, CNS and CPF digits).

use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, LikeExpr};

use crate::text::{digits, fold};

/// Longest search text accepted (longer is refused with a message, not truncated).
pub const MAX_CHARS: usize = 100;
/// At most this many words are matched (the rest are ignored, which only widens the match).
const MAX_WORDS: usize = 6;

/// A search: a CNS/CPF (digits, punctuation ignored) or name words matched in any order,
/// accents and case ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// What the user typed, to show back in the form.
    pub raw: String,
    /// Folded words (or the digits of a document number), each matched on its own.
    terms: Vec<String>,
}

impl Search {
    /// `None` when the text holds no letter or digit to search for.
    pub fn new(raw: &str) -> Option<Search> {
        let trimmed = raw.trim();
        let only_id = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " .-/".contains(c));
        let terms: Vec<String> = if only_id {
            Some(digits(trimmed))
                .filter(|d| !d.is_empty())
                .into_iter()
                .collect()
        } else {
            fold(trimmed)
                .split(' ')
                .filter(|w| !w.is_empty())
                .take(MAX_WORDS)
                .map(str::to_string)
                .collect()
        };
        (!terms.is_empty()).then(|| Search {
            raw: trimmed.to_string(),
            terms,
        })
    }

    /// The terms, folded (upper case, no accents) or digits.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Every term appears in `column` (a folded search text), in any order.
    pub fn condition(&self, column: impl IntoColumnRef + Clone) -> Condition {
        let mut c = Condition::all();
        for term in &self.terms {
            let escaped = term
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            c = c.add(
                Expr::col(column.clone()).like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
            );
        }
        c
    }
}

/// The text a read model stores for [`Search`] to match.
pub fn search_text(name: &str, cns: Option<&str>, cpf: Option<&str>) -> String {
    [
        fold(name),
        cns.unwrap_or("").to_string(),
        cpf.unwrap_or("").to_string(),
    ]
    .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_split() {
        let s = Search::new("  José  da SILVA ").expect("words");
        assert_eq!(s.terms(), ["JOSE", "DA", "SILVA"]);
        assert_eq!(s.raw, "José  da SILVA");
    }

    #[test]
    fn a_document_number_keeps_its_digits_only() {
        let s = Search::new("123.456.789-09").expect("digits");
        assert_eq!(s.terms(), ["12345678909"]);
    }

    #[test]
    fn nothing_to_search_is_none() {
        assert_eq!(Search::new("  - / "), None);
        assert_eq!(Search::new("!!"), None);
    }

    #[test]
    fn at_most_six_words() {
        let s = Search::new("a b c d e f g h").expect("words");
        assert_eq!(s.terms().len(), 6);
    }

    #[test]
    fn search_text_joins_folded_name_and_numbers() {
        assert_eq!(
            search_text("Ana Lúcia", Some("700000000000001"), None),
            "ANA LUCIA 700000000000001 "
        );
    }
}
