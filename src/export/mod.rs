//! Tabular exports: one [`Table`] (title, headers, rows of typed cells) to CSV or XLSX bytes.
//!
//! Pure functions, no database and no web: a program module builds the `Table` from the same
//! rows, in the same order, as the page shows, and the web layer sends the bytes. Both formats
//! are aimed at the spreadsheet a Brazilian office opens them with (Excel or LibreOffice in
//! pt-BR): `;`-separated CSV with a BOM and `dd/mm/aaaa` dates, and an XLSX whose dates are real
//! dates.

mod csv;
pub mod xlsx;

pub use self::csv::to_csv;
pub use self::xlsx::{ExportError, to_xlsx};

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Date(chrono::NaiveDate),
    Empty,
}

/// A table to export: `title` names the XLSX sheet; `headers` is the first row.
///
/// Rows shorter than `headers` are padded with empty cells in the CSV; longer rows are written
/// as they are (the spreadsheet shows the extra cells without a header).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// `dd/mm/aaaa`, the way every date reads in the app.
pub(crate) fn format_date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}
