//! PEC table `tb_cidadao` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cidadao")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cidadao: i64,
    pub no_cidadao: String,
    pub no_cidadao_filtro: String,
    pub nu_cpf: Option<String>,
    pub nu_cns: Option<String>,
    pub dt_nascimento: Option<Date>,
    pub no_sexo: Option<String>,
    pub no_mae: Option<String>,
    pub nu_telefone_celular: Option<String>,
    pub st_ativo: i32,
    pub st_faleceu: i32,
    pub dt_obito: Option<Date>,
    pub co_unico_ultima_ficha: Option<String>,
    pub dt_atualizado: Option<DateTime>,
    pub st_unificado: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
