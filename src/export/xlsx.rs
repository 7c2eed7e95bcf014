//! XLSX by `rust_xlsxwriter`: one sheet named after the title, bold and frozen header row with
//! an autofilter, integers as numbers, dates as real Excel dates shown `dd/mm/yyyy`, column
//! widths from the longest value (within bounds).
//!
//! Text is always written as a string cell, never as a formula, so no injection is possible here.

use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};

use super::{Cell, Table, format_date};

/// Why an XLSX could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Excel's own limits: 1,048,576 rows and 16,384 columns per sheet.
    #[error("a planilha excede o limite do Excel ({rows} linhas, {columns} colunas)")]
    TooLarge { rows: usize, columns: usize },
    #[error("falha ao gerar a planilha XLSX")]
    Xlsx(#[from] XlsxError),
}

const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;

/// The table as an XLSX workbook with a single sheet.
pub fn to_xlsx(t: &Table) -> Result<Vec<u8>, ExportError> {
    let columns = t
        .rows
        .iter()
        .map(Vec::len)
        .chain([t.headers.len()])
        .max()
        .unwrap_or(0);
    let rows = t.rows.len() + 1;
    if rows > MAX_ROWS || columns > MAX_COLUMNS {
        return Err(ExportError::TooLarge { rows, columns });
    }

    let mut workbook = Workbook::new();
    workbook.set_properties(&DocProperties::new().set_title(t.title.as_str()));
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");

    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&t.title))?;

    let mut widths = vec![0usize; columns];
    for (c, h) in t.headers.iter().enumerate() {
        sheet.write_string_with_format(0, col(c), fit_cell(h).as_ref(), &bold)?;
        widths[c] = widths[c].max(h.chars().count());
    }
    for (r, row) in t.rows.iter().enumerate() {
        // Checked above: fits in Excel's row range.
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let len = match cell {
                Cell::Text(s) => {
                    let s = fit_cell(s);
                    sheet.write_string(r, col(c), s.as_ref())?;
                    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
                }
                Cell::Int(n) => {
                    // Excel numbers are doubles: exact up to 2^53, enough for any count or code
                    // we export (a CNS, 15 digits, is exported as text).
                    sheet.write_number(r, col(c), *n as f64)?;
                    n.to_string().len()
                }
                Cell::Date(d) => {
                    sheet.write_date_with_format(r, col(c), d, &date)?;
                    format_date(*d).len()
                }
                Cell::Empty => 0,
            };
            widths[c] = widths[c].max(len);
        }
    }
    for (c, w) in widths.iter().enumerate() {
        // +2 for the autofilter button and a little air.
        let w = (w + 2).clamp(MIN_WIDTH, MAX_WIDTH);
        sheet.set_column_width(col(c), w as f64)?;
    }
    if columns > 0 {
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, t.rows.len() as u32, col(columns - 1))?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// Excel's limit on the text of one cell, in UTF-16 code units.
pub const MAX_CELL_TEXT: usize = 32_767;

/// What ends a cell cut at [`MAX_CELL_TEXT`], so that nobody reads it as the whole value.
pub const TRUNCATED_MARK: &str =
    " […] (texto truncado: passa do limite de 32.767 caracteres de uma célula do Excel)";

/// The text as it fits in one cell: unchanged when within Excel's limit, else cut at a
/// character boundary and marked with [`TRUNCATED_MARK`].
fn fit_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let units = |t: &str| t.encode_utf16().count();
    if units(s) <= MAX_CELL_TEXT {
        return std::borrow::Cow::Borrowed(s);
    }
    let budget = MAX_CELL_TEXT - units(TRUNCATED_MARK);
    let mut used = 0;
    let mut out = String::with_capacity(budget + TRUNCATED_MARK.len());
    for ch in s.chars() {
        if used + ch.len_utf16() > budget {
            break;
        }
        used += ch.len_utf16();
        out.push(ch);
    }
    out.push_str(TRUNCATED_MARK);
    std::borrow::Cow::Owned(out)
}

/// Column index; callers have checked `columns <= MAX_COLUMNS`, which fits in a `u16`.
fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// A valid Excel sheet name from a free title: without `[]:*?/\`, without leading or trailing
/// apostrophes, at most 31 characters, not empty and not the reserved "History".
pub(crate) fn sheet_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let collapsed = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = collapsed.trim_matches('\'').trim();
    let mut name: String = trimmed.chars().take(31).collect();
    name = name.trim_end().trim_end_matches('\'').to_string();
    if name.is_empty() || name.eq_ignore_ascii_case("history") {
        "Planilha".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, DataType, Reader, Xlsx};
    use chrono::NaiveDate;
    use std::io::Cursor;

    #[test]
    fn sheet_names_are_sanitised_and_short() {
        assert_eq!(
            sheet_name("Hipertensos: lista [equipe 1/2]"),
            "Hipertensos lista equipe 1 2"
        );
        assert_eq!(sheet_name("'citação'"), "citação");
        assert_eq!(sheet_name(""), "Planilha");
        assert_eq!(sheet_name("???"), "Planilha");
        assert_eq!(sheet_name("History"), "Planilha");
        let long = sheet_name("Acompanhamento de gestantes da equipe Vila São João");
        // Cut at 31 characters, then the trailing space trimmed.
        assert_eq!(long, "Acompanhamento de gestantes da");
        assert_eq!(sheet_name(&"x".repeat(40)).chars().count(), 31);
    }

    #[test]
    fn round_trip_through_calamine() {
        let birth = NaiveDate::from_ymd_opt(1958, 3, 7).expect("date");
        let t = Table {
            title: "Hipertensos — Equipe São João".into(),
            headers: vec![
                "Nome".into(),
                "Idade".into(),
                "Nascimento".into(),
                "Obs".into(),
            ],
            rows: vec![
                vec![
                    Cell::Text("Conceição Araújo".into()),
                    Cell::Int(67),
                    Cell::Date(birth),
                    Cell::Empty,
                ],
                vec![
                    Cell::Text("=1+1".into()),
                    Cell::Int(40),
                    Cell::Empty,
                    Cell::Text("ok".into()),
                ],
            ],
        };
        let bytes = to_xlsx(&t).expect("xlsx");
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("open");
        assert_eq!(book.sheet_names(), ["Hipertensos — Equipe São João"]);
        let range = book
            .worksheet_range("Hipertensos — Equipe São João")
            .expect("sheet");
        assert_eq!(range.height(), 3, "header + 2 rows");
        let header: Vec<String> = range
            .rows()
            .next()
            .expect("header")
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, ["Nome", "Idade", "Nascimento", "Obs"]);
        assert_eq!(
            range.get((1, 0)),
            Some(&Data::String("Conceição Araújo".into()))
        );
        assert_eq!(range.get((1, 1)), Some(&Data::Float(67.0)));
        let cell = range.get((1, 2)).expect("date cell");
        assert!(
            matches!(cell, Data::DateTime(_)),
            "a real date, got {cell:?}"
        );
        assert_eq!(cell.as_date(), Some(birth));
        // A formula-looking text stays text.
        assert_eq!(range.get((2, 0)), Some(&Data::String("=1+1".into())));
        assert_eq!(range.get((1, 3)).unwrap_or(&Data::Empty), &Data::Empty);
    }

    #[test]
    fn text_over_excels_cell_limit_is_cut_and_marked() {
        // A 40,000-character name (as a PEC may hold), one with characters outside the BMP
        // (two UTF-16 units each), and one exactly at the limit.
        let long = "Maria ".repeat(6_667);
        let astral = "𝔄".repeat(20_000);
        let exact = "x".repeat(MAX_CELL_TEXT);
        let t = Table {
            title: "Hipertensos".into(),
            headers: vec!["Nome".into()],
            rows: vec![
                vec![Cell::Text(long.clone())],
                vec![Cell::Text(astral)],
                vec![Cell::Text(exact.clone())],
            ],
        };
        let bytes = to_xlsx(&t).expect("an XLSX, not an error");
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("open");
        let range = book.worksheet_range("Hipertensos").expect("sheet");
        let text = |r: u32| match range.get((r as usize, 0)) {
            Some(Data::String(s)) => s.clone(),
            other => panic!("row {r}: {other:?}"),
        };
        let first = text(1);
        assert_eq!(first.encode_utf16().count(), MAX_CELL_TEXT);
        assert!(first.ends_with(TRUNCATED_MARK));
        assert!(long.starts_with(first.trim_end_matches(TRUNCATED_MARK)));
        let second = text(2);
        assert!(second.encode_utf16().count() <= MAX_CELL_TEXT);
        assert!(second.ends_with(TRUNCATED_MARK));
        assert!(
            second
                .trim_end_matches(TRUNCATED_MARK)
                .chars()
                .all(|c| c == '𝔄')
        );
        assert_eq!(text(3), exact, "at the limit: unchanged");
    }

    #[test]
    fn an_empty_table_is_still_a_valid_workbook() {
        let bytes = to_xlsx(&Table::default()).expect("xlsx");
        let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("open");
        assert_eq!(book.sheet_names(), ["Planilha"]);
    }
}
