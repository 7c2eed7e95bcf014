//! Every route of the web interface, in one place.

pub const HOME: &str = "/";
pub const HYPERTENSION: &str = crate::programs::hypertension::PATH;
pub const HEALTH: &str = "/health";
pub const READY: &str = "/ready";
pub const LOGIN: &str = "/entrar";
pub const LOGOUT: &str = "/sair";
pub const PASSWORD: &str = "/senha";
pub const ADMIN_USERS: &str = "/admin/usuarios";
pub const ADMIN_NEW_USER: &str = "/admin/usuarios/novo";
pub const ADMIN_TOKENS: &str = "/admin/tokens";
/// Each user's own API tokens.
pub const MY_TOKENS: &str = "/tokens";
pub const AUDIT: &str = "/auditoria";
pub const AUDIT_CSV: &str = "/auditoria.csv";

/// `/auditoria/registros/{id}`: one audit row in full (what was typed in a search included);
/// opening it is audited.
pub fn audit_row(id: i64) -> String {
    format!("{AUDIT}/registros/{id}")
}
pub const HYPERTENSION_CSV: &str = "/hipertensos/exportar.csv";
pub const HYPERTENSION_XLSX: &str = "/hipertensos/exportar.xlsx";
pub const HYPERTENSION_PRESCRIPTIONS: &str = "/hipertensos/receitas.pdf";
pub const HYPERTENSION_ACS: &str = "/hipertensos/acs";
pub const HYPERTENSION_TEAM: &str = "/hipertensos/equipe";
pub const PATIENTS: &str = "/pacientes";
/// The search across the whole territory (header).
pub const PEOPLE: &str = "/pessoas";

/// `/pacientes/{id}`: the patient page.
pub fn patient(id: i64) -> String {
    format!("{PATIENTS}/{id}")
}

/// `/pacientes/{id}/{rest}`: a form or document of the patient page.
pub fn patient_sub(id: i64, rest: &str) -> String {
    format!("{PATIENTS}/{id}/{rest}")
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The printable ACS list of one micro-area.
pub fn acs_list(team: &str, micro_area: &str) -> String {
    format!(
        "{HYPERTENSION_ACS}?{}",
        query(&[("equipe", team), ("microarea", micro_area)])
    )
}

/// The team summary (C5 of the quadrimester and its monthly trend).
pub fn team_summary(team: &str) -> String {
    format!("{HYPERTENSION_TEAM}?{}", query(&[("equipe", team)]))
}

/// `/admin/usuarios/{id}`.
pub fn admin_user(id: i64) -> String {
    format!("{ADMIN_USERS}/{id}")
}
