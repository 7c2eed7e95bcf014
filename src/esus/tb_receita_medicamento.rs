//! PEC table `tb_receita_medicamento` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_receita_medicamento")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_receita_medicamento: i64,
    pub co_atend_prof: i64,
    pub co_medicamento: i64,
    /// Varies with the PEC version (`qt_dose` upstream, `ds_dose`/`qt_receitada` in
    /// another model); kept as text.
    pub qt_dose: Option<String>,
    pub ds_frequencia_dose: Option<String>,
    pub tp_frequencia_dose: Option<i64>,
    pub st_uso_continuo: i32,
    pub no_posologia: Option<String>,
    pub dt_inicio_tratamento: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
