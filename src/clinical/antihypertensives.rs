//! Antihypertensive classes and their active ingredients, to pick the treatment plan's
//! medications from the PEC catalogue (`tb_medicamento.no_principio_ativo`).
//!
//! Provenance: the classes of the Diretrizes Brasileiras de Hipertensão Arterial 2020 (SBC,
//! chapter 9, pharmacological treatment) restricted to ingredients of the RENAME/primary-care
//! formulary or commonly prescribed in primary care. Matching is on the folded ingredient name
//! (upper case, no accents), by prefix, so "LOSARTANA POTASSICA" matches "LOSARTANA".

/// (class label, ingredient name prefixes, folded)
pub const CLASSES: &[(&str, &[&str])] = &[
    (
        "Diuréticos tiazídicos e similares",
        &["HIDROCLOROTIAZIDA", "CLORTALIDONA", "INDAPAMIDA"],
    ),
    ("Diuréticos de alça", &["FUROSEMIDA", "BUMETANIDA"]),
    (
        "Diuréticos poupadores de potássio",
        &["ESPIRONOLACTONA", "AMILORIDA"],
    ),
    (
        "Inibidores da ECA",
        &[
            "CAPTOPRIL",
            "ENALAPRIL",
            "LISINOPRIL",
            "RAMIPRIL",
            "PERINDOPRIL",
        ],
    ),
    (
        "Bloqueadores do receptor AT1",
        &[
            "LOSARTANA",
            "VALSARTANA",
            "CANDESARTANA",
            "OLMESARTANA",
            "IRBESARTANA",
            "TELMISARTANA",
        ],
    ),
    (
        "Bloqueadores dos canais de cálcio",
        &[
            "ANLODIPINO",
            "NIFEDIPINO",
            "FELODIPINO",
            "VERAPAMIL",
            "DILTIAZEM",
        ],
    ),
    (
        "Betabloqueadores",
        &[
            "ATENOLOL",
            "PROPRANOLOL",
            "METOPROLOL",
            "CARVEDILOL",
            "BISOPROLOL",
            "NEBIVOLOL",
        ],
    ),
    (
        "Simpatolíticos de ação central",
        &["METILDOPA", "CLONIDINA"],
    ),
    ("Vasodilatadores diretos", &["HIDRALAZINA", "MINOXIDIL"]),
];

/// The class of a folded ingredient name, if it is an antihypertensive.
pub fn class_of(folded_name: &str) -> Option<&'static str> {
    let name = folded_name.trim();
    CLASSES
        .iter()
        .find(|(_, prefixes)| prefixes.iter().any(|p| name.starts_with(p)))
        .map(|(class, _)| *class)
}

/// Every ingredient prefix (for a catalogue query).
pub fn prefixes() -> impl Iterator<Item = &'static str> {
    CLASSES.iter().flat_map(|(_, p)| p.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_prefix() {
        assert_eq!(
            class_of("LOSARTANA POTASSICA"),
            Some("Bloqueadores do receptor AT1")
        );
        assert_eq!(
            class_of("ANLODIPINO, BESILATO DE"),
            Some("Bloqueadores dos canais de cálcio")
        );
        assert_eq!(
            class_of("HIDROCLOROTIAZIDA"),
            Some("Diuréticos tiazídicos e similares")
        );
        assert_eq!(class_of("METFORMINA"), None);
        assert_eq!(class_of(""), None);
        assert!(prefixes().count() > 30);
    }
}
