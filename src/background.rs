//! The threads a node runs beside its HTTP server (the status mirror's
//! follower, the webhook workers). They stop when told, not when the last
//! handle to what they serve goes: several threads each holding such a
//! handle for a moment keep it alive between them for ever. A node's
//! threads are stopped and joined when the node is dropped, so none
//! outlives it, and none is still querying a database when the process
//! exits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Threads started together, stopped and joined together when dropped.
#[derive(Default)]
pub struct Threads {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<()>>,
}

/// What a thread of [`Threads`] looks at to know it should return.
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Sleeps for `duration`, or less if a stop is asked for meanwhile;
    /// whether one was.
    pub fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        while !self.requested() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            std::thread::park_timeout(left);
        }
        true
    }
}

impl Threads {
    /// Starts `run` on a thread named `name`, with the [`Stop`] it must heed.
    pub fn spawn(&mut self, name: String, run: impl FnOnce(Stop) + Send + 'static) -> std::io::Result<()> {
        let stop = Stop(self.stop.clone());
        self.handles.push(std::thread::Builder::new().name(name).spawn(move || run(stop))?);
        Ok(())
    }
}

impl Drop for Threads {
    /// Asks every thread to stop, wakes the sleeping ones and waits for all:
    /// at most the longest call one is in (a webhook attempt's timeout, a
    /// pool's wait for a connection).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        for handle in &self.handles {
            handle.thread().unpark();
        }
        for handle in self.handles.drain(..) {
            // A thread that panicked has said so already.
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn dropping_the_threads_wakes_sleepers_and_waits_for_every_one() {
        let finished = Arc::new(AtomicUsize::new(0));
        let mut threads = Threads::default();
        for n in 0..3 {
            let finished = finished.clone();
            threads
                .spawn(format!("sleeper-{n}"), move |stop| {
                    while !stop.sleep(Duration::from_secs(3600)) {}
                    finished.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
        }
        let started = Instant::now();
        drop(threads);
        assert_eq!(finished.load(Ordering::SeqCst), 3, "every thread returned before the drop did");
        assert!(started.elapsed() < Duration::from_secs(60), "sleepers were woken, not waited out");
    }

    #[test]
    fn a_sleep_without_a_stop_lasts_its_duration() {
        let threads = Threads::default();
        let stop = Stop(threads.stop.clone());
        let started = Instant::now();
        assert!(!stop.sleep(Duration::from_millis(50)));
        assert!(started.elapsed() >= Duration::from_millis(50));
    }
}
