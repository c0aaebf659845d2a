//! How cases are spread over connections without overrunning the server.
//!
//! Many cases run at once (`-j`), each on its own connection. A server
//! takes new connections from its accept queue, which can be short
//! (Python's `http.server` listens with a backlog of 5); when it is full,
//! Linux drops the client's SYN or its final ACK, and the connection is
//! made a second late, or reset before the server read a byte. Such an
//! attempt tells nothing about the server, and must not be judged.
//!
//! So a [`Pacer`] bounds the connections the server has not yet shown it
//! accepted (no byte back and no close yet: [`Slot`]). The bound starts at
//! [`Pacer::START`], below the shortest backlog in common use, and grows by
//! one after a run of clean connections, up to the `-j` limit; an attempt
//! turned away (refused, slow to connect, reset with nothing back:
//! [`crate::client::TurnedAway`]) halves it. [`run_cases`] runs such an
//! attempt again, up to [`ATTEMPTS`] times, the last time alone; an attempt
//! that is still turned away when run alone is judged for what it is (a
//! server that resets every connection does so), except a refused connect,
//! which is an ERROR: the case could not be judged.
//!
//! When the target refuses [`DOWN_AFTER`] cases in a row after their
//! attempts, it is taken as down: the cases not yet run are ERROR without
//! connecting, and [`RunOutcome::down_after`] says where it stopped.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::case::Case;
use crate::client::{run_case_in, Observation, Options, TurnedAway};

/// Attempts at a case whose connection is turned away; the last runs alone.
pub const ATTEMPTS: usize = 3;

/// Cases refused in a row, after all their attempts, that mark the target
/// as down.
pub const DOWN_AFTER: usize = 3;

/// How the error of a case not run because the target went down begins.
pub const NOT_RUN: &str = "the server went down";

/// Bounds the connections a server has not yet shown it accepted.
#[derive(Debug)]
pub struct Pacer {
    state: Mutex<PacerState>,
    changed: Condvar,
}

#[derive(Debug)]
struct PacerState {
    /// Most unconfirmed connections at once now.
    limit: usize,
    /// What the limit may grow to.
    max: usize,
    /// Unconfirmed connections now.
    unconfirmed: usize,
    /// Clean confirmations since the limit last changed.
    clean: usize,
    /// A slot is held alone: nobody else may connect.
    alone: bool,
}

impl Pacer {
    /// The first bound: below the backlog of 5 that Python's
    /// `socketserver` listens with, so no accept queue in common use
    /// overflows before the pacer learns anything.
    pub const START: usize = 4;

    /// A pacer whose bound starts at [`Pacer::START`] (or `max`, if lower)
    /// and grows up to `max`.
    pub fn new(max: usize) -> Pacer {
        let max = max.max(1);
        Pacer {
            state: Mutex::new(PacerState {
                limit: Self::START.min(max),
                max,
                unconfirmed: 0,
                clean: 0,
                alone: false,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PacerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for room for one more unconfirmed connection.
    pub fn acquire(&self) -> Slot<'_> {
        let mut s = self.lock();
        while s.alone || s.unconfirmed >= s.limit {
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.unconfirmed += 1;
        Slot {
            pacer: self,
            alone: false,
        }
    }

    /// Waits until no other connection is unconfirmed, and keeps others
    /// from connecting until the slot is confirmed or dropped.
    pub fn acquire_alone(&self) -> Slot<'_> {
        let mut s = self.lock();
        while s.alone || s.unconfirmed > 0 {
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.unconfirmed += 1;
        s.alone = true;
        Slot {
            pacer: self,
            alone: true,
        }
    }

    /// An attempt was turned away: halve the bound.
    pub fn back_off(&self) {
        let mut s = self.lock();
        s.limit = (s.limit / 2).max(1);
        s.clean = 0;
    }

    /// The bound now.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    fn release(&self, alone: bool, clean: bool) {
        let mut s = self.lock();
        s.unconfirmed -= 1;
        if alone {
            s.alone = false;
        }
        if clean {
            s.clean += 1;
            // Grow by one after twice the bound's worth of clean connections.
            if s.clean >= 2 * s.limit && s.limit < s.max {
                s.limit += 1;
                s.clean = 0;
            }
        }
        drop(s);
        self.changed.notify_all();
    }
}

/// Room for one connection the server has not yet shown it accepted;
/// given back by [`Slot::confirm`] (the server sent a byte or closed) or
/// by dropping it (the attempt ended).
#[derive(Debug)]
pub struct Slot<'p> {
    pacer: &'p Pacer,
    alone: bool,
}

impl Slot<'_> {
    /// The server showed it accepted the connection.
    pub fn confirm(self) {
        self.pacer.release(self.alone, true);
        std::mem::forget(self);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.pacer.release(self.alone, false);
    }
}

/// What [`run_cases`] found, besides each case's observation.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// The observations, in the order of the cases given.
    pub observations: Vec<Observation>,
    /// Attempts run again because they were turned away.
    pub retries: usize,
    /// When the target went down: how many cases had been run, and why.
    pub down_after: Option<(usize, String)>,
}

/// Runs `cases` against `addr`, at most `jobs` at once, paced by a
/// [`Pacer`]; observations in the order of `cases`. `done` is called with
/// each case's index and observation as it ends.
pub fn run_cases(
    addr: SocketAddr,
    cases: &[Case],
    options: &Options,
    jobs: usize,
    done: &(dyn Fn(usize, &Observation) + Sync),
) -> RunOutcome {
    let jobs = jobs.clamp(1, cases.len().max(1));
    let pacer = Pacer::new(jobs);
    // Longest first (their own pauses and silent windows), so that a case
    // that waits a second by design does not start last.
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cases[i].planned_wait()));
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let retries = AtomicUsize::new(0);
    let refused_in_a_row = AtomicUsize::new(0);
    let down = AtomicBool::new(false);
    let down_after: Mutex<Option<(usize, String)>> = Mutex::new(None);
    let slots: Mutex<Vec<Option<Observation>>> = Mutex::new(vec![None; cases.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let obs = if down.load(Ordering::Relaxed) {
                        let why = down_after
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .as_ref()
                            .map(|(_, why)| why.clone())
                            .unwrap_or_default();
                        Observation {
                            error: Some(format!("{NOT_RUN} ({why})")),
                            ..Observation::default()
                        }
                    } else {
                        let (obs, tries) = attempt(addr, &cases[i], options, &pacer, &down);
                        retries.fetch_add(tries - 1, Ordering::Relaxed);
                        if matches!(obs.turned_away, Some(TurnedAway::Refused(_))) {
                            let n = refused_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
                            if n >= DOWN_AFTER && !down.swap(true, Ordering::Relaxed) {
                                let why = obs.error.clone().unwrap_or_default();
                                *down_after.lock().unwrap_or_else(|e| e.into_inner()) =
                                    Some((finished.load(Ordering::Relaxed), why));
                            }
                        } else {
                            refused_in_a_row.store(0, Ordering::Relaxed);
                        }
                        obs
                    };
                    finished.fetch_add(1, Ordering::Relaxed);
                    done(i, &obs);
                    slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(obs);
                }
            });
        }
    });
    let down_after = down_after.into_inner().unwrap_or_else(|e| e.into_inner());
    let observations = slots
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|o| {
            let mut o = o.expect("every case was run");
            // Once the target is down, a refused connect says nothing about
            // the case: it joins the cases not run.
            if let (Some((_, why)), Some(TurnedAway::Refused(_))) = (&down_after, &o.turned_away) {
                o.error = Some(format!("{NOT_RUN} ({why})"));
            }
            o
        })
        .collect();
    RunOutcome {
        observations,
        retries: retries.into_inner(),
        down_after,
    }
}

/// Runs one case until an attempt is not turned away, at most
/// [`ATTEMPTS`] times (the last alone); the last observation and the
/// number of attempts. Once the target is down, no attempt is repeated.
fn attempt(
    addr: SocketAddr,
    case: &Case,
    options: &Options,
    pacer: &Pacer,
    down: &AtomicBool,
) -> (Observation, usize) {
    let mut tries = 0;
    loop {
        tries += 1;
        let slot = if tries < ATTEMPTS {
            pacer.acquire()
        } else {
            pacer.acquire_alone()
        };
        let obs = run_case_in(addr, case, options, Some(slot));
        if obs.turned_away.is_none() || tries >= ATTEMPTS || down.load(Ordering::Relaxed) {
            return (obs, tries);
        }
        pacer.back_off();
        std::thread::sleep(Duration::from_millis(50 << tries));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_starts_low_grows_when_clean_and_halves_when_turned_away() {
        let pacer = Pacer::new(64);
        assert_eq!(pacer.limit(), Pacer::START);
        for _ in 0..2 * Pacer::START {
            pacer.acquire().confirm();
        }
        assert_eq!(pacer.limit(), Pacer::START + 1);
        // A slot dropped unconfirmed is no clean connection.
        for _ in 0..100 {
            drop(pacer.acquire());
        }
        assert_eq!(pacer.limit(), Pacer::START + 1);
        pacer.back_off();
        assert_eq!(pacer.limit(), 2);
        assert_eq!(Pacer::new(2).limit(), 2);
    }

    #[test]
    fn unconfirmed_connections_never_exceed_the_bound() {
        let pacer = Pacer::new(64);
        let held: Vec<Slot<'_>> = (0..Pacer::START).map(|_| pacer.acquire()).collect();
        let waited = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let slot = pacer.acquire();
                assert!(waited.load(Ordering::SeqCst), "acquired past the bound");
                slot.confirm();
            });
            std::thread::sleep(Duration::from_millis(50));
            waited.store(true, Ordering::SeqCst);
            drop(held);
        });
    }

    #[test]
    fn a_slot_alone_waits_for_the_others_and_holds_them_back() {
        let pacer = Pacer::new(8);
        let other = pacer.acquire();
        let order = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let alone = pacer.acquire_alone();
                order.lock().unwrap().push("alone");
                std::thread::sleep(Duration::from_millis(30));
                order.lock().unwrap().push("alone done");
                drop(alone);
            });
            std::thread::sleep(Duration::from_millis(30));
            order.lock().unwrap().push("other done");
            drop(other);
            std::thread::sleep(Duration::from_millis(10));
            let after = pacer.acquire();
            order.lock().unwrap().push("after");
            drop(after);
        });
        assert_eq!(
            *order.lock().unwrap(),
            ["other done", "alone", "alone done", "after"]
        );
    }
}
