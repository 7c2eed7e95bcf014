//! Text helpers shared by the read models and the search filters.

use unicode_normalization::UnicodeNormalization;

/// Folds text for accent- and case-insensitive search: decomposes accents away, keeps ASCII
/// letters and digits in upper case, turns everything else into single spaces.
/// `"  Conceição d'Ávila "` → `"CONCEICAO D AVILA"`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfd() {
        if c.is_ascii_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c.to_ascii_uppercase());
        } else if unicode_normalization::char::is_combining_mark(c) {
            continue;
        } else {
            space = true;
        }
    }
    out
}

/// Only the digits of a text (`"123.456.789-09"` → `"12345678909"`).
pub fn digits(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// A CPF as 11 digits: the PEC sometimes stores it without its leading zeros.
pub fn normalize_cpf(cpf: &str) -> Option<String> {
    let d = digits(cpf);
    if d.is_empty() || d.len() > 11 {
        return None;
    }
    Some(format!("{d:0>11}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(fold("  Conceição d'Ávila "), "CONCEICAO D AVILA");
        assert_eq!(fold("JOSÉ  da   SILVA"), "JOSE DA SILVA");
        assert_eq!(fold("%_'\""), "");
        assert_eq!(fold("Ñandú Über"), "NANDU UBER");
    }

    #[test]
    fn cpf_padding() {
        assert_eq!(normalize_cpf("1234567890").as_deref(), Some("01234567890"));
        assert_eq!(
            normalize_cpf("123.456.789-09").as_deref(),
            Some("12345678909")
        );
        assert_eq!(normalize_cpf(""), None);
        assert_eq!(normalize_cpf("123456789012"), None);
    }
}
