//! Password hashing (Argon2id) and the minimum rules.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::OsRng;

/// Argon2id with the OWASP-recommended parameters (19 MiB, 2 passes, 1 lane).
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of a new hash.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored hash (false for a malformed hash).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| hasher().verify_password(password.as_bytes(), &h).is_ok())
}

/// Argon2 hashes at most this many passwords at once: each takes ~19 MiB and tens of
/// milliseconds of one core. They run on tokio's blocking pool, never on the async workers
/// that serve pages, so a flood of wrong passwords queues here instead of stalling everyone.
pub const MAX_CONCURRENT_HASHES: usize = 2;

static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_CONCURRENT_HASHES);

/// Runs one Argon2 job off the async workers, behind [`HASHING`].
async fn off_the_workers<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(job).await.ok()
}

/// The Argon2 verifications one task ran: against an account's hash (`real`) or against the
/// dummy hash that gives an unknown user or a locked account the same cost (`dummy`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Verifications {
    pub real: u32,
    pub dummy: u32,
}

impl Verifications {
    pub fn total(&self) -> u32 {
        self.real + self.dummy
    }
}

tokio::task_local! {
    static COUNTED: std::cell::Cell<Verifications>;
}

/// Runs `f` and counts the Argon2 verifications it ran in this task — how a test tells that
/// a refused sign-in cost the same work whatever the reason, without timing it.
pub async fn count_verifications<F: std::future::Future>(f: F) -> (F::Output, Verifications) {
    COUNTED
        .scope(std::cell::Cell::new(Verifications::default()), async {
            let out = f.await;
            let counted = COUNTED.try_with(std::cell::Cell::get).unwrap_or_default();
            (out, counted)
        })
        .await
}

fn counted(real: bool) {
    let _ = COUNTED.try_with(|c| {
        let mut v = c.get();
        if real {
            v.real += 1;
        } else {
            v.dummy += 1;
        }
        c.set(v);
    });
}

/// [`verify`] on the blocking pool (false if the task could not run).
pub async fn verify_async(password: &str, stored: &str) -> bool {
    let (p, h) = (password.to_string(), stored.to_string());
    let outcome = off_the_workers(move || verify(&p, &h)).await;
    if outcome.is_some() {
        counted(true);
    }
    outcome.unwrap_or(false)
}

/// [`hash`] on the blocking pool.
pub async fn hash_async(password: &str) -> Result<String, String> {
    let p = password.to_string();
    match off_the_workers(move || hash(&p).map_err(|e| e.to_string())).await {
        Some(r) => r,
        None => Err("hashing task did not run".into()),
    }
}

/// [`dummy_verify`] on the blocking pool.
pub async fn dummy_verify_async(password: &str) {
    let p = password.to_string();
    if off_the_workers(move || dummy_verify(&p)).await.is_some() {
        counted(false);
    }
}

/// A hash to verify against when the user does not exist, so that the answer takes the
/// same time either way.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy-password-for-timing").unwrap_or_default());
    let _ = verify(password, stored);
}

/// Checks the minimum rules; the message is for the person choosing the password.
pub fn check_rules(password: &str, min_len: usize, username: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < min_len {
        return Err(format!("A senha deve ter pelo menos {min_len} caracteres."));
    }
    if len > 128 {
        return Err("A senha pode ter no máximo 128 caracteres.".into());
    }
    if is_common(password) {
        return Err(
            "Essa senha é comum demais e está entre as primeiras que um invasor tenta. Escolha outra, por exemplo três palavras e um número."
                .into(),
        );
    }
    if !password.chars().any(|c| c.is_alphabetic()) || !password.chars().any(|c| c.is_ascii_digit())
    {
        return Err("A senha deve ter letras e números.".into());
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err("A senha não pode conter o nome de usuário.".into());
    }
    let first = lower.chars().next();
    if lower.chars().all(|c| Some(c) == first) {
        return Err("A senha não pode repetir um único caractere.".into());
    }
    Ok(())
}

/// The embedded deny-list: one password a line, `#` comments.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// Words that make a password guessable with any run of digits before or after them
/// ("senha123", "brasil2024", "2024flamengo"): Portuguese and English favourites, football
/// clubs, the app's own names and the demo users' names.
const COMMON_WORDS: &[&str] = &[
    "senha",
    "minhasenha",
    "novasenha",
    "mudarsenha",
    "mudar",
    "trocar",
    "alterar",
    "acesso",
    "entrar",
    "login",
    "usuario",
    "teste",
    "temporaria",
    "provisoria",
    "brasil",
    "brazil",
    "saopaulo",
    "riodejaneiro",
    "flamengo",
    "corinthians",
    "palmeiras",
    "vasco",
    "santos",
    "gremio",
    "cruzeiro",
    "botafogo",
    "fluminense",
    "internacional",
    "atletico",
    "bahia",
    "sport",
    "jesus",
    "deus",
    "deusefiel",
    "amor",
    "teamo",
    "familia",
    "saude",
    "ubs",
    "esus",
    "esusaps",
    "esusab",
    "pec",
    "sus",
    "aps",
    "sistemaaps",
    "sistema",
    "admin",
    "administrador",
    "root",
    "coordenacao",
    "coordenador",
    "profissional",
    "enfermeira",
    "enfermeiro",
    "medico",
    "medica",
    "acs",
    "agente",
    "auditoria",
    "auditor",
    "demo",
    "password",
    "passw0rd",
    "welcome",
    "letmein",
    "qwerty",
    "abc",
    "abcd",
    "abcdef",
    "iloveyou",
    "monkey",
    "dragon",
    "master",
    "princess",
    "football",
    "sunshine",
];

/// Whether the password is on the deny-list, compared in lower case without spaces and
/// punctuation, or is a common word with digits before or after it.
pub fn is_common(password: &str) -> bool {
    let folded: String = password
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if folded.is_empty() {
        return false;
    }
    let listed = COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == folded);
    if listed {
        return true;
    }
    let core = folded.trim_matches(|c: char| c.is_ascii_digit());
    COMMON_WORDS.contains(&core)
}

/// A random password that passes the rules, for new accounts and resets (shown once).
pub fn generate() -> String {
    use rand_core::RngCore;
    // No look-alike characters (0/O, 1/l/I).
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut out = String::with_capacity(16);
    for i in 0..16 {
        let set = if i % 4 == 3 { DIGITS } else { LETTERS };
        let idx = (OsRng.next_u32() as usize) % set.len();
        out.push(set[idx] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let h1 = hash("senha-forte-123").unwrap_or_default();
        let h2 = hash("senha-forte-123").unwrap_or_default();
        assert!(h1.starts_with("$argon2id$"));
        assert_ne!(h1, h2, "salted");
        assert!(verify("senha-forte-123", &h1));
        assert!(!verify("senha-forte-124", &h1));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn rules() {
        assert!(check_rules("curta1", 10, "ana").is_err());
        assert!(check_rules("somenteletras", 10, "ana").is_err());
        assert!(check_rules("1234567890", 10, "ana").is_err());
        assert!(check_rules("maria12345x", 10, "maria").is_err());
        assert!(check_rules("boa-senha-2026", 10, "ana").is_ok());
        assert!(check_rules("jardim-de-caju-7", 10, "ana").is_ok());
        let g = generate();
        assert!(!is_common(&g), "{g}");
        assert!(check_rules(&g, 10, "ana").is_ok(), "{g}");
    }

    #[test]
    fn common_passwords_are_refused_in_portuguese() {
        for common in [
            "senha123",
            "Senha@123",
            "brasil2024",
            "BRASIL-2024",
            "12345678",
            "1234567890",
            "mudar123456",
            "flamengo2026",
            "2026palmeiras",
            "coordenacao123",
            "admin12345",
            "qwerty123456",
            "Q1w2e3r4t5",
        ] {
            assert!(is_common(common), "{common}");
            let msg = check_rules(common, 8, "ana").expect_err(common);
            assert!(msg.contains("comum demais"), "{common}: {msg}");
        }
        for fine in [
            "boa-senha-2026",
            "senha-de-teste-2026",
            "caju7jardim",
            "brasileiro-azul-12",
        ] {
            assert!(!is_common(fine), "{fine}");
        }
    }
}
