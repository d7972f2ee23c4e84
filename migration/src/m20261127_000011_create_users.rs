//! Staff accounts. The email is stored lower-cased, so the UNIQUE constraint makes
//! it unique case-insensitively on both databases (no CITEXT, no expression index).
//! `public_id` is what tokens carry as `sub` and the API shows: serial keys stay
//! internal.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    PublicId,
    Email,
    DisplayName,
    Role,
    PasswordHash,
    Active,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_len_uniq(Users::PublicId, 36))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len(Users::DisplayName, 200))
                    .col(
                        string_len(Users::Role, 16).check(Expr::col(Users::Role).is_in([
                            "EDITOR",
                            "PUBLISHER",
                            "ADMIN",
                        ])),
                    )
                    .col(text(Users::PasswordHash))
                    .col(boolean(Users::Active).default(true))
                    // Tokens issued before this are refused (a password change
                    // signs the user out everywhere else).
                    .col(timestamp_with_time_zone_null(Users::PasswordChangedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
