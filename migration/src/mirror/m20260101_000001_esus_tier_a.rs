//! Tier A of the PEC mirror (`esus-schema.md` §3.2) plus the tables the C5 indicator rules
//! need (§3.5: professional category of an encounter act, ACS home visits).
//!
//! Types follow the PEC: `bigint` ids and lookups, `integer` status flags, `varchar` for every
//! `nu_*`/`no_*`/`ds_*` (vital signs included: the PEC stores them as text), dates as noted.
//! Foreign keys are declared where the PEC has them and the insert order allows; the two
//! circular pointers of the PEC (`tb_atend.co_atend_prof`, `tb_problema.co_ultimo_problema_evolucao`)
//! are plain columns here.

use crate::util::*;
use sea_orm_migration::prelude::*;

pub const TABLES: &[&str] = &[
    "tb_sexo",
    "tb_tipo_logradouro",
    "tb_renda_familiar",
    "tb_situacao_problema",
    "tb_ciap",
    "tb_cid10",
    "tb_proced",
    "tb_medicamento",
    "tb_cbo",
    "tb_equipe",
    "tb_lotacao",
    "tb_cidadao",
    "tb_cidadao_vinculacao_equipe",
    "tb_cds_cad_individual",
    "tb_cds_cad_domiciliar",
    "tb_cds_domicilio_familia",
    "tb_prontuario",
    "tb_atend",
    "tb_atend_prof",
    "tb_problema",
    "tb_problema_evolucao",
    "tb_medicao",
    "tb_receita_medicamento",
    "tb_exame_requisitado",
    "tb_exame_hemoglobina_glicada",
    "tb_exame_colesterol_total",
    "tb_exame_colesterol_hdl",
    "tb_exame_colesterol_ldl",
    "tb_exame_triglicerideos",
    "tb_exame_creatina_serica",
    "tb_pre_natal",
    "tb_cirurgias_internacoes",
    "ta_evolucao_plano_ciap",
    "tb_cds_prof",
    "tb_cds_ficha_visita_domiciliar",
    "tb_cds_visita_dom_desfecho",
    "tb_cds_visita_dom_motivo",
    "tb_cds_visita_domiciliar",
    "rl_cds_visita_dom_motivo",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

fn tables() -> Vec<TableCreateStatement> {
    vec![
        // ---- catalogues -------------------------------------------------------------------
        // PEC key name uncertain: runtime code of the reference joins `co_sexo`, its docs say
        // `co_seq_sexo` (esus-schema.md §5.2). We follow the runtime code.
        table("tb_sexo", vec![pk("co_sexo"), varchar("no_sexo")], &[]),
        table(
            "tb_tipo_logradouro",
            vec![pk("co_tipo_logradouro"), varchar("no_tipo_logradouro")],
            &[],
        ),
        table(
            "tb_renda_familiar",
            vec![pk("co_renda_familiar"), varchar("no_renda_familiar")],
            &[],
        ),
        // Ids assumed 0 active, 1 latent, 2 resolved (esus-schema.md §5.7).
        table(
            "tb_situacao_problema",
            vec![pk("co_situacao_problema"), varchar("no_situacao_problema")],
            &[],
        ),
        table(
            "tb_ciap",
            vec![pk("co_seq_ciap"), varchar("co_ciap"), varchar("ds_ciap")],
            &[],
        ),
        table(
            "tb_cid10",
            vec![pk("co_cid10"), varchar("nu_cid10"), varchar("no_cid10")],
            &[],
        ),
        table(
            "tb_proced",
            vec![
                pk("co_seq_proced"),
                varchar("co_proced"),
                varchar("no_proced"),
            ],
            &[],
        ),
        table(
            "tb_medicamento",
            vec![
                pk("co_seq_medicamento"),
                varchar("no_principio_ativo"),
                varchar("no_principio_ativo_filtro"),
                bigint_null("co_forma_farmaceutica"),
                varchar_null("ds_concentracao"),
            ],
            &[],
        ),
        // Occupation catalogue (CBO 2002). Names from public schema listings; unverified.
        table(
            "tb_cbo",
            vec![pk("co_cbo"), varchar("co_cbo_2002"), varchar("no_cbo")],
            &[],
        ),
        // ---- territory --------------------------------------------------------------------
        table(
            "tb_equipe",
            vec![
                pk("co_seq_equipe"),
                varchar("nu_ine"),
                varchar("no_equipe"),
                int("st_ativo"),
                varchar_null("ds_area"),
                // → tb_tipo_equipe; CNES type code 70 = eSF, 76 = eAP (catalogue not mirrored).
                bigint_null("tp_equipe"),
            ],
            &[],
        ),
        // A professional's assignment (lotação). PK `co_ator_papel` as in public listings;
        // unverified against a real PEC.
        table(
            "tb_lotacao",
            vec![
                pk("co_ator_papel"),
                bigint("co_prof"),
                bigint("co_cbo"),
                bigint_null("co_equipe"),
            ],
            &[
                ("co_cbo", "tb_cbo", "co_cbo"),
                ("co_equipe", "tb_equipe", "co_seq_equipe"),
            ],
        ),
        table(
            "tb_cidadao",
            vec![
                pk("co_seq_cidadao"),
                varchar("no_cidadao"),
                varchar("no_cidadao_filtro"),
                varchar_null("nu_cpf"),
                varchar_null("nu_cns"),
                date_null("dt_nascimento"),
                varchar_null("no_sexo"),
                varchar_null("no_mae"),
                varchar_null("nu_telefone_celular"),
                int("st_ativo"),
                int("st_faleceu"),
                date_null("dt_obito"),
                varchar_null("co_unico_ultima_ficha"),
                timestamp_null("dt_atualizado"),
                int_null("st_unificado"),
            ],
            &[],
        ),
        table(
            "tb_cidadao_vinculacao_equipe",
            vec![
                pk("co_seq_cidadao_vinculacao_eqp"),
                bigint("co_cidadao"),
                varchar("nu_ine"),
                varchar_null("nu_cnes"),
                timestamp_null("dt_atualizacao_cadastro"),
            ],
            &[("co_cidadao", "tb_cidadao", "co_seq_cidadao")],
        ),
        table(
            "tb_cds_cad_individual",
            vec![
                pk("co_seq_cds_cad_individual"),
                varchar("co_unico_ficha"),
                varchar_null("no_cidadao"),
                varchar_null("no_cidadao_filtro"),
                varchar_null("nu_cpf_cidadao"),
                varchar_null("nu_cns_cidadao"),
                timestamp_null("dt_nascimento"),
                bigint_null("co_sexo"),
                varchar_null("nu_micro_area"),
                int_null("st_responsavel_familiar"),
                varchar_null("nu_cpf_responsavel"),
                varchar_null("nu_cartao_sus_responsavel"),
                int("st_versao_atual"),
                int("st_ficha_inativa"),
                timestamp_null("dt_cad_individual"),
                timestamptz_null("dt_obito"),
            ],
            &[("co_sexo", "tb_sexo", "co_sexo")],
        ),
        table(
            "tb_cds_cad_domiciliar",
            vec![
                pk("co_seq_cds_cad_domiciliar"),
                varchar("co_unico_ficha"),
                bigint_null("tp_logradouro"),
                varchar_null("no_logradouro"),
                varchar_null("nu_domicilio"),
                varchar_null("no_bairro"),
                varchar_null("nu_cep"),
                varchar_null("ds_complemento"),
                varchar_null("nu_micro_area"),
                int("st_versao_atual"),
                timestamp_null("dt_cad_domiciliar"),
            ],
            &[("tp_logradouro", "tb_tipo_logradouro", "co_tipo_logradouro")],
        ),
        table(
            "tb_cds_domicilio_familia",
            vec![
                pk("co_seq_cds_domicilio_familia"),
                bigint("co_cds_cad_domiciliar"),
                varchar_null("nu_cpf_cidadao"),
                varchar_null("nu_cartao_sus"),
                timestamp_null("dt_nascimento"),
                int_null("qt_membros_familia"),
                bigint_null("co_renda_familiar"),
                int("st_mudanca"),
            ],
            &[
                (
                    "co_cds_cad_domiciliar",
                    "tb_cds_cad_domiciliar",
                    "co_seq_cds_cad_domiciliar",
                ),
                (
                    "co_renda_familiar",
                    "tb_renda_familiar",
                    "co_renda_familiar",
                ),
            ],
        ),
        // ---- clinical record spine --------------------------------------------------------
        table(
            "tb_prontuario",
            vec![pk("co_seq_prontuario"), bigint("co_cidadao")],
            &[("co_cidadao", "tb_cidadao", "co_seq_cidadao")],
        ),
        table(
            "tb_atend",
            vec![
                pk("co_seq_atend"),
                bigint("co_prontuario"),
                // Points at ONE act of the encounter only (nullable in the PEC); no FK here
                // because the PEC's pointer is circular with tb_atend_prof.co_atend.
                bigint_null("co_atend_prof"),
                timestamp("dt_inicio"),
            ],
            &[("co_prontuario", "tb_prontuario", "co_seq_prontuario")],
        ),
        table(
            "tb_atend_prof",
            vec![
                pk("co_seq_atend_prof"),
                bigint("co_atend"),
                timestamp("dt_inicio"),
                // → tb_lotacao.co_ator_papel (the professional and their CBO). Name from public
                // listings; unverified.
                bigint_null("co_lotacao"),
                // → tb_tipo_atend_prof. Values used here: 1 consultation, 2 initial listening
                // ("escuta inicial"), 3 procedure. Ids unverified against a real PEC.
                bigint_null("tp_atend_prof"),
            ],
            &[
                ("co_atend", "tb_atend", "co_seq_atend"),
                ("co_lotacao", "tb_lotacao", "co_ator_papel"),
            ],
        ),
        table(
            "tb_problema",
            vec![
                pk("co_seq_problema"),
                bigint("co_prontuario"),
                bigint_null("co_ciap"),
                bigint_null("co_cid10"),
                // Circular with tb_problema_evolucao; plain column.
                bigint_null("co_ultimo_problema_evolucao"),
                varchar_null("co_unico_problema"),
            ],
            &[
                ("co_prontuario", "tb_prontuario", "co_seq_prontuario"),
                ("co_ciap", "tb_ciap", "co_seq_ciap"),
                ("co_cid10", "tb_cid10", "co_cid10"),
            ],
        ),
        table(
            "tb_problema_evolucao",
            vec![
                pk("co_seq_problema_evolucao"),
                varchar_null("co_unico_problema"),
                bigint("co_situacao_problema"),
                date_null("dt_inicio_problema"),
                bigint_null("co_atend_prof"),
            ],
            &[
                (
                    "co_situacao_problema",
                    "tb_situacao_problema",
                    "co_situacao_problema",
                ),
                ("co_atend_prof", "tb_atend_prof", "co_seq_atend_prof"),
            ],
        ),
        table(
            "tb_medicao",
            vec![
                pk("co_seq_medicao"),
                bigint("co_atend_prof"),
                timestamp("dt_medicao"),
                varchar_null("nu_medicao_pressao_arterial"),
                varchar_null("nu_medicao_glicemia"),
                bigint_null("tp_glicemia"),
                varchar_null("nu_medicao_peso"),
                varchar_null("nu_medicao_altura"),
                varchar_null("nu_medicao_imc"),
                varchar_null("nu_medicao_circunf_abdominal"),
            ],
            &[("co_atend_prof", "tb_atend_prof", "co_seq_atend_prof")],
        ),
        table(
            "tb_receita_medicamento",
            vec![
                pk("co_seq_receita_medicamento"),
                bigint("co_atend_prof"),
                bigint("co_medicamento"),
                // Varies with the PEC version (`qt_dose` upstream, `ds_dose`/`qt_receitada` in
                // another model); kept as text.
                varchar_null("qt_dose"),
                varchar_null("ds_frequencia_dose"),
                bigint_null("tp_frequencia_dose"),
                int("st_uso_continuo"),
                varchar_null("no_posologia"),
                date_null("dt_inicio_tratamento"),
            ],
            &[
                ("co_atend_prof", "tb_atend_prof", "co_seq_atend_prof"),
                ("co_medicamento", "tb_medicamento", "co_seq_medicamento"),
            ],
        ),
        table(
            "tb_exame_requisitado",
            vec![
                pk("co_seq_exame_requisitado"),
                bigint("co_prontuario"),
                bigint("co_proced"),
                timestamp("dt_solicitacao"),
                timestamp_null("dt_realizacao"),
                text_null("ds_resultado"),
            ],
            &[
                ("co_prontuario", "tb_prontuario", "co_seq_prontuario"),
                ("co_proced", "tb_proced", "co_seq_proced"),
            ],
        ),
        // Typed exam results. PK names unverified (the PEC abbreviates some, e.g.
        // `co_seq_exame_hemoglobina_glicd`); app SQL never references them.
        exam_table(
            "tb_exame_hemoglobina_glicada",
            "co_seq_exame_hemoglobina_glicada",
            "vl_hemoglobina_glicada",
        ),
        exam_table(
            "tb_exame_colesterol_total",
            "co_seq_exame_colesterol_total",
            "vl_colesterol_total",
        ),
        exam_table(
            "tb_exame_colesterol_hdl",
            "co_seq_exame_colesterol_hdl",
            "vl_colesterol_hdl",
        ),
        exam_table(
            "tb_exame_colesterol_ldl",
            "co_seq_exame_colesterol_ldl",
            "vl_colesterol_ldl",
        ),
        exam_table(
            "tb_exame_triglicerideos",
            "co_seq_exame_triglicerideos",
            "vl_triglicerideos",
        ),
        // Spelled "creatina" as the reference's production view reads it; another public model
        // spells it `tb_exame_creatinina_serica` (esus-schema.md §5.3). Unverified.
        exam_table(
            "tb_exame_creatina_serica",
            "co_seq_exame_creatina_serica",
            "vl_creatina_serica",
        ),
        table(
            "tb_pre_natal",
            vec![
                pk("co_seq_pre_natal"),
                bigint("co_prontuario"),
                date_null("dt_ultima_menstruacao"),
                int_null("st_gravidez_planejada"),
            ],
            &[("co_prontuario", "tb_prontuario", "co_seq_prontuario")],
        ),
        // PK name unverified; app SQL never references it.
        table(
            "tb_cirurgias_internacoes",
            vec![
                pk("co_seq_cirurgias_internacoes"),
                bigint("co_prontuario"),
                varchar_null("ds_cirurgia_internacao"),
                date_null("dt_cirurgia_internacao"),
            ],
            &[("co_prontuario", "tb_prontuario", "co_seq_prontuario")],
        ),
        // Audit table of SOAP-plan procedures. Its real PK is unknown; the mirror uses the
        // composite key the entity declares.
        Table::create()
            .table("ta_evolucao_plano_ciap")
            .col(bigint("co_atend_prof"))
            .col(bigint("co_proced"))
            .col(timestamp("dt_auditoria"))
            .primary_key(
                Index::create()
                    .col("co_atend_prof")
                    .col("co_proced")
                    .col("dt_auditoria"),
            )
            .to_owned(),
        // ---- ACS home visits (CDS model; names from public listings, unverified) ----------
        table(
            "tb_cds_prof",
            vec![
                pk("co_seq_cds_prof"),
                varchar_null("nu_cns"),
                // 515105 ACS, 322255 TACS.
                varchar("nu_cbo_2002"),
                varchar_null("nu_ine"),
                varchar_null("nu_cnes"),
            ],
            &[],
        ),
        table(
            "tb_cds_ficha_visita_domiciliar",
            vec![
                pk("co_seq_cds_ficha_visita_dom"),
                timestamp("dt_ficha"),
                bigint("co_cds_prof"),
            ],
            &[("co_cds_prof", "tb_cds_prof", "co_seq_cds_prof")],
        ),
        table(
            "tb_cds_visita_dom_desfecho",
            vec![
                pk("co_cds_visita_dom_desfecho"),
                varchar("no_cds_visita_dom_desfecho"),
            ],
            &[],
        ),
        table(
            "tb_cds_visita_dom_motivo",
            vec![
                pk("co_cds_visita_dom_motivo"),
                varchar("no_cds_visita_dom_motivo"),
            ],
            &[],
        ),
        // One visited person per row; the person is matched by CNS or CPF only (no FK to
        // tb_cidadao in the PEC).
        table(
            "tb_cds_visita_domiciliar",
            vec![
                pk("co_seq_cds_visita_domiciliar"),
                bigint("co_cds_ficha_visita_domiciliar"),
                varchar_null("nu_cartao_sus"),
                varchar_null("nu_cpf_cidadao"),
                bigint_null("co_cds_visita_dom_desfecho"),
                varchar_null("nu_medicao_pressao_arterial"),
            ],
            &[
                (
                    "co_cds_ficha_visita_domiciliar",
                    "tb_cds_ficha_visita_domiciliar",
                    "co_seq_cds_ficha_visita_dom",
                ),
                (
                    "co_cds_visita_dom_desfecho",
                    "tb_cds_visita_dom_desfecho",
                    "co_cds_visita_dom_desfecho",
                ),
            ],
        ),
        Table::create()
            .table("rl_cds_visita_dom_motivo")
            .col(bigint("co_cds_visita_domiciliar"))
            .col(bigint("co_cds_visita_dom_motivo"))
            .primary_key(
                Index::create()
                    .col("co_cds_visita_domiciliar")
                    .col("co_cds_visita_dom_motivo"),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_rl_cds_visita_dom_motivo_visita")
                    .from("rl_cds_visita_dom_motivo", "co_cds_visita_domiciliar")
                    .to("tb_cds_visita_domiciliar", "co_seq_cds_visita_domiciliar"),
            )
            .foreign_key(
                ForeignKey::create()
                    .name("fk_rl_cds_visita_dom_motivo_motivo")
                    .from("rl_cds_visita_dom_motivo", "co_cds_visita_dom_motivo")
                    .to("tb_cds_visita_dom_motivo", "co_cds_visita_dom_motivo"),
            )
            .to_owned(),
    ]
}

fn exam_table(
    name: &'static str,
    pk_name: &'static str,
    value: &'static str,
) -> TableCreateStatement {
    table(
        name,
        vec![
            pk(pk_name),
            bigint("co_exame_requisitado"),
            numeric_null(value),
        ],
        &[(
            "co_exame_requisitado",
            "tb_exame_requisitado",
            "co_seq_exame_requisitado",
        )],
    )
}

/// Indexes a real PEC has on its join columns (or that the mirror needs to stay usable at
/// municipal scale). They live only in the mirror; the app never alters a real PEC.
fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("tb_cidadao_vinculacao_equipe", &["co_cidadao"]),
        index("tb_cds_cad_individual", &["co_unico_ficha"]),
        index("tb_cds_domicilio_familia", &["co_cds_cad_domiciliar"]),
        index("tb_prontuario", &["co_cidadao"]),
        index("tb_atend", &["co_prontuario"]),
        index("tb_atend_prof", &["co_atend"]),
        index("tb_problema", &["co_prontuario"]),
        index("tb_medicao", &["co_atend_prof"]),
        index("tb_receita_medicamento", &["co_atend_prof"]),
        index("tb_exame_requisitado", &["co_prontuario"]),
        index(
            "tb_cds_visita_domiciliar",
            &["co_cds_ficha_visita_domiciliar"],
        ),
        index("tb_cds_visita_domiciliar", &["nu_cartao_sus"]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in tables() {
            manager.create_table(t).await?;
        }
        for i in indexes() {
            manager.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*name).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
