//! The dashboard's figures are the same for every member of a firm who sees the same clients
//! (the key holds the viewer, see `clients::access`): computed once and shared for a few seconds, and recomputed after any live event of the firm (in this process).
//! Concurrent requests for the same view wait for one computation instead of repeating it,
//! so a burst — every open dashboard refetching after an upload — costs one set of queries.
//! Another process's events reach this cache through its time limit only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long a computed view is served without an event.
pub const FRESH_MS: i64 = 5_000;

type Slot<T> = Arc<tokio::sync::Mutex<Option<(i64, Arc<T>)>>>;

pub struct Cache<T> {
    slots: Mutex<HashMap<String, Slot<T>>>,
    /// Time of the latest event per firm.
    changed: Mutex<HashMap<String, i64>>,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Cache {
            slots: Mutex::new(HashMap::new()),
            changed: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> Cache<T> {
    /// Something of the firm changed at `at`: views computed before are stale.
    pub fn changed(&self, org_id: &str, at: i64) {
        let mut c = self.changed.lock().unwrap_or_else(|e| e.into_inner());
        let e = c.entry(org_id.to_string()).or_insert(at);
        *e = (*e).max(at);
    }

    fn changed_at(&self, org_id: &str) -> i64 {
        let c = self.changed.lock().unwrap_or_else(|e| e.into_inner());
        c.get(org_id).copied().unwrap_or(i64::MIN)
    }

    /// The view under `key` (which starts with the firm's id), computed by `compute` when
    /// missing or stale at `now`.
    pub async fn get_or<E, F, Fut>(
        &self,
        org_id: &str,
        key: String,
        now: i64,
        compute: F,
    ) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if slots.len() > 10_000 {
                slots.clear();
            }
            slots.entry(key).or_default().clone()
        };
        let mut held = slot.lock().await;
        if let Some((at, v)) = held.as_ref() {
            if now - at < FRESH_MS && *at > self.changed_at(org_id) {
                return Ok(v.clone());
            }
        }
        let v = Arc::new(compute().await?);
        *held = Some((now, v.clone()));
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn computes_once_until_stale_or_changed() {
        let cache = Cache::<usize>::default();
        let runs = AtomicUsize::new(0);
        let compute = || async { Ok::<_, ()>(runs.fetch_add(1, Ordering::SeqCst) + 1) };
        let get = |now| cache.get_or("org", "org|all".into(), now, compute);
        assert_eq!(*get(1_000).await.unwrap(), 1);
        assert_eq!(*get(1_500).await.unwrap(), 1);
        // Stale after FRESH_MS.
        assert_eq!(*get(1_000 + FRESH_MS).await.unwrap(), 2);
        // An event of the firm makes it stale at once; another firm's does not.
        cache.changed("other", 7_000);
        assert_eq!(*get(7_100).await.unwrap(), 2);
        cache.changed("org", 7_200);
        assert_eq!(*get(7_300).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_computation() {
        let cache = Arc::new(Cache::<usize>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cache, runs) = (cache.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or("org", "org|all".into(), 10, || async move {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok::<_, ()>(runs.fetch_add(1, Ordering::SeqCst))
                    })
                    .await
                    .map(|v| *v)
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(0));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}
