//! CSV for a Brazilian spreadsheet: UTF-8 with a BOM (so Excel does not read it as
//! Windows-1252), `;` as separator (`,` is the decimal separator in pt-BR), CRLF line ends,
//! RFC 4180 quoting (by the `csv` crate), dates `dd/mm/aaaa`.
//!
//! Formula injection: a text cell that a spreadsheet would take for a formula (it starts with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, as OWASP advises.
//! Integers are written as numbers and never need it.

use super::{Cell, Table, format_date};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The table as CSV bytes (see the module docs for the dialect).
pub fn to_csv(t: &Table) -> Vec<u8> {
    let mut out = BOM.to_vec();
    {
        let mut w = ::csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(::csv::Terminator::CRLF)
            .quote_style(::csv::QuoteStyle::Necessary)
            .flexible(true)
            .from_writer(&mut out);
        let width = t.headers.len();
        // Writing to a `Vec` cannot fail, and `flexible` turns off the only other error (rows of
        // different lengths); the `expect`s guard invariants, not input.
        w.write_record(t.headers.iter().map(|h| neutralise(h)))
            .expect("writing CSV to memory cannot fail");
        for row in &t.rows {
            let mut fields: Vec<String> = row.iter().map(field).collect();
            if fields.len() < width {
                fields.resize(width, String::new());
            }
            w.write_record(&fields)
                .expect("writing CSV to memory cannot fail");
        }
        w.flush().expect("writing CSV to memory cannot fail");
    }
    out
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => neutralise(s),
        Cell::Int(n) => n.to_string(),
        Cell::Date(d) => format_date(*d),
        Cell::Empty => String::new(),
    }
}

/// Prefix an apostrophe to text a spreadsheet would evaluate as a formula.
fn neutralise(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn body(bytes: &[u8]) -> &str {
        assert!(bytes.starts_with(BOM), "CSV starts with a UTF-8 BOM");
        std::str::from_utf8(&bytes[BOM.len()..]).expect("UTF-8")
    }

    #[test]
    fn bom_semicolon_crlf_and_dates_dd_mm_aaaa() {
        let t = Table {
            title: "Hipertensos".into(),
            headers: vec![
                "Nome".into(),
                "Idade".into(),
                "Nascimento".into(),
                "Obs".into(),
            ],
            rows: vec![vec![
                text("Conceição Araújo"),
                Cell::Int(67),
                Cell::Date(NaiveDate::from_ymd_opt(1958, 3, 7).expect("date")),
                Cell::Empty,
            ]],
        };
        let csv = to_csv(&t);
        assert_eq!(
            body(&csv),
            "Nome;Idade;Nascimento;Obs\r\nConceição Araújo;67;07/03/1958;\r\n"
        );
    }

    #[test]
    fn rfc4180_quoting() {
        let t = Table {
            title: String::new(),
            headers: vec!["a".into(), "b".into(), "c".into()],
            rows: vec![vec![
                text("x;y"),
                text("ele disse \"oi\""),
                text("linha 1\nlinha 2"),
            ]],
        };
        assert_eq!(
            body(&to_csv(&t)),
            "a;b;c\r\n\"x;y\";\"ele disse \"\"oi\"\"\";\"linha 1\nlinha 2\"\r\n"
        );
    }

    #[test]
    fn formula_injection_is_neutralised_in_text_and_headers() {
        let t = Table {
            title: String::new(),
            headers: vec!["=H1".into(), "b".into()],
            rows: vec![
                vec![text("=HYPERLINK(\"http://x\")"), text("+1")],
                vec![text("-2"), text("@SUM(A1)")],
                vec![text("\tx"), text("\rx")],
                vec![Cell::Int(-5), text("a=b")],
            ],
        };
        let out = body(&to_csv(&t)).to_string();
        let mut r = ::csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .from_reader(out.as_bytes());
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.expect("record").iter().map(str::to_string).collect())
            .collect();
        assert_eq!(rows[0], ["'=H1", "b"]);
        assert_eq!(rows[1], ["'=HYPERLINK(\"http://x\")", "'+1"]);
        assert_eq!(rows[2], ["'-2", "'@SUM(A1)"]);
        assert_eq!(rows[3], ["'\tx", "'\rx"]);
        // A number stays a number; '=' inside the text is harmless.
        assert_eq!(rows[4], ["-5", "a=b"]);
    }

    #[test]
    fn short_rows_are_padded_to_the_header_width() {
        let t = Table {
            title: String::new(),
            headers: vec!["a".into(), "b".into(), "c".into()],
            rows: vec![vec![Cell::Int(1)], vec![]],
        };
        assert_eq!(body(&to_csv(&t)), "a;b;c\r\n1;;\r\n;;\r\n");
    }
}
