//! Downloads streamed from one database snapshot (exports, tables): the file is never in memory
//! as a whole.
//!
//! A blocking task reads from the database and hands chunks to the response through a small
//! channel. The connection counts against the pool's permits like any other work; downloads
//! take a place of their own ([`Db::download_slot`]: a quarter of the pool, `503` when all are
//! taken); a client that stops reading for [`STALLED`], or takes longer than [`LONGEST`] in
//! all, loses the download instead of holding the connection.
//! An error after the status line was sent cuts the download short: an incomplete file, never a
//! wrong one.

use crate::db::{Db, DbConnection};
use crate::error::{ApiError, ApiResult};
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use std::time::{Duration, Instant};

/// A file in a response: bytes, described as such in the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct File(pub Vec<u8>);

/// How long a streamed download waits for a client that stopped reading.
pub const STALLED: Duration = Duration::from_secs(30);
/// How long a streamed download may take in all.
pub const LONGEST: Duration = Duration::from_secs(15 * 60);

/// Where a producer writes the file: each call hands one chunk to the client and answers
/// `false` once the client is gone (the producer then stops).
pub type Sink<'a> = dyn FnMut(&[u8]) -> bool + Send + 'a;

/// A download of `filename` as `content_type`, written by `produce` inside one read snapshot.
pub async fn stream<F>(
    db: &Db,
    content_type: &'static str,
    filename: String,
    produce: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection, &mut Sink<'_>) -> ApiResult<()> + Send + 'static,
{
    let slot = db.download_slot()?;
    let permit = db.permit().await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ApiError>>(4);
    let pool = db.pool().clone();
    actix_web::rt::task::spawn_blocking(move || {
        let _held = (slot, permit);
        let end = Instant::now() + LONGEST;
        let send = |chunk: Result<Bytes, ApiError>| -> bool {
            let deadline = (Instant::now() + STALLED).min(end);
            let mut chunk = chunk;
            loop {
                match tx.try_send(chunk) {
                    Ok(()) => return true,
                    Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => return false,
                    Err(tokio::sync::mpsc::error::TrySendError::Full(back)) => {
                        if Instant::now() >= deadline {
                            return false;
                        }
                        chunk = back;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            }
        };
        let outcome = pool.get().map_err(ApiError::from).and_then(|mut conn| {
            crate::db::read_snapshot(&mut conn, |conn| {
                produce(conn, &mut |bytes: &[u8]| {
                    send(Ok(Bytes::copy_from_slice(bytes)))
                })
            })
        });
        if let Err(failed) = outcome {
            send(Err(failed));
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (chunk.map_err(actix_web::Error::from), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}

/// A [`Sink`] as an [`std::io::Write`] (for writers of file formats), buffered so that the
/// channel carries chunks of 64 KiB rather than every small write.
pub fn writer<'a, 'b>(sink: &'a mut Sink<'b>) -> std::io::BufWriter<SinkWriter<'a, 'b>> {
    std::io::BufWriter::with_capacity(64 << 10, SinkWriter(sink))
}

/// See [`writer`].
pub struct SinkWriter<'a, 'b>(&'a mut Sink<'b>);

impl std::io::Write for SinkWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.0)(buf) {
            Ok(buf.len())
        } else {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
