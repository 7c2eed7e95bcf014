//! A small, hand-made PEC world with known answers, written straight into the mirror tables.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use sea_orm::Value;

use crate::helpers::TestApp;

pub const TEAM_A: &str = "0000000001";
pub const TEAM_B: &str = "0000000002";
pub const TEAM_INACTIVE: &str = "0000000003";

/// The surrogate ids this fixture gives the PEC catalogues. They differ from every id the code
/// once assumed (situations 0/1/2, act types 1/2/3, visit outcome 1, the reference's CIAP and
/// CID ids): a rule that matches a surrogate id instead of a natural code or a resolved
/// catalogue entry counts the wrong rows and fails.
#[derive(Clone, Copy, Debug)]
pub struct Ids {
    pub active: i64,
    pub latent: i64,
    pub resolved: i64,
    pub consultation: i64,
    pub listening: i64,
    pub procedure: i64,
    pub visit_done: i64,
    pub visit_refused: i64,
    pub ciap_k86: i64,
    pub ciap_k87: i64,
    pub ciap_r96: i64,
    pub cid_i10: i64,
    pub cid_i119: i64,
    pub cid_j45: i64,
    pub cbo_physician: i64,
    pub cbo_nurse: i64,
    pub cbo_technician: i64,
}

pub const IDS: Ids = Ids {
    active: 5,
    latent: 0,
    resolved: 1,
    consultation: 2,
    listening: 6,
    procedure: 1,
    visit_done: 3,
    visit_refused: 1,
    ciap_k86: 1178,
    ciap_k87: 1179,
    ciap_r96: 41,
    cid_i10: 83184,
    cid_i119: 7,
    // The reference's id of I11.9 given to asthma: a rule matching CID ids would list it.
    cid_j45: 3186,
    cbo_physician: 31,
    cbo_nurse: 17,
    cbo_technician: 1,
};

/// The kind of a professional act (`tb_tipo_atend_prof`, by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Consultation,
    InitialListening,
    Procedure,
}

/// The outcome of a home visit (`tb_cds_visita_dom_desfecho`, by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Refused,
}

/// Ids of the professionals' assignments (`tb_lotacao.co_ator_papel`).
pub const PHYSICIAN: i64 = 1;
pub const NURSE: i64 = 2;
pub const TECHNICIAN: i64 = 3;
/// `tb_cds_prof` of an ACS and of a non-ACS professional.
pub const ACS: i64 = 1;
pub const NOT_ACS: i64 = 2;

fn ts(d: NaiveDate) -> Value {
    d.and_hms_opt(9, 30, 0).unwrap_or_default().into()
}

fn s(v: &str) -> Value {
    v.to_string().into()
}

/// How a test person's hypertension is coded.
#[derive(Clone, Copy)]
pub enum Coding {
    /// CIAP K86, active.
    CiapK86,
    /// CID I11.9, latent.
    CidI119Latent,
    /// CIAP K86 resolved: not in the list.
    Resolved,
    /// Asthma only: not hypertensive.
    NotHypertensive,
}

pub struct Person {
    pub id: i64,
    pub name: &'static str,
    pub team: &'static str,
    pub micro_area: &'static str,
    pub coding: Coding,
    pub active: bool,
    pub deceased: bool,
}

impl Person {
    pub fn new(
        id: i64,
        name: &'static str,
        team: &'static str,
        micro_area: &'static str,
    ) -> Person {
        Person {
            id,
            name,
            team,
            micro_area,
            coding: Coding::CiapK86,
            active: true,
            deceased: false,
        }
    }

    pub fn cns(&self) -> String {
        format!("7{:014}", self.id)
    }
}

pub struct Fixture<'a> {
    app: &'a TestApp,
    today: NaiveDate,
    next: i64,
    pub ids: Ids,
}

impl<'a> Fixture<'a> {
    pub async fn new(app: &'a TestApp) -> Fixture<'a> {
        Self::with_ids(app, IDS).await
    }

    /// A fixture whose catalogues carry other surrogate ids.
    pub async fn with_ids(app: &'a TestApp, ids: Ids) -> Fixture<'a> {
        let f = Fixture {
            app,
            today: app.state.today(),
            next: 1000,
            ids,
        };
        f.catalogues().await;
        f
    }

    pub fn days_ago(&self, n: i64) -> NaiveDate {
        self.today - Duration::days(n)
    }

    fn id(&mut self) -> i64 {
        self.next += 1;
        self.next
    }

    async fn catalogues(&self) {
        let a = self.app;
        let i = self.ids;
        let run = |sql: &'static str, values: Vec<Value>| async move { a.exec(sql, values).await };
        run(
            "INSERT INTO tb_sexo (co_sexo, no_sexo) VALUES (0, 'MASCULINO'), (1, 'FEMININO')",
            vec![],
        )
        .await;
        run(
            "INSERT INTO tb_situacao_problema (co_situacao_problema, no_situacao_problema) VALUES (?, 'Ativo'), (?, 'Latente'), (?, 'Resolvido')",
            vec![i.active.into(), i.latent.into(), i.resolved.into()],
        )
        .await;
        run(
            "INSERT INTO tb_tipo_atend_prof (co_tipo_atend_prof, no_tipo_atend_prof) VALUES (?, 'CONSULTA'), (?, 'ESCUTA INICIAL'), (?, 'PROCEDIMENTOS'), (?, 'VACINAÇÃO')",
            vec![i.consultation.into(), i.listening.into(), i.procedure.into(), 90.into()],
        )
        .await;
        run(
            "INSERT INTO tb_ciap (co_seq_ciap, co_ciap, ds_ciap) VALUES (?, 'K86', 'HIPERTENSAO SEM COMPLICACOES'), (?, 'K87', 'HIPERTENSAO COM COMPLICACOES'), (?, 'R96', 'ASMA')",
            vec![i.ciap_k86.into(), i.ciap_k87.into(), i.ciap_r96.into()],
        )
        .await;
        run(
            "INSERT INTO tb_cid10 (co_cid10, nu_cid10, no_cid10) VALUES (?, 'I10', 'HIPERTENSAO ESSENCIAL'), (?, 'I119', 'DOENCA CARDIACA HIPERTENSIVA'), (?, 'J45', 'ASMA')",
            vec![i.cid_i10.into(), i.cid_i119.into(), i.cid_j45.into()],
        )
        .await;
        run(
            "INSERT INTO tb_cbo (co_cbo, co_cbo_2002, no_cbo) VALUES (?, '225142', 'MEDICO DA ESTRATEGIA DE SAUDE DA FAMILIA'), (?, '223565', 'ENFERMEIRO DA ESTRATEGIA DE SAUDE DA FAMILIA'), (?, '322245', 'TECNICO DE ENFERMAGEM')",
            vec![i.cbo_physician.into(), i.cbo_nurse.into(), i.cbo_technician.into()],
        )
        .await;
        run(
            "INSERT INTO tb_equipe (co_seq_equipe, nu_ine, no_equipe, st_ativo, tp_equipe) VALUES (1, ?, 'ESF 01 - CENTRO', 1, 70), (2, ?, 'ESF 02 - RIBEIRINHA', 1, 70), (3, ?, 'ESF 03 - DESATIVADA', 0, 70)",
            vec![s(TEAM_A), s(TEAM_B), s(TEAM_INACTIVE)],
        )
        .await;
        run(
            "INSERT INTO tb_lotacao (co_ator_papel, co_prof, co_cbo, co_equipe) VALUES (?, 1, ?, 1), (?, 2, ?, 1), (?, 3, ?, 1)",
            vec![
                PHYSICIAN.into(),
                i.cbo_physician.into(),
                NURSE.into(),
                i.cbo_nurse.into(),
                TECHNICIAN.into(),
                i.cbo_technician.into(),
            ],
        )
        .await;
        run(
            "INSERT INTO tb_cds_prof (co_seq_cds_prof, nu_cbo_2002, nu_ine) VALUES (?, '515105', ?), (?, '322245', ?)",
            vec![ACS.into(), s(TEAM_A), NOT_ACS.into(), s(TEAM_A)],
        )
        .await;
        run(
            "INSERT INTO tb_cds_visita_dom_desfecho (co_cds_visita_dom_desfecho, no_cds_visita_dom_desfecho) VALUES (?, 'VISITA REALIZADA'), (?, 'VISITA RECUSADA'), (?, 'AUSENTE')",
            vec![i.visit_done.into(), i.visit_refused.into(), 40.into()],
        )
        .await;
        run(
            "INSERT INTO tb_cds_visita_dom_motivo (co_cds_visita_dom_motivo, no_cds_visita_dom_motivo) VALUES (1, 'ACOMPANHAMENTO DE PESSOA COM HIPERTENSAO')",
            vec![],
        )
        .await;
    }

    /// A citizen with registration, team link, record and (depending on `coding`) a problem.
    pub async fn person(&mut self, p: &Person) {
        let a = self.app;
        let ficha = format!("ficha-{}", p.id);
        a.exec(
            "INSERT INTO tb_cidadao (co_seq_cidadao, no_cidadao, no_cidadao_filtro, nu_cns, nu_cpf, dt_nascimento, no_sexo, st_ativo, st_faleceu, co_unico_ultima_ficha) VALUES (?, ?, ?, ?, NULL, ?, 'FEMININO', ?, ?, ?)",
            vec![
                p.id.into(),
                s(p.name),
                s(&p.name.to_uppercase()),
                s(&p.cns()),
                NaiveDate::from_ymd_opt(1960, 5, 17).into(),
                i32::from(p.active).into(),
                i32::from(p.deceased).into(),
                s(&ficha),
            ],
        )
        .await;
        let fci = self.id();
        a.exec(
            "INSERT INTO tb_cds_cad_individual (co_seq_cds_cad_individual, co_unico_ficha, no_cidadao, nu_cns_cidadao, nu_micro_area, st_versao_atual, st_ficha_inativa, co_sexo) VALUES (?, ?, ?, ?, ?, 1, 0, 1)",
            vec![fci.into(), s(&ficha), s(p.name), s(&p.cns()), s(p.micro_area)],
        )
        .await;
        let link = self.id();
        a.exec(
            "INSERT INTO tb_cidadao_vinculacao_equipe (co_seq_cidadao_vinculacao_eqp, co_cidadao, nu_ine, dt_atualizacao_cadastro) VALUES (?, ?, ?, ?)",
            vec![link.into(), p.id.into(), s(p.team), ts(self.days_ago(400))],
        )
        .await;
        a.exec(
            "INSERT INTO tb_prontuario (co_seq_prontuario, co_cidadao) VALUES (?, ?)",
            vec![p.id.into(), p.id.into()],
        )
        .await;
        let i = self.ids;
        let (ciap, cid, situation): (Option<i64>, Option<i64>, i64) = match p.coding {
            Coding::CiapK86 => (Some(i.ciap_k86), None, i.active),
            Coding::CidI119Latent => (None, Some(i.cid_i119), i.latent),
            Coding::Resolved => (Some(i.ciap_k86), None, i.resolved),
            Coding::NotHypertensive => (Some(i.ciap_r96), Some(i.cid_j45), i.active),
        };
        let evo = self.id();
        let problem = self.id();
        a.exec(
            "INSERT INTO tb_problema_evolucao (co_seq_problema_evolucao, co_unico_problema, co_situacao_problema) VALUES (?, ?, ?)",
            vec![evo.into(), s(&format!("p{problem}")), situation.into()],
        )
        .await;
        a.exec(
            "INSERT INTO tb_problema (co_seq_problema, co_prontuario, co_ciap, co_cid10, co_ultimo_problema_evolucao, co_unico_problema) VALUES (?, ?, ?, ?, ?, ?)",
            vec![problem.into(), p.id.into(), ciap.into(), cid.into(), evo.into(), s(&format!("p{problem}"))],
        )
        .await;
    }

    fn kind_id(&self, kind: Kind) -> i64 {
        match kind {
            Kind::Consultation => self.ids.consultation,
            Kind::InitialListening => self.ids.listening,
            Kind::Procedure => self.ids.procedure,
        }
    }

    /// Another team link of a person, updated on `day` (its id is higher than every earlier
    /// row's).
    pub async fn team_link(&mut self, person: i64, team: &str, day: NaiveDate) {
        let link = self.id();
        self.app
            .exec(
                "INSERT INTO tb_cidadao_vinculacao_equipe (co_seq_cidadao_vinculacao_eqp, co_cidadao, nu_ine, dt_atualizacao_cadastro) VALUES (?, ?, ?, ?)",
                vec![link.into(), person.into(), s(team), ts(day)],
            )
            .await;
    }

    /// An earlier version of a person's individual registration (`st_versao_atual = 0`, its
    /// own `co_unico_ficha`, a higher id than the current one) with another micro-area.
    pub async fn old_registration(&mut self, p: &Person, micro_area: &str) {
        let fci = self.id();
        self.app
            .exec(
                "INSERT INTO tb_cds_cad_individual (co_seq_cds_cad_individual, co_unico_ficha, no_cidadao, nu_cns_cidadao, nu_micro_area, st_versao_atual, st_ficha_inativa, co_sexo) VALUES (?, ?, ?, ?, ?, 0, 0, 1)",
                vec![fci.into(), s(&format!("ficha-{}-v1", p.id)), s(p.name), s(&p.cns()), s(micro_area)],
            )
            .await;
    }

    /// One encounter with one act; returns the act id.
    async fn act(&mut self, person: i64, day: NaiveDate, lotacao: i64, kind: Kind) -> i64 {
        let kind = self.kind_id(kind);
        let atend = self.id();
        let act = self.id();
        self.app
            .exec(
                "INSERT INTO tb_atend (co_seq_atend, co_prontuario, co_atend_prof, dt_inicio) VALUES (?, ?, NULL, ?)",
                vec![atend.into(), person.into(), ts(day)],
            )
            .await;
        self.app
            .exec(
                "INSERT INTO tb_atend_prof (co_seq_atend_prof, co_atend, dt_inicio, co_lotacao, tp_atend_prof) VALUES (?, ?, ?, ?, ?)",
                vec![act.into(), atend.into(), ts(day), lotacao.into(), kind.into()],
            )
            .await;
        act
    }

    /// A blood-pressure reading taken in an initial listening by the nursing technician.
    pub async fn bp(&mut self, person: i64, day: NaiveDate, text: &str) {
        let act = self
            .act(person, day, TECHNICIAN, Kind::InitialListening)
            .await;
        let m = self.id();
        self.app
            .exec(
                "INSERT INTO tb_medicao (co_seq_medicao, co_atend_prof, dt_medicao, nu_medicao_pressao_arterial) VALUES (?, ?, ?, ?)",
                vec![m.into(), act.into(), ts(day), s(text)],
            )
            .await;
    }

    /// Weight and/or height recorded on a day.
    pub async fn anthropometry(
        &mut self,
        person: i64,
        day: NaiveDate,
        weight: Option<&str>,
        height: Option<&str>,
    ) {
        let act = self.act(person, day, TECHNICIAN, Kind::Procedure).await;
        let m = self.id();
        self.app
            .exec(
                "INSERT INTO tb_medicao (co_seq_medicao, co_atend_prof, dt_medicao, nu_medicao_peso, nu_medicao_altura) VALUES (?, ?, ?, ?, ?)",
                vec![m.into(), act.into(), ts(day), weight.map(str::to_string).into(), height.map(str::to_string).into()],
            )
            .await;
    }

    /// A consultation, an initial listening or a procedure by `lotacao`.
    pub async fn visit(&mut self, person: i64, day: NaiveDate, lotacao: i64, kind: Kind) {
        self.act(person, day, lotacao, kind).await;
    }

    /// A home visit by `prof` with `outcome`, matched by CNS.
    pub async fn home_visit(&mut self, p: &Person, day: NaiveDate, prof: i64, outcome: Outcome) {
        let outcome = match outcome {
            Outcome::Done => self.ids.visit_done,
            Outcome::Refused => self.ids.visit_refused,
        };
        let ficha = self.id();
        let visit = self.id();
        self.app
            .exec(
                "INSERT INTO tb_cds_ficha_visita_domiciliar (co_seq_cds_ficha_visita_dom, dt_ficha, co_cds_prof) VALUES (?, ?, ?)",
                vec![ficha.into(), ts(day), prof.into()],
            )
            .await;
        self.app
            .exec(
                "INSERT INTO tb_cds_visita_domiciliar (co_seq_cds_visita_domiciliar, co_cds_ficha_visita_domiciliar, nu_cartao_sus, co_cds_visita_dom_desfecho) VALUES (?, ?, ?, ?)",
                vec![visit.into(), ficha.into(), s(&p.cns()), outcome.into()],
            )
            .await;
        self.app
            .exec(
                "INSERT INTO rl_cds_visita_dom_motivo (co_cds_visita_domiciliar, co_cds_visita_dom_motivo) VALUES (?, 1)",
                vec![visit.into()],
            )
            .await;
    }
}

/// A timestamp value for ad-hoc statements.
#[allow(dead_code)]
pub fn at(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(9, 30, 0).unwrap_or_default()
}
