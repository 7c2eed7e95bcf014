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

/// The NUL character (U+0000): PostgreSQL cannot store it in text (`invalid byte sequence
/// for encoding "UTF8": 0x00`) and no person types it, so every text a client sends is
/// checked for it once, before any handler ([`crate::web::limits::reject_nul`]), on SQLite and
/// PostgreSQL alike.
pub const NUL: char = '\0';

/// The first field of an `application/x-www-form-urlencoded` text (a form body or a query
/// string) whose name or value holds a NUL once decoded.
pub fn nul_in_form(encoded: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(encoded)
        .find(|(k, v)| k.contains(NUL) || v.contains(NUL))
        .map(|(k, _)| k.replace(NUL, "\\u0000"))
}

/// The path (`registro.consulta`, `leituras[3].periodo`) of the first string of a JSON
/// document that holds a NUL; object keys count as text too.
pub fn nul_in_json(value: &serde_json::Value) -> Option<String> {
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains(NUL) => Some(path.to_string()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, item)| {
                let key = k.replace(NUL, "\\u0000");
                let here = if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                };
                if k.contains(NUL) {
                    return Some(here);
                }
                walk(item, &here)
            }),
            _ => None,
        }
    }
    walk(value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_in_forms_and_json_with_the_field_named() {
        assert_eq!(nul_in_form(b"csrf=abc&observacoes=ok"), None);
        assert_eq!(
            nul_in_form(b"csrf=abc&observacoes=a%00b").as_deref(),
            Some("observacoes")
        );
        assert_eq!(nul_in_form(b"x%00y=1").as_deref(), Some("x\\u0000y"));
        let ok = serde_json::json!({"tipo": "mrpa", "leituras": [{"dia": 1}], "n": null});
        assert_eq!(nul_in_json(&ok), None);
        let bad = serde_json::json!({"data": "2026-01-01", "registro": {"tipo": "cardiologia", "consulta": "a\u{0}"}});
        assert_eq!(nul_in_json(&bad).as_deref(), Some("registro.consulta"));
        let in_array =
            serde_json::json!({"leituras": [{"periodo": "manha"}, {"periodo": "\u{0}"}]});
        assert_eq!(
            nul_in_json(&in_array).as_deref(),
            Some("leituras[1].periodo")
        );
        assert_eq!(
            nul_in_json(&serde_json::json!("\u{0}")).as_deref(),
            Some("")
        );
    }

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
