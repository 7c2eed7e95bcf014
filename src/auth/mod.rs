//! Users, roles, scope, passwords and sessions. The web and API layers call these functions;
//! nothing here knows about HTTP.

pub mod password;
pub mod permission;
pub mod role;
pub mod session;
pub mod tokens;
pub mod users;

pub use permission::{Grants, Permission, Policy, Profession};
pub use role::{Assignment, Role, Scope};
pub use session::{Session, SessionError};
pub use users::{LoginError, UserError};

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// 32 random bytes from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// SHA-256 of a text, as 64 hex digits.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The person behind a request: who, with which roles and what they may see.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub assignments: Vec<Assignment>,
    pub must_change_password: bool,
    /// The profession on record, which refines what a clinical role may do.
    pub profession: Option<Profession>,
    /// The configurable part of the permission matrix, as configured when signed in.
    pub policy: Policy,
    /// The session's CSRF token, to embed in forms and htmx headers.
    pub csrf_token: String,
}

impl CurrentUser {
    pub fn has_role(&self, role: Role) -> bool {
        self.assignments.iter().any(|a| a.role == role)
    }

    /// What the user may do, under the configured policy.
    pub fn grants(&self) -> Grants {
        Grants::of(self, self.policy)
    }

    /// Nominal patient data the user may see.
    pub fn scope(&self) -> Scope {
        Scope::of(&self.assignments)
    }

    /// The roles, comma-separated, for the audit trail and the header.
    pub fn roles_label(&self) -> String {
        let mut roles: Vec<Role> = self.assignments.iter().map(|a| a.role).collect();
        roles.sort();
        roles.dedup();
        roles.iter().map(|r| r.key()).collect::<Vec<_>>().join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
