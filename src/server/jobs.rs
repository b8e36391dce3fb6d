//! Durable jobs: mails and other work that must happen even if the process dies right after
//! deciding so. A job is a row, written in the same transaction as the change that causes it;
//! a worker claims due jobs with a lease (`locked_until`), so two processes never run the
//! same job at once and a crashed run is picked up again once its lease ends. A failed job is
//! retried with growing pauses, then given up (its error stays in the row).

use super::db::{new_id, now_ms, Db};
use super::AppState;
use sqlx::{Any, Row};

/// How long a claimed job may run before another worker may take it over.
const LEASE_MS: i64 = 5 * 60_000;
/// Attempts before a job is given up.
const MAX_ATTEMPTS: i64 = 8;

#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// Adds a job and returns its id. With a `dedup_key`, a job with the same key that has not
/// run yet makes this a no-op (its run will cover what this one was for; no job has the id
/// returned then).
pub async fn enqueue<'e, E>(
    ex: E,
    kind: &str,
    payload: &str,
    dedup_key: Option<&str>,
    run_at: i64,
) -> Result<String, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let id = new_id();
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, dedup_key, run_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(kind)
    .bind(payload)
    .bind(dedup_key.map(str::to_string))
    .bind(run_at)
    .bind(now_ms())
    .execute(ex)
    .await?;
    Ok(id)
}

/// Claims up to `limit` jobs due at `now`. A job is claimed by the conditional update that
/// sets its lease; whoever loses that race skips it.
pub async fn claim_due(db: &Db, now: i64, limit: i64) -> Result<Vec<Job>, sqlx::Error> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM jobs \
         WHERE done_at IS NULL AND run_at <= $1 AND locked_until <= $1 ORDER BY run_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut claimed = Vec::new();
    for id in ids {
        claimed.extend(claim(db, &id, now).await?);
    }
    Ok(claimed)
}

/// Takes the lease of job `id` if nobody holds it (whether due or not) and returns the job;
/// `None` when another run has it or it is done.
async fn claim(db: &Db, id: &str, now: i64) -> Result<Option<Job>, sqlx::Error> {
    let row = sqlx::query(
        // A running job no longer absorbs new ones: what happens from now on gets a job
        // (and a mail) of its own rather than being missed.
        "UPDATE jobs SET locked_until = $2, attempts = attempts + 1, dedup_key = NULL \
         WHERE id = $1 AND done_at IS NULL AND locked_until <= $3 \
         RETURNING kind, payload, attempts",
    )
    .bind(id)
    .bind(now + LEASE_MS)
    .bind(now)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(Job {
            id: id.to_string(),
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            attempts: r.try_get("attempts")?,
        })
    })
    .transpose()
}

/// Runs job `id` right away — the request that wrote it, after its commit — unless a worker
/// has it already. A failure leaves it to the worker's retries, like any job.
pub async fn run_now(st: &AppState, id: &str) -> Result<(), sqlx::Error> {
    match claim(&st.db, id, now_ms()).await? {
        Some(job) => finish_run(st, &job).await.map(|_| ()),
        None => Ok(()),
    }
}

/// Runs a claimed job and records the outcome; `true` when it succeeded.
async fn finish_run(st: &AppState, job: &Job) -> Result<bool, sqlx::Error> {
    match run(st, job).await {
        Ok(()) => {
            complete(&st.db, &job.id, now_ms()).await?;
            Ok(true)
        }
        Err(e) => {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
            fail(&st.db, job, now_ms(), &e).await?;
            Ok(false)
        }
    }
}

pub async fn complete(db: &Db, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET done_at = $2, last_error = '' WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Done (or given-up) jobs are kept this long — a failed one's error can be looked at — and
/// then deleted by the worker.
const KEEP_DONE_MS: i64 = 30 * 24 * 3_600_000;

/// Deletes the jobs done more than `KEEP_DONE_MS` before `now`; returns how many.
pub async fn prune(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("DELETE FROM jobs WHERE done_at IS NOT NULL AND done_at < $1")
        .bind(now - KEEP_DONE_MS)
        .execute(db)
        .await?;
    Ok(r.rows_affected())
}

/// Pause before attempt `attempts + 1`: 1, 2, 4, … minutes, at most 2 hours.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    60_000 * (1i64 << (attempts - 1).clamp(0, 7)).min(120)
}

/// Records a failure: the job runs again later, or is given up after `MAX_ATTEMPTS`.
pub async fn fail(db: &Db, job: &Job, now: i64, error: &str) -> Result<(), sqlx::Error> {
    let given_up = job.attempts >= MAX_ATTEMPTS;
    sqlx::query(
        "UPDATE jobs SET last_error = $2, run_at = $3, locked_until = 0, \
         done_at = CASE WHEN $4 = 1 THEN $5 ELSE NULL END WHERE id = $1",
    )
    .bind(&job.id)
    .bind(error)
    .bind(now + retry_delay_ms(job.attempts))
    .bind(given_up as i64)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Runs every job due at `now` (claimed by this process). Returns how many succeeded.
pub async fn run_due(st: &AppState, now: i64) -> Result<usize, sqlx::Error> {
    let mut ok = 0;
    loop {
        let jobs = claim_due(&st.db, now, 20).await?;
        if jobs.is_empty() {
            return Ok(ok);
        }
        for job in jobs {
            crate::server::crash::point("job.before_run");
            if finish_run(st, &job).await? {
                ok += 1;
            }
        }
    }
}

async fn run(st: &AppState, job: &Job) -> Result<(), String> {
    match job.kind.as_str() {
        crate::notify::UPLOAD_MAIL => crate::notify::mail::send_upload_mail(st, &job.payload).await,
        crate::cases::reminders::REMINDER_MAIL => {
            crate::cases::reminders::send_reminder_mail(st, &job.payload).await
        }
        crate::portal::MAGIC_MAIL => crate::portal::api::send_magic_mail(st, &job.payload).await,
        crate::invoices::mail::INVOICE_MAIL => crate::invoices::mail::send(st, &job.payload).await,
        crate::tickets::mail::TICKET_MAIL => crate::tickets::mail::send(st, &job.payload).await,
        crate::notify::NOTIFY_MAIL => crate::notify::prefs::send_event_mail(st, &job.payload).await,
        crate::notify::DIGEST_MAIL => crate::notify::prefs::send_digest(st, &job.payload).await,
        crate::notify::TELL => crate::notify::prefs::run_tell(st, &job.payload).await,
        crate::cases::retention::RETENTION_MAIL => {
            crate::cases::retention::send_retention_mail(st, &job.payload).await
        }
        other => Err(format!("unknown job kind {other:?}")),
    }
}

/// The worker of a server process: seals new audit events and looks for due jobs every few
/// seconds, and for due reminders, digests and retention every minute.
pub async fn worker(st: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = st.jobs_wake.notified() => {}
        }
        if n.is_multiple_of(12) {
            if let Err(e) = crate::cases::reminders::scan(&st, now_ms()).await {
                tracing::warn!(error = %e, "reminder scan");
            }
            if let Err(e) = crate::notify::prefs::scan_digests(&st, now_ms()).await {
                tracing::warn!(error = %e, "digest scan");
            }
            if let Err(e) = crate::cases::retention::scan(&st, now_ms()).await {
                tracing::warn!(error = %e, "retention scan");
            }
            if let Err(e) = crate::invoices::overdue_scan(&st, now_ms()).await {
                tracing::warn!(error = %e, "overdue scan");
            }
            if let Err(e) = prune(&st.db, now_ms()).await {
                tracing::warn!(error = %e, "pruning done jobs");
            }
        }
        n += 1;
        if let Err(e) = crate::audit::repo::seal(&st.db).await {
            tracing::warn!(error = %e, "audit sealing");
        }
        if let Err(e) = run_due(&st, now_ms()).await {
            tracing::warn!(error = %e, "job worker");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_two_hours() {
        assert_eq!(retry_delay_ms(1), 60_000);
        assert_eq!(retry_delay_ms(2), 120_000);
        assert_eq!(retry_delay_ms(4), 480_000);
        assert_eq!(retry_delay_ms(8), 120 * 60_000);
        assert_eq!(retry_delay_ms(30), 120 * 60_000);
    }
}
