//! sea-orm entities of the e-SUS APS PEC tables the app reads, with the PEC's exact table and
//! column names (see `migration/src/mirror`). They are read only by convention: the app never
//! writes a PEC table outside the mirror's synthetic generator.

pub mod catalogue;
pub mod check;
pub mod rl_cds_visita_dom_motivo;
pub mod ta_evolucao_plano_ciap;
pub mod tb_atend;
pub mod tb_atend_prof;
pub mod tb_cbo;
pub mod tb_cds_cad_domiciliar;
pub mod tb_cds_cad_individual;
pub mod tb_cds_domicilio_familia;
pub mod tb_cds_ficha_visita_domiciliar;
pub mod tb_cds_prof;
pub mod tb_cds_visita_dom_desfecho;
pub mod tb_cds_visita_dom_motivo;
pub mod tb_cds_visita_domiciliar;
pub mod tb_ciap;
pub mod tb_cid10;
pub mod tb_cidadao;
pub mod tb_cidadao_vinculacao_equipe;
pub mod tb_cirurgias_internacoes;
pub mod tb_equipe;
pub mod tb_exame_colesterol_hdl;
pub mod tb_exame_colesterol_ldl;
pub mod tb_exame_colesterol_total;
pub mod tb_exame_creatina_serica;
pub mod tb_exame_hemoglobina_glicada;
pub mod tb_exame_requisitado;
pub mod tb_exame_triglicerideos;
pub mod tb_lotacao;
pub mod tb_medicamento;
pub mod tb_medicao;
pub mod tb_pre_natal;
pub mod tb_problema;
pub mod tb_problema_evolucao;
pub mod tb_proced;
pub mod tb_prontuario;
pub mod tb_receita_medicamento;
pub mod tb_renda_familiar;
pub mod tb_sexo;
pub mod tb_situacao_problema;
pub mod tb_tipo_atend_prof;
pub mod tb_tipo_logradouro;
