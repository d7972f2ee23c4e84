//! The audit log: every change, written in the transaction that makes it. Rows are
//! only ever inserted. The target is the item's global id (or a user's public id),
//! so entries outlive what they describe.
use crate::common::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ActorName,
    ActorRole,
    Action,
    TargetKind,
    TargetId,
    Before,
    After,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string_len(AuditLog::ActorId, 64))
                    .col(string_len(AuditLog::ActorName, 254))
                    .col(string_len(AuditLog::ActorRole, 16))
                    .col(string_len(AuditLog::Action, 32))
                    .col(string_len(AuditLog::TargetKind, 16))
                    .col(string_len(AuditLog::TargetId, 120))
                    .col(text_null(AuditLog::Before))
                    .col(text_null(AuditLog::After))
                    .to_owned(),
            )
            .await?;
        // Pages go newest first by id; the filters pick an actor, a target or a time.
        for (name, col) in [
            ("audit_log_target_idx", AuditLog::TargetId),
            ("audit_log_actor_idx", AuditLog::ActorId),
            ("audit_log_at_idx", AuditLog::At),
        ] {
            manager
                .create_index(index(
                    name,
                    AuditLog::Table,
                    vec![col.into_iden(), AuditLog::Id.into_iden()],
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
