//! Synthetic identities: names built from lists of common Brazilian first names and surnames,
//! CPF and CNS numbers with valid check digits, and deterministic UUID-like form ids.
//!
//! Nothing here comes from a real person: names are random combinations of very common
//! given names and surnames, and document numbers are random with computed check digits.

use std::collections::HashSet;

use super::rng::Rng;

pub const MALE_FIRST: &[&str] = &[
    "JOSÉ",
    "JOÃO",
    "ANTÔNIO",
    "FRANCISCO",
    "CARLOS",
    "PAULO",
    "PEDRO",
    "LUCAS",
    "LUIZ",
    "MARCOS",
    "LUÍS",
    "GABRIEL",
    "RAFAEL",
    "DANIEL",
    "MARCELO",
    "BRUNO",
    "EDUARDO",
    "FELIPE",
    "RAIMUNDO",
    "RODRIGO",
    "MANOEL",
    "MATEUS",
    "ANDRÉ",
    "FERNANDO",
    "FÁBIO",
    "LEONARDO",
    "GUSTAVO",
    "GUILHERME",
    "LEANDRO",
    "TIAGO",
    "ANDERSON",
    "RICARDO",
    "MÁRCIO",
    "JORGE",
    "SEBASTIÃO",
    "ALEXANDRE",
    "ROBERTO",
    "EDSON",
    "DIEGO",
    "VITOR",
    "SÉRGIO",
    "CLÁUDIO",
    "MATHEUS",
    "THIAGO",
    "GERALDO",
    "ADRIANO",
    "LUCIANO",
    "JÚLIO",
    "RENATO",
    "ALEX",
    "VINÍCIUS",
    "ROGÉRIO",
    "SAMUEL",
    "RONALDO",
    "MÁRIO",
    "FLÁVIO",
    "IGOR",
    "DOUGLAS",
    "DAVI",
    "BENEDITO",
    "ARTHUR",
    "HEITOR",
    "BERNARDO",
    "MIGUEL",
    "ENZO",
    "JOAQUIM",
    "CAIO",
    "OTÁVIO",
    "WESLEY",
    "ELIAS",
    "NATANAEL",
    "JOSUÉ",
    "EMANUEL",
    "RAUL",
    "CÍCERO",
    "ADEMIR",
    "VALDIR",
    "OSVALDO",
    "WILSON",
    "NELSON",
];

pub const FEMALE_FIRST: &[&str] = &[
    "MARIA",
    "ANA",
    "FRANCISCA",
    "ANTÔNIA",
    "ADRIANA",
    "JULIANA",
    "MÁRCIA",
    "FERNANDA",
    "PATRÍCIA",
    "ALINE",
    "SANDRA",
    "CAMILA",
    "AMANDA",
    "BRUNA",
    "JÉSSICA",
    "LETÍCIA",
    "JÚLIA",
    "LUCIANA",
    "VANESSA",
    "MARIANA",
    "GABRIELA",
    "VERA",
    "VITÓRIA",
    "LARISSA",
    "CLÁUDIA",
    "BEATRIZ",
    "RITA",
    "LUANA",
    "SÔNIA",
    "RENATA",
    "ELIANE",
    "JOSEFA",
    "SIMONE",
    "NATÁLIA",
    "CRISTIANE",
    "CARLA",
    "DÉBORA",
    "ROSÂNGELA",
    "JAQUELINE",
    "ROSA",
    "DANIELA",
    "ALICE",
    "RAIMUNDA",
    "CONCEIÇÃO",
    "TEREZINHA",
    "LÚCIA",
    "HELENA",
    "VALÉRIA",
    "ISABEL",
    "LAURA",
    "SOFIA",
    "MANUELA",
    "VALENTINA",
    "HELOÍSA",
    "LORENA",
    "CECÍLIA",
    "EDUARDA",
    "RAQUEL",
    "TATIANE",
    "PRISCILA",
    "KARINA",
    "MICHELE",
    "ELISÂNGELA",
    "SILVANA",
    "REGINA",
    "APARECIDA",
    "FÁTIMA",
    "GLÓRIA",
    "IVONE",
    "JOANA",
    "LUZIA",
    "MARTA",
    "NEUSA",
    "ODETE",
    "RUTE",
    "SUELI",
    "TÂNIA",
    "YASMIN",
    "ISADORA",
];

pub const SURNAMES: &[&str] = &[
    "SILVA",
    "SANTOS",
    "OLIVEIRA",
    "SOUZA",
    "RODRIGUES",
    "FERREIRA",
    "ALVES",
    "PEREIRA",
    "LIMA",
    "GOMES",
    "COSTA",
    "RIBEIRO",
    "MARTINS",
    "CARVALHO",
    "ALMEIDA",
    "LOPES",
    "SOARES",
    "FERNANDES",
    "VIEIRA",
    "BARBOSA",
    "ROCHA",
    "DIAS",
    "NASCIMENTO",
    "ANDRADE",
    "MOREIRA",
    "NUNES",
    "MARQUES",
    "MACHADO",
    "MENDES",
    "FREITAS",
    "CARDOSO",
    "RAMOS",
    "GONÇALVES",
    "SANTANA",
    "TEIXEIRA",
    "ARAÚJO",
    "PINTO",
    "CAVALCANTE",
    "MONTEIRO",
    "MOURA",
    "CORREIA",
    "BATISTA",
    "CAMPOS",
    "REIS",
    "FARIAS",
    "SALES",
    "BRITO",
    "PINHEIRO",
    "MIRANDA",
    "CASTRO",
    "MELO",
    "BEZERRA",
    "CUNHA",
    "NOGUEIRA",
    "AZEVEDO",
    "MEDEIROS",
    "TAVARES",
    "FIGUEIREDO",
    "MATOS",
    "CRUZ",
    "BARROS",
    "PEIXOTO",
    "QUEIROZ",
    "SAMPAIO",
    "AGUIAR",
    "PAIVA",
    "LEITE",
    "BRAGA",
    "ASSUNÇÃO",
    "CONCEIÇÃO",
    "MAIA",
    "PACHECO",
    "SIQUEIRA",
    "XAVIER",
    "VASCONCELOS",
    "PANTOJA",
    "GUIMARÃES",
];

/// Particles that join some surnames ("MARIA DA SILVA").
const PARTICLES: &[(&str, f64)] = &[
    ("", 0.7),
    ("DA", 0.12),
    ("DOS", 0.08),
    ("DE", 0.06),
    ("DO", 0.04),
];

/// The two surnames a family passes on.
#[derive(Debug, Clone)]
pub struct FamilyNames {
    pub mother_side: &'static str,
    pub father_side: &'static str,
}

impl FamilyNames {
    pub fn random(rng: &mut Rng) -> Self {
        Self {
            mother_side: *rng.pick(SURNAMES),
            father_side: *rng.pick(SURNAMES),
        }
    }
}

/// A full name: one or two given names and one or two surnames, sometimes with a particle.
pub fn full_name(rng: &mut Rng, female: bool, family: &FamilyNames) -> String {
    let list = if female { FEMALE_FIRST } else { MALE_FIRST };
    let mut parts: Vec<&str> = vec![*rng.pick(list)];
    if rng.chance(0.3) {
        let second = *rng.pick(list);
        if second != parts[0] {
            parts.push(second);
        }
    }
    let both = rng.chance(0.6) && family.mother_side != family.father_side;
    let particle = rng.weighted(PARTICLES);
    if both {
        parts.push(family.mother_side);
    }
    if !particle.is_empty() {
        parts.push(particle);
    }
    parts.push(family.father_side);
    parts.join(" ")
}

/// The search form of a name: upper case, accents removed, single spaces.
pub fn name_filter(name: &str) -> String {
    let upper: String = name.to_uppercase().chars().map(strip_accent).collect();
    upper.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A 64-bit FNV-1a key of a name's search form, for cheap membership checks.
pub fn name_key(filter: &str) -> u64 {
    filter.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn strip_accent(c: char) -> char {
    match c {
        'Á' | 'À' | 'Â' | 'Ã' | 'Ä' => 'A',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
        'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ö' => 'O',
        'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
        'Ç' => 'C',
        'Ñ' => 'N',
        other => other,
    }
}

fn digits_of(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// The two CPF check digits of a 9-digit base.
pub fn cpf_check_digits(base: &[u32; 9]) -> (u32, u32) {
    let dv = |digits: &[u32]| {
        let n = digits.len() as u32 + 1;
        let sum: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| d * (n - i as u32))
            .sum();
        let r = sum % 11;
        if r < 2 { 0 } else { 11 - r }
    };
    let d1 = dv(base);
    let mut ten = base.to_vec();
    ten.push(d1);
    (d1, dv(&ten))
}

/// Whether an 11-digit CPF has valid check digits (repeated-digit CPFs are invalid).
pub fn cpf_is_valid(cpf: &str) -> bool {
    let Some(d) = digits_of(cpf) else {
        return false;
    };
    if d.len() != 11 || d.iter().all(|x| *x == d[0]) {
        return false;
    }
    let mut base = [0u32; 9];
    base.copy_from_slice(&d[..9]);
    cpf_check_digits(&base) == (d[9], d[10])
}

/// Whether a CNS is valid: 15 digits, first digit 1/2 (definitive) or 7/8/9 (provisional),
/// and the sum of digit × weight (weights 15 down to 1) divisible by 11.
pub fn cns_is_valid(cns: &str) -> bool {
    let Some(d) = digits_of(cns) else {
        return false;
    };
    if d.len() != 15 || !matches!(d[0], 1 | 2 | 7 | 8 | 9) {
        return false;
    }
    let sum: u32 = d.iter().enumerate().map(|(i, x)| x * (15 - i as u32)).sum();
    sum.is_multiple_of(11)
}

/// A definitive CNS from an 11-digit PIS-like base starting with 1 or 2 (the official
/// construction: `base + "000" + dv`, or `base + "001" + dv` when the first dv would be 10).
pub fn cns_definitive_from_base(base: &[u32; 11]) -> String {
    let mut sum: u32 = base
        .iter()
        .enumerate()
        .map(|(i, x)| x * (15 - i as u32))
        .sum();
    let mut dv = 11 - sum % 11;
    let mut middle = "000";
    if dv == 11 {
        dv = 0;
    }
    if dv == 10 {
        sum += 2;
        dv = 11 - sum % 11;
        middle = "001";
    }
    let mut s: String = base.iter().map(|d| char::from(b'0' + *d as u8)).collect();
    s.push_str(middle);
    s.push(char::from(b'0' + dv as u8));
    s
}

/// Generates unique CPFs and CNSs for one municipality.
#[derive(Default)]
pub struct DocumentFactory {
    used_cpf: HashSet<u64>,
    used_cns: HashSet<u64>,
}

impl DocumentFactory {
    /// A new valid, unique CPF (11 digits, leading zeros kept).
    pub fn cpf(&mut self, rng: &mut Rng) -> String {
        loop {
            let n = rng.below(1_000_000_000);
            let mut base = [0u32; 9];
            let mut x = n;
            for slot in base.iter_mut().rev() {
                *slot = (x % 10) as u32;
                x /= 10;
            }
            if base.iter().all(|d| *d == base[0]) {
                continue;
            }
            let (d1, d2) = cpf_check_digits(&base);
            let full = n * 100 + u64::from(d1 * 10 + d2);
            if !self.used_cpf.insert(full) {
                continue;
            }
            return format!("{full:011}");
        }
    }

    /// A new valid, unique CNS; about 85% definitive (1/2) and 15% provisional (7/8/9).
    pub fn cns(&mut self, rng: &mut Rng) -> String {
        loop {
            let candidate = if rng.chance(0.85) {
                let mut base = [0u32; 11];
                base[0] = if rng.chance(0.6) { 1 } else { 2 };
                for slot in base.iter_mut().skip(1) {
                    *slot = rng.below(10) as u32;
                }
                cns_definitive_from_base(&base)
            } else {
                let mut d = [0u32; 14];
                d[0] = *rng.pick(&[7u32, 8, 9]);
                for slot in d.iter_mut().skip(1) {
                    *slot = rng.below(10) as u32;
                }
                let sum: u32 = d.iter().enumerate().map(|(i, x)| x * (15 - i as u32)).sum();
                let last = (11 - sum % 11) % 11;
                if last == 10 {
                    continue;
                }
                let mut s: String = d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
                s.push(char::from(b'0' + last as u8));
                s
            };
            let Ok(key) = candidate.parse::<u64>() else {
                continue;
            };
            if self.used_cns.insert(key) {
                return candidate;
            }
        }
    }
}

/// A random mobile number of the municipality's area code, e.g. `97991234567`.
pub fn mobile_phone(rng: &mut Rng, area_code: u32) -> String {
    format!("{area_code}9{:08}", 80_000_000 + rng.below(20_000_000))
}

/// A deterministic UUID-shaped identifier (version-4 layout) for form ids.
pub fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cpf_known_examples() {
        // 529.982.247-25: d1 = 11 - (295 mod 11 = 9) = 2; d2 = 11 - (347 mod 11 = 6) = 5.
        assert!(cpf_is_valid("52998224725"));
        assert_eq!(cpf_check_digits(&[5, 2, 9, 9, 8, 2, 2, 4, 7]), (2, 5));
        assert!(!cpf_is_valid("52998224724"));
        assert!(!cpf_is_valid("52998224715"));
        assert!(
            !cpf_is_valid("11111111111"),
            "repeated digits pass the sums but are invalid"
        );
        assert!(!cpf_is_valid("5299822472"));
        assert!(!cpf_is_valid("5299822472a"));
        // Remainder < 2 gives 0: base 000000001 → sum 2 → r 2 → d1 9; then
        // 0..0,1,9 → sum 1*3 + 9*2 = 21 → r 10 → d2 1.
        assert_eq!(cpf_check_digits(&[0, 0, 0, 0, 0, 0, 0, 0, 1]), (9, 1));
        assert!(cpf_is_valid("00000000191"));
    }

    #[test]
    fn cns_known_examples() {
        // 1·15+2·14+3·13+4·12+5·11+6·10+7·9+8·8+9·7+0·6+1·5 = 440 ≡ 0 (mod 11) → dv 0.
        assert_eq!(
            cns_definitive_from_base(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]),
            "123456789010000"
        );
        // 2·15 + 1·5 = 35 ≡ 2 → dv 9.
        assert_eq!(
            cns_definitive_from_base(&[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            "200000000010009"
        );
        // 1·15 + 6·5 = 45 ≡ 1 → dv would be 10, so "001": 47 ≡ 3 → dv 8.
        assert_eq!(
            cns_definitive_from_base(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6]),
            "100000000060018"
        );
        for ok in [
            "123456789010000",
            "200000000010009",
            "100000000060018",
            "700000000000005",
        ] {
            assert!(cns_is_valid(ok), "{ok}");
        }
        // 7·15 = 105 ≡ 6 → last digit 5 makes 110.
        assert!(!cns_is_valid("700000000000004"));
        assert!(
            !cns_is_valid("300000000000000"),
            "3 is not a valid first digit"
        );
        assert!(!cns_is_valid("12345678901000"));
    }

    #[test]
    fn generated_documents_are_valid_and_unique() {
        let mut rng = Rng::new(1);
        let mut f = DocumentFactory::default();
        let mut seen = std::collections::BTreeSet::new();
        let mut provisional = 0;
        for _ in 0..5000 {
            let cpf = f.cpf(&mut rng);
            assert_eq!(cpf.len(), 11);
            assert!(cpf_is_valid(&cpf), "{cpf}");
            assert!(seen.insert(cpf));
            let cns = f.cns(&mut rng);
            assert!(cns_is_valid(&cns), "{cns}");
            assert!(seen.insert(cns.clone()));
            if cns.starts_with(['7', '8', '9']) {
                provisional += 1;
            }
        }
        assert!((500..1000).contains(&provisional), "{provisional}");
    }

    #[test]
    fn names_and_filters() {
        assert_eq!(name_filter("João  da Conceição"), "JOAO DA CONCEICAO");
        assert_eq!(name_filter("ANTÔNIA GONÇALVES"), "ANTONIA GONCALVES");
        let mut rng = Rng::new(3);
        let fam = FamilyNames::random(&mut rng);
        for _ in 0..100 {
            let n = full_name(&mut rng, true, &fam);
            assert!(n.ends_with(fam.father_side));
            assert!(name_filter(&n).is_ascii());
        }
        let u = uuid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
