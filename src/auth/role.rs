//! Roles and the scope of nominal data they open.

use sea_orm::Condition;
use sea_orm::sea_query::{Expr, IntoColumnRef};

/// What a user does in the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Manages users, configuration and jobs; no nominal data by itself.
    Admin,
    /// One or more health units (CNES), or the whole municipality.
    Coordinator,
    /// One or more teams (INE).
    Professional,
    /// One or more micro-areas of a team.
    Acs,
    /// Reads the audit trail, nothing else.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Coordinator,
        Role::Professional,
        Role::Acs,
        Role::Auditor,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Professional => "professional",
            Role::Acs => "acs",
            Role::Auditor => "auditor",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrador(a)",
            Role::Coordinator => "Coordenação",
            Role::Professional => "Profissional da equipe",
            Role::Acs => "ACS",
            Role::Auditor => "Auditoria",
        }
    }
}

/// One role with its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub role: Role,
    /// Coordinator: a unit; `None` with no team means the whole municipality.
    pub cnes: Option<String>,
    /// Professional and ACS: the team.
    pub ine: Option<String>,
    /// ACS: the micro-area of the team.
    pub micro_area: Option<String>,
}

impl Assignment {
    /// Checks that the assignment carries exactly what its role needs; the message is for
    /// the person at the screen.
    pub fn validate(&self) -> Result<(), &'static str> {
        let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        match self.role {
            Role::Admin | Role::Auditor => {
                if has(&self.cnes) || has(&self.ine) || has(&self.micro_area) {
                    return Err(
                        "Administração e auditoria não têm território: deixe unidade, equipe e microárea em branco.",
                    );
                }
            }
            Role::Coordinator => {
                if has(&self.ine) || has(&self.micro_area) {
                    return Err(
                        "A coordenação abrange uma unidade (CNES) ou o município todo, não uma equipe.",
                    );
                }
            }
            Role::Professional => {
                if !has(&self.ine) || has(&self.micro_area) || has(&self.cnes) {
                    return Err(
                        "Profissional da equipe: escolha uma equipe (e nenhuma microárea).",
                    );
                }
            }
            Role::Acs => {
                if !has(&self.ine) || !has(&self.micro_area) || has(&self.cnes) {
                    return Err("ACS: escolha a equipe e a microárea.");
                }
            }
        }
        Ok(())
    }

    /// How the assignment reads on screen.
    pub fn describe(&self) -> String {
        match (self.role, &self.cnes, &self.ine, &self.micro_area) {
            (Role::Coordinator, None, _, _) => "Coordenação — município todo".into(),
            (Role::Coordinator, Some(c), _, _) => format!("Coordenação — unidade CNES {c}"),
            (Role::Professional, _, Some(i), _) => format!("Profissional — equipe INE {i}"),
            (Role::Acs, _, Some(i), Some(m)) => format!("ACS — equipe INE {i}, microárea {m}"),
            (r, ..) => r.label().to_string(),
        }
    }
}

/// The nominal data a user may see: the union of their clinical assignments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    pub municipality: bool,
    pub units: Vec<String>,
    pub teams: Vec<String>,
    pub micro_areas: Vec<(String, String)>,
}

impl Scope {
    pub fn of(assignments: &[Assignment]) -> Scope {
        let mut s = Scope::default();
        for a in assignments {
            match (a.role, &a.cnes, &a.ine, &a.micro_area) {
                (Role::Coordinator, None, None, None) => s.municipality = true,
                (Role::Coordinator, Some(c), _, _) => s.units.push(c.clone()),
                (Role::Professional, _, Some(i), _) => s.teams.push(i.clone()),
                (Role::Acs, _, Some(i), Some(m)) => s.micro_areas.push((i.clone(), m.clone())),
                _ => {}
            }
        }
        s
    }

    /// Whether the user may see any nominal data at all.
    pub fn is_empty(&self) -> bool {
        !self.municipality
            && self.units.is_empty()
            && self.teams.is_empty()
            && self.micro_areas.is_empty()
    }

    /// A filter over a table that has CNES, INE and micro-area columns. An empty scope
    /// matches nothing.
    pub fn condition(
        &self,
        cnes: impl IntoColumnRef + Clone,
        ine: impl IntoColumnRef + Clone,
        micro: impl IntoColumnRef + Clone,
    ) -> Condition {
        use sea_orm::sea_query::ExprTrait;
        if self.municipality {
            return Condition::all();
        }
        let mut any = Condition::any();
        if !self.units.is_empty() {
            any = any.add(Expr::col(cnes).is_in(self.units.iter().cloned()));
        }
        if !self.teams.is_empty() {
            any = any.add(Expr::col(ine.clone()).is_in(self.teams.iter().cloned()));
        }
        for (i, m) in &self.micro_areas {
            any = any.add(
                Condition::all()
                    .add(Expr::col(ine.clone()).eq(i.as_str()))
                    .add(Expr::col(micro.clone()).eq(m.as_str())),
            );
        }
        if self.is_empty() {
            // No clinical scope: nothing.
            return Condition::all().add(Expr::val(1).eq(0));
        }
        any
    }

    /// Whether a team (with its unit) is inside the scope, wholly or through a micro-area.
    pub fn allows_team(&self, ine: &str, cnes: Option<&str>) -> bool {
        self.municipality
            || cnes.is_some_and(|c| self.units.iter().any(|u| u == c))
            || self.teams.iter().any(|t| t == ine)
            || self.micro_areas.iter().any(|(t, _)| t == ine)
    }

    /// Micro-areas the user is limited to within a team (`None`: the whole team).
    pub fn micro_areas_of(&self, ine: &str, cnes: Option<&str>) -> Option<Vec<String>> {
        if self.municipality
            || cnes.is_some_and(|c| self.units.iter().any(|u| u == c))
            || self.teams.iter().any(|t| t == ine)
        {
            return None;
        }
        Some(
            self.micro_areas
                .iter()
                .filter(|(t, _)| t == ine)
                .map(|(_, m)| m.clone())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(role: Role, cnes: Option<&str>, ine: Option<&str>, micro: Option<&str>) -> Assignment {
        Assignment {
            role,
            cnes: cnes.map(String::from),
            ine: ine.map(String::from),
            micro_area: micro.map(String::from),
        }
    }

    #[test]
    fn assignments_need_exactly_their_scope() {
        assert!(a(Role::Admin, None, None, None).validate().is_ok());
        assert!(a(Role::Admin, None, Some("1"), None).validate().is_err());
        assert!(a(Role::Coordinator, None, None, None).validate().is_ok());
        assert!(
            a(Role::Coordinator, Some("123"), None, None)
                .validate()
                .is_ok()
        );
        assert!(
            a(Role::Coordinator, None, Some("1"), None)
                .validate()
                .is_err()
        );
        assert!(
            a(Role::Professional, None, Some("1"), None)
                .validate()
                .is_ok()
        );
        assert!(a(Role::Professional, None, None, None).validate().is_err());
        assert!(a(Role::Acs, None, Some("1"), Some("02")).validate().is_ok());
        assert!(a(Role::Acs, None, Some("1"), None).validate().is_err());
        assert!(a(Role::Auditor, None, None, None).validate().is_ok());
    }

    #[test]
    fn scope_is_the_union_of_clinical_assignments() {
        let s = Scope::of(&[
            a(Role::Admin, None, None, None),
            a(Role::Acs, None, Some("T1"), Some("02")),
            a(Role::Professional, None, Some("T2"), None),
        ]);
        assert!(!s.is_empty() && !s.municipality);
        assert!(
            s.allows_team("T1", None) && s.allows_team("T2", None) && !s.allows_team("T3", None)
        );
        assert_eq!(s.micro_areas_of("T1", None), Some(vec!["02".to_string()]));
        assert_eq!(s.micro_areas_of("T2", None), None);
        assert!(
            Scope::of(&[
                a(Role::Admin, None, None, None),
                a(Role::Auditor, None, None, None)
            ])
            .is_empty()
        );
        let unit = Scope::of(&[a(Role::Coordinator, Some("999"), None, None)]);
        assert!(unit.allows_team("T9", Some("999")) && !unit.allows_team("T9", Some("111")));
        assert!(Scope::of(&[a(Role::Coordinator, None, None, None)]).allows_team("any", None));
    }
}
