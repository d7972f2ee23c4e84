//! Token keys: issuing the HS256 tokens `login` returns, and verifying those and
//! the tokens of an external identity provider (RS256, ES256 or EdDSA keys from a
//! JWK Set, chosen by `kid`).
//!
//! Every verification pins the algorithm to the key (a token cannot choose HS256
//! against a public key, nor `none`), and checks the signature, `exp` (30 s
//! leeway), `nbf`, `iss` and `aud`.
use crate::config::Config;
use crate::error::{AppError, AppResult};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use chrono::{DateTime, Utc};
use entity::Role;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header};
use jsonwebtoken::{TokenData, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The `kid` of the tokens this service issues.
pub const LOCAL_KID: &str = "cms-hs256";
const MIN_SECRET_BYTES: usize = 32;
const LEEWAY_SECONDS: u64 = 30;
const SECRET_FILE: &str = "jwt-secret";

/// Claims of the tokens `login` issues.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's public id.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// Password version: when the user's password last changed (epoch ms, 0 if
    /// never). A change makes every earlier token invalid.
    pub pwv: i64,
    /// A random id: two logins in the same second get different tokens, so
    /// `logout` revokes one session, not both.
    #[serde(default)]
    pub jti: String,
}

/// Claims of a device token: proof that this browser or client logged in to
/// this account before (OWASP's device cookies), so that failures others cause
/// on the account's email cannot lock it out there. Signed with the same key as
/// access tokens but for another audience (`<audience>#device`), so neither
/// kind passes for the other.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeviceClaims {
    /// The user's public id.
    pub sub: String,
    /// The device's own id: its failed logins are counted under it.
    pub did: String,
    /// The password version when issued: a password change revokes it.
    pub pwv: i64,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// A token of ours: the user is looked up (and must still be active).
    Local { sub: String, pwv: i64 },
    /// A token of the external identity provider: its role claim is trusted.
    External {
        sub: String,
        role: Role,
        name: String,
    },
}

struct ExternalKey {
    key: DecodingKey,
    alg: Algorithm,
}

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    ttl: i64,
    external: HashMap<String, ExternalKey>,
    external_issuer: Option<String>,
    role_claim: String,
    external_max_role: Role,
    external_max_age: i64,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("issuer", &self.issuer)
            .field("external_kids", &self.external.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn config_error(msg: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("token configuration: {msg}"))
}

/// The HS256 secret: from the environment, a file, or (locally) generated once
/// into the data directory.
fn load_secret(config: &Config) -> AppResult<Vec<u8>> {
    if let Some(s) = config.jwt_secret.as_deref().filter(|s| !s.is_empty()) {
        return Ok(s.as_bytes().to_vec());
    }
    if let Some(path) = &config.jwt_secret_file {
        let bytes = std::fs::read(path)
            .map_err(|e| config_error(format!("cannot read {}: {e}", path.display())))?;
        return Ok(trim(bytes));
    }
    if config.production {
        return Err(config_error(
            "no token secret: set CMS_JWT_SECRET or CMS_JWT_SECRET_FILE (production mode does not generate one)",
        ));
    }
    let path = config.data_dir.join(SECRET_FILE);
    if path.exists() {
        let bytes = std::fs::read(&path)
            .map_err(|e| config_error(format!("cannot read {}: {e}", path.display())))?;
        return Ok(trim(bytes));
    }
    let mut raw = [0u8; 48];
    OsRng
        .try_fill_bytes(&mut raw)
        .map_err(|e| config_error(format!("no randomness for a token secret: {e}")))?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    write_private(&path, secret.as_bytes())?;
    tracing::warn!(
        path = %path.display(),
        "no token secret configured: generated one and kept it in the data directory \
         (set CMS_JWT_SECRET or CMS_JWT_SECRET_FILE in production)"
    );
    Ok(secret.into_bytes())
}

fn trim(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last().is_some_and(|b| b.is_ascii_whitespace()) {
        bytes.pop();
    }
    bytes
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> AppResult<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        crate::config::create_private_dir(dir)
            .map_err(|e| config_error(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| config_error(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(bytes)
        .map_err(|e| config_error(format!("cannot write {}: {e}", path.display())))
}

/// The public keys of a JWK Set file, by `kid`. Only asymmetric keys with a `kid`
/// are accepted: a shared secret from a file meant for public keys is refused.
fn load_jwks(path: &Path) -> AppResult<HashMap<String, ExternalKey>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| config_error(format!("cannot read {}: {e}", path.display())))?;
    let set: JwkSet = serde_json::from_str(&text)
        .map_err(|e| config_error(format!("{} is not a JWK Set: {e}", path.display())))?;
    let mut out = HashMap::new();
    for jwk in set.keys {
        let kid = jwk
            .common
            .key_id
            .clone()
            .ok_or_else(|| config_error("every key of the JWK Set needs a `kid`"))?;
        let alg = match jwk.common.key_algorithm {
            Some(a) => Algorithm::try_from(a)
                .map_err(|e| config_error(format!("key {kid}: unsupported `alg`: {e}")))?,
            None => return Err(config_error(format!("key {kid} needs an `alg`"))),
        };
        if !matches!(alg, Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA) {
            return Err(config_error(format!(
                "key {kid}: only RS256, ES256 and EdDSA keys are accepted, not {alg:?}"
            )));
        }
        let key =
            DecodingKey::from_jwk(&jwk).map_err(|e| config_error(format!("key {kid}: {e}")))?;
        out.insert(kid, ExternalKey { key, alg });
    }
    Ok(out)
}

impl Keys {
    /// Keys as configured (generating the local secret when allowed).
    pub fn from_config(config: &Config) -> AppResult<Keys> {
        let secret = load_secret(config)?;
        if secret.len() < MIN_SECRET_BYTES {
            return Err(config_error(format!(
                "the token secret must have at least {MIN_SECRET_BYTES} bytes"
            )));
        }
        let external = match &config.jwt_jwks_file {
            Some(path) => load_jwks(path)?,
            None => HashMap::new(),
        };
        if !external.is_empty() && config.jwt_external_issuer.is_none() {
            return Err(config_error(
                "CMS_JWT_JWKS_FILE needs CMS_JWT_EXTERNAL_ISSUER (the `iss` of the provider's tokens)",
            ));
        }
        let external_max_role = Role::parse(&config.jwt_external_max_role.to_ascii_uppercase())
            .ok_or_else(|| {
                config_error(format!(
                    "CMS_JWT_EXTERNAL_MAX_ROLE must be EDITOR, PUBLISHER or ADMIN, not {:?}",
                    config.jwt_external_max_role
                ))
            })?;
        if config.jwt_external_max_age <= 0 {
            return Err(config_error(
                "CMS_JWT_EXTERNAL_MAX_AGE must be a positive number of seconds",
            ));
        }
        Ok(Keys {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl: config.token_ttl.max(60),
            external,
            external_issuer: config.jwt_external_issuer.clone(),
            role_claim: config.jwt_role_claim.clone(),
            external_max_role,
            external_max_age: config.jwt_external_max_age,
        })
    }

    /// Signs a token for a local user.
    pub fn issue(&self, sub: &str, role: Role, pwv: i64) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let exp = now + chrono::Duration::seconds(self.ttl);
        let claims = Claims {
            sub: sub.to_string(),
            role,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: exp.timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            pwv,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(LOCAL_KID.to_string());
        let token = encode(&header, &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("token signing: {e}")))?;
        Ok((token, exp))
    }

    fn device_audience(&self) -> String {
        format!("{}#device", self.audience)
    }

    /// Signs a device token for a local user (`did` names the device).
    pub fn issue_device(
        &self,
        sub: &str,
        did: &str,
        pwv: i64,
        days: i64,
    ) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let exp = now + chrono::Duration::days(days.clamp(1, 3650));
        let claims = DeviceClaims {
            sub: sub.to_string(),
            did: did.to_string(),
            pwv,
            iat: now.timestamp(),
            exp: exp.timestamp(),
            iss: self.issuer.clone(),
            aud: self.device_audience(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(LOCAL_KID.to_string());
        let token = encode(&header, &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("token signing: {e}")))?;
        Ok((token, exp))
    }

    /// The claims of a device token of ours, if it is one and still valid;
    /// anything else (an access token, a forgery, an expired one) is `None`:
    /// the login then goes on as one without a device token.
    pub fn verify_device(&self, token: &str) -> Option<DeviceClaims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = LEEWAY_SECONDS;
        v.set_issuer(&[self.issuer.as_str()]);
        v.set_audience(&[self.device_audience()]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        decode::<DeviceClaims>(token, &self.decoding, &v)
            .ok()
            .map(|d| d.claims)
    }

    fn validation(&self, alg: Algorithm, issuer: &str) -> Validation {
        let mut v = Validation::new(alg);
        v.leeway = LEEWAY_SECONDS;
        v.validate_exp = true;
        v.validate_nbf = true;
        v.set_issuer(&[issuer]);
        v.set_audience(&[self.audience.as_str()]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v
    }

    /// Verifies a bearer token. Every failure is UNAUTHENTICATED, with a message
    /// that says what was wrong but not how to forge a better one.
    pub fn verify(&self, token: &str) -> AppResult<Verified> {
        let header = decode_header(token).map_err(|e| invalid(&e))?;
        match header.kid.as_deref() {
            None | Some(LOCAL_KID) => {
                let data: TokenData<serde_json::Value> = decode(
                    token,
                    &self.decoding,
                    &self.validation(Algorithm::HS256, &self.issuer),
                )
                .map_err(|e| invalid(&e))?;
                Ok(Verified::Local {
                    sub: claim_str(&data.claims, "sub")?,
                    pwv: data.claims.get("pwv").and_then(|v| v.as_i64()).unwrap_or(0),
                })
            }
            Some(kid) => {
                let (Some(key), Some(issuer)) =
                    (self.external.get(kid), self.external_issuer.as_deref())
                else {
                    return Err(AppError::unauthenticated(
                        "invalid token: unknown key id (kid)",
                    ));
                };
                let data: TokenData<serde_json::Value> =
                    decode(token, &key.key, &self.validation(key.alg, issuer))
                        .map_err(|e| invalid(&e))?;
                let role_name = claim_str(&data.claims, &self.role_claim)?;
                let claimed = Role::parse(&role_name).ok_or_else(|| {
                    AppError::unauthenticated(format!(
                        "invalid token: the `{}` claim is not a role of this service",
                        self.role_claim
                    ))
                })?;
                // Capped, not refused: the provider vouches for the person, this
                // service decides how far it trusts the provider.
                let role = if claimed > self.external_max_role {
                    self.external_max_role
                } else {
                    claimed
                };
                let iat = data
                    .claims
                    .get("iat")
                    .and_then(|v| v.as_i64())
                    .ok_or_else(|| AppError::unauthenticated("invalid token: no `iat` claim"))?;
                let now = Utc::now().timestamp();
                let leeway = LEEWAY_SECONDS as i64;
                if iat > now.saturating_add(leeway) {
                    return Err(AppError::unauthenticated(
                        "invalid token: issued in the future (iat)",
                    ));
                }
                if now.saturating_sub(iat) > self.external_max_age.saturating_add(leeway) {
                    return Err(AppError::unauthenticated(format!(
                        "invalid token: older than {} seconds (iat)",
                        self.external_max_age
                    )));
                }
                let sub = claim_str(&data.claims, "sub")?;
                let name = data
                    .claims
                    .get("email")
                    .or_else(|| data.claims.get("name"))
                    .and_then(|v| v.as_str())
                    .unwrap_or(&sub)
                    .to_string();
                Ok(Verified::External {
                    sub: format!("ext:{sub}"),
                    role,
                    name,
                })
            }
        }
    }
}

fn claim_str(claims: &serde_json::Value, name: &str) -> AppResult<String> {
    claims
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| AppError::unauthenticated(format!("invalid token: no `{name}` claim")))
}

fn invalid(err: &jsonwebtoken::errors::Error) -> AppError {
    use jsonwebtoken::errors::ErrorKind;
    let why = match err.kind() {
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::ImmatureSignature => "not valid yet (nbf)",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidAlgorithm => "algorithm not allowed for this key",
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
        _ => "malformed",
    };
    AppError::unauthenticated(format!("invalid token: {why}"))
}
