use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = sistema_aps::cli::Cli::parse();
    match sistema_aps::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sistema-aps: {e:#}");
            std::process::ExitCode::from(sistema_aps::cli::exit_code(&e))
        }
    }
}
