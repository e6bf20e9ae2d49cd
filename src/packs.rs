//! `keyledger report`, `verify-pack` and `pack-key`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use keyledger_query::Ledger;
use keyledger_store::Store;
use keyledger_web::pack::{self, PackRequest};

use crate::{
    EXIT_TAMPERED,
    cli::{PackKeyArgs, ReportArgs, VerifyPackArgs},
    serve::load_config,
};

fn key_path(explicit: Option<&Path>, config: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    load_config(config)?
        .packs
        .and_then(|p| p.signing_key)
        .ok_or_else(|| anyhow!("no signing key: pass --signing-key FILE or set [packs] signing_key in --config (make one with `keyledger pack-key --generate --key-file FILE`)"))
}

pub async fn report(args: ReportArgs) -> Result<u8> {
    let framework = args.framework.parse().map_err(|e: String| anyhow!(e))?;
    let config = load_config(args.config.as_deref())?;
    let organisation = config.web.as_ref().map_or_else(
        || keyledger_web::WebConfig::default().organisation,
        |w| w.organisation.clone(),
    );
    let store = Store::open(&args.store.store)?;
    let ledger = Ledger::open(&store).await?;
    let req = PackRequest {
        framework,
        period_start: args.period_start.clone(),
        period_end: args.period_end.clone(),
        policy_days: args.policy_days,
        organisation,
        schedule: None,
    };
    let key = match args.format.as_str() {
        // A PDF alone is not signed; a throwaway key builds it.
        "pdf" => pack::new_signing_key().map_err(|e| anyhow!(e))?,
        "pack" | "zip" => pack::load_signing_key(&key_path(
            args.signing_key.as_deref(),
            args.config.as_deref(),
        )?)
        .map_err(|e| anyhow!(e))?,
        other => bail!("--format {other:?}: use pdf or pack"),
    };
    let started = std::time::Instant::now();
    let built = pack::build(&ledger, &req, &key)
        .await
        .map_err(|e| match e {
            // The CLI user is the operator: show what went wrong.
            keyledger_web::AppError::Internal(detail) => anyhow!(detail),
            other => anyhow!("{other}"),
        })?;
    let bytes = if args.format == "pdf" {
        &built.pdf
    } else {
        &built.zip
    };
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "wrote {} ({} bytes, {} pages) for {} {} to {} from store commit {} in {:.1} s",
        args.out.display(),
        bytes.len(),
        built.manifest.pages,
        framework,
        req.period_start,
        req.period_end,
        built.manifest.store_commit,
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

pub fn verify_pack(args: &VerifyPackArgs) -> Result<u8> {
    let bytes =
        std::fs::read(&args.pack).with_context(|| format!("reading {}", args.pack.display()))?;
    match pack::verify(&bytes, args.public_key.as_deref()) {
        Ok(m) => {
            println!(
                "ok: {} — {} {} to {}, store commit {} (chain head {}), {} files, signed by {}",
                args.pack.display(),
                m.framework,
                m.period_start,
                m.period_end,
                m.store_commit,
                m.chain_head,
                m.files.len(),
                m.public_key
            );
            if args.public_key.is_none() {
                println!(
                    "(the signature matches the key in the manifest; pass --public-key to require yours)"
                );
            }
            Ok(0)
        }
        Err(problems) => {
            for p in &problems {
                println!("FAILED: {p}");
            }
            eprintln!(
                "{}: {} problem(s): the pack is not as it was signed",
                args.pack.display(),
                problems.len()
            );
            Ok(EXIT_TAMPERED)
        }
    }
}

pub fn pack_key(args: &PackKeyArgs) -> Result<u8> {
    let path = key_path(args.key_file.as_deref(), args.config.as_deref())?;
    if args.generate && !path.exists() {
        let key = pack::new_signing_key().map_err(|e| anyhow!(e))?;
        write_private(&path, &format!("{}\n", hex::encode(key.to_bytes())))?;
        eprintln!(
            "made a new signing key in {} (keep it secret; back it up)",
            path.display()
        );
    }
    let key = pack::load_signing_key(&path).map_err(|e| anyhow!(e))?;
    println!("{}", pack::public_key_hex(&key));
    Ok(0)
}

/// Create a file only its owner can read.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}
