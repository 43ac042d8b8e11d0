//! `beteiligung backup FILE`: a consistent copy of a SQLite database while the service keeps
//! writing to it, made with SQLite's online backup API (`sqlite3_backup_*`), never with `cp`
//! (a file copied while a transaction commits, or without its `-wal`, may be torn).
//!
//! The copy is one snapshot: the source connection holds a read transaction from the first
//! page to the last, so every write committed before the backup began is in it, and none
//! committed afterwards is half in it. In WAL mode (every database the service opened is in
//! it) a reader blocks no writer, so the service goes on writing meanwhile; its checkpoints
//! cannot pass the snapshot, so the `-wal` file grows for the duration and shrinks again at the
//! next checkpoint afterwards. Without the held snapshot, SQLite would start the copy afresh
//! after every write of another connection — under steady writes, possibly forever.
//!
//! The pages are copied [`PAGES_PER_STEP`] at a time with a [`PAUSE`] between steps, so that a
//! backup of a large file leaves disk and CPU to the service instead of taking them in one go.
//! The copy goes into a temporary file beside the target, is checked (`integrity_check`, the
//! migrations table), synced, and only then renamed into place: a failed or interrupted backup
//! leaves no file that looks like a backup.

use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Pages copied per step: 4 MiB with SQLite's default page size of 4 KiB.
pub const PAGES_PER_STEP: i32 = 1024;
/// Pause between steps.
pub const PAUSE: Duration = Duration::from_millis(10);
/// How long a step may keep finding the source or the copy locked before the backup gives up.
const BUSY_LIMIT: Duration = Duration::from_secs(30);

/// What a backup did, for the operator.
#[derive(Debug)]
pub struct Report {
    pub target: PathBuf,
    pub pages: i64,
    pub page_size: i64,
    pub steps: u32,
    /// Migrations recorded in the copy.
    pub migrations: i64,
    pub elapsed: Duration,
}

impl Report {
    pub fn bytes(&self) -> i64 {
        self.pages * self.page_size
    }
}

/// Copies the SQLite database at `source` to `target` (see the module documentation). An
/// existing `target` is replaced only with `replace`.
pub fn sqlite(source: &Path, target: &Path, replace: bool) -> Result<Report, String> {
    let started = Instant::now();
    if !source.is_file() {
        return Err(format!("there is no database file at {}", source.display()));
    }
    if !replace && target.exists() {
        return Err(format!(
            "{} exists already; choose another name, or pass --force to replace it",
            target.display()
        ));
    }
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same(source, target) {
        return Err("the backup cannot replace the database it copies".into());
    }
    let name = target
        .file_name()
        .ok_or_else(|| format!("{} names no file", target.display()))?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let partial = Partial::create(dir.join(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    )))?;

    let (pages, page_size, steps) = copy(source, &partial.path)?;
    let migrations = check(&partial.path)?;
    std::fs::File::open(&partial.path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", partial.path.display()))?;
    partial.place(target, replace)?;
    // The new directory entry is durable too.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(Report {
        target: target.to_path_buf(),
        pages,
        page_size,
        steps,
        migrations,
        elapsed: started.elapsed(),
    })
}

/// Copies every page of `source` into the empty file `dest` from one snapshot; returns the
/// number of pages, the page size and the steps taken.
fn copy(source: &Path, dest: &Path) -> Result<(i64, i64, u32), String> {
    // Read-write but never created: a mistyped path is an error, not a new empty database.
    let src = Connection::open(source, ffi::SQLITE_OPEN_READWRITE)?;
    src.busy_timeout(BUSY_LIMIT)?;
    // The snapshot: a read transaction that lasts until the last page is copied.
    src.execute("BEGIN")?;
    src.rows("SELECT count(*) FROM sqlite_schema")?;
    let page_size: i64 = src.value("PRAGMA page_size")?;
    let dst = Connection::open(dest, ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE)?;
    let main = c"main";
    // SAFETY: both handles are open and outlive the backup object, which is finished below on
    // every path before they close (`Connection`s drop after `Backup`).
    let backup = unsafe { ffi::sqlite3_backup_init(dst.0, main.as_ptr(), src.0, main.as_ptr()) };
    if backup.is_null() {
        return Err(format!("the backup cannot start: {}", dst.error()));
    }
    let backup = Backup(backup);
    let mut steps = 0u32;
    let mut busy_since: Option<Instant> = None;
    loop {
        // SAFETY: `backup` is a live backup object (finished only by `Backup::finish`/drop).
        let rc = unsafe { ffi::sqlite3_backup_step(backup.0, PAGES_PER_STEP) };
        steps += 1;
        match rc {
            ffi::SQLITE_DONE => break,
            ffi::SQLITE_OK => busy_since = None,
            ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => {
                let since = *busy_since.get_or_insert_with(Instant::now);
                if since.elapsed() > BUSY_LIMIT {
                    return Err(format!(
                        "the database stayed locked for {} s; nothing was written",
                        BUSY_LIMIT.as_secs()
                    ));
                }
            }
            other => {
                return Err(format!(
                    "copying failed: {} ({})",
                    dst.error(),
                    error_string(other)
                ))
            }
        }
        std::thread::sleep(PAUSE);
    }
    // SAFETY: as above.
    let pages = i64::from(unsafe { ffi::sqlite3_backup_pagecount(backup.0) });
    backup.finish().map_err(|rc| {
        format!(
            "finishing the copy failed: {} ({})",
            dst.error(),
            error_string(rc)
        )
    })?;
    src.execute("COMMIT")?;
    Ok((pages, page_size, steps))
}

/// Checks the copy and makes it a file that stands alone: `integrity_check` must say `ok`, the
/// migrations table must be there, and the journal mode is set back to `DELETE`, so the copy
/// needs no `-wal` beside it (the service turns WAL on again when it opens a restored file).
/// Returns the number of migrations recorded.
fn check(copy: &Path) -> Result<i64, String> {
    let conn = Connection::open(copy, ffi::SQLITE_OPEN_READWRITE)?;
    let problems = conn.rows("PRAGMA integrity_check")?;
    if problems != ["ok"] {
        let shown: Vec<_> = problems.iter().take(5).map(String::as_str).collect();
        return Err(format!(
            "the copy fails PRAGMA integrity_check: {}",
            shown.join("; ")
        ));
    }
    let migrations: i64 = conn
        .value("SELECT count(*) FROM __diesel_schema_migrations")
        .map_err(|e| {
            format!("the copy has no migrations table, so it is no beteiligung database: {e}")
        })?;
    if migrations == 0 {
        return Err("the copy records no migration, so it is no beteiligung database".into());
    }
    conn.rows("PRAGMA journal_mode = DELETE")?;
    Ok(migrations)
}

/// The temporary file the copy is made in; removed unless it was placed.
struct Partial {
    path: PathBuf,
    placed: bool,
}

impl Partial {
    fn create(path: PathBuf) -> Result<Self, String> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        // A backup holds everything the database does, personal data included.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self {
            path,
            placed: false,
        })
    }

    /// Gives the finished copy its name: with `replace` by rename (atomic), otherwise by a
    /// hard link, which fails rather than overwrite a file that appeared in the meantime.
    fn place(mut self, target: &Path, replace: bool) -> Result<(), String> {
        let placed = if replace {
            std::fs::rename(&self.path, target)
        } else {
            std::fs::hard_link(&self.path, target)
        };
        placed.map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => format!(
                "{} was created by someone else during the backup; pass --force to replace it",
                target.display()
            ),
            _ => format!("cannot write {}: {e}", target.display()),
        })?;
        self.placed = replace;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.path);
            for suffix in ["-journal", "-wal", "-shm"] {
                let mut side = self.path.clone().into_os_string();
                side.push(suffix);
                let _ = std::fs::remove_file(side);
            }
        }
    }
}

/// An open SQLite handle, closed on drop.
struct Connection(*mut ffi::sqlite3);

impl Connection {
    fn open(path: &Path, flags: i32) -> Result<Self, String> {
        let c_path = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| format!("{} contains a NUL character", path.display()))?;
        let mut handle = std::ptr::null_mut();
        // SAFETY: the path is NUL-terminated and `handle` a valid out pointer; SQLite allocates
        // a handle even on failure, which `Connection`'s drop closes.
        let rc =
            unsafe { ffi::sqlite3_open_v2(c_path.as_ptr(), &mut handle, flags, std::ptr::null()) };
        let conn = Self(handle);
        if rc != ffi::SQLITE_OK {
            return Err(format!("cannot open {}: {}", path.display(), conn.error()));
        }
        Ok(conn)
    }

    fn busy_timeout(&self, wait: Duration) -> Result<(), String> {
        let ms = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: an open handle.
        match unsafe { ffi::sqlite3_busy_timeout(self.0, ms) } {
            ffi::SQLITE_OK => Ok(()),
            _ => Err(self.error()),
        }
    }

    fn execute(&self, sql: &str) -> Result<(), String> {
        self.rows(sql).map(drop)
    }

    /// The first column of every row `sql` returns, as text.
    fn rows(&self, sql: &str) -> Result<Vec<String>, String> {
        let c_sql = CString::new(sql).map_err(|_| "SQL with a NUL character".to_owned())?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: an open handle, NUL-terminated SQL, valid out pointer.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(self.0, c_sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
        };
        if rc != ffi::SQLITE_OK {
            return Err(format!("{sql}: {}", self.error()));
        }
        let mut out = Vec::new();
        let result = loop {
            // SAFETY: `stmt` was prepared above and is finalized once, below.
            match unsafe { ffi::sqlite3_step(stmt) } {
                ffi::SQLITE_ROW => {
                    // SAFETY: a row is current; the text stays valid until the next step.
                    let text = unsafe { ffi::sqlite3_column_text(stmt, 0) };
                    out.push(if text.is_null() {
                        String::new()
                    } else {
                        // SAFETY: SQLite returns NUL-terminated UTF-8 text.
                        unsafe { CStr::from_ptr(text.cast()) }
                            .to_string_lossy()
                            .into_owned()
                    });
                }
                ffi::SQLITE_DONE => break Ok(out),
                _ => break Err(format!("{sql}: {}", self.error())),
            }
        };
        // SAFETY: finalizing the statement prepared above, once.
        unsafe { ffi::sqlite3_finalize(stmt) };
        result
    }

    /// The single integer `sql` returns.
    fn value(&self, sql: &str) -> Result<i64, String> {
        let rows = self.rows(sql)?;
        rows.first()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{sql}: no number in {rows:?}"))
    }

    fn error(&self) -> String {
        if self.0.is_null() {
            return "out of memory".into();
        }
        // SAFETY: an open (possibly failed) handle; the message is NUL-terminated.
        unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // SAFETY: closing the handle opened in `open` once; statements and backups on it are
        // finalized before (`rows`, `Backup`). `sqlite3_close` accepts NULL.
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

/// A backup in progress; finished on drop if not before.
struct Backup(*mut ffi::sqlite3_backup);

impl Backup {
    fn finish(self) -> Result<(), i32> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: the live backup object, finished once (drop is skipped).
        match unsafe { ffi::sqlite3_backup_finish(this.0) } {
            ffi::SQLITE_OK => Ok(()),
            rc => Err(rc),
        }
    }
}

impl Drop for Backup {
    fn drop(&mut self) {
        // SAFETY: the live backup object, finished once.
        unsafe { ffi::sqlite3_backup_finish(self.0) };
    }
}

fn error_string(rc: i32) -> String {
    // SAFETY: `sqlite3_errstr` returns a static NUL-terminated string for any code.
    unsafe { CStr::from_ptr(ffi::sqlite3_errstr(rc)) }
        .to_string_lossy()
        .into_owned()
}
