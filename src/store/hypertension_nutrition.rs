//! A nutrition visit recorded by "registrar nutrição".

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_nutrition")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub co_cidadao: i64,
    pub weight_kg: f64,
    pub height_cm: Option<f64>,
    pub bmi: Option<f64>,
    pub waist_cm: Option<f64>,
    pub guidance: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
