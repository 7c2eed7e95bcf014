//! The command line: `serve` (default), `migrate`, `seed`, `config`, `health`, `user`,
//! `audit`, `backup`, `restore`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::config::{Backend, Config, DEFAULT_CONFIG_TOML};
use crate::{app, db, probe, seed, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "sistema-aps",
    version,
    about = "Listas de acompanhamento e indicadores da APS sobre o e-SUS APS PEC"
)]
pub struct Cli {
    /// Configuration file (TOML). Environment variables APS_* override it.
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum PecCommand {
    /// Compatibility report of the configured database (read only: changes nothing).
    Check {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web interface (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate {
        /// Also create the e-SUS mirror tables on PostgreSQL (staging and tests only; refuses
        /// over a real PEC). On SQLite the mirror is always created.
        #[arg(long)]
        mirror: bool,
    },
    /// Fill an empty e-SUS mirror with a synthetic municipality.
    Seed {
        /// Number of citizens to generate.
        #[arg(long, default_value_t = 5_000)]
        citizens: u32,
        /// Random seed: the same seed gives the same municipality.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Exit 0 without changing anything when the mirror already holds data (instead of
        /// refusing): for a container stack that seeds on every `up`.
        #[arg(long)]
        if_empty: bool,
    },
    /// Print the default configuration file, commented.
    Config,
    /// Check the configured PEC database before going live: tables and columns, catalogue
    /// entries, data volumes, programme populations. Exit 1 on anything the app cannot work
    /// without.
    #[command(subcommand)]
    Pec(PecCommand),
    /// Print the permission matrix (role × action) as Markdown: docs/permissions.md.
    Permissions,
    /// Ask a running server whether it is ready (GET URL, default: /ready of server.listen);
    /// print the answer, exit 0 on 2xx and 1 otherwise. For containers without curl.
    Health {
        /// The URL to probe (plain http).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 5)]
        timeout: u64,
    },
    /// Print the manual page (roff), generated from these definitions; used by packaging.
    #[command(hide = true)]
    Man,
    /// Manage users (there are no default passwords: create the first admin here).
    #[command(subcommand)]
    User(UserCommand),
    /// Inspect the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage API tokens of integrators (shown once, stored hashed).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the OpenAPI document of the JSON API (committed as openapi/openapi.json).
    Openapi,
    /// Back up the database (SQLite copy or pg_dump), with manifest, checksum, optional age
    /// encryption and retention. Exit 0 ok, 1 failure, 3 integrity, 4 refused.
    Backup(BackupArgs),
    /// Restore a backup into an EMPTY database (stop the service first). Checks the
    /// checksum, decrypts, compares with the manifest and walks the audit chain.
    Restore {
        /// The backup file (`sistema-aps-….tar` or `.tar.age`, its `.sha256` beside it).
        file: PathBuf,
        /// age identity file (private key) of an encrypted backup.
        #[arg(long, short = 'i', value_name = "FILE")]
        identity: Option<PathBuf>,
        /// Replace a database that is not empty (SQLite: the old file is kept aside).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    /// Write the backup here instead of backup.directory (no retention is applied there).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Restore a backup into a scratch database and compare migrations and row counts with
    /// its manifest (and walk the audit chain); the scratch database is removed.
    Verify {
        file: PathBuf,
        /// age identity file (private key) of an encrypted backup.
        #[arg(long, short = 'i', value_name = "FILE")]
        identity: Option<PathBuf>,
        /// PostgreSQL backups: a server URL where a scratch database may be created
        /// (default: database.url).
        #[arg(long, value_name = "URL")]
        scratch_url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. A random password is printed once, to be changed at first sign-in.
    Add {
        /// Login name (lower-case letters, digits, `.`, `-`, `_`).
        username: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// admin, coordinator, professional, acs or auditor.
        #[arg(long)]
        role: String,
        /// CPF (optional second login).
        #[arg(long)]
        cpf: Option<String>,
        /// Coordinator: the unit's CNES (omit for the whole municipality).
        #[arg(long)]
        cnes: Option<String>,
        /// Professional or ACS: the team's INE.
        #[arg(long)]
        team: Option<String>,
        /// ACS: the micro-area.
        #[arg(long)]
        micro_area: Option<String>,
        /// medico or enfermeiro: what a clinical role may do depends on it (prescriptions and
        /// treatment: physicians; nurses where `auth.nurse_prescribes`).
        #[arg(long)]
        profession: Option<String>,
    },
    /// Set a new random password (printed once; must be changed at next sign-in).
    Passwd { username: String },
    /// Disable a user and end their sessions.
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// List users with their roles and scope.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token acting as USER (with that user's roles and scope); printed only once.
    Create {
        /// The user the token acts as.
        #[arg(long)]
        user: String,
        /// What the token is for (3 to 80 characters).
        #[arg(long)]
        name: String,
        /// Days until it expires (1 to 365).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List tokens: id, prefix, name, user, created, expires, last use, state.
    List,
    /// Revoke a token at once.
    Revoke {
        /// The token's id (from `token list`).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain (and the person index under it); exit 1 and name the first broken
    /// row if it was tampered with.
    Verify {
        /// A head logged earlier or written in a backup manifest (`ID:HASH`, from the
        /// "audit chain head" log line or `audit head`): the chain must still hold it — a
        /// chain cut and rehashed verifies on its own, but not against its anchors.
        /// Repeatable.
        #[arg(long, value_name = "ID:HASH")]
        anchor: Vec<String>,
    },
    /// Print the head of the chain (`ID:HASH`) to keep outside the database.
    Head,
}

/// Runs the command; the returned error is printed by `main`.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Config) = cli.command {
        print!("{DEFAULT_CONFIG_TOML}");
        return Ok(());
    }
    if let Some(Command::Permissions) = cli.command {
        print!("{}", crate::auth::permission::markdown());
        return Ok(());
    }
    if let Some(Command::Health { url, timeout }) = &cli.command {
        // With --url the configuration is not needed (nor read).
        let url = match url {
            Some(u) => u.clone(),
            None => probe::ready_url(Config::load(cli.config.as_deref())?.server.listen),
        };
        probe::run(&url, std::time::Duration::from_secs(*timeout)).await?;
        return Ok(());
    }
    if let Some(Command::Man) = cli.command {
        return write_man_page(&mut std::io::stdout().lock());
    }
    if let Some(Command::Openapi) = cli.command {
        print!("{}", crate::api::spec_json());
        return Ok(());
    }
    let config = Arc::new(Config::load(cli.config.as_deref())?);
    telemetry::init(&config.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let state = app::prepare(config.clone()).await?;
            let acceptor = app::bind(&config).await?;
            app::serve(acceptor, state, app::shutdown_signal()).await?;
        }
        Command::Migrate { mirror } => {
            let mirror = mirror || config.database.backend()? == Backend::Sqlite;
            db::migrate(&config.database, mirror).await?;
            println!("Migrações aplicadas.");
        }
        Command::Seed {
            citizens,
            seed: s,
            if_empty,
        } => {
            // The mirror's guard first: over a real PEC nothing is created.
            db::migrate(&config.database, true).await?;
            let conn = db::connect(&config.database).await?;
            if if_empty && !db::pec_empty(&conn).await? {
                println!("O espelho do e-SUS já tem dados: nada a semear.");
                return Ok(());
            }
            let state = crate::state::AppState::new(conn, config.clone());
            let report = seed::run(
                &state.db,
                &seed::SeedOptions {
                    citizens,
                    seed: s,
                    today: state.today(),
                },
            )
            .await?;
            println!(
                "Município sintético criado: {} cidadãos, {} equipes, {} domicílios, {} linhas em {:.1} s.",
                report.citizens,
                report.teams,
                report.households,
                report.rows,
                report.elapsed.as_secs_f64()
            );
            app::refresh(&state).await?;
        }
        Command::Pec(PecCommand::Check { json }) => {
            let conn = db::connect(&config.database).await?;
            let report = crate::esus::check::run(&conn, &config).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.render());
            }
            if !report.errors.is_empty() {
                anyhow::bail!(
                    "o PEC não atende ao que o sistema precisa: {} erro(s)",
                    report.errors.len()
                );
            }
        }
        Command::User(cmd) => {
            let conn = db::connect(&config.database).await?;
            db::migrate_app(&conn).await?;
            user_command(&conn, &config, cmd).await?;
        }
        Command::Token(cmd) => {
            let conn = db::connect(&config.database).await?;
            db::migrate_app(&conn).await?;
            token_command(&conn, cmd).await?;
        }
        Command::Audit(AuditCommand::Head) => {
            let conn = db::connect(&config.database).await?;
            match crate::audit::head(&conn).await? {
                Some(a) => println!("{a}"),
                None => println!("Trilha de auditoria vazia."),
            }
        }
        Command::Audit(AuditCommand::Verify { anchor }) => {
            let anchors = anchor
                .iter()
                .map(|a| {
                    crate::audit::Anchor::parse(a).ok_or_else(|| {
                        anyhow::anyhow!(
                            "âncora inválida {a:?}: use ID:HASH (64 dígitos hexadecimais)"
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let conn = db::connect(&config.database).await?;
            match crate::audit::verify_anchored(&conn, &anchors).await? {
                crate::audit::Verification::Intact { rows } => {
                    if anchors.is_empty() {
                        println!("Trilha de auditoria íntegra: {rows} registro(s).");
                    } else {
                        println!(
                            "Trilha de auditoria íntegra: {rows} registro(s), {} âncora(s) conferida(s).",
                            anchors.len()
                        );
                    }
                }
                crate::audit::Verification::Broken { row_id, reason } => {
                    anyhow::bail!("trilha de auditoria adulterada no registro {row_id}: {reason}");
                }
            }
        }
        Command::Backup(args) => backup_command(&config, args).await?,
        Command::Restore {
            file,
            identity,
            force,
        } => {
            let report = crate::backup::restore(
                &config,
                &file,
                &crate::backup::RestoreOptions { identity, force },
            )
            .await?;
            println!(
                "Backup de {} restaurado em {:.1} s: {} tabela(s), {} linha(s), migração {}, trilha de auditoria íntegra ({} registro(s)).",
                report.manifest.created_at.format("%d/%m/%Y %H:%M:%S UTC"),
                report.elapsed.as_secs_f64(),
                report.tables,
                report.rows,
                report.manifest.migration_version(),
                report.audit_rows
            );
            if let Some(old) = report.kept_aside {
                println!("O banco anterior foi guardado em {}.", old.display());
            }
        }
        Command::Config
        | Command::Permissions
        | Command::Health { .. }
        | Command::Man
        | Command::Openapi => {
            unreachable!("handled above")
        }
    }
    Ok(())
}

async fn backup_command(config: &Config, args: BackupArgs) -> anyhow::Result<()> {
    match args.command {
        None => {
            let r = crate::backup::backup(config, args.output.as_deref()).await?;
            println!(
                "Backup gravado em {:.1} s: {} ({} bytes{}), {} tabela(s), {} linha(s), migração {}.",
                r.elapsed.as_secs_f64(),
                r.path.display(),
                r.bytes,
                if r.encrypted { ", cifrado com age" } else { "" },
                r.manifest.tables.len(),
                r.manifest.tables.values().sum::<u64>(),
                r.manifest.migration_version()
            );
            println!("Soma de verificação: {}", r.checksum_path.display());
            for p in r.pruned {
                println!("Removido pela retenção: {}", p.display());
            }
        }
        Some(BackupCommand::Verify {
            file,
            identity,
            scratch_url,
        }) => {
            let r =
                crate::backup::verify(config, &file, identity.as_deref(), scratch_url.as_deref())
                    .await?;
            println!(
                "Backup íntegro ({:.1} s): restaurado num banco temporário, confere com o manifesto: {} tabela(s), {} linha(s), migração {}, trilha de auditoria íntegra ({} registro(s)); feito em {} pela versão {}.",
                r.elapsed.as_secs_f64(),
                r.tables,
                r.rows,
                r.manifest.migration_version(),
                r.audit_rows,
                r.manifest.created_at.format("%d/%m/%Y %H:%M:%S UTC"),
                r.manifest.app_version
            );
        }
    }
    Ok(())
}

/// The process exit code for an error of [`run`]: 3 integrity, 4 refused (backup and
/// restore), 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.downcast_ref::<crate::backup::BackupError>()
        .map_or(1, crate::backup::BackupError::exit_code)
}

async fn user_command(
    conn: &sea_orm::DatabaseConnection,
    config: &Config,
    cmd: UserCommand,
) -> anyhow::Result<()> {
    use crate::auth::{Assignment, Role, password, users};
    match cmd {
        UserCommand::Add {
            username,
            name,
            role,
            cpf,
            cnes,
            team,
            micro_area,
            profession,
        } => {
            let profession = match profession.as_deref() {
                None => None,
                Some(k) => Some(crate::auth::Profession::from_key(k).ok_or_else(|| {
                    anyhow::anyhow!("profissão desconhecida: use medico ou enfermeiro")
                })?),
            };
            let role = Role::from_key(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "perfil desconhecido: use admin, coordinator, professional, acs ou auditor"
                )
            })?;
            let assignment = Assignment {
                role,
                cnes,
                ine: team,
                micro_area,
            };
            let pw = password::generate();
            let user = users::create(
                conn,
                &config.auth,
                users::NewUser {
                    username,
                    full_name: name,
                    cpf,
                    profession,
                    assignments: vec![assignment],
                },
                &pw,
                true,
            )
            .await?;
            println!(
                "Usuário {} criado. Senha provisória (aparece só agora): {pw}",
                user.username
            );
        }
        UserCommand::Passwd { username } => {
            let user = users::find_by_username(conn, &username).await?;
            let pw = password::generate();
            users::set_password(conn, &config.auth, user.id, &pw, true).await?;
            println!(
                "Nova senha provisória de {} (aparece só agora): {pw}",
                user.username
            );
        }
        UserCommand::Disable { username } => {
            let user = users::find_by_username(conn, &username).await?;
            users::set_active(conn, user.id, false).await?;
            println!(
                "Usuário {} desativado; as sessões dele foram encerradas.",
                user.username
            );
        }
        UserCommand::Enable { username } => {
            let user = users::find_by_username(conn, &username).await?;
            users::set_active(conn, user.id, true).await?;
            println!("Usuário {} reativado.", user.username);
        }
        UserCommand::List => {
            for u in users::list(conn).await? {
                let roles: Vec<String> = u.assignments.iter().map(|a| a.describe()).collect();
                println!(
                    "{}\t{}\t{}\t{}",
                    u.user.username,
                    if u.user.active { "ativo" } else { "desativado" },
                    u.user.full_name,
                    roles.join("; ")
                );
            }
        }
    }
    Ok(())
}

async fn token_command(
    conn: &sea_orm::DatabaseConnection,
    cmd: TokenCommand,
) -> anyhow::Result<()> {
    use crate::auth::{tokens, users};
    let now = chrono::Utc::now();
    let day = |t: chrono::DateTime<chrono::Utc>| t.format("%d/%m/%Y %H:%M UTC").to_string();
    match cmd {
        TokenCommand::Create { user, name, days } => {
            let u = users::find_by_username(conn, &user).await?;
            let t = tokens::create(conn, u.id, &name, days, None, now).await?;
            println!(
                "Token {} criado para {} (id {}, válido até {}). Ele aparece só agora:",
                t.model.prefix,
                u.username,
                t.model.id,
                day(t.model.expires_at)
            );
            println!("{}", t.token);
        }
        TokenCommand::List => {
            for t in tokens::list(conn).await? {
                let state = if t.token.revoked_at.is_some() {
                    "revogado"
                } else if t.token.expires_at <= now {
                    "expirado"
                } else if !t.user_active {
                    "usuário desativado"
                } else {
                    "ativo"
                };
                println!(
                    "{}\t{}\t{}\t{}\tcriado {}\texpira {}\túltimo uso {}\t{}",
                    t.token.id,
                    t.token.prefix,
                    t.token.name,
                    t.username,
                    day(t.token.created_at),
                    day(t.token.expires_at),
                    t.token
                        .last_used_at
                        .map(day)
                        .unwrap_or_else(|| "nunca".into()),
                    state
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let t = tokens::revoke(conn, id, None, now).await?;
            println!("Token {} ({}) revogado.", t.prefix, t.name);
        }
    }
    Ok(())
}

/// Writes the `sistema-aps(1)` manual page (roff), generated from the clap definitions: the
/// packaging script installs it (`sistema-aps man | gzip -9n`).
pub fn write_man_page(out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    use clap::CommandFactory;
    let roff = |s: &str| s.replace('\\', "\\\\").replace('-', "\\-");
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        writeln!(
            out,
            ".TP\n\\fB{}\\fR\n{}",
            roff(sub.get_name()),
            roff(&about)
        )?;
        for arg in sub.get_arguments().filter(|a| a.get_long().is_some()) {
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let long = arg.get_long().unwrap_or_default();
            let value = match arg.get_value_names() {
                Some(names) if arg.get_action().takes_values() => format!(" \\fI{}\\fR", names[0]),
                None if arg.get_action().takes_values() => " \\fIN\\fR".to_string(),
                _ => String::new(),
            };
            writeln!(
                out,
                ".RS\n.TP\n\\fB\\-\\-{}\\fR{value}\n{}\n.RE",
                roff(long),
                roff(&help)
            )?;
        }
    }
    writeln!(
        out,
        ".SH ENVIRONMENT\n\\fBAPS_\\fISECTION\\fB__\\fIKEY\\fR overrides a key of the configuration \
         file, e.g. \\fBAPS_DATABASE__URL\\fR; \\fBsistema\\-aps config\\fR prints every key.\n\
         .SH FILES\n\\fI/etc/sistema\\-aps/sistema\\-aps.toml\\fR (configuration) and \
         \\fI/etc/sistema\\-aps/sistema\\-aps.env\\fR (secrets) of the Debian package; \
         \\fI/usr/share/doc/sistema\\-aps/deploy.md\\fR."
    )?;
    man.render_version_section(out)?;
    Ok(())
}
