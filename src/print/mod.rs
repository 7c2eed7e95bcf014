//! Printable PDF documents (A4, Portuguese): the continuous-use prescription ("receituário") and
//! the MRPA home blood-pressure log sheet.
//!
//! Pure functions from plain data to PDF bytes: no database, no web, no clock (the date printed
//! is the one passed in). The old system filled a Word template and needed MS Word on Windows to
//! convert it; here the PDF is built in-process with `krilla`, with DejaVu Sans embedded
//! (subset), so accents print and the text can be searched and copied.

mod layout;
mod mrpa;
pub mod posology;
mod prescription;

pub use mrpa::mrpa_sheet_pdf;
pub use prescription::prescriptions_pdf;

use chrono::NaiveDate;

use layout::{CONTENT_W, Canvas, Ink, MARGIN_TOP, MARGIN_X, PAGE_W, Weight};

/// The health unit printed at the top of every page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub unit_name: String,
    pub unit_address: Option<String>,
    pub municipality: Option<String>,
    pub phone: Option<String>,
}

/// Who the document is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patient {
    pub name: String,
    pub cns: Option<String>,
    pub birth: Option<NaiveDate>,
    /// "Feminino" / "Masculino", printed as given.
    pub sex: Option<String>,
    pub address: Option<String>,
}

/// One medication of a prescription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescribedItem {
    pub medication: String,
    /// Tablets per intake (1 or more).
    pub dose: i32,
    /// Intakes per day, 1..=4 (see [`posology::intake_times`]).
    pub frequency: i32,
    pub notes: Option<String>,
    /// An insulin: each application's time ("07:00") and units, by time; `dose` is then the
    /// units a day and `frequency` the number of applications.
    pub insulin: Option<Vec<(String, i32)>>,
}

/// One patient's prescription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prescription {
    pub patient: Patient,
    pub items: Vec<PrescribedItem>,
    pub date: NaiveDate,
    /// The name printed under the signature line.
    pub professional: String,
}

/// Why a document could not be printed. The messages are for the user (Portuguese) and name
/// prescriptions and items by position, never the patient.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("nenhuma receita para imprimir")]
    NoPrescriptions,
    #[error("a receita nº {prescription} não tem medicamentos")]
    NoItems { prescription: usize },
    #[error(
        "receita nº {prescription}, item {item}: dose inválida ({dose}); informe 1 ou mais comprimidos por tomada"
    )]
    InvalidDose {
        prescription: usize,
        item: usize,
        dose: i32,
    },
    #[error(
        "receita nº {prescription}, item {item}: frequência inválida ({frequency}); informe de 1 a 4 vezes ao dia"
    )]
    InvalidFrequency {
        prescription: usize,
        item: usize,
        frequency: i32,
    },
    #[error("a fonte embutida não pôde ser lida")]
    Font,
    #[error("falha ao gerar o PDF: {0}")]
    Pdf(String),
}

/// `dd/mm/aaaa`.
pub(crate) fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The unit's header, centred; returns the y below it (after a rule).
fn draw_header(c: &mut Canvas<'_>, header: &Header) -> f32 {
    let cx = PAGE_W / 2.0;
    let mut y = MARGIN_TOP + 14.0;
    for line in c
        .fonts
        .wrap(Weight::Bold, 14.0, &header.unit_name, CONTENT_W)
    {
        c.centred(cx, y, 14.0, Weight::Bold, Ink::Black, &line);
        y += 17.0;
    }
    let place: Vec<&str> = [
        header.unit_address.as_deref(),
        header.municipality.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .filter(|s| !s.is_empty())
    .collect();
    let mut small = Vec::new();
    if !place.is_empty() {
        small.push(place.join(" — "));
    }
    if let Some(phone) = header
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        small.push(format!("Telefone: {phone}"));
    }
    for text in small {
        for line in c.fonts.wrap(Weight::Regular, 9.5, &text, CONTENT_W) {
            c.centred(cx, y, 9.5, Weight::Regular, Ink::Black, &line);
            y += 12.5;
        }
    }
    y += 2.0;
    c.rule(y);
    y + 8.0
}

/// A centred bold title; returns the y below it.
fn draw_title(c: &mut Canvas<'_>, y: f32, size: f32, title: &str) -> f32 {
    let mut y = y + size;
    for line in c.fonts.wrap(Weight::Bold, size, title, CONTENT_W) {
        c.centred(PAGE_W / 2.0, y, size, Weight::Bold, Ink::Black, &line);
        y += size * 1.3;
    }
    y
}

/// Patient identification: name, CNS, birth date and sex, address; returns the y below it.
fn draw_patient(c: &mut Canvas<'_>, y: f32, patient: &Patient) -> f32 {
    let size = 11.0;
    let lh = size * 1.4;
    let mut y = y + size;
    let label = "Paciente: ";
    let indent = c.fonts.width(Weight::Bold, size, label);
    for (i, line) in c
        .fonts
        .wrap(Weight::Bold, size, &patient.name, CONTENT_W - indent)
        .iter()
        .enumerate()
    {
        if i == 0 {
            c.text(MARGIN_X, y, size, Weight::Bold, label);
        }
        c.text(MARGIN_X + indent, y, size, Weight::Bold, line);
        y += lh;
    }
    let cns = patient
        .cns
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("não informado");
    if cns == "não informado" {
        c.text(MARGIN_X, y, size, Weight::Regular, "CNS não informado");
    } else {
        c.labelled(MARGIN_X, y, size, "CNS: ", cns);
    }
    y += lh;
    let birth = patient
        .birth
        .map(format_date)
        .unwrap_or_else(|| "não informada".to_string());
    let end = c.labelled(MARGIN_X, y, size, "Data de nascimento: ", &birth);
    let sex = patient
        .sex
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("não informado");
    c.labelled(end.max(MARGIN_X + 230.0), y, size, "Sexo: ", sex);
    y += lh;
    if let Some(address) = patient
        .address
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let label = "Endereço: ";
        let indent = c.fonts.width(Weight::Bold, size, label);
        for (i, line) in c
            .fonts
            .wrap(Weight::Regular, size, address, CONTENT_W - indent)
            .iter()
            .enumerate()
        {
            if i == 0 {
                c.text(MARGIN_X, y, size, Weight::Bold, label);
            }
            c.text(MARGIN_X + indent, y, size, Weight::Regular, line);
            y += lh;
        }
    }
    y - size * 0.4
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Reading a PDF back with `lopdf`: page count and extracted text.

    pub(crate) fn pages(pdf: &[u8]) -> Vec<String> {
        assert!(pdf.starts_with(b"%PDF-"), "a PDF starts with %PDF-");
        let doc = lopdf::Document::load_mem(pdf).expect("lopdf reads the PDF");
        let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
        numbers
            .iter()
            .map(|n| doc.extract_text(&[*n]).expect("text"))
            .collect()
    }

    /// Extracted text with runs of whitespace folded, for `contains` checks.
    pub(crate) fn flat(page: &str) -> String {
        page.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}
