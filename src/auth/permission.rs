//! Permissions per action: what each profile may do with the patients in its scope. The
//! matrix is data ([`MATRIX`]); the domain functions that the web and the API both call
//! check it, the pages hide what a user may not do, and `docs/permissions.md` is rendered
//! from it ([`markdown`]) and compared with the committed file by a test.

use super::{CurrentUser, Role};

/// A health profession that changes what a user may do (prescribing, treatment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profession {
    Physician,
    Nurse,
}

impl Profession {
    pub const ALL: [Profession; 2] = [Profession::Physician, Profession::Nurse];

    pub fn key(self) -> &'static str {
        match self {
            Profession::Physician => "medico",
            Profession::Nurse => "enfermeiro",
        }
    }

    pub fn from_key(key: &str) -> Option<Profession> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Profession::Physician => "Médico(a)",
            Profession::Nurse => "Enfermeiro(a)",
        }
    }
}

/// A row of the matrix: a role, refined by the profession for clinical roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    Admin,
    /// Coordination without a profession on record.
    Coordinator,
    /// A physician (team professional, or coordinator who is a physician).
    Physician,
    /// A nurse (team professional, or coordinator who is a nurse).
    Nurse,
    /// Any other team professional (technician, dentist, pharmacist…).
    Professional,
    Acs,
    Auditor,
}

impl Profile {
    pub const ALL: [Profile; 7] = [
        Profile::Admin,
        Profile::Coordinator,
        Profile::Physician,
        Profile::Nurse,
        Profile::Professional,
        Profile::Acs,
        Profile::Auditor,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Profile::Admin => "Administração",
            Profile::Coordinator => "Coordenação (sem profissão registrada)",
            Profile::Physician => "Médico(a)",
            Profile::Nurse => "Enfermeiro(a)",
            Profile::Professional => "Outro profissional da equipe",
            Profile::Acs => "ACS",
            Profile::Auditor => "Auditoria",
        }
    }
}

/// A column of the matrix: something done to a patient in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// See lists, the patient page and print the working lists.
    View,
    /// Schedule a follow-up action.
    Schedule,
    /// Complete an action that carries no clinical record (schedule the round, start an MRPA).
    Complete,
    /// Complete an action with its clinical record: MRPA, exams, cardiovascular risk,
    /// nutrition and cardiology consultations, requests and referrals.
    RecordClinical,
    /// Add or change a medication of the plan, record a treatment change.
    ChangeTreatment,
    /// Print a prescription signed with one's name.
    PrintPrescription,
    /// Cancel a pending action.
    Cancel,
    /// Delete a pending action entered by mistake, or annul a completed one with a reason.
    Delete,
    /// Export nominal lists (CSV, XLSX, PDF).
    Export,
}

impl Permission {
    pub const ALL: [Permission; 9] = [
        Permission::View,
        Permission::Schedule,
        Permission::Complete,
        Permission::RecordClinical,
        Permission::ChangeTreatment,
        Permission::PrintPrescription,
        Permission::Cancel,
        Permission::Delete,
        Permission::Export,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Permission::View => "view",
            Permission::Schedule => "schedule",
            Permission::Complete => "complete",
            Permission::RecordClinical => "record_clinical",
            Permission::ChangeTreatment => "change_treatment",
            Permission::PrintPrescription => "print_prescription",
            Permission::Cancel => "cancel",
            Permission::Delete => "delete",
            Permission::Export => "export",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Permission::View => "Ver",
            Permission::Schedule => "Agendar",
            Permission::Complete => "Concluir",
            Permission::RecordClinical => "Registrar exames/MRPA",
            Permission::ChangeTreatment => "Alterar tratamento",
            Permission::PrintPrescription => "Imprimir receita",
            Permission::Cancel => "Cancelar",
            Permission::Delete => "Excluir/anular",
            Permission::Export => "Exportar",
        }
    }

    /// The sentence a refused user reads.
    pub fn refusal(self) -> &'static str {
        match self {
            Permission::View => "Seu perfil não dá acesso a dados de pacientes.",
            Permission::Schedule => "Seu perfil não permite agendar esta ação.",
            Permission::Complete => "Seu perfil não permite concluir esta ação.",
            Permission::RecordClinical => "Seu perfil não permite registrar dados clínicos.",
            Permission::ChangeTreatment => {
                "Só médicos(as) (e enfermeiros(as), onde o protocolo permite) alteram o tratamento."
            }
            Permission::PrintPrescription => {
                "Só médicos(as) (e enfermeiros(as), onde o protocolo permite) emitem receitas."
            }
            Permission::Cancel => "Seu perfil não permite cancelar ações.",
            Permission::Delete => "Seu perfil não permite excluir ou anular registros.",
            Permission::Export => "Seu perfil não permite exportar listas nominais.",
        }
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Yes,
    No,
    /// Only when the configuration lets nurses prescribe (`auth.nurse_prescribes`).
    IfNursePrescribes,
    /// Only actions that are not clinical (schedule the round, start an MRPA: what an ACS
    /// arranges and sees at home).
    NonClinicalOnly,
}

use Cell::{IfNursePrescribes as Np, No, NonClinicalOnly as Nc, Yes};

/// The matrix, in the order of [`Permission::ALL`].
pub const MATRIX: [(Profile, [Cell; 9]); 7] = [
    //                        view sched compl clin  treat presc cancel del  export
    (Profile::Admin, [No, No, No, No, No, No, No, No, No]),
    (
        Profile::Coordinator,
        [Yes, Yes, No, No, No, No, Yes, No, Yes],
    ),
    (
        Profile::Physician,
        [Yes, Yes, Yes, Yes, Yes, Yes, Yes, Yes, Yes],
    ),
    (Profile::Nurse, [Yes, Yes, Yes, Yes, Np, Np, Yes, Yes, Yes]),
    (
        Profile::Professional,
        [Yes, Yes, Yes, Yes, No, No, Yes, Yes, Yes],
    ),
    (Profile::Acs, [Yes, Nc, Nc, No, No, No, No, No, No]),
    (Profile::Auditor, [No, No, No, No, No, No, No, No, No]),
];

/// The configurable part of the matrix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    pub nurse_prescribes: bool,
}

/// The cell of a profile and a permission.
pub fn cell(profile: Profile, permission: Permission) -> Cell {
    let col = Permission::ALL
        .iter()
        .position(|p| *p == permission)
        .unwrap_or(0);
    MATRIX
        .iter()
        .find(|(p, _)| *p == profile)
        .map_or(Cell::No, |(_, cells)| cells[col])
}

/// What a cell allows, for an action that is clinical or not.
fn cell_allows(c: Cell, policy: Policy, clinical: bool) -> bool {
    match c {
        Cell::Yes => true,
        Cell::No => false,
        Cell::IfNursePrescribes => policy.nurse_prescribes,
        Cell::NonClinicalOnly => !clinical,
    }
}

/// The profiles of a user: one per assignment, the profession refining clinical roles.
pub fn profiles(assignments: &[super::Assignment], profession: Option<Profession>) -> Vec<Profile> {
    let by_profession = |fallback: Profile| match profession {
        Some(Profession::Physician) => Profile::Physician,
        Some(Profession::Nurse) => Profile::Nurse,
        None => fallback,
    };
    let mut out: Vec<Profile> = assignments
        .iter()
        .map(|a| match a.role {
            Role::Admin => Profile::Admin,
            Role::Auditor => Profile::Auditor,
            Role::Coordinator => by_profession(Profile::Coordinator),
            Role::Professional => by_profession(Profile::Professional),
            Role::Acs => Profile::Acs,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What one user may do: the union of their profiles' cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grants {
    pub profiles: Vec<Profile>,
    pub policy: Policy,
}

impl Grants {
    pub fn of(user: &CurrentUser, policy: Policy) -> Grants {
        Grants {
            profiles: profiles(&user.assignments, user.profession),
            policy,
        }
    }

    /// Everything (for internal jobs and tests that act as the system).
    pub fn all() -> Grants {
        Grants {
            profiles: vec![Profile::Physician],
            policy: Policy::default(),
        }
    }

    /// Whether the user may do `permission` to a clinical action (or to anything, when the
    /// permission does not depend on the action).
    pub fn may(&self, permission: Permission) -> bool {
        self.may_on(permission, true)
    }

    /// Whether the user may do `permission` to an action that is `clinical` or not.
    pub fn may_on(&self, permission: Permission, clinical: bool) -> bool {
        self.profiles
            .iter()
            .any(|p| cell_allows(cell(*p, permission), self.policy, clinical))
    }

    /// `Ok` or the refusal to show.
    pub fn check(&self, permission: Permission, clinical: bool) -> Result<(), &'static str> {
        if self.may_on(permission, clinical) {
            Ok(())
        } else {
            Err(permission.refusal())
        }
    }
}

/// The matrix as a Markdown document (`docs/permissions.md`).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Permissões por ação\n\n\
         <!-- Generated from src/auth/permission.rs (MATRIX) by `sistema-aps permissions`; \
         a test fails when this file differs. Do not edit by hand. -->\n\n\
         O que cada perfil pode fazer com os pacientes do seu território. O território (quais \
         pacientes) vem da atribuição do usuário; esta tabela diz **o que** ele pode fazer com \
         eles. As mesmas regras valem nas páginas e na API.\n\n",
    );
    out.push_str("| Perfil |");
    for p in Permission::ALL {
        out.push_str(&format!(" {} |", p.label()));
    }
    out.push_str("\n|---|");
    for _ in Permission::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for (profile, cells) in MATRIX {
        out.push_str(&format!("| {} |", profile.label()));
        for c in cells {
            out.push_str(match c {
                Cell::Yes => " sim |",
                Cell::No => " não |",
                Cell::IfNursePrescribes => " se `auth.nurse_prescribes` |",
                Cell::NonClinicalOnly => " só ações não clínicas |",
            });
        }
        out.push('\n');
    }
    out.push_str(
        "\n- **Perfil**: o papel da atribuição, refinado pela profissão registrada no usuário \
         (médico/a, enfermeiro/a) para coordenação e profissionais da equipe. Quem tem várias \
         atribuições soma as permissões.\n\
         - **Ações não clínicas**: agendar Hiperdia e iniciar MRPA — o que o ACS combina e vê \
         no domicílio. Nada clínico (exames, MRPA, tratamento, receitas).\n\
         - **Registrar exames/MRPA**: concluir uma ação com o seu registro clínico (MRPA, \
         exames, risco cardiovascular, consultas de nutrição e cardiologia, solicitações e \
         encaminhamentos).\n\
         - **Excluir/anular**: uma ação pendente lançada por engano é excluída; uma ação \
         **realizada nunca é excluída** — é anulada com motivo, e a auditoria guarda o antes e \
         o depois.\n\
         - **Alterar tratamento** e **imprimir receita**: médicos(as); enfermeiros(as) só \
         quando `auth.nurse_prescribes = true` (protocolo municipal).\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Assignment;

    fn a(role: Role) -> Assignment {
        Assignment {
            role,
            cnes: None,
            ine: Some("1".into()),
            micro_area: None,
        }
    }

    #[test]
    fn every_profile_has_one_row_in_the_order_of_all() {
        let rows: Vec<Profile> = MATRIX.iter().map(|(p, _)| *p).collect();
        assert_eq!(rows, Profile::ALL.to_vec());
    }

    #[test]
    fn prescribing_follows_profession_and_policy() {
        let nurse = Grants {
            profiles: profiles(&[a(Role::Professional)], Some(Profession::Nurse)),
            policy: Policy::default(),
        };
        assert_eq!(nurse.profiles, vec![Profile::Nurse]);
        assert!(!nurse.may(Permission::PrintPrescription));
        assert!(nurse.may(Permission::RecordClinical));
        let allowed = Grants {
            policy: Policy {
                nurse_prescribes: true,
            },
            ..nurse
        };
        assert!(allowed.may(Permission::PrintPrescription));
        let other = Grants {
            profiles: profiles(&[a(Role::Professional)], None),
            policy: Policy {
                nurse_prescribes: true,
            },
        };
        assert!(!other.may(Permission::PrintPrescription));
        assert!(other.may(Permission::Delete));
    }

    #[test]
    fn an_acs_does_nothing_clinical() {
        let acs = Grants {
            profiles: profiles(&[a(Role::Acs)], Some(Profession::Physician)),
            policy: Policy::default(),
        };
        assert_eq!(acs.profiles, vec![Profile::Acs]);
        assert!(acs.may_on(Permission::Schedule, false));
        assert!(!acs.may_on(Permission::Schedule, true));
        assert!(acs.may_on(Permission::Complete, false));
        assert!(!acs.may(Permission::RecordClinical));
        assert!(!acs.may(Permission::Delete));
        assert!(!acs.may(Permission::Export));
    }

    #[test]
    fn the_document_lists_every_cell() {
        let md = markdown();
        let rows = md.lines().filter(|l| l.starts_with("| ")).count();
        assert_eq!(rows, 1 + Profile::ALL.len());
        assert!(md.contains("| ACS | sim | só ações não clínicas | só ações não clínicas | não |"));
    }
}
