//! The continuous-use prescription: one receituário per patient, all in one PDF, in the order
//! given. A patient whose items do not fit on one page continues on the next, with the header
//! repeated and the signature block on the last page only.

use super::layout::{self, CONTENT_W, Canvas, Fonts, Ink, MARGIN_X, Op, PAGE_H, PAGE_W, Weight};
use super::posology::{
    insulin_posology, pens, pens_for_30_days, posology, quantity_for_30_days, tablets,
};
use super::{
    Header, PrescribedItem, Prescription, PrintError, draw_header, draw_patient, draw_title,
    format_date,
};

const TITLE: &str = "RECEITUÁRIO — USO CONTÍNUO";
/// Items must end above this line; below it are the date and the signature.
const ITEMS_BOTTOM: f32 = PAGE_H - 175.0;

/// Item font size by number of items, after the old template (≤3 → 14 pt, 4–5 → 12, 6 → 11,
/// 7 → 10) but never below 9 pt: a longer list continues on a new page instead of shrinking
/// into illegibility.
pub(crate) fn item_font_size(n: usize) -> f32 {
    match n {
        0..=3 => 14.0,
        4..=5 => 12.0,
        6 => 11.0,
        7 => 10.0,
        _ => 9.0,
    }
}

/// One receituário per prescription, in order, all in one PDF.
pub fn prescriptions_pdf(header: &Header, list: &[Prescription]) -> Result<Vec<u8>, PrintError> {
    validate(list)?;
    let fonts = Fonts::load()?;
    let mut pages = Vec::new();
    for p in list {
        pages.extend(layout_prescription(&fonts, header, p));
    }
    layout::render(&fonts, "Receituário", &pages)
}

fn validate(list: &[Prescription]) -> Result<(), PrintError> {
    if list.is_empty() {
        return Err(PrintError::NoPrescriptions);
    }
    for (i, p) in list.iter().enumerate() {
        let prescription = i + 1;
        if p.items.is_empty() {
            return Err(PrintError::NoItems { prescription });
        }
        for (j, item) in p.items.iter().enumerate() {
            let item_no = j + 1;
            if item.dose < 1 {
                return Err(PrintError::InvalidDose {
                    prescription,
                    item: item_no,
                    dose: item.dose,
                });
            }
            if !(1..=4).contains(&item.frequency) {
                return Err(PrintError::InvalidFrequency {
                    prescription,
                    item: item_no,
                    frequency: item.frequency,
                });
            }
        }
    }
    Ok(())
}

/// The text of one item: the bold heading ("1) LOSARTANA 50 MG — 60 comprimidos"), the
/// posology, and the notes.
pub(crate) fn item_lines(n: usize, item: &PrescribedItem) -> (String, String, Option<String>) {
    let name = item.medication.trim().to_uppercase();
    let (heading, how) = match &item.insulin {
        Some(apps) => {
            let quantity = pens_for_30_days(item.dose);
            (
                format!("{n}) {name} — {quantity} {}", pens(quantity)),
                insulin_posology(apps),
            )
        }
        None => {
            let quantity = quantity_for_30_days(item.dose, item.frequency);
            (
                format!("{n}) {name} — {quantity} {}", tablets(quantity)),
                posology(item.dose, item.frequency),
            )
        }
    };
    let notes = item
        .notes
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("Obs.: {s}"));
    (heading, how, notes)
}

/// A line of the items area, already wrapped.
struct Line {
    x: f32,
    weight: Weight,
    ink: Ink,
    text: String,
}

fn layout_prescription(fonts: &Fonts, header: &Header, p: &Prescription) -> Vec<Vec<Op>> {
    let size = item_font_size(p.items.len());
    let lh = size * 1.35;
    let gap = size * 0.6;

    // Every item as wrapped lines, so that an item is kept on one page when it fits.
    let blocks: Vec<Vec<Line>> = p
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (heading, posology, notes) = item_lines(i + 1, item);
            // One indent for all items (the widest number), so the posology lines align.
            let indent = fonts.width(Weight::Bold, size, &format!("{}) ", p.items.len()));
            let mut lines = Vec::new();
            for (k, l) in fonts
                .wrap(Weight::Bold, size, &heading, CONTENT_W)
                .into_iter()
                .enumerate()
            {
                let x = if k == 0 { MARGIN_X } else { MARGIN_X + indent };
                lines.push(Line {
                    x,
                    weight: Weight::Bold,
                    ink: Ink::Black,
                    text: l,
                });
            }
            for l in fonts.wrap(Weight::Regular, size, &posology, CONTENT_W - indent) {
                lines.push(Line {
                    x: MARGIN_X + indent,
                    weight: Weight::Regular,
                    ink: Ink::Black,
                    text: l,
                });
            }
            if let Some(notes) = notes {
                let ns = size * 0.9;
                for l in fonts.wrap(Weight::Regular, ns, &notes, CONTENT_W - indent) {
                    lines.push(Line {
                        x: MARGIN_X + indent,
                        weight: Weight::Regular,
                        ink: Ink::Grey,
                        text: l,
                    });
                }
            }
            lines
        })
        .collect();

    let mut pages = Vec::new();
    let mut c = Canvas::new(fonts);
    let mut top = start_page(&mut c, header, p, false);
    let mut y = top;
    for block in blocks {
        let needed = block.len() as f32 * lh;
        // Move a whole item to a new page when it fits there but not here.
        if y + needed > ITEMS_BOTTOM && y > top {
            continue_on_next_page(&mut c, &mut pages);
            top = start_page(&mut c, header, p, true);
            y = top;
        }
        for line in block {
            if y + lh > ITEMS_BOTTOM && y > top {
                continue_on_next_page(&mut c, &mut pages);
                top = start_page(&mut c, header, p, true);
                y = top;
            }
            c.text_ink(line.x, y + size, size, line.weight, line.ink, &line.text);
            y += lh;
        }
        y += gap;
    }
    draw_footer(&mut c, p);
    pages.push(std::mem::take(&mut c.ops));
    pages
}

/// Header, title and patient block; returns where the items start.
fn start_page(c: &mut Canvas<'_>, header: &Header, p: &Prescription, continued: bool) -> f32 {
    let y = draw_header(c, header);
    let title = if continued {
        format!("{TITLE} (continuação)")
    } else {
        TITLE.to_string()
    };
    let y = draw_title(c, y + 4.0, 13.0, &title);
    let y = draw_patient(c, y, &p.patient);
    c.rule(y + 4.0);
    y + 16.0
}

fn continue_on_next_page(c: &mut Canvas<'_>, pages: &mut Vec<Vec<Op>>) {
    c.centred(
        PAGE_W / 2.0,
        ITEMS_BOTTOM + 20.0,
        9.5,
        Weight::Regular,
        Ink::Grey,
        "(continua na próxima página)",
    );
    pages.push(std::mem::take(&mut c.ops));
}

/// Date on the left, signature line with the professional's name centred below the items.
fn draw_footer(c: &mut Canvas<'_>, p: &Prescription) {
    let y = ITEMS_BOTTOM + 40.0;
    c.labelled(MARGIN_X, y, 11.0, "Data: ", &format_date(p.date));
    let cx = PAGE_W / 2.0;
    let line_y = PAGE_H - 85.0;
    c.line(cx - 130.0, line_y, cx + 130.0, line_y, 0.7);
    for (i, line) in c
        .fonts
        .wrap(Weight::Regular, 10.5, p.professional.trim(), 300.0)
        .iter()
        .enumerate()
    {
        c.centred(
            cx,
            line_y + 14.0 + i as f32 * 13.0,
            10.5,
            Weight::Regular,
            Ink::Black,
            line,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{flat, pages};
    use super::super::{Patient, PrescribedItem};
    use super::*;
    use chrono::NaiveDate;

    fn header() -> Header {
        Header {
            unit_name: "UBS Vila São João".into(),
            unit_address: Some("Rua das Acácias, 120 — Centro".into()),
            municipality: Some("Conceição do Araguaia — PA".into()),
            phone: Some("(94) 3421-0000".into()),
        }
    }

    fn item(medication: &str, dose: i32, frequency: i32, notes: Option<&str>) -> PrescribedItem {
        PrescribedItem {
            medication: medication.into(),
            dose,
            frequency,
            notes: notes.map(str::to_string),
            insulin: None,
        }
    }

    fn prescription(name: &str, items: Vec<PrescribedItem>) -> Prescription {
        Prescription {
            patient: Patient {
                name: name.into(),
                cns: Some("700000000000005".into()),
                birth: NaiveDate::from_ymd_opt(1956, 2, 29),
                sex: Some("Feminino".into()),
                address: Some("Travessa São Brás, 45".into()),
            },
            items,
            date: NaiveDate::from_ymd_opt(2026, 3, 9).expect("date"),
            professional: "Dra. Inês Gonçalves — CRM-PA 12345".into(),
        }
    }

    #[test]
    fn item_text_heading_quantity_and_posology() {
        let (h, p, n) = item_lines(1, &item("Losartana 50 mg", 1, 2, Some(" ")));
        assert_eq!(h, "1) LOSARTANA 50 MG — 60 comprimidos");
        assert_eq!(p, "Tomar 1 comprimido às 06:00 e às 18:00");
        assert_eq!(n, None);
        let (h, p, n) = item_lines(2, &item("hidroclorotiazida 25 mg", 2, 1, Some("Em jejum")));
        assert_eq!(h, "2) HIDROCLOROTIAZIDA 25 MG — 60 comprimidos");
        assert_eq!(p, "Tomar 2 comprimidos às 06:00");
        assert_eq!(n.as_deref(), Some("Obs.: Em jejum"));
    }

    #[test]
    fn font_size_shrinks_with_the_number_of_items() {
        assert_eq!(item_font_size(1), 14.0);
        assert_eq!(item_font_size(3), 14.0);
        assert_eq!(item_font_size(4), 12.0);
        assert_eq!(item_font_size(5), 12.0);
        assert_eq!(item_font_size(6), 11.0);
        assert_eq!(item_font_size(7), 10.0);
        assert_eq!(item_font_size(8), 9.0);
        assert_eq!(item_font_size(30), 9.0);
    }

    #[test]
    fn one_receituario_per_patient_in_order_with_accents_quantity_and_posology() {
        let list = vec![
            prescription(
                "Maria da Conceição Araújo",
                vec![item("Losartana 50 mg", 1, 2, None)],
            ),
            prescription(
                "João Câmara",
                vec![
                    item("Anlodipino 5 mg", 1, 1, None),
                    item("Hidroclorotiazida 25 mg", 1, 1, Some("Tomar após o café")),
                ],
            ),
            prescription("Antônio Brandão", vec![item("Enalapril 10 mg", 2, 3, None)]),
        ];
        let pdf = prescriptions_pdf(&header(), &list).expect("pdf");
        let pages = pages(&pdf);
        assert_eq!(pages.len(), 3, "one page per patient");
        let p1 = flat(&pages[0]);
        assert!(p1.contains("UBS Vila São João"), "{p1}");
        assert!(p1.contains("RECEITUÁRIO — USO CONTÍNUO"), "{p1}");
        assert!(p1.contains("Maria da Conceição Araújo"), "{p1}");
        assert!(p1.contains("1) LOSARTANA 50 MG — 60 comprimidos"), "{p1}");
        assert!(
            p1.contains("Tomar 1 comprimido às 06:00 e às 18:00"),
            "{p1}"
        );
        assert!(p1.contains("29/02/1956"), "{p1}");
        assert!(p1.contains("Feminino"), "{p1}");
        assert!(p1.contains("Data: 09/03/2026"), "{p1}");
        assert!(p1.contains("Dra. Inês Gonçalves"), "{p1}");
        let p2 = flat(&pages[1]);
        assert!(p2.contains("João Câmara"), "{p2}");
        assert!(
            p2.contains("2) HIDROCLOROTIAZIDA 25 MG — 30 comprimidos"),
            "{p2}"
        );
        assert!(p2.contains("Obs.: Tomar após o café"), "{p2}");
        let p3 = flat(&pages[2]);
        assert!(p3.contains("Antônio Brandão"), "{p3}");
        assert!(p3.contains("1) ENALAPRIL 10 MG — 180 comprimidos"), "{p3}");
        assert!(
            p3.contains("Tomar 2 comprimidos às 06:00, às 14:00 e às 22:00"),
            "{p3}"
        );
    }

    #[test]
    fn accents_and_dashes_survive_extraction() {
        let mut p = prescription(
            "Cardiologia — São João, ção, ã, é",
            vec![item("Losartana", 1, 1, None)],
        );
        p.patient.cns = None;
        let pages = pages(&prescriptions_pdf(&header(), &[p]).expect("pdf"));
        let text = flat(&pages[0]);
        assert!(text.contains("Cardiologia — São João, ção, ã, é"), "{text}");
        assert!(text.contains("CNS não informado"), "{text}");
    }

    #[test]
    fn a_ten_item_prescription_fits_one_page() {
        let items = (1..=10)
            .map(|i| {
                item(
                    &format!("Medicamento {i} 10 mg"),
                    1,
                    4,
                    Some("Uso contínuo"),
                )
            })
            .collect();
        let pages =
            pages(&prescriptions_pdf(&header(), &[prescription("Ana", items)]).expect("pdf"));
        assert_eq!(pages.len(), 1);
    }

    #[test]
    fn a_long_list_continues_on_a_new_page_and_the_next_patient_starts_fresh() {
        let items = (1..=40)
            .map(|i| {
                item(
                    &format!("Medicamento número {i}"),
                    1,
                    4,
                    Some("Observação longa o bastante"),
                )
            })
            .collect();
        let list = vec![
            prescription("Beatriz Gonçalves", items),
            prescription("Célia Sá", vec![item("Losartana 50 mg", 1, 2, None)]),
        ];
        let pages = pages(&prescriptions_pdf(&header(), &list).expect("pdf"));
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let first = flat(&pages[0]);
        assert!(first.contains("(continua na próxima página)"), "{first}");
        assert!(
            !first.contains("Data: 09/03/2026"),
            "signature only on the last page"
        );
        let second = flat(&pages[1]);
        assert!(second.contains("(continuação)"), "{second}");
        assert!(second.contains("Beatriz Gonçalves"), "{second}");
        let all: String = pages.iter().map(|p| flat(p)).collect::<Vec<_>>().join(" ");
        assert!(all.contains("40) MEDICAMENTO NÚMERO 40 — 120 comprimidos"));
        let last = flat(pages.last().expect("a page"));
        assert!(last.contains("Célia Sá"), "{last}");
        assert!(!last.contains("Beatriz"), "{last}");
    }

    #[test]
    fn invalid_input_is_refused_with_a_message_in_portuguese() {
        assert!(matches!(
            prescriptions_pdf(&header(), &[]),
            Err(PrintError::NoPrescriptions)
        ));
        let e = prescriptions_pdf(&header(), &[prescription("A", vec![])]).expect_err("no items");
        assert_eq!(e.to_string(), "a receita nº 1 não tem medicamentos");
        let bad = vec![
            prescription("A", vec![item("X", 1, 1, None)]),
            prescription("B", vec![item("X", 1, 1, None), item("Y", 1, 5, None)]),
        ];
        assert!(matches!(
            prescriptions_pdf(&header(), &bad),
            Err(PrintError::InvalidFrequency {
                prescription: 2,
                item: 2,
                frequency: 5
            })
        ));
        let bad = vec![prescription("A", vec![item("X", 0, 1, None)])];
        assert!(matches!(
            prescriptions_pdf(&header(), &bad),
            Err(PrintError::InvalidDose { .. })
        ));
    }
}
