//! Staff accounts: login, the current user, and user management (ADMIN). The
//! service functions hold the rules; the GraphQL resolvers are thin.
use crate::audit::{self, AuditAction, AuditTarget};
use crate::auth::keys::Verified;
use crate::auth::password::Hashing;
use crate::auth::throttle::Subjects;
use crate::auth::{password, Actor, ClientAddr, Role, RoleGuard, Viewer};
use crate::db::{query_as, Db};
use crate::error::{AppError, AppResult};
use crate::gql::ResultExt;
use crate::state::AppState;
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::sync::Arc;

/// A staff role.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::Role", name = "Role")]
pub enum RoleGql {
    /// Writes and edits drafts, submits them for review.
    Editor,
    /// An editor who also publishes, rejects, unpublishes, archives, schedules
    /// and restores.
    Publisher,
    /// Everything, including users, regions and hard delete.
    Admin,
}

/// A staff account.
#[derive(Clone)]
pub struct User(Arc<user::Model>);

/// A staff account.
#[Object]
impl User {
    /// Public id (the `sub` of the user's tokens).
    async fn id(&self) -> ID {
        ID(self.0.public_id.clone())
    }
    /// Email (the login name), lower case.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Display name.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// The role, which decides what the user may do: EDITOR, PUBLISHER or ADMIN.
    async fn role(&self) -> RoleGql {
        self.0.role.into()
    }
    /// Deactivated users cannot log in, and their tokens stop working.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The signed-in user as `me` shows it: a local account, or a user of the
/// external identity provider.
#[derive(SimpleObject)]
pub struct Me {
    /// The token's subject (a local user's id, `ext:...` for external users).
    pub id: ID,
    /// How the audit log names you: your email, or an external token's name.
    pub name: String,
    /// The role, which decides what the user may do: EDITOR, PUBLISHER or ADMIN.
    pub role: RoleGql,
    /// The local account, when there is one.
    pub user: Option<User>,
}

/// What `login` returns.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// The bearer token: send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    /// The account that logged in.
    pub user: User,
    /// A device token: keep it (in the browser's storage, say) and send it as
    /// `deviceToken` with later logins of this account. Such logins are limited
    /// per device instead of per email, so failures others cause on the email
    /// cannot lock you out here. A password change or a deactivation revokes it.
    pub device_token: String,
    /// When the device token expires (`CMS_DEVICE_TOKEN_DAYS`).
    pub device_token_expires_at: DateTime<Utc>,
}

/// The raw bearer token of the request, for `logout`.
#[derive(Clone)]
pub struct Bearer(pub String);

/// What a successful login or password change hands back.
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: user::Model,
    pub device_token: String,
    pub device_expires_at: DateTime<Utc>,
}

impl From<Session> for LoginPayload {
    fn from(s: Session) -> LoginPayload {
        LoginPayload {
            token: s.token,
            expires_at: s.expires_at,
            user: User(Arc::new(s.user)),
            device_token: s.device_token,
            device_token_expires_at: s.device_expires_at,
        }
    }
}

/// An access token and a device token for a user who just proved their
/// password; `did` keeps a device's id across its logins.
fn session(state: &AppState, u: user::Model, did: Option<String>) -> AppResult<Session> {
    let pwv = password_version(&u);
    let (token, expires_at) = state.keys.issue(&u.public_id, u.role, pwv)?;
    let did = did.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let (device_token, device_expires_at) =
        state
            .keys
            .issue_device(&u.public_id, &did, pwv, state.config.device_token_days)?;
    Ok(Session {
        token,
        expires_at,
        user: u,
        device_token,
        device_expires_at,
    })
}

/// A new staff account.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Email (unique, case-insensitive).
    pub email: String,
    /// Display name (default: the part of the email before `@`).
    pub display_name: Option<String>,
    /// The role, which decides what the user may do: EDITOR, PUBLISHER or ADMIN.
    pub role: RoleGql,
    /// Initial password (at least 12 characters).
    pub password: String,
}

fn normalise_email(email: &str) -> AppResult<String> {
    let e = email.trim().to_lowercase();
    let valid = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        return Err(AppError::bad_field(
            "input.email",
            format!(
                "{} is not an email address",
                crate::error::quoted(email.trim())
            ),
        ));
    }
    // No control or bidirectional characters: an address that reads as
    // another one in the user list and the audit log.
    crate::content::text::clean(
        "input.email",
        &e,
        crate::content::text::TextKind::Code,
        &crate::content::text::TextLimits::default(),
    )
}

/// The columns a user is found by.
#[derive(Clone, Copy, Debug)]
enum By {
    Email,
    PublicId,
}

async fn find<C: ConnectionTrait>(conn: &C, by: By, value: &str) -> AppResult<Option<user::Model>> {
    let mut sql = crate::db::Sql::new(conn.get_database_backend());
    sql.push(match by {
        By::Email => "SELECT * FROM users WHERE email = ",
        By::PublicId => "SELECT * FROM users WHERE public_id = ",
    })
    .bind(value.to_string());
    Ok(query_as::<user::Model, _>(conn, sql)
        .await?
        .into_iter()
        .next())
}

fn user_state(u: &user::Model) -> serde_json::Value {
    json!({
        "email": u.email,
        "displayName": u.display_name,
        "role": u.role.as_str(),
        "active": u.active,
    })
}

/// Creates a staff account. `actor` is `None` for the CLI (the first admin).
pub async fn create_user(
    db: &Db,
    hashing: &Hashing,
    actor: Option<&Actor>,
    email: &str,
    display_name: Option<String>,
    role: Role,
    password_text: String,
) -> AppResult<user::Model> {
    let email = normalise_email(email)?;
    password::validate(&password_text, "input.password")?;
    let display_name = display_name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
    // The text rules of content (NFC, no control characters), at the short
    // texts' default length.
    let display_name = crate::content::text::clean(
        "input.displayName",
        &display_name,
        crate::content::text::TextKind::Short,
        &crate::content::text::TextLimits::default(),
    )?;
    let hash = hashing.hash(password_text).await?;
    let now = Utc::now();
    let public_id = uuid::Uuid::new_v4().to_string();
    let cli = Actor {
        id: "system:cli".into(),
        name: "cms user create".into(),
        role: Role::Admin,
        user_pk: None,
    };
    let actor = actor.unwrap_or(&cli);
    let txn = db.begin_write().await?;
    if find(&txn, By::Email, &email).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "a user with the email {email} exists"
        )));
    }
    let mut sql = db.sql();
    sql.push("INSERT INTO users (public_id, email, display_name, role, password_hash, active, created_at, updated_at) VALUES (")
        .bind(public_id.clone())
        .push(", ")
        .bind(email.clone())
        .push(", ")
        .bind(display_name)
        .push(", ")
        .bind(role.as_str())
        .push(", ")
        .bind(hash)
        .push(", ")
        .bind(true)
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(now)
        .push(")");
    crate::db::exec(&txn, sql).await?;
    let created = find(&txn, By::PublicId, &public_id)
        .await?
        .ok_or_else(|| AppError::internal("created user not found"))?;
    let entry = audit::Entry {
        actor,
        action: AuditAction::CreateUser,
        target: AuditTarget::User,
        target_id: &public_id,
        before: None,
        after: Some(user_state(&created)),
        at: now,
    };
    audit::insert(&txn, entry).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a user's role or deactivates them (ADMIN). Nobody changes their own
/// role or deactivates themselves: no one raises their own rights, and the last
/// administrator cannot lock everyone out by accident.
async fn change_user(
    db: &Db,
    actor: &Actor,
    public_id: &str,
    action: AuditAction,
    role: Option<Role>,
    deactivate: bool,
) -> AppResult<user::Model> {
    if actor.id == public_id {
        return Err(AppError::forbidden(
            "you cannot change your own role or deactivate yourself",
        ));
    }
    let now = Utc::now();
    let txn = db.begin_write().await?;
    // The active administrators, read again inside the transaction that writes
    // (locked on PostgreSQL; SQLite's write lock is held already): two of them
    // removing each other at the same moment must not both succeed, and the
    // last one must stay.
    let mut sql = db.sql();
    sql.push("SELECT public_id FROM users WHERE role = ")
        .bind(Role::Admin.as_str())
        .push(" AND active = ")
        .bind(true)
        .push(" ORDER BY id");
    if db.backend() == sea_orm::DbBackend::Postgres {
        sql.push(" FOR UPDATE");
    }
    let admins: Vec<String> = crate::db::query(&txn, sql)
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", "public_id"))
        .collect::<Result<_, _>>()?;
    if actor.user_pk.is_some() && !admins.contains(&actor.id) {
        return Err(AppError::forbidden(
            "you are no longer an active administrator",
        ));
    }
    let demoted = deactivate || role.is_some_and(|r| r != Role::Admin);
    if demoted && admins.len() <= 1 && admins.iter().any(|a| a == public_id) {
        return Err(AppError::forbidden(
            "this is the last active administrator: make another one first",
        ));
    }
    let mut sql = db.sql();
    sql.push("UPDATE users SET updated_at = ").bind(now);
    if let Some(r) = role {
        sql.push(", role = ").bind(r.as_str());
    }
    if deactivate {
        sql.push(", active = ").bind(false);
    }
    let before = find(&txn, By::PublicId, public_id)
        .await?
        .ok_or_else(|| AppError::NotFound("user".into()))?;
    sql.push(" WHERE id = ").bind(before.id);
    crate::db::exec(&txn, sql).await?;
    let after = find(&txn, By::PublicId, public_id)
        .await?
        .ok_or_else(|| AppError::NotFound("user".into()))?;
    let entry = audit::Entry {
        actor,
        action,
        target: AuditTarget::User,
        target_id: public_id,
        before: Some(user_state(&before)),
        after: Some(user_state(&after)),
        at: now,
    };
    audit::insert(&txn, entry).await?;
    txn.commit().await?;
    Ok(after)
}

/// Checks an email and password; a wrong email and a wrong password are the same
/// UNAUTHENTICATED error (and cost the same time). Failed attempts count against
/// the email and the client address.
///
/// A valid `device_token` of this account (one an earlier login returned, its
/// password unchanged, the account active) moves the attempt from the email's
/// and the address's counters to the device's own (see `Subjects::device`).
pub async fn login(
    state: &AppState,
    email: &str,
    password_text: String,
    addr: ClientAddr,
    device_token: Option<&str>,
) -> AppResult<Session> {
    let email = email.trim().to_lowercase();
    // No account has a longer email: no lookup for one.
    let found = if email.len() > crate::auth::throttle::MAX_EMAIL {
        None
    } else {
        find(&state.db.conn, By::Email, &email).await?
    };
    let device = device_token
        .and_then(|t| state.keys.verify_device(t))
        .filter(|d| {
            found
                .as_ref()
                .is_some_and(|u| u.active && u.public_id == d.sub && password_version(u) == d.pwv)
        });
    let subjects = match &device {
        Some(d) => Subjects::device(&state.config, &d.did),
        None => Subjects::new(&state.config, &email, addr.0),
    };
    subjects.attempt(&state.db, Utc::now()).await?;
    // Counted first, so a client over its limit never queues for a slot; an
    // attempt that finds no free slot gives its count back.
    let slot = subjects.slot(&state.hashing, &state.db).await?;
    let ok = password::verify(
        found.as_ref().map(|u| u.password_hash.clone()),
        password_text,
        slot,
    )
    .await?;
    match found {
        Some(u) if ok && u.active => {
            subjects.succeeded(&state.db).await?;
            session(state, u, device.map(|d| d.did))
        }
        _ => Err(AppError::unauthenticated("wrong email or password")),
    }
}

/// The password version tokens carry (`pwv`): when the password last changed.
fn password_version(u: &user::Model) -> i64 {
    u.password_changed_at.map_or(0, |t| t.timestamp_millis())
}

/// The viewer of a bearer token: a local user must exist and be active (so a
/// deactivated user's tokens stop working at once), and their current role
/// counts, not the one in the token.
///
/// A token `logout` revoked is refused in every process, from the next request.
pub async fn viewer_of(state: &AppState, token: &str) -> AppResult<Viewer> {
    let verified = state.keys.verify(token)?;
    let mut sql = state.db.sql();
    sql.push("SELECT 1 AS r FROM revoked_tokens WHERE digest = ")
        .bind(token_digest(token));
    if !crate::db::query(&state.db.conn, sql).await?.is_empty() {
        return Err(AppError::unauthenticated(
            "invalid token: it was revoked by logout",
        ));
    }
    match verified {
        Verified::Local { sub, pwv } => {
            let u = find(&state.db.conn, By::PublicId, &sub).await?;
            match u {
                Some(u) if password_version(&u) != pwv => Err(AppError::unauthenticated(
                    "invalid token: the password has changed since",
                )),
                Some(u) if u.active => Ok(Viewer::Staff(Arc::new(Actor {
                    id: u.public_id,
                    name: u.email,
                    role: u.role,
                    user_pk: Some(u.id),
                }))),
                Some(_) => Err(AppError::unauthenticated(
                    "invalid token: the user is deactivated",
                )),
                None => Err(AppError::unauthenticated("invalid token: no such user")),
            }
        }
        Verified::External { sub, role, name } => Ok(Viewer::Staff(Arc::new(Actor {
            id: sub,
            name,
            role,
            user_pk: None,
        }))),
    }
}

/// The stored form of a revoked token: the SHA-256, in hex, of what its
/// signature signs (header and claims), not of the whole text: an ECDSA
/// signature (an external provider's ES256) has a second valid encoding, which
/// would give the same token another digest.
fn token_digest(token: &str) -> String {
    use sha2::Digest;
    let signed = token.rsplit_once('.').map_or(token, |(signed, _)| signed);
    sha2::Sha256::digest(signed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Revokes an access token (local or external) until it would have expired:
/// every process refuses it from its next request.
pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    // Long enough for any token this service accepts: its own lifetime or an
    // external token's maximum age, whichever is longer, plus the leeway.
    let lifetime = state
        .config
        .token_ttl
        .max(state.config.jwt_external_max_age)
        .max(60)
        + 60;
    let expires = Utc::now() + chrono::Duration::seconds(lifetime);
    let mut sql = state.db.sql();
    sql.push("INSERT INTO revoked_tokens (digest, expires_at) VALUES (")
        .bind(token_digest(token))
        .push(", ")
        .bind(expires)
        .push(") ON CONFLICT (digest) DO NOTHING");
    crate::db::exec(&state.db.conn, sql).await?;
    Ok(())
}

/// Changes the caller's own password after checking the current one. Tokens
/// issued before the change stop working (the new token comes back).
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: String,
    new: String,
    addr: ClientAddr,
) -> AppResult<Session> {
    if actor.user_pk.is_none() {
        return Err(AppError::forbidden(
            "your account belongs to the identity provider: change the password there",
        ));
    }
    password::validate(&new, "newPassword")?;
    let found = find(&state.db.conn, By::PublicId, &actor.id)
        .await?
        .ok_or_else(|| AppError::NotFound("user".into()))?;
    // The same limit as logins: a stolen token must not be a way to guess the
    // password.
    let subjects = Subjects::new(&state.config, &found.email, addr.0);
    subjects.attempt(&state.db, Utc::now()).await?;
    let slot = subjects.slot(&state.hashing, &state.db).await?;
    if !password::verify(Some(found.password_hash.clone()), current, slot).await? {
        return Err(AppError::bad_field(
            "currentPassword",
            "the current password is wrong",
        ));
    }
    subjects.succeeded(&state.db).await?;
    let u = set_password(
        &state.db,
        &state.hashing,
        actor,
        &actor.id,
        new,
        AuditAction::ChangePassword,
    )
    .await?;
    session(state, u, None)
}

/// Stores a new password for a user and signs out their tokens (the password
/// version moves), with an audit entry that holds no hash.
async fn set_password(
    db: &Db,
    hashing: &Hashing,
    actor: &Actor,
    public_id: &str,
    new: String,
    action: AuditAction,
) -> AppResult<user::Model> {
    let hash = hashing.hash(new).await?;
    let now = Utc::now();
    // Milliseconds, as tokens carry them.
    let changed = DateTime::<Utc>::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    let txn = db.begin_write().await?;
    let mut sql = db.sql();
    sql.push("UPDATE users SET password_hash = ")
        .bind(hash)
        .push(", password_changed_at = ")
        .bind(changed)
        .push(", updated_at = ")
        .bind(now)
        .push(" WHERE public_id = ")
        .bind(public_id.to_string());
    if crate::db::exec(&txn, sql).await? == 0 {
        return Err(AppError::NotFound("user".into()));
    }
    let u = find(&txn, By::PublicId, public_id)
        .await?
        .ok_or_else(|| AppError::NotFound("user".into()))?;
    let entry = audit::Entry {
        actor,
        action,
        target: AuditTarget::User,
        target_id: public_id,
        before: None,
        after: None,
        at: now,
    };
    audit::insert(&txn, entry).await?;
    txn.commit().await?;
    Ok(u)
}

/// Sets another user's password (ADMIN), for someone who forgot theirs: their
/// tokens stop working. Your own goes through `changePassword`.
pub async fn reset_password(
    db: &Db,
    hashing: &Hashing,
    actor: &Actor,
    public_id: &str,
    new: String,
) -> AppResult<user::Model> {
    if actor.id == public_id {
        return Err(AppError::forbidden(
            "use changePassword for your own password (it checks the current one)",
        ));
    }
    password::validate(&new, "password")?;
    set_password(
        db,
        hashing,
        actor,
        public_id,
        new,
        AuditAction::ResetPassword,
    )
    .await
}

#[derive(Default)]
pub struct UserQuery;

/// Accounts.
#[Object]
impl UserQuery {
    /// The signed-in user; `null` without a token.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<Me>> {
        let state = ctx.data::<AppState>()?;
        let Some(actor) = ctx.data::<Viewer>()?.actor() else {
            return Ok(None);
        };
        let user = match actor.user_pk {
            Some(_) => find(&state.db.conn, By::PublicId, &actor.id)
                .await
                .gql()?
                .map(|u| User(Arc::new(u))),
            None => None,
        };
        Ok(Some(Me {
            id: ID(actor.id.clone()),
            name: actor.name.clone(),
            role: actor.role.into(),
            user,
        }))
    }

    /// Every staff account, by email (ADMIN).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let state = ctx.data::<AppState>()?;
        let mut sql = state.db.sql();
        sql.push("SELECT * FROM users ORDER BY email");
        let users: Vec<user::Model> = state.db.all_as(sql).await.gql()?;
        Ok(users.into_iter().map(|u| User(Arc::new(u))).collect())
    }
}

#[derive(Default)]
pub struct UserMutation;

/// Login and user management.
#[Object]
impl UserMutation {
    /// Exchanges an email and password for a bearer token. Wrong credentials are
    /// UNAUTHENTICATED; too many failures for one email or one client address
    /// are RATE_LIMITED (`extensions.retryAfterSeconds`).
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's email.")] email: String,
        #[graphql(desc = "The password.")] password: String,
        #[graphql(
            desc = "The device token an earlier login of this account returned, if you kept it: the login is then limited per device, not per email."
        )]
        device_token: Option<String>,
    ) -> Result<LoginPayload> {
        let state = ctx.data::<AppState>()?;
        let addr = ctx.data_opt::<ClientAddr>().copied().unwrap_or_default();
        let session = login(state, &email, password, addr, device_token.as_deref())
            .await
            .gql()?;
        Ok(session.into())
    }

    /// Revokes the access token this request carries, in every process on the
    /// database, from the next request on (any staff token; the device token
    /// stays valid for the next login). Returns true.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        let state = ctx.data::<AppState>()?;
        ctx.data::<Viewer>()?.require(Role::Editor).gql()?;
        let Some(Bearer(token)) = ctx.data_opt::<Bearer>() else {
            return Err(
                AppError::unauthenticated("logout needs the bearer token it revokes").into_gql(),
            );
        };
        logout(state, token).await.gql()?;
        Ok(true)
    }

    /// Changes your own password (any local account). Your other tokens stop
    /// working; the returned token is valid.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password now.")] current_password: String,
        #[graphql(desc = "The new password (at least 12 characters).")] new_password: String,
    ) -> Result<LoginPayload> {
        let state = ctx.data::<AppState>()?;
        let actor = ctx.data::<Viewer>()?.require(Role::Editor).gql()?;
        let addr = ctx.data_opt::<ClientAddr>().copied().unwrap_or_default();
        let session = change_password(state, actor, current_password, new_password, addr)
            .await
            .gql()?;
        Ok(session.into())
    }

    /// Creates a staff account (ADMIN).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] input: CreateUserInput,
    ) -> Result<User> {
        let state = ctx.data::<AppState>()?;
        let actor = ctx.data::<Viewer>()?.require(Role::Admin).gql()?;
        let u = create_user(
            &state.db,
            &state.hashing,
            Some(actor),
            &input.email,
            input.display_name,
            input.role.into(),
            input.password,
        )
        .await
        .gql()?;
        Ok(User(Arc::new(u)))
    }

    /// Changes a user's role (ADMIN; not your own).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
        #[graphql(desc = "The new role.")] role: RoleGql,
    ) -> Result<User> {
        let state = ctx.data::<AppState>()?;
        let actor = ctx.data::<Viewer>()?.require(Role::Admin).gql()?;
        let u = change_user(
            &state.db,
            actor,
            &id,
            AuditAction::SetUserRole,
            Some(role.into()),
            false,
        )
        .await
        .gql()?;
        Ok(User(Arc::new(u)))
    }

    /// Sets another user's password (ADMIN; your own goes through
    /// `changePassword`): their tokens stop working at once.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn reset_user_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
        #[graphql(desc = "The new password (at least 12 characters).")] password: String,
    ) -> Result<User> {
        let state = ctx.data::<AppState>()?;
        let actor = ctx.data::<Viewer>()?.require(Role::Admin).gql()?;
        let u = reset_password(&state.db, &state.hashing, actor, &id, password)
            .await
            .gql()?;
        Ok(User(Arc::new(u)))
    }

    /// Deactivates a user (ADMIN; not yourself): they cannot log in, and their
    /// tokens stop working at once.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id.")] id: ID,
    ) -> Result<User> {
        let state = ctx.data::<AppState>()?;
        let actor = ctx.data::<Viewer>()?.require(Role::Admin).gql()?;
        let u = change_user(
            &state.db,
            actor,
            &id,
            AuditAction::DeactivateUser,
            None,
            true,
        )
        .await
        .gql()?;
        Ok(User(Arc::new(u)))
    }
}
