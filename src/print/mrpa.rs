//! The MRPA sheet (Monitorização Residencial da Pressão Arterial): patient identification, how
//! to measure, and a grid of 5 days × morning/evening × 3 readings for the patient to fill in.

use chrono::{Days, NaiveDate};

use super::layout::{self, CONTENT_W, Canvas, Fonts, Ink, MARGIN_X, PAGE_W, Weight};
use super::{Header, Patient, PrintError, draw_header, draw_patient, draw_title, format_date};

pub(crate) const INSTRUCTIONS: [&str; 6] = [
    "Antes de cada medida, fique 5 minutos sentado(a) em repouso, com as costas apoiadas, as pernas descruzadas e o braço apoiado na altura do coração.",
    "Não tome café nem fume nos 30 minutos antes das medidas.",
    "Pela manhã, faça 3 medidas antes de tomar os remédios e antes do café da manhã. À noite, faça 3 medidas antes do jantar.",
    "Espere 1 minuto entre uma medida e a seguinte.",
    "Meça durante 5 dias seguidos. O 1º dia é de adaptação e não entra no cálculo da média.",
    "Anote cada resultado como sistólica / diastólica (por exemplo, 128 / 82) e traga esta folha na próxima consulta.",
];

const DAYS: u64 = 5;
const PERIODS: [&str; 2] = ["Manhã", "Noite"];
const READINGS: usize = 3;

/// One page: the MRPA log sheet for `patient`; the dates of the 5 days are printed when
/// `first_day` is given, and left blank otherwise.
pub fn mrpa_sheet_pdf(
    header: &Header,
    patient: &Patient,
    first_day: Option<NaiveDate>,
) -> Result<Vec<u8>, PrintError> {
    let fonts = Fonts::load()?;
    let mut c = Canvas::new(&fonts);
    let y = draw_header(&mut c, header);
    let y = draw_title(
        &mut c,
        y + 2.0,
        12.5,
        "MONITORIZAÇÃO RESIDENCIAL DA PRESSÃO ARTERIAL (MRPA)",
    );
    c.centred(
        PAGE_W / 2.0,
        y - 2.0,
        10.5,
        Weight::Regular,
        Ink::Black,
        "Folha de registro",
    );
    let y = draw_patient(&mut c, y + 8.0, patient);
    c.rule(y + 4.0);

    // Instructions.
    let size = 9.5;
    let lh = size * 1.3;
    let mut y = y + 20.0;
    c.text(MARGIN_X, y, 11.0, Weight::Bold, "Como medir");
    y += 15.0;
    let bullet = "• ";
    let indent = c.fonts.width(Weight::Regular, size, bullet);
    for text in INSTRUCTIONS {
        for (i, line) in c
            .fonts
            .wrap(Weight::Regular, size, text, CONTENT_W - indent)
            .iter()
            .enumerate()
        {
            if i == 0 {
                c.text(MARGIN_X, y, size, Weight::Regular, bullet);
            }
            c.text(MARGIN_X + indent, y, size, Weight::Regular, line);
            y += lh;
        }
    }
    let y = draw_grid(&mut c, y + 8.0, first_day);

    // Footnote, notes and the mean (for the team).
    let mut y = y + 14.0;
    c.text_ink(
        MARGIN_X,
        y,
        8.5,
        Weight::Regular,
        Ink::Grey,
        "* Dia 1: adaptação — não entra no cálculo da média.",
    );
    y += 22.0;
    c.text(
        MARGIN_X,
        y,
        10.0,
        Weight::Bold,
        "Observações (sintomas, remédios esquecidos, horário dos remédios):",
    );
    for _ in 0..2 {
        y += 20.0;
        c.line_ink(MARGIN_X, y, PAGE_W - MARGIN_X, y, 0.5, Ink::Grey);
    }
    y += 24.0;
    c.labelled(
        MARGIN_X,
        y,
        10.0,
        "Média dos dias 2 a 5 (preenchida pela equipe): ",
        "________ / ________ mmHg",
    );

    let pages = vec![c.ops];
    layout::render(&fonts, "MRPA — folha de registro", &pages)
}

/// The reading grid; returns its bottom y.
fn draw_grid(c: &mut Canvas<'_>, top: f32, first_day: Option<NaiveDate>) -> f32 {
    // Columns: Dia | Data | Período | Horário | 1ª | 2ª | 3ª medida.
    let fixed = [34.0_f32, 72.0, 50.0, 52.0];
    let reading_w = (CONTENT_W - fixed.iter().sum::<f32>()) / READINGS as f32;
    let mut xs = vec![MARGIN_X];
    for w in fixed
        .iter()
        .copied()
        .chain(std::iter::repeat_n(reading_w, READINGS))
    {
        let last = xs.last().copied().unwrap_or(MARGIN_X);
        xs.push(last + w);
    }
    let right = PAGE_W - MARGIN_X;
    let head_h = 34.0;
    let row_h = 24.0;
    let rows = DAYS as usize * PERIODS.len();
    let bottom = top + head_h + row_h * rows as f32;
    let thin = 0.5;
    let thick = 0.9;

    // Header.
    let hs = 8.5;
    let mid = |i: usize| (xs[i] + xs[i + 1]) / 2.0;
    for (i, label) in ["Dia", "Data", "Período", "Horário"].iter().enumerate() {
        c.centred(
            mid(i),
            top + head_h / 2.0 + 3.0,
            hs,
            Weight::Bold,
            Ink::Black,
            label,
        );
    }
    let readings_mid = (xs[4] + right) / 2.0;
    c.centred(
        readings_mid,
        top + 12.0,
        hs,
        Weight::Bold,
        Ink::Black,
        "PA sistólica / diastólica (mmHg)",
    );
    c.line(xs[4], top + head_h / 2.0, right, top + head_h / 2.0, thin);
    for r in 0..READINGS {
        c.centred(
            mid(4 + r),
            top + head_h - 5.0,
            hs,
            Weight::Bold,
            Ink::Black,
            &format!("{}ª medida", r + 1),
        );
    }

    // Rows.
    for day in 0..DAYS {
        let day_top = top + head_h + row_h * (day as f32) * PERIODS.len() as f32;
        let day_mid = day_top + row_h * PERIODS.len() as f32 / 2.0 + 3.5;
        let label = if day == 0 {
            "1*".to_string()
        } else {
            (day + 1).to_string()
        };
        c.centred(mid(0), day_mid, 11.0, Weight::Bold, Ink::Black, &label);
        if let Some(date) = first_day.and_then(|d| d.checked_add_days(Days::new(day))) {
            c.centred(
                mid(1),
                day_mid - 1.0,
                9.5,
                Weight::Regular,
                Ink::Black,
                &format_date(date),
            );
        }
        for (p, period) in PERIODS.iter().enumerate() {
            let row_top = day_top + row_h * p as f32;
            c.centred(
                mid(2),
                row_top + row_h / 2.0 + 3.0,
                9.0,
                Weight::Regular,
                Ink::Black,
                period,
            );
            c.centred(
                mid(3),
                row_top + row_h / 2.0 + 3.0,
                9.0,
                Weight::Regular,
                Ink::Grey,
                ":",
            );
            for r in 0..READINGS {
                c.centred(
                    mid(4 + r),
                    row_top + row_h / 2.0 + 4.0,
                    12.0,
                    Weight::Regular,
                    Ink::Grey,
                    "/",
                );
            }
            if p > 0 {
                // Between morning and evening: not across the day and date cells.
                c.line(xs[2], row_top, right, row_top, thin);
            }
        }
        c.line(
            MARGIN_X,
            day_top,
            right,
            day_top,
            if day == 0 { thick } else { thin + 0.3 },
        );
    }

    // Frame and verticals.
    c.line(MARGIN_X, top, right, top, thick);
    c.line(MARGIN_X, bottom, right, bottom, thick);
    for (i, x) in xs.iter().enumerate() {
        let w = if i == 0 || i == xs.len() - 1 {
            thick
        } else {
            thin
        };
        // The reading columns are split only below the "PA sistólica / diastólica" band.
        let from = if i > 4 && i < xs.len() - 1 {
            top + head_h / 2.0
        } else {
            top
        };
        c.line(*x, from, *x, bottom, w);
    }
    bottom
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{flat, pages};
    use super::*;

    fn header() -> Header {
        Header {
            unit_name: "UBS Vila São João".into(),
            unit_address: None,
            municipality: Some("Conceição do Araguaia — PA".into()),
            phone: None,
        }
    }

    fn patient() -> Patient {
        Patient {
            name: "José Antônio Simões".into(),
            cns: Some("898001234567890".into()),
            birth: NaiveDate::from_ymd_opt(1960, 12, 1),
            sex: Some("Masculino".into()),
            address: None,
        }
    }

    #[test]
    fn one_page_with_identification_instructions_and_dated_grid() {
        let first = NaiveDate::from_ymd_opt(2026, 2, 26).expect("date");
        let pdf = mrpa_sheet_pdf(&header(), &patient(), Some(first)).expect("pdf");
        let pages = pages(&pdf);
        assert_eq!(pages.len(), 1);
        let text = flat(&pages[0]);
        for expected in [
            "MONITORIZAÇÃO RESIDENCIAL DA PRESSÃO ARTERIAL (MRPA)",
            "Folha de registro",
            "José Antônio Simões",
            "898001234567890",
            "01/12/1960",
            "Masculino",
            "5 minutos",
            "30 minutos",
            "café da manhã",
            "1 minuto",
            "5 dias",
            "não entra no cálculo da média",
            "PA sistólica / diastólica",
            "3ª medida",
            "Manhã",
            "Noite",
            // Day 1 is the given day; day 5 crosses into March (2026 is not a leap year).
            "26/02/2026",
            "02/03/2026",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in {text}");
        }
        assert_eq!(text.matches("Manhã").count(), 5);
        assert_eq!(text.matches("Noite").count(), 5);
    }

    #[test]
    fn without_a_first_day_the_dates_are_blank() {
        let mut p = patient();
        p.cns = None;
        let pdf = mrpa_sheet_pdf(&header(), &p, None).expect("pdf");
        let text = flat(&pages(&pdf)[0]);
        assert!(text.contains("CNS não informado"), "{text}");
        // The only date on the page is the birth date.
        let dates = text
            .split(|c: char| !(c.is_ascii_digit() || c == '/'))
            .filter(|w| w.len() == 10 && w.matches('/').count() == 2)
            .count();
        assert_eq!(dates, 1, "{text}");
    }
}
