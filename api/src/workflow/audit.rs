//! The audit log: who changed what, when, with the state before and after, written
//! in the transaction of the change. Administrators read it through `auditLog`.
use crate::auth::Actor;
use crate::db::{exec, query_as, Db, Sql};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

#[allow(clippy::too_many_arguments)]
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    action: &str,
    target_kind: &str,
    target_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let mut sql = Sql::new(conn.get_database_backend());
    sql.push(
        "INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, target_kind, \
         target_id, before, after) VALUES (",
    )
    .bind(at)
    .push(", ")
    .bind(actor.id.clone())
    .push(", ")
    .bind(actor.name.clone())
    .push(", ")
    .bind(actor.role.as_str())
    .push(", ")
    .bind(action.to_string())
    .push(", ")
    .bind(target_kind.to_string())
    .push(", ")
    .bind(target_id.to_string())
    .push(", ")
    .bind(before.map(|v| v.to_string()))
    .push(", ")
    .bind(after.map(|v| v.to_string()))
    .push(")");
    exec(conn, sql).await?;
    Ok(())
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct AuditRow {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub actor_name: String,
    pub actor_role: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Filters of `auditLog`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// A page of entries, newest first, after the entry `before_id` (keyset on id).
/// Returns one more than `limit` rows when more follow.
pub async fn page(
    db: &Db,
    filter: &AuditFilter,
    before_id: Option<i32>,
    limit: u64,
) -> AppResult<Vec<AuditRow>> {
    let mut sql = db.sql();
    sql.push("SELECT * FROM audit_log WHERE 1 = 1");
    if let Some(a) = &filter.actor_id {
        sql.push(" AND actor_id = ").bind(a.clone());
    }
    if let Some(t) = &filter.target_id {
        sql.push(" AND target_id = ").bind(t.clone());
    }
    if let Some(s) = filter.since {
        sql.push(" AND at >= ").bind(s);
    }
    if let Some(u) = filter.until {
        sql.push(" AND at < ").bind(u);
    }
    if let Some(b) = before_id {
        sql.push(" AND id < ").bind(b);
    }
    sql.push(" ORDER BY id DESC LIMIT ")
        .push(&(limit + 1).to_string());
    query_as(&db.conn, sql).await
}
