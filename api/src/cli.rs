//! The `cms` command line.
use crate::config::{
    Cli, Command, Config, ExportArgs, ImportArgs, LogFormat, ServeArgs, TrustedDocumentsCommand,
    UserCommand, UserCreateArgs,
};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::import;
use clap::Parser;
use migration::MigratorTrait;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.config);
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            match &err {
                AppError::Internal(detail) => eprintln!("error: {detail}"),
                other => eprintln!("error: {}", other.public_message()),
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command line.
pub async fn execute(cli: Cli) -> AppResult<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => crate::server::serve(config, args).await,
        Command::Schema => {
            print!("{}", crate::graphql::sdl().await?);
            Ok(())
        }
        Command::Migrate(args) => migrate(&config, args.down).await,
        Command::Import(args) => import_file(&config, &args).await,
        Command::Reindex => {
            let started = Instant::now();
            let db = Db::from_config(&config).await?;
            db.migrate().await?;
            import::reindex(&db).await?;
            let what: Vec<&str> = crate::content::derived::Derived::ALL
                .iter()
                .map(|d| d.describe())
                .collect();
            eprintln!(
                "rebuilt {} in {:.2} s",
                what.join(", "),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::User(UserCommand::Create(args)) => create_user(&config, args).await,
        Command::Export(args) => export_file(&config, &args).await,
        Command::Generate(args) => generate(&args),
        Command::TrustedDocuments(command) => trusted_documents(&config, command).await,
    }
}

/// `cms trusted-documents register|list|remove`.
async fn trusted_documents(config: &Config, command: TrustedDocumentsCommand) -> AppResult<()> {
    let db = Db::from_config(config).await?;
    db.migrate().await?;
    match command {
        TrustedDocumentsCommand::Register(args) => {
            // Every file is read and parsed before anything is written.
            let mut docs = Vec::new();
            for file in &args.files {
                let text = std::fs::read_to_string(file).map_err(|e| {
                    AppError::bad_input(format!("cannot read {}: {e}", file.display()))
                })?;
                let doc = crate::persisted::prepare(&text).map_err(|e| {
                    AppError::bad_input(format!("{}: {}", file.display(), e.public_message()))
                })?;
                docs.push((doc, file));
            }
            let all: Vec<_> = docs.iter().map(|(d, _)| d.clone()).collect();
            crate::persisted::register(&db, &all).await?;
            for (doc, file) in &docs {
                println!("{}  {}  {}", doc.hash, doc.name, file.display());
            }
        }
        TrustedDocumentsCommand::List => {
            for doc in crate::persisted::list(&db).await? {
                println!("{}  {}", doc.hash, doc.name);
            }
        }
        TrustedDocumentsCommand::Remove(args) => {
            for hash in &args.hashes {
                if !crate::persisted::remove(&db, hash).await? {
                    return Err(AppError::bad_input(format!(
                        "no registered document {hash}"
                    )));
                }
                eprintln!("removed {hash}");
            }
        }
    }
    Ok(())
}

/// `cms migrate [--down N]`.
async fn migrate(config: &Config, down: Option<u32>) -> AppResult<()> {
    let db = Db::from_config(config).await?;
    match down {
        Some(steps) => {
            migration::Migrator::down(&db.conn, Some(steps))
                .await
                .map_err(|e| AppError::Internal(format!("rollback failed: {e}")))?;
            eprintln!("rolled back {steps} migration(s)");
        }
        None => {
            db.migrate().await?;
            eprintln!("database is up to date");
        }
    }
    Ok(())
}

/// `cms import FILE [--as-draft]`.
async fn import_file(config: &Config, args: &ImportArgs) -> AppResult<()> {
    let started = Instant::now();
    let bytes = std::fs::read(&args.file)
        .map_err(|e| AppError::bad_input(format!("cannot read {}: {e}", args.file.display())))?;
    let mut data = import::parse(&bytes)?;
    let db = Db::from_config(config).await?;
    db.migrate().await?;
    // The documents' bytes, from `files/` beside the JSON, stored first.
    let files = crate::files::Files::from_config(config)?;
    let folder = import::files::folder_beside(&args.file);
    let attached = import::files::attach(
        &files,
        &db,
        &mut data,
        import::files::Source::Folder(&folder),
    )
    .await?;
    if attached > 0 {
        eprintln!("stored {attached} files from {}", folder.display());
    }
    let options = import::ImportOptions {
        as_draft: args.as_draft,
        text: crate::content::text::TextLimits::of(config),
    };
    let report = import::import(&db, data, options).await?;
    eprintln!(
        "imported {report} in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The new account's password: at a terminal, asked for twice without echo (as
/// `passwd` and `createuser --pwprompt` do); from a pipe, one line of standard
/// input, so scripts keep working.
fn read_new_password() -> AppResult<String> {
    use std::io::IsTerminal;
    let failed = |e: std::io::Error| AppError::bad_input(format!("cannot read the password: {e}"));
    if std::io::stdin().is_terminal() {
        let first =
            rpassword::prompt_password("Password (at least 12 characters): ").map_err(failed)?;
        let second = rpassword::prompt_password("Password again: ").map_err(failed)?;
        if first != second {
            return Err(AppError::bad_input(
                "the two passwords differ: nothing was created",
            ));
        }
        return Ok(first);
    }
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(failed)?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

/// `cms user create`: the password is asked for at a terminal, or read from
/// standard input.
async fn create_user(config: &Config, args: UserCreateArgs) -> AppResult<()> {
    let role = crate::auth::Role::parse(&args.role.to_ascii_uppercase()).ok_or_else(|| {
        AppError::bad_input(format!(
            "unknown role {:?}: use EDITOR, PUBLISHER or ADMIN",
            args.role
        ))
    })?;
    let password = read_new_password()?;
    let db = Db::from_config(config).await?;
    db.migrate().await?;
    let hashing = crate::auth::password::Hashing::from_config(config);
    let user =
        crate::users::create_user(&db, &hashing, None, &args.email, args.name, role, password)
            .await?;
    eprintln!(
        "created {} ({}) with id {}",
        user.email,
        user.role.as_str(),
        user.public_id
    );
    Ok(())
}

/// `cms export FILE [--published-only]`.
async fn export_file(config: &Config, args: &ExportArgs) -> AppResult<()> {
    let db = Db::from_config(config).await?;
    db.migrate().await?;
    let opts = import::ExportOptions {
        published_only: args.published_only,
    };
    let data = import::export_with(&db, opts).await?;
    let json = serde_json::to_vec_pretty(&data)?;
    write_out(&args.file, &json)?;
    eprintln!("exported {} to {}", data.counts(), args.file.display());
    // The documents' bytes go to `files/` beside the JSON (not with `-`).
    if args.file.as_os_str() != "-" {
        let files = crate::files::Files::from_config(config)?;
        let folder = import::files::folder_beside(&args.file);
        let written = import::files::write_out(&files, &data, &folder).await?;
        if written > 0 {
            eprintln!("wrote {written} files to {}", folder.display());
        }
    }
    Ok(())
}

/// Writes `bytes` to the file `path`, or to standard output for `-`.
fn write_out(path: &std::path::Path, bytes: &[u8]) -> AppResult<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|e| AppError::Internal(format!("cannot write: {e}")))
    } else {
        std::fs::write(path, bytes)
            .map_err(|e| AppError::bad_input(format!("cannot write {}: {e}", path.display())))
    }
}

/// `cms generate`: the synthetic dataset, written where `--out` says.
fn generate(args: &crate::config::GenerateArgs) -> AppResult<()> {
    let started = Instant::now();
    let mut data = crate::generate::generate(args.scale as usize, args.seed);
    if let Some(count) = args.files {
        if args.out.as_os_str() == "-" {
            return Err(AppError::bad_input(
                "--files writes files beside the JSON: give --out a file",
            ));
        }
        let folder = import::files::folder_beside(&args.out);
        let written = import::files::make_for(&mut data, &folder, count)?;
        eprintln!("wrote {written} files to {}", folder.display());
    }
    let mut json = serde_json::to_vec(&data)?;
    json.push(b'\n');
    write_out(&args.out, &json)?;
    let t = crate::generate::Totals::of(&data);
    eprintln!(
        "scale={} seed={} -> {}: regions={} countries={} programmes={} \
         (multi-country={}) priorityAreas={} documents={} documentCountryLinks={} \
         in {:.2} s",
        args.scale,
        args.seed,
        args.out.display(),
        t.regions,
        t.countries,
        t.programmes,
        t.multi_country_programmes,
        t.priority_areas,
        t.documents,
        t.document_country_links,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
