use crate::common::{content_columns, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Programmes {
    Table,
    Id,
    Slug,
    Title,
    Kind,
    PeriodStart,
    PeriodEnd,
    BudgetCents,
    Currency,
    Summary,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Programmes::Table)
            .col(pk_auto(Programmes::Id))
            .col(string_len_uniq(Programmes::Slug, 200))
            .col(text(Programmes::Title))
            .col(
                string_len(Programmes::Kind, 32).check(Expr::col(Programmes::Kind).is_in([
                    "MIP",
                    "ANNUAL_ACTION_PLAN",
                    "SUPPORT_MEASURE",
                    "OTHER",
                ])),
            )
            .col(integer(Programmes::PeriodStart))
            .col(integer(Programmes::PeriodEnd))
            // Money is exact: an integer number of cents (1/100 of the currency
            // unit), never a float. NUMERIC would be exact on PostgreSQL but SQLite
            // stores it as REAL, so the portable exact type is an integer.
            .col(
                big_integer(Programmes::BudgetCents)
                    .check(Expr::col(Programmes::BudgetCents).gte(0)),
            )
            .col(string_len(Programmes::Currency, 3))
            .col(text(Programmes::Summary).default(""))
            .check((
                "programmes_period_chk",
                Expr::col(Programmes::PeriodStart).lte(Expr::col(Programmes::PeriodEnd)),
            ));
        content_columns(&mut table);
        manager.create_table(table).await?;
        manager
            .create_index(index(
                "programmes_kind_idx",
                Programmes::Table,
                vec![
                    Programmes::Kind.into_iden(),
                    Programmes::PeriodStart.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "programmes_period_idx",
                Programmes::Table,
                vec![
                    Programmes::PeriodStart.into_iden(),
                    Programmes::Slug.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "programmes_title_idx",
                Programmes::Table,
                vec![Programmes::Title.into_iden(), Programmes::Slug.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "programmes_budget_idx",
                Programmes::Table,
                vec![
                    Programmes::BudgetCents.into_iden(),
                    Programmes::Slug.into_iden(),
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Programmes::Table).to_owned())
            .await
    }
}
