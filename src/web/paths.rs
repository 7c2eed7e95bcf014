//! Every route of the web interface, in one place.

pub const HOME: &str = "/";
pub const HYPERTENSION: &str = "/hipertensos";
pub const HEALTH: &str = "/health";
pub const READY: &str = "/ready";
pub const LOGIN: &str = "/entrar";
pub const LOGOUT: &str = "/sair";
pub const PASSWORD: &str = "/senha";
pub const ADMIN_USERS: &str = "/admin/usuarios";
pub const ADMIN_NEW_USER: &str = "/admin/usuarios/novo";
pub const ADMIN_TOKENS: &str = "/admin/tokens";
pub const AUDIT: &str = "/auditoria";
pub const AUDIT_CSV: &str = "/auditoria.csv";

/// `/admin/usuarios/{id}`.
pub fn admin_user(id: i64) -> String {
    format!("{ADMIN_USERS}/{id}")
}

/// `/admin/tokens/{id}/revogar`.
pub fn admin_token_revoke(id: i64) -> String {
    format!("{ADMIN_TOKENS}/{id}/revogar")
}
