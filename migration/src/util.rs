//! A compact builder for the many narrow tables of the mirror and the app.

use sea_orm_migration::prelude::*;

/// Column builder shortcuts. Every helper takes the exact column name.
pub fn pk(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .primary_key()
        .to_owned()
}

pub fn bigint(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

pub fn bigint_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}

pub fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

pub fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().to_owned()
}

pub fn varchar(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).string().not_null().to_owned()
}

pub fn varchar_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).string().null().to_owned()
}

pub fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}

pub fn date(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().not_null().to_owned()
}

pub fn date_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().null().to_owned()
}

pub fn timestamp(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).timestamp().not_null().to_owned()
}

pub fn timestamp_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).timestamp().null().to_owned()
}

pub fn timestamptz_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

pub fn numeric_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).decimal_len(10, 2).null().to_owned()
}

/// `CREATE TABLE name (cols..., FOREIGN KEY ...)`. Foreign keys are declared inline because
/// SQLite cannot add them later. `fks` are `(column, referenced table, referenced column)`.
pub fn table(
    name: &'static str,
    cols: Vec<ColumnDef>,
    fks: &[(&'static str, &'static str, &'static str)],
) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name);
    for mut c in cols {
        t.col(&mut c);
    }
    for (col, ref_table, ref_col) in fks {
        t.foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_{col}"))
                .from(name, *col)
                .to(*ref_table, *ref_col),
        );
    }
    t.to_owned()
}

/// A plain index named after its table and columns.
pub fn index(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for c in cols {
        i.col(*c);
    }
    i.to_owned()
}
