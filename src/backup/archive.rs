//! The backup file: a tar holding `manifest.json` and the payload, optionally encrypted to an
//! age recipient (in-process; the identity is needed only to restore), written to a
//! `.partial` file, synced and renamed; then its SHA-256 in `sha256sum` format beside it.
//!
//! ```text
//! sistema-aps-20260301T030000Z.tar.age          age(tar(manifest.json, database.pgdump))
//! sistema-aps-20260301T030000Z.tar.age.sha256   "<hex>  sistema-aps-20260301T030000Z.tar.age"
//! ```
//!
//! `sha256sum -c FILE.sha256`, `age -d -i key.txt FILE | tar x` work without this program.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::BackupError;
use super::manifest::{self, Manifest};

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1";
/// A manifest larger than this is not a manifest.
const MAX_MANIFEST: u64 = 16 * 1024 * 1024;

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

/// Creates a file readable by its owner only (backups hold health data).
pub fn create_private(path: &Path) -> Result<File, BackupError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(format!("não foi possível criar {}", path.display())))
}

/// A writer that hashes and counts what goes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
    pub fn finish(self) -> (W, String, u64) {
        (
            self.inner,
            format!("{:x}", self.hasher.finalize()),
            self.bytes,
        )
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes and counts what comes through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
    pub fn finish(self) -> (R, String, u64) {
        (
            self.inner,
            format!("{:x}", self.hasher.finalize()),
            self.bytes,
        )
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// SHA-256 (hex) and size of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64), BackupError> {
    let file =
        File::open(path).map_err(io_err(format!("não foi possível ler {}", path.display())))?;
    let mut r = HashingReader::new(BufReader::with_capacity(1 << 20, file));
    io::copy(&mut r, &mut io::sink())
        .map_err(io_err(format!("não foi possível ler {}", path.display())))?;
    let (_, hex, bytes) = r.finish();
    Ok((hex, bytes))
}

/// Either straight to the file, or through the age stream.
enum Sink<W: Write> {
    Plain(W),
    Age(age::stream::StreamWriter<W>),
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Age(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Age(w) => w.flush(),
        }
    }
}

impl<W: Write> Sink<W> {
    fn finish(self) -> io::Result<W> {
        match self {
            Sink::Plain(w) => Ok(w),
            Sink::Age(w) => w.finish(),
        }
    }
}

/// The written backup.
pub struct Written {
    pub path: PathBuf,
    pub checksum_path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// The checksum file beside a backup.
pub fn checksum_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".sha256");
    PathBuf::from(p)
}

/// Writes `dir/name` (tar of the manifest and `payload`, encrypted when `recipient` is set)
/// and its checksum file. Nothing named `name` exists until both are complete on disk.
pub fn write(
    dir: &Path,
    name: &str,
    manifest: &Manifest,
    payload: &Path,
    recipient: Option<&age::x25519::Recipient>,
) -> Result<Written, BackupError> {
    let path = dir.join(name);
    if path.exists() {
        return Err(BackupError::Refused(format!(
            "já existe um backup com este nome: {}",
            path.display()
        )));
    }
    let partial = dir.join(format!("{name}.partial"));
    let result = write_partial(&partial, manifest, payload, recipient);
    let (sha256, bytes) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &path).map_err(io_err(format!(
        "não foi possível renomear {}",
        partial.display()
    )))?;
    let checksum_path = checksum_path(&path);
    let tmp = dir.join(format!("{name}.sha256.partial"));
    {
        let mut f = create_private(&tmp)?;
        writeln!(f, "{sha256}  {name}")
            .and_then(|()| f.sync_all())
            .map_err(io_err(format!(
                "não foi possível escrever {}",
                tmp.display()
            )))?;
    }
    std::fs::rename(&tmp, &checksum_path).map_err(io_err(format!(
        "não foi possível renomear {}",
        tmp.display()
    )))?;
    sync_dir(dir);
    Ok(Written {
        path,
        checksum_path,
        sha256,
        bytes,
    })
}

fn write_partial(
    partial: &Path,
    manifest: &Manifest,
    payload: &Path,
    recipient: Option<&age::x25519::Recipient>,
) -> Result<(String, u64), BackupError> {
    let ctx = || format!("não foi possível escrever {}", partial.display());
    let file = create_private(partial)?;
    let hashing = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
    let sink = match recipient {
        None => Sink::Plain(hashing),
        Some(r) => {
            let enc = age::Encryptor::with_recipients(std::iter::once(r as &dyn age::Recipient))
                .map_err(|e| BackupError::Config(format!("backup.age_recipient: {e}")))?;
            Sink::Age(enc.wrap_output(hashing).map_err(io_err(ctx()))?)
        }
    };
    let mut tar = tar::Builder::new(sink);
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| BackupError::Io {
        context: "manifesto".into(),
        source: io::Error::other(e),
    })?;
    let mtime = u64::try_from(manifest.created_at.timestamp()).unwrap_or(0);
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    tar.append_data(&mut header, manifest::FILE_NAME, json.as_slice())
        .map_err(io_err(ctx()))?;
    let data = File::open(payload).map_err(io_err(format!(
        "não foi possível ler {}",
        payload.display()
    )))?;
    let len = data
        .metadata()
        .map_err(io_err(format!(
            "não foi possível ler {}",
            payload.display()
        )))?
        .len();
    let mut header = tar::Header::new_gnu();
    header.set_size(len);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    tar.append_data(
        &mut header,
        &manifest.payload.name,
        BufReader::with_capacity(1 << 20, data),
    )
    .map_err(io_err(ctx()))?;
    let sink = tar.into_inner().map_err(io_err(ctx()))?;
    let hashing = sink.finish().map_err(io_err(ctx()))?;
    let (buf, sha256, bytes) = hashing.finish();
    let file = buf.into_inner().map_err(|e| BackupError::Io {
        context: ctx(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io_err(ctx()))?;
    Ok((sha256, bytes))
}

/// fsync a directory so a rename in it survives a crash (best effort).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Checks `FILE` against `FILE.sha256`. A missing or different checksum is an integrity error.
pub fn check_checksum(path: &Path) -> Result<String, BackupError> {
    let sum_path = checksum_path(path);
    let text = std::fs::read_to_string(&sum_path).map_err(|e| {
        BackupError::Integrity(format!(
            "arquivo de soma de verificação {} ilegível ou ausente ({e}); sem ele o backup não é restaurado",
            sum_path.display()
        ))
    })?;
    let expected = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(BackupError::Integrity(format!(
            "{} não contém uma soma SHA-256",
            sum_path.display()
        )));
    }
    let (actual, _) = sha256_file(path)?;
    if actual != expected {
        return Err(BackupError::Integrity(format!(
            "soma de verificação não confere: {} foi alterado ou corrompido (esperado {expected}, calculado {actual})",
            path.display()
        )));
    }
    Ok(actual)
}

/// Whether a file starts with the age header.
pub fn is_encrypted(path: &Path) -> Result<bool, BackupError> {
    let mut f =
        File::open(path).map_err(io_err(format!("não foi possível ler {}", path.display())))?;
    let mut head = [0u8; AGE_MAGIC.len()];
    let mut read = 0;
    while read < head.len() {
        let n = f
            .read(&mut head[read..])
            .map_err(io_err(format!("não foi possível ler {}", path.display())))?;
        if n == 0 {
            break;
        }
        read += n;
    }
    Ok(read == head.len() && head == AGE_MAGIC)
}

/// An opened (checked, decrypted, extracted) backup.
pub struct Opened {
    pub manifest: Manifest,
    /// The payload as stored (still gzip-compressed for SQLite), inside the work directory.
    pub payload: PathBuf,
    pub encrypted: bool,
}

/// Checks the checksum, decrypts when needed, and extracts the payload into `work_dir`,
/// checking it against the manifest's hash.
pub fn open(path: &Path, identity: Option<&Path>, work_dir: &Path) -> Result<Opened, BackupError> {
    check_checksum(path)?;
    let encrypted = is_encrypted(path)?;
    let file =
        File::open(path).map_err(io_err(format!("não foi possível ler {}", path.display())))?;
    let file = BufReader::with_capacity(1 << 20, file);
    let reader: Box<dyn Read> = if encrypted {
        let Some(identity) = identity else {
            return Err(BackupError::Refused(format!(
                "{} está cifrado: informe a identidade age (chave privada) com --identity ARQUIVO",
                path.display()
            )));
        };
        let ids = age::IdentityFile::from_file(identity.to_string_lossy().into_owned())
            .map_err(|e| {
                BackupError::Refused(format!(
                    "identidade age {} ilegível: {e}",
                    identity.display()
                ))
            })?
            .into_identities()
            .map_err(|e| BackupError::Refused(format!("identidade age inválida: {e}")))?;
        let decryptor = age::Decryptor::new(file)
            .map_err(|e| BackupError::Integrity(format!("cabeçalho age inválido: {e}")))?;
        let stream = decryptor
            .decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .map_err(|e| {
                match e {
                age::DecryptError::NoMatchingKeys => BackupError::Refused(
                    "a identidade age informada não abre este backup (foi cifrado para outra chave)"
                        .into(),
                ),
                other => BackupError::Integrity(format!("não foi possível decifrar: {other}")),
            }
            })?;
        Box::new(stream)
    } else {
        Box::new(file)
    };
    let bad = |what: String| BackupError::Integrity(format!("{}: {what}", path.display()));
    let mut archive = tar::Archive::new(reader);
    let mut entries = archive
        .entries()
        .map_err(|e| bad(format!("arquivo tar ilegível ({e})")))?;
    // 1. the manifest
    let mut first = entries
        .next()
        .ok_or_else(|| bad("arquivo vazio".into()))?
        .map_err(|e| bad(format!("arquivo tar ilegível ({e})")))?;
    let first_name = first
        .path()
        .map_err(|e| bad(format!("nome inválido ({e})")))?
        .to_string_lossy()
        .into_owned();
    if first_name != manifest::FILE_NAME || first.size() > MAX_MANIFEST {
        return Err(bad(format!(
            "a primeira entrada deveria ser {}",
            manifest::FILE_NAME
        )));
    }
    let mut json = Vec::new();
    first
        .read_to_end(&mut json)
        .map_err(|e| bad(format!("manifesto ilegível ({e})")))?;
    let manifest: Manifest =
        serde_json::from_slice(&json).map_err(|e| bad(format!("manifesto inválido ({e})")))?;
    if manifest.format != manifest::FORMAT {
        return Err(BackupError::Refused(format!(
            "formato de backup {} desconhecido por esta versão (conhece o {})",
            manifest.format,
            manifest::FORMAT
        )));
    }
    let pname = &manifest.payload.name;
    if pname.is_empty() || pname.contains('/') || pname.starts_with('.') {
        return Err(bad(format!(
            "nome de conteúdo inválido no manifesto: {pname:?}"
        )));
    }
    // 2. the payload
    let entry = entries
        .next()
        .ok_or_else(|| bad("conteúdo ausente".into()))?
        .map_err(|e| bad(format!("arquivo tar ilegível ({e})")))?;
    let name = entry
        .path()
        .map_err(|e| bad(format!("nome inválido ({e})")))?
        .to_string_lossy()
        .into_owned();
    if &name != pname {
        return Err(bad(format!(
            "conteúdo {name:?} não é o do manifesto ({pname:?})"
        )));
    }
    let dest = work_dir.join(pname);
    let out = create_private(&dest)?;
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let mut hashing = HashingReader::new(entry);
    io::copy(&mut hashing, &mut out).map_err(|e| bad(format!("leitura interrompida ({e})")))?;
    out.flush().map_err(io_err(format!(
        "não foi possível escrever {}",
        dest.display()
    )))?;
    let (_, sha256, bytes) = hashing.finish();
    if sha256 != manifest.payload.sha256 || bytes != manifest.payload.bytes {
        return Err(bad(format!(
            "o conteúdo não confere com o manifesto (SHA-256 {sha256}, esperado {})",
            manifest.payload.sha256
        )));
    }
    if entries.next().is_some() {
        return Err(bad("entradas a mais depois do conteúdo".into()));
    }
    // Read to the end: the age stream authenticates its last chunk only when it is read.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| bad(format!("final ilegível ({e})")))?;
    Ok(Opened {
        manifest,
        payload: dest,
        encrypted,
    })
}
