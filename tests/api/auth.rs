//! Users, login and tokens: what a valid token allows, and every way a bad one is
//! refused (401 with `WWW-Authenticate: Bearer`, never a silent anonymous).
use crate::common::{code, test_config, TestApp, PASSWORD, TEST_SECRET};
use api::auth::Role;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::net::SocketAddr;

const ME: &str = "{ me { id name role user { email displayName role active } } }";
const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt user { id email role } } }";
const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys");

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(sub: &str) -> Value {
    json!({
        "sub": sub, "role": "ADMIN", "iat": now(), "nbf": now(), "exp": now() + 600,
        "iss": "partnerships-cms", "aud": "partnerships-cms",
    })
}

fn sign_hs(claims: &Value, secret: &[u8], kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_string);
    encode(&header, claims, &EncodingKey::from_secret(secret)).expect("sign")
}

fn key_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{KEYS}/{name}")).expect("test key")
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The public id (`sub`) of a user, from `me`.
async fn sub_of(app: &TestApp, token: &str) -> String {
    let d = app.staff_data(token, ME, json!({})).await;
    d["me"]["id"].as_str().expect("id").to_string()
}

/// Asserts a token is refused with 401, a Bearer challenge and UNAUTHENTICATED.
async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(
            json!({ "query": "{ regions { slug } }" }).to_string(),
        ))
        .expect("request");
    let (status, headers, body) = app.raw(req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}");
    let challenge = headers
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(challenge.starts_with("Bearer"), "{why}: {challenge}");
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(code(&body), "UNAUTHENTICATED", "{why}: {body}");
    assert!(body.get("data").is_none(), "{why}: nothing executed");
}

#[tokio::test]
async fn login_returns_a_token_with_the_required_claims() {
    let app = TestApp::new().await;
    app.user("Editor@Example.org", Role::Editor).await;
    // Emails are case-insensitive.
    let (status, resp) = app
        .as_user(
            None,
            LOGIN,
            json!({ "e": "EDITOR@example.ORG", "p": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resp:#}");
    let login = &resp["data"]["login"];
    assert_eq!(login["user"]["email"], "editor@example.org");
    assert_eq!(login["user"]["role"], "EDITOR");
    let token = login["token"].as_str().expect("token");
    let payload = token.split('.').nth(1).expect("payload");
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64"),
    )
    .expect("claims");
    assert_eq!(claims["sub"], login["user"]["id"]);
    assert_eq!(claims["role"], "EDITOR");
    assert_eq!(claims["iss"], "partnerships-cms");
    assert_eq!(claims["aud"], "partnerships-cms");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    assert!(iat > 0 && exp > iat, "{claims}");
    let me = app.staff_data(token, ME, json!({})).await;
    assert_eq!(me["me"]["role"], "EDITOR");
    assert_eq!(me["me"]["user"]["email"], "editor@example.org");
    // Without a token, `me` is null (anonymous is not an error).
    assert_eq!(app.data(ME, json!({})).await["me"], Value::Null);
}

#[tokio::test]
async fn a_wrong_email_and_a_wrong_password_give_the_same_error() {
    let app = TestApp::new().await;
    app.user("editor@example.org", Role::Editor).await;
    let (_, wrong_password) = app
        .as_user(
            None,
            LOGIN,
            json!({ "e": "editor@example.org", "p": "not the password" }),
        )
        .await;
    let (_, wrong_email) = app
        .as_user(
            None,
            LOGIN,
            json!({ "e": "nobody@example.org", "p": PASSWORD }),
        )
        .await;
    assert_eq!(code(&wrong_password), "UNAUTHENTICATED");
    assert_eq!(wrong_password["errors"][0], wrong_email["errors"][0]);
    // Absurd input is the same wrong login, not an internal error.
    let long = format!("{}@example.org", "x".repeat(5000));
    let (_, absurd) = app
        .as_user(None, LOGIN, json!({ "e": long, "p": PASSWORD }))
        .await;
    assert_eq!(absurd["errors"][0], wrong_email["errors"][0]);
}

#[tokio::test]
async fn failed_logins_from_everywhere_are_capped_per_email() {
    let mut config = test_config();
    config.login_max_failures_per_email = 3;
    let app = TestApp::with_config(config).await;
    app.user("editor@example.org", Role::Editor).await;
    for _ in 0..3 {
        let (_, r) = app
            .as_user(
                None,
                LOGIN,
                json!({ "e": "editor@example.org", "p": "wrong password!" }),
            )
            .await;
        assert_eq!(code(&r), "UNAUTHENTICATED");
    }
    // Now even the right password is refused until the window ends.
    let (_, r) = app
        .as_user(
            None,
            LOGIN,
            json!({ "e": "editor@example.org", "p": PASSWORD }),
        )
        .await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r:#}");
    let wait = r["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_i64()
        .unwrap_or(0);
    assert!(wait > 0 && wait <= 900, "{r:#}");
    // Other emails are not affected.
    app.user("other@example.org", Role::Editor).await;
}

/// A login from a client address, optionally through a proxy's `X-Forwarded-For`.
async fn login_via(
    app: &TestApp,
    ip: impl Into<std::net::IpAddr>,
    forwarded: Option<&str>,
    email: &str,
    password: &str,
) -> Value {
    login_request(app, ip.into(), forwarded, email, password, None).await
}

/// The `login` mutation over the router, from `ip`, with an optional proxy
/// header and device token.
async fn login_request(
    app: &TestApp,
    ip: std::net::IpAddr,
    forwarded: Option<&str>,
    email: &str,
    password: &str,
    device: Option<&str>,
) -> Value {
    let mut req = Request::post("/graphql").header("content-type", "application/json");
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let vars = json!({ "e": email, "p": password, "d": device });
    let mut req = req
        .body(Body::from(
            json!({ "query": LOGIN_DEVICE, "variables": vars }).to_string(),
        ))
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    app.request(req).await.1
}

async fn login_from(
    app: &TestApp,
    ip: impl Into<std::net::IpAddr>,
    email: &str,
    password: &str,
) -> Value {
    login_via(app, ip, None, email, password).await
}

#[tokio::test]
async fn failed_logins_are_limited_per_client_address() {
    let mut config = test_config();
    config.login_max_failures_per_address = 4;
    let app = TestApp::with_config(config).await;
    api::users::create_user(
        &app.state.db,
        &app.state.hashing,
        None,
        "editor@example.org",
        None,
        Role::Editor,
        PASSWORD.into(),
    )
    .await
    .expect("user");
    // Guessing across many emails from one address.
    for i in 0..4 {
        let r = login_from(
            &app,
            [10, 0, 0, 1],
            &format!("guess{i}@example.org"),
            "password123456",
        )
        .await;
        assert_eq!(code(&r), "UNAUTHENTICATED");
    }
    let blocked = login_from(&app, [10, 0, 0, 1], "editor@example.org", PASSWORD).await;
    assert_eq!(code(&blocked), "RATE_LIMITED");
    let other = login_from(&app, [10, 0, 0, 2], "editor@example.org", PASSWORD).await;
    assert!(other["data"]["login"]["token"].is_string(), "{other:#}");
}

#[tokio::test]
async fn a_deactivated_user_cannot_log_in_and_their_token_stops_working() {
    let app = TestApp::builder().roles().await;
    let editor_id = sub_of(&app, app.editor()).await;
    let d = app
        .staff_data(
            app.admin(),
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({ "id": editor_id }),
        )
        .await;
    assert_eq!(d["deactivateUser"]["active"], false);
    assert_refused(&app, app.editor(), "deactivated user's token").await;
    let (_, r) = app
        .as_user(
            None,
            LOGIN,
            json!({ "e": "editor@example.org", "p": PASSWORD }),
        )
        .await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn two_administrators_removing_each_other_at_once_leave_one() {
    // Each checks the other's token before either writes: only the transaction
    // that writes can tell that the second would leave no administrator.
    let app = TestApp::new().await;
    let deactivate = "mutation($id: ID!) { deactivateUser(id: $id) { active } }";
    let demote = "mutation($id: ID!) { setUserRole(id: $id, role: EDITOR) { role } }";
    for round in 0..6 {
        let a = app
            .user(&format!("a{round}@example.org"), Role::Admin)
            .await;
        let b = app
            .user(&format!("b{round}@example.org"), Role::Admin)
            .await;
        let (a_id, b_id) = (sub_of(&app, &a).await, sub_of(&app, &b).await);
        let mutation = if round % 2 == 0 { deactivate } else { demote };
        let ((_, ra), (_, rb)) = tokio::join!(
            app.as_user(Some(&a), mutation, json!({ "id": b_id })),
            app.as_user(Some(&b), mutation, json!({ "id": a_id })),
        );
        let ok = [&ra, &rb]
            .iter()
            .filter(|r| r.get("errors").is_none())
            .count();
        assert_eq!(ok, 1, "round {round}: {ra} {rb}");
        for r in [&ra, &rb] {
            if r.get("errors").is_some() {
                assert!(matches!(code(r), "FORBIDDEN" | "UNAUTHENTICATED"), "{r}");
            }
        }
        // Whoever lost keeps out; whoever won is still an administrator.
        let winner = if ra.get("errors").is_none() { &a } else { &b };
        let me = app.staff_data(winner, ME, json!({})).await;
        assert_eq!(me["me"]["role"], "ADMIN", "round {round}");
    }
}

#[tokio::test]
async fn the_last_active_administrator_stays_one() {
    // An external administrator has no local account: it could otherwise
    // deactivate or demote the only local one.
    let mut config = external_app_config();
    config.jwt_external_max_role = "ADMIN".into();
    let app = TestApp::with_config(config).await;
    let local = app.user("admin@example.org", Role::Admin).await;
    let local_id = sub_of(&app, &local).await;
    let external = sign_external(
        Algorithm::RS256,
        "idp-rsa",
        "rsa_private.pem",
        &external_claims("ADMIN"),
    );
    for mutation in [
        "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
        "mutation($id: ID!) { setUserRole(id: $id, role: PUBLISHER) { role } }",
    ] {
        let (_, r) = app
            .as_user(Some(&external), mutation, json!({ "id": local_id }))
            .await;
        assert_eq!(code(&r), "FORBIDDEN", "{r}");
        assert!(r.to_string().contains("last active administrator"), "{r}");
    }
    let me = app.staff_data(&local, ME, json!({})).await;
    assert_eq!(me["me"]["user"]["active"], true);
    // With a second one, either may go.
    let second = app.user("second@example.org", Role::Admin).await;
    let second_id = sub_of(&app, &second).await;
    let d = app
        .staff_data(
            &external,
            "mutation($id: ID!) { setUserRole(id: $id, role: EDITOR) { role } }",
            json!({ "id": second_id }),
        )
        .await;
    assert_eq!(d["setUserRole"]["role"], "EDITOR");
}

#[tokio::test]
async fn no_user_raises_their_own_role_and_role_changes_apply_at_once() {
    let app = TestApp::builder().roles().await;
    let set_role = "mutation($id: ID!, $r: Role!) { setUserRole(id: $id, role: $r) { role } }";
    let editor_id = sub_of(&app, app.editor()).await;
    let admin_id = sub_of(&app, app.admin()).await;
    let (_, own) = app
        .as_user(
            Some(app.editor()),
            set_role,
            json!({ "id": editor_id, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(code(&own), "FORBIDDEN");
    let (_, admin_own) = app
        .as_user(
            Some(app.admin()),
            set_role,
            json!({ "id": admin_id, "r": "EDITOR" }),
        )
        .await;
    assert_eq!(code(&admin_own), "FORBIDDEN");
    let promoted = app
        .staff_data(
            app.admin(),
            set_role,
            json!({ "id": editor_id, "r": "PUBLISHER" }),
        )
        .await;
    assert_eq!(promoted["setUserRole"]["role"], "PUBLISHER");
    // The same token now carries the new role: the database decides, not the claim.
    let me = app.staff_data(app.editor(), ME, json!({})).await;
    assert_eq!(me["me"]["role"], "PUBLISHER");
    // Users are listed for admins only; emails are unique.
    let users = app
        .staff_data(app.admin(), "{ users { email role } }", json!({}))
        .await;
    assert_eq!(users["users"].as_array().map(Vec::len), Some(3));
    let (_, dup) = app
        .as_user(
            Some(app.admin()),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "email": "EDITOR@example.org", "role": "EDITOR", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(code(&dup), "CONFLICT");
    let (_, short) = app
        .as_user(
            Some(app.admin()),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "email": "new@example.org", "role": "EDITOR", "password": "short" } }),
        )
        .await;
    assert_eq!(code(&short), "BAD_USER_INPUT");
    assert_eq!(short["errors"][0]["extensions"]["field"], "input.password");
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401() {
    let app = TestApp::builder().roles().await;
    let sub = sub_of(&app, app.admin()).await;
    let secret = TEST_SECRET.as_bytes();

    let alg_none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(&sub).to_string().as_bytes())
    );
    assert_refused(&app, &alg_none, "alg none").await;

    let rsa_public = key_file("rsa_public.pem");
    let confused = sign_hs(&claims(&sub), &rsa_public, Some("idp-rsa"));
    assert_refused(
        &app,
        &confused,
        "HS256 with the RSA public key as secret (kid)",
    )
    .await;
    let confused_local = sign_hs(&claims(&sub), &rsa_public, None);
    assert_refused(
        &app,
        &confused_local,
        "HS256 with the RSA public key as secret",
    )
    .await;

    let mut expired = claims(&sub);
    expired["exp"] = json!(now() - 3600);
    expired["iat"] = json!(now() - 7200);
    expired["nbf"] = json!(now() - 7200);
    assert_refused(&app, &sign_hs(&expired, secret, None), "expired").await;

    let mut early = claims(&sub);
    early["nbf"] = json!(now() + 3600);
    assert_refused(&app, &sign_hs(&early, secret, None), "not yet valid").await;

    let mut iss = claims(&sub);
    iss["iss"] = json!("someone-else");
    assert_refused(&app, &sign_hs(&iss, secret, None), "wrong iss").await;

    let mut aud = claims(&sub);
    aud["aud"] = json!("another-service");
    assert_refused(&app, &sign_hs(&aud, secret, None), "wrong aud").await;

    assert_refused(
        &app,
        &sign_hs(&claims(&sub), secret, Some("who-knows")),
        "unknown kid",
    )
    .await;

    // Tampered payload: an editor's token with the role claim raised.
    let parts: Vec<&str> = app.editor().split('.').collect();
    let mut payload: Value = {
        use base64::Engine;
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[1])
                .expect("b64"),
        )
        .expect("json")
    };
    payload["role"] = json!("ADMIN");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(payload.to_string().as_bytes()),
        parts[2]
    );
    assert_refused(&app, &tampered, "tampered payload").await;

    assert_refused(
        &app,
        &sign_hs(
            &claims(&sub),
            b"another-secret-of-enough-length-000000",
            None,
        ),
        "forged",
    )
    .await;
    assert_refused(
        &app,
        &sign_hs(&claims("no-such-user"), secret, None),
        "unknown user",
    )
    .await;
    assert_refused(&app, "not.a.token", "garbage").await;

    // A malformed Authorization header is refused too, not ignored.
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .body(Body::from(
            json!({ "query": "{ regions { slug } }" }).to_string(),
        ))
        .expect("request");
    let (status, _, _) = app.raw(req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The real token still works.
    assert_eq!(
        app.staff_data(app.admin(), ME, json!({})).await["me"]["role"],
        "ADMIN"
    );
}

fn external_app_config() -> api::config::Config {
    let mut config = test_config();
    config.jwt_jwks_file = Some(format!("{KEYS}/jwks.json").into());
    config.jwt_external_issuer = Some("https://idp.example.org/".into());
    config.jwt_role_claim = "cms_role".into();
    config
}

fn external_claims(role: &str) -> Value {
    json!({
        "sub": "idp-user-7", "email": "ext@example.org", "cms_role": role,
        "iat": now(), "exp": now() + 600,
        "iss": "https://idp.example.org/", "aud": "partnerships-cms",
    })
}

fn sign_external(alg: Algorithm, kid: &str, file: &str, claims: &Value) -> String {
    let pem = key_file(file);
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_ed_pem(&pem),
    }
    .expect("private key");
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    encode(&header, claims, &key).expect("sign")
}

#[tokio::test]
async fn tokens_of_an_external_identity_provider_are_accepted_by_kid() {
    let app = TestApp::with_config(external_app_config()).await;
    for (alg, kid, file) in [
        (Algorithm::RS256, "idp-rsa", "rsa_private.pem"),
        (Algorithm::ES256, "idp-ec", "ec_private.pem"),
        (Algorithm::EdDSA, "idp-ed", "ed_private.pem"),
    ] {
        let token = sign_external(alg, kid, file, &external_claims("PUBLISHER"));
        let me = app.staff_data(&token, ME, json!({})).await;
        assert_eq!(me["me"]["role"], "PUBLISHER", "{kid}");
        assert_eq!(me["me"]["id"], "ext:idp-user-7");
        assert_eq!(me["me"]["name"], "ext@example.org");
        assert_eq!(me["me"]["user"], Value::Null);
    }
    // Their password lives at the provider.
    let token = sign_external(
        Algorithm::RS256,
        "idp-rsa",
        "rsa_private.pem",
        &external_claims("EDITOR"),
    );
    let (_, change) = app
        .as_user(
            Some(&token),
            "mutation { changePassword(currentPassword: \"whatever else\", newPassword: \"a brand new password\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&change), "FORBIDDEN");
    // Signed by the RSA key but presented under the EC key's id.
    let wrong_kid = sign_external(
        Algorithm::RS256,
        "idp-ec",
        "rsa_private.pem",
        &external_claims("EDITOR"),
    );
    assert_refused(&app, &wrong_kid, "key of another kid").await;
    let bad_role = sign_external(
        Algorithm::RS256,
        "idp-rsa",
        "rsa_private.pem",
        &external_claims("SUPERUSER"),
    );
    assert_refused(&app, &bad_role, "unknown role").await;
    let mut iss = external_claims("EDITOR");
    iss["iss"] = json!("partnerships-cms");
    assert_refused(
        &app,
        &sign_external(Algorithm::RS256, "idp-rsa", "rsa_private.pem", &iss),
        "external key, local issuer",
    )
    .await;
    // HS256 under the external key id, with the public key as the secret.
    let confused = sign_hs(
        &external_claims("ADMIN"),
        &key_file("rsa_public.pem"),
        Some("idp-rsa"),
    );
    assert_refused(&app, &confused, "algorithm confusion").await;
}

#[tokio::test]
async fn a_production_start_needs_a_secret_and_a_local_one_is_generated_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = api::config::Config::defaults();
    config.data_dir = dir.path().to_path_buf();
    config.production = true;
    let err = api::auth::Keys::from_config(&config).expect_err("production without a secret");
    assert!(err.to_string().contains("CMS_JWT_SECRET"), "{err}");
    config.jwt_secret = Some("too short".into());
    let err = api::auth::Keys::from_config(&config).expect_err("short secret");
    assert!(err.to_string().contains("32 bytes"), "{err}");
    config.jwt_secret = Some(TEST_SECRET.into());
    config.jwt_jwks_file = Some(format!("{KEYS}/jwks.json").into());
    let err = api::auth::Keys::from_config(&config).expect_err("JWK Set without its issuer");
    assert!(err.to_string().contains("CMS_JWT_EXTERNAL_ISSUER"), "{err}");
    config.jwt_jwks_file = Some(format!("{KEYS}/rsa_public.pem").into());
    let err = api::auth::Keys::from_config(&config).expect_err("not a JWK Set");
    assert!(err.to_string().contains("not a JWK Set"), "{err}");
    config.jwt_secret = None;
    config.jwt_jwks_file = None;
    config.production = false;
    let first = api::auth::Keys::from_config(&config).expect("generated");
    let path = dir.path().join("jwt-secret");
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the secret is readable by its owner only");
    }
    let (token, _) = first.issue("someone", Role::Editor, 0).expect("issue");
    let second = api::auth::Keys::from_config(&config).expect("reloaded");
    assert!(
        second.verify(&token).is_ok(),
        "the kept secret verifies earlier tokens"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_limited() {
    let mut config = test_config();
    config.login_max_failures_per_address = 2;
    config.trust_forwarded_for = true;
    let app = TestApp::with_config(config).await;
    // Every request comes from the proxy's own address.
    let attempt = |forwarded: &'static str| {
        login_via(
            &app,
            [10, 9, 9, 9],
            Some(forwarded),
            "x@example.org",
            "password123456",
        )
    };
    // A client cannot escape by claiming other addresses in front of the proxy's entry.
    assert_eq!(
        code(&attempt("1.1.1.1, 203.0.113.5").await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        code(&attempt("2.2.2.2, 203.0.113.5").await),
        "UNAUTHENTICATED"
    );
    assert_eq!(code(&attempt("3.3.3.3, 203.0.113.5").await), "RATE_LIMITED");
    // Another client behind the same proxy is not affected.
    assert_eq!(code(&attempt("203.0.113.6").await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn changing_the_password_signs_out_earlier_tokens() {
    let app = TestApp::new().await;
    let old = app.user("editor@example.org", Role::Editor).await;
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token user { email } } }";
    let (_, wrong) = app
        .as_user(
            Some(&old),
            change,
            json!({ "c": "not my password", "n": "a brand new password" }),
        )
        .await;
    assert_eq!(code(&wrong), "BAD_USER_INPUT");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");
    let (_, short) = app
        .as_user(Some(&old), change, json!({ "c": PASSWORD, "n": "short" }))
        .await;
    assert_eq!(short["errors"][0]["extensions"]["field"], "newPassword");
    let d = app
        .staff_data(
            &old,
            change,
            json!({ "c": PASSWORD, "n": "a brand new password" }),
        )
        .await;
    let new = d["changePassword"]["token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_refused(&app, &old, "token from before the password change").await;
    assert_eq!(
        app.staff_data(&new, ME, json!({})).await["me"]["role"],
        "EDITOR"
    );
    let (_, r) = app
        .as_user(
            None,
            LOGIN,
            json!({ "e": "editor@example.org", "p": PASSWORD }),
        )
        .await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
    app.login("editor@example.org", "a brand new password")
        .await;
    let (_, anon) = app
        .as_user(
            None,
            change,
            json!({ "c": PASSWORD, "n": "a brand new password" }),
        )
        .await;
    assert_eq!(code(&anon), "UNAUTHENTICATED");
}

#[tokio::test]
async fn concurrent_guesses_cannot_slip_past_the_limit() {
    let mut config = test_config();
    config.login_max_failures_per_email = 3;
    let app = TestApp::with_config(config).await;
    app.user("editor@example.org", Role::Editor).await;
    let guess = |i: usize| {
        app.as_user(
            None,
            LOGIN,
            json!({ "e": "editor@example.org", "p": format!("wrong password {i}") }),
        )
    };
    let results = futures_util::future::join_all((0..10).map(guess)).await;
    let checked = results
        .iter()
        .filter(|(_, r)| code(r) == "UNAUTHENTICATED")
        .count();
    let limited = results
        .iter()
        .filter(|(_, r)| code(r) == "RATE_LIMITED")
        .count();
    assert_eq!(
        checked, 3,
        "only the allowed number of guesses reach the password check"
    );
    assert_eq!(limited, 7);
}

#[tokio::test]
async fn an_admin_resets_a_forgotten_password() {
    let app = TestApp::builder().roles().await;
    let editor_id = sub_of(&app, app.editor()).await;
    let admin_id = sub_of(&app, app.admin()).await;
    let reset =
        "mutation($id: ID!, $p: String!) { resetUserPassword(id: $id, password: $p) { email } }";
    let (_, own) = app
        .as_user(
            Some(app.admin()),
            reset,
            json!({ "id": admin_id, "p": "a reset password 123" }),
        )
        .await;
    assert_eq!(code(&own), "FORBIDDEN");
    let (_, missing) = app
        .as_user(
            Some(app.admin()),
            reset,
            json!({ "id": "no-such-user", "p": "a reset password 123" }),
        )
        .await;
    assert_eq!(code(&missing), "NOT_FOUND");
    let d = app
        .staff_data(
            app.admin(),
            reset,
            json!({ "id": editor_id, "p": "a reset password 123" }),
        )
        .await;
    assert_eq!(d["resetUserPassword"]["email"], "editor@example.org");
    assert_refused(&app, app.editor(), "token from before the reset").await;
    app.login("editor@example.org", "a reset password 123")
        .await;
}

#[tokio::test]
async fn a_stranger_failing_on_an_email_does_not_lock_its_owner_out() {
    // The default limits.
    let app = TestApp::new().await;
    app.user("admin@example.org", Role::Admin).await;
    let stranger = [198, 51, 100, 7];
    let mut codes = Vec::new();
    for i in 0..50 {
        let r = login_from(
            &app,
            stranger,
            "admin@example.org",
            &format!("guess number {i}"),
        )
        .await;
        codes.push(code(&r).to_string());
    }
    let checked = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    let limited = codes.iter().filter(|c| *c == "RATE_LIMITED").count();
    assert_eq!((checked, limited), (5, 45), "{codes:?}");
    // The stranger is stopped even with the right password ...
    let r = login_from(&app, stranger, "admin@example.org", PASSWORD).await;
    assert_eq!(code(&r), "RATE_LIMITED");
    // ... and the admin logs in from their own address.
    let own = login_from(&app, [203, 0, 113, 9], "admin@example.org", PASSWORD).await;
    assert!(own["data"]["login"]["token"].is_string(), "{own:#}");
}

#[tokio::test]
async fn ipv6_clients_are_limited_per_64_network() {
    let mut config = test_config();
    config.login_max_failures_per_pair = 2;
    let app = TestApp::with_config(config).await;
    let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
    let wrong = "password123456";
    for host in ["2001:db8:1:2::1", "2001:db8:1:2::2"] {
        let r = login_from(&app, ip(host), "x@example.org", wrong).await;
        assert_eq!(code(&r), "UNAUTHENTICATED");
    }
    // A third address of the same /64 is the same client.
    let r = login_from(&app, ip("2001:db8:1:2:ffff::3"), "x@example.org", wrong).await;
    assert_eq!(code(&r), "RATE_LIMITED");
    // Another /64 is another client.
    let r = login_from(&app, ip("2001:db8:1:3::1"), "x@example.org", wrong).await;
    assert_eq!(code(&r), "UNAUTHENTICATED");
}

#[tokio::test]
async fn expired_login_counters_are_swept_without_a_successful_login() {
    let app = TestApp::new().await;
    for i in 0..3 {
        login_from(&app, [10, 1, 1, i], "nobody@example.org", "password123456").await;
    }
    assert!(app.count("login_attempts").await > 0);
    let config = &app.state.config;
    // Within the window nothing goes.
    let now = chrono::Utc::now();
    let removed = api::auth::throttle::sweep(&app.state.db, config, now)
        .await
        .expect("sweep");
    assert_eq!(removed, 0);
    let later = now + chrono::Duration::seconds(config.login_window_seconds + 1);
    let removed = api::auth::throttle::sweep(&app.state.db, config, later)
        .await
        .expect("sweep");
    assert!(removed > 0);
    assert_eq!(app.count("login_attempts").await, 0);
}

#[tokio::test]
async fn logins_beyond_the_hashing_bound_are_refused_not_queued() {
    let mut config = test_config();
    config.password_hash_concurrency = Some(1);
    config.password_hash_wait_ms = 1;
    // Every attempt is counted before it waits for a slot: keep the failure
    // limits out of the way of eight attempts at once.
    config.login_max_failures_per_pair = 100;
    let app = TestApp::with_config(config).await;
    app.user("editor@example.org", Role::Editor).await;
    let results = futures_util::future::join_all((0..8).map(|_| {
        app.as_user(
            None,
            LOGIN,
            json!({ "e": "editor@example.org", "p": PASSWORD }),
        )
    }))
    .await;
    let ok = results
        .iter()
        .filter(|(_, r)| r["data"]["login"]["token"].is_string())
        .count();
    let limited: Vec<&Value> = results
        .iter()
        .map(|(_, r)| r)
        .filter(|r| code(r) == "RATE_LIMITED")
        .collect();
    assert_eq!(ok + limited.len(), 8, "{results:#?}");
    assert!(ok >= 1 && !limited.is_empty(), "{results:#?}");
    for r in &limited {
        assert_eq!(
            r["errors"][0]["extensions"]["retryAfterSeconds"], 1,
            "{r:#}"
        );
    }
    // Refused attempts did not count as failures: the next login works.
    app.login("editor@example.org", PASSWORD).await;
}

#[tokio::test]
async fn external_tokens_are_capped_in_role_and_limited_in_age() {
    let sign =
        |claims: &Value| sign_external(Algorithm::RS256, "idp-rsa", "rsa_private.pem", claims);
    // By default the provider's ADMIN claim is capped to PUBLISHER.
    let app = TestApp::with_config(external_app_config()).await;
    let admin_claim = sign(&external_claims("ADMIN"));
    let me = app.staff_data(&admin_claim, ME, json!({})).await;
    assert_eq!(me["me"]["role"], "PUBLISHER");
    let (_, users) = app
        .as_user(Some(&admin_claim), "{ users { id } }", json!({}))
        .await;
    assert_eq!(code(&users), "FORBIDDEN");
    // Too old by `iat`, though `exp` is far away.
    let mut old = external_claims("EDITOR");
    old["iat"] = json!(now() - 28_800 - 120);
    old["exp"] = json!(now() + 86_400);
    assert_refused(&app, &sign(&old), "older than the maximum age").await;
    // Without `iat`, or issued in the future.
    let mut no_iat = external_claims("EDITOR");
    no_iat.as_object_mut().expect("object").remove("iat");
    assert_refused(&app, &sign(&no_iat), "no iat").await;
    let mut future = external_claims("EDITOR");
    future["iat"] = json!(now() + 3600);
    assert_refused(&app, &sign(&future), "iat in the future").await;

    // Configured: ADMIN allowed, a shorter age.
    let mut config = external_app_config();
    config.jwt_external_max_role = "ADMIN".into();
    config.jwt_external_max_age = 60;
    let app = TestApp::with_config(config).await;
    let me = app.staff_data(&admin_claim, ME, json!({})).await;
    assert_eq!(me["me"]["role"], "ADMIN");
    let mut minutes_old = external_claims("ADMIN");
    minutes_old["iat"] = json!(now() - 600);
    assert_refused(&app, &sign(&minutes_old), "older than 60 s").await;
    // An EDITOR ceiling caps PUBLISHER claims too; a bad ceiling is a start-up error.
    let mut config = external_app_config();
    config.jwt_external_max_role = "EDITOR".into();
    let app = TestApp::with_config(config).await;
    let me = app
        .staff_data(&sign(&external_claims("PUBLISHER")), ME, json!({}))
        .await;
    assert_eq!(me["me"]["role"], "EDITOR");
    let mut config = external_app_config();
    config.jwt_external_max_role = "ROOT".into();
    let err = api::auth::Keys::from_config(&config).expect_err("bad ceiling");
    assert!(
        err.to_string().contains("CMS_JWT_EXTERNAL_MAX_ROLE"),
        "{err}"
    );
}

#[tokio::test]
async fn a_known_address_is_not_held_to_the_per_email_ceiling() {
    let mut config = test_config();
    config.login_max_failures_per_pair = 2;
    config.login_max_failures_per_email = 4;
    let app = TestApp::with_config(config).await;
    app.user("admin@example.org", Role::Admin).await;
    let home = [203, 0, 113, 9];
    let ok = login_from(&app, home, "admin@example.org", PASSWORD).await;
    assert!(ok["data"]["login"]["token"].is_string(), "{ok:#}");
    // Guessing spread over many addresses exhausts the email's ceiling ...
    for i in 0..6u8 {
        login_from(
            &app,
            [198, 51, 100, i],
            "admin@example.org",
            "wrong password!",
        )
        .await;
    }
    let fresh = login_from(&app, [192, 0, 2, 1], "admin@example.org", PASSWORD).await;
    assert_eq!(code(&fresh), "RATE_LIMITED", "{fresh:#}");
    // ... but not at the address the admin logs in from.
    let again = login_from(&app, home, "admin@example.org", PASSWORD).await;
    assert!(again["data"]["login"]["token"].is_string(), "{again:#}");
    // Logins from the known address were never counted against the email, so
    // they give nothing back to it: the ceiling still holds for everyone else.
    for _ in 0..4 {
        let ok = login_from(&app, home, "admin@example.org", PASSWORD).await;
        assert!(ok["data"]["login"]["token"].is_string(), "{ok:#}");
    }
    let fresh = login_from(&app, [192, 0, 2, 2], "admin@example.org", PASSWORD).await;
    assert_eq!(code(&fresh), "RATE_LIMITED", "{fresh:#}");
    // Known addresses outlive the failure window, not the known period.
    let config = &app.state.config;
    let later = chrono::Utc::now() + chrono::Duration::seconds(config.login_window_seconds + 1);
    api::auth::throttle::sweep(&app.state.db, config, later)
        .await
        .expect("sweep");
    assert_eq!(
        app.count("login_attempts").await,
        1,
        "the known address stays"
    );
    let much_later =
        chrono::Utc::now() + chrono::Duration::days(config.login_known_address_days + 1);
    api::auth::throttle::sweep(&app.state.db, config, much_later)
        .await
        .expect("sweep");
    assert_eq!(app.count("login_attempts").await, 0);
}

const LOGIN_DEVICE: &str = "mutation($e: String!, $p: String!, $d: String) { login(email: $e, password: $p, deviceToken: $d) { token expiresAt deviceToken deviceTokenExpiresAt user { id email role } } }";

/// A login from an address with an optional device token.
async fn login_with_device(
    app: &TestApp,
    ip: impl Into<std::net::IpAddr>,
    email: &str,
    password: &str,
    device: Option<&str>,
) -> Value {
    login_request(app, ip.into(), None, email, password, device).await
}

#[tokio::test]
async fn a_device_token_lets_the_owner_in_after_a_distributed_guessing_run() {
    // The defaults: 5 per (email, address), 100 per email.
    let app = TestApp::new().await;
    app.user("admin@example.org", Role::Admin).await;
    let first =
        login_with_device(&app, [203, 0, 113, 9], "admin@example.org", PASSWORD, None).await;
    let device = first["data"]["login"]["deviceToken"]
        .as_str()
        .expect("a device token")
        .to_string();
    // 110 failures from 22 addresses, 5 each: every pair at its limit, the
    // email past its ceiling.
    for a in 0..22u8 {
        for _ in 0..5 {
            let r = login_with_device(
                &app,
                [198, 51, 100, a],
                "admin@example.org",
                "wrong guess!",
                None,
            )
            .await;
            assert!(r["data"].is_null() || r["data"]["login"].is_null(), "{r:#}");
        }
    }
    // From an address the admin never used: without the device token, refused;
    // with it, in (and it comes back renewed).
    let without =
        login_with_device(&app, [192, 0, 2, 77], "admin@example.org", PASSWORD, None).await;
    assert_eq!(code(&without), "RATE_LIMITED", "{without:#}");
    let with = login_with_device(
        &app,
        [192, 0, 2, 77],
        "admin@example.org",
        PASSWORD,
        Some(&device),
    )
    .await;
    assert!(with["data"]["login"]["token"].is_string(), "{with:#}");
    assert!(with["data"]["login"]["deviceToken"].is_string(), "{with:#}");
    // The device token is no access token, nor the other way round.
    let (status, _) = app
        .as_user(Some(&device), "{ me { role } }", json!({}))
        .await;
    assert_eq!(status, 401);
    let access = with["data"]["login"]["token"].as_str().unwrap_or_default();
    let as_device = login_with_device(
        &app,
        [192, 0, 2, 78],
        "admin@example.org",
        PASSWORD,
        Some(access),
    )
    .await;
    assert_eq!(code(&as_device), "RATE_LIMITED", "{as_device:#}");
}

#[tokio::test]
async fn a_device_token_is_limited_per_device_and_bound_to_its_account() {
    let mut config = test_config();
    config.login_max_failures_per_device = 3;
    let app = TestApp::with_config(config).await;
    app.user("admin@example.org", Role::Admin).await;
    app.user("editor@example.org", Role::Editor).await;
    let first =
        login_with_device(&app, [203, 0, 113, 9], "admin@example.org", PASSWORD, None).await;
    let device = first["data"]["login"]["deviceToken"]
        .as_str()
        .expect("a device token")
        .to_string();
    // Another account's login with this device token counts as one without.
    let other = login_with_device(
        &app,
        [203, 0, 113, 10],
        "editor@example.org",
        PASSWORD,
        Some(&device),
    )
    .await;
    assert!(other["data"]["login"]["token"].is_string(), "{other:#}");
    // A stolen device token gets three guesses, from any address, then none.
    for a in 0..3u8 {
        let r = login_with_device(
            &app,
            [10, 0, 0, a],
            "admin@example.org",
            "wrong guess!",
            Some(&device),
        )
        .await;
        assert_eq!(code(&r), "UNAUTHENTICATED", "{r:#}");
    }
    let r = login_with_device(
        &app,
        [10, 0, 0, 9],
        "admin@example.org",
        PASSWORD,
        Some(&device),
    )
    .await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r:#}");
    // Without it the owner still logs in from their own address.
    let ok = login_with_device(&app, [203, 0, 113, 9], "admin@example.org", PASSWORD, None).await;
    assert!(ok["data"]["login"]["token"].is_string(), "{ok:#}");
}

#[tokio::test]
async fn a_password_change_revokes_device_tokens() {
    let mut config = test_config();
    config.login_max_failures_per_email = 2;
    config.login_max_failures_per_pair = 100;
    let app = TestApp::with_config(config).await;
    app.user("editor@example.org", Role::Editor).await;
    let first =
        login_with_device(&app, [203, 0, 113, 9], "editor@example.org", PASSWORD, None).await;
    let device = first["data"]["login"]["deviceToken"]
        .as_str()
        .expect("device")
        .to_string();
    let token = first["data"]["login"]["token"]
        .as_str()
        .expect("token")
        .to_string();
    app.staff_data(
        &token,
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }",
        json!({ "c": PASSWORD, "n": "another long password 2" }),
    )
    .await;
    for _ in 0..3 {
        login_with_device(
            &app,
            [198, 51, 100, 1],
            "editor@example.org",
            "wrong guess!",
            None,
        )
        .await;
    }
    // The old device token no longer exempts: the email's ceiling applies.
    let r = login_with_device(
        &app,
        [192, 0, 2, 1],
        "editor@example.org",
        "another long password 2",
        Some(&device),
    )
    .await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r:#}");
}

#[tokio::test]
async fn logout_revokes_the_token_in_every_process_at_once() {
    let app = TestApp::new().await;
    let token = app.user("editor@example.org", Role::Editor).await;
    let other = app.login("editor@example.org", PASSWORD).await;
    // A second process on the same database: its own state and router.
    let second = crate::common::TestApp::beside(&app).await;
    let me = "{ me { role } }";
    assert_eq!(second.as_user(Some(&token), me, json!({})).await.0, 200);
    let data = app
        .staff_data(&token, "mutation { logout }", json!({}))
        .await;
    assert_eq!(data["logout"], true);
    for process in [&app, &second] {
        let (status, body) = process.as_user(Some(&token), me, json!({})).await;
        assert_eq!(status, 401, "{body:#}");
        assert_eq!(code(&body), "UNAUTHENTICATED");
    }
    // The user's other sessions go on.
    assert_eq!(second.as_user(Some(&other), me, json!({})).await.0, 200);
    // Anonymous callers have nothing to log out.
    let (_, body) = app.as_user(None, "mutation { logout }", json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body:#}");
    // Revocations are swept once the token would have expired anyway.
    let config = &app.state.config;
    let later = chrono::Utc::now()
        + chrono::Duration::seconds(config.token_ttl.max(config.jwt_external_max_age) + 3_600);
    api::auth::throttle::sweep(&app.state.db, config, later)
        .await
        .expect("sweep");
    assert_eq!(app.count("revoked_tokens").await, 0);
}
