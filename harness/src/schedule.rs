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
//! accepted ([`Slot`]): no byte back and no close yet, on it or on any
//! connection made after it (an accept queue is first in, first out). The
//! bound starts at [`Pacer::START`], below the shortest backlog in common
//! use, and grows by one after a run of clean connections, up to the `-j`
//! limit. A case that states a time window (a pause, a silent window)
//! connects only under [`Pacer::START`] whatever the bound ([`Room`]), so
//! its bytes never reach the server a second late and its window means
//! what it says. An attempt
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
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::case::Case;
use crate::client::{run_case_in, Observation, Options, TurnedAway};
use crate::progress::Watch;

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
    /// How long a connection counts as unconfirmed at most.
    settled: Duration,
    /// The unconfirmed connections, by the order they were made, with when
    /// their connect returned (`None` while connecting).
    pending: BTreeMap<u64, Option<Instant>>,
    /// The number the next slot gets.
    next: u64,
    /// Clean confirmations since the limit last changed.
    clean: usize,
    /// Back-offs so far.
    epoch: u64,
    /// A slot is held alone: nobody else may connect.
    alone: bool,
}

/// How a slot waits for room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// Under the bound now (which grows).
    Bound,
    /// Under [`Pacer::START`], whatever the bound: for a case that states a
    /// time window (a pause, a silent window), whose connection must reach
    /// the server's accept queue at once, never a second late. Connections
    /// under the bound go on meanwhile: their answers confirm the older
    /// ones, which makes room.
    Strict,
    /// With no other connection unconfirmed, and none made meanwhile.
    Alone,
}

impl Pacer {
    /// The first bound, and the strict one: below the backlog of 5 that
    /// Python's `socketserver` listens with (Linux queues backlog + 1), so
    /// no accept queue in common use overflows on the pacer's account.
    pub const START: usize = 4;

    /// How long a connection counts as unconfirmed at most: a server that
    /// reads and never answers has taken it from its accept queue long
    /// before, and must not hold the run to a few connections at a time.
    pub const SETTLED: Duration = Duration::from_millis(100);

    /// A pacer whose bound starts at [`Pacer::START`] (or `max`, if lower)
    /// and grows up to `max`.
    pub fn new(max: usize) -> Pacer {
        Pacer::settling_in(max, Self::SETTLED)
    }

    /// A pacer like [`Pacer::new`] whose connections count as unconfirmed
    /// for at most `settled`.
    pub fn settling_in(max: usize, settled: Duration) -> Pacer {
        let max = max.max(1);
        Pacer {
            state: Mutex::new(PacerState {
                limit: Self::START.min(max),
                max,
                settled,
                pending: BTreeMap::new(),
                next: 0,
                clean: 0,
                epoch: 0,
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
        self.acquire_for(Room::Bound)
    }

    /// Waits until no other connection is unconfirmed, and keeps others
    /// from connecting until the slot is confirmed or dropped.
    pub fn acquire_alone(&self) -> Slot<'_> {
        self.acquire_for(Room::Alone)
    }

    /// Waits for room of the given kind.
    pub fn acquire_for(&self, room: Room) -> Slot<'_> {
        let mut s = self.lock();
        loop {
            // A connection unconfirmed for [`Pacer::SETTLED`] has been
            // taken from the accept queue by now, or never will be.
            let now = Instant::now();
            let settled = s.settled;
            s.pending
                .retain(|_, at| at.is_none_or(|at| now.duration_since(at) < settled));
            let fits = !s.alone
                && match room {
                    Room::Bound => s.pending.len() < s.limit,
                    Room::Strict => s.pending.len() < Self::START.min(s.limit),
                    Room::Alone => s.pending.is_empty(),
                };
            if fits {
                break;
            }
            s = self
                .changed
                .wait_timeout(s, settled / 4)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let seq = s.next;
        s.next += 1;
        s.pending.insert(seq, None);
        s.alone = room == Room::Alone;
        let epoch = s.epoch;
        drop(s);
        self.changed.notify_all();
        Slot {
            pacer: self,
            seq,
            epoch,
            alone: room == Room::Alone,
        }
    }

    /// An attempt made at `epoch` ([`Slot::epoch`]) was turned away:
    /// halve the bound, and never grow it again to where the trouble came
    /// (at least [`Pacer::START`]). Attempts made before the last back-off
    /// were part of the same burst and change nothing more.
    pub fn back_off(&self, epoch: u64) {
        let mut s = self.lock();
        if epoch < s.epoch {
            return;
        }
        s.epoch += 1;
        s.max = s
            .max
            .min(s.limit.saturating_sub(1))
            .max(Self::START.min(s.max));
        s.limit = (s.limit / 2).max(1);
        s.clean = 0;
    }

    /// The bound now.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }

    /// Unconfirmed connections now.
    pub fn unconfirmed(&self) -> usize {
        self.lock().pending.len()
    }

    fn release(&self, seq: u64, alone: bool, clean: bool) {
        let mut s = self.lock();
        if clean {
            // An accept queue is first in, first out: the server answering
            // this connection has accepted every one made before it.
            let accepted: Vec<u64> = s.pending.range(..=seq).map(|(k, _)| *k).collect();
            for a in &accepted {
                s.pending.remove(a);
            }
            s.clean += 1;
            // Grow by one after twice the bound's worth of clean connections.
            if s.clean >= 2 * s.limit && s.limit < s.max {
                s.limit += 1;
                s.clean = 0;
            }
        } else {
            s.pending.remove(&seq);
        }
        if alone {
            s.alone = false;
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
    seq: u64,
    epoch: u64,
    alone: bool,
}

impl Slot<'_> {
    /// The connect returned: from now on the connection stops counting
    /// after [`Pacer::SETTLED`] even if the server never answers.
    pub fn connected(&self) {
        let mut s = self.pacer.lock();
        if let Some(at) = s.pending.get_mut(&self.seq) {
            *at = Some(Instant::now());
        }
    }

    /// The pacer's back-offs when the slot was given.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The server showed it accepted the connection (and, its accept
    /// queue being first in, first out, every connection made before).
    pub fn confirm(self) {
        self.pacer.release(self.seq, self.alone, true);
        std::mem::forget(self);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.pacer.release(self.seq, self.alone, false);
    }
}

/// What [`run_cases`] found, besides each case's observation.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// The observations, in the order of the cases given; `None` for a
    /// case not started because the watch said stop (Ctrl-C).
    pub observations: Vec<Option<Observation>>,
    /// Attempts run again because they were turned away.
    pub retries: usize,
    /// When the target went down: how many cases had been run, and why.
    pub down_after: Option<(usize, String)>,
}

/// Runs `cases` against `addr`, at most `jobs` at once, paced by a
/// [`Pacer`]; observations in the order of `cases`. `watch` is told as
/// cases start and finish; once it says stop, no case starts.
pub fn run_cases(
    addr: SocketAddr,
    cases: &[Case],
    options: &Options,
    jobs: usize,
    watch: &Watch,
) -> RunOutcome {
    let jobs = jobs.clamp(1, cases.len().max(1));
    let pacer = Pacer::new(jobs);
    let order = run_order(cases);
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
                    if watch.stopped() {
                        break;
                    }
                    watch.started(i, &cases[i]);
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
                    slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(obs);
                    watch.finished(i);
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
            let mut o = o?;
            // Once the target is down, a refused connect says nothing about
            // the case: it joins the cases not run.
            if let (Some((_, why)), Some(TurnedAway::Refused(_))) = (&down_after, &o.turned_away) {
                o.error = Some(format!("{NOT_RUN} ({why})"));
            }
            Some(o)
        })
        .collect();
    RunOutcome {
        observations,
        retries: retries.into_inner(),
        down_after,
    }
}

/// The order cases start in: those that wait by design (pauses, silent
/// windows) longest first, so that one waiting a second does not start
/// last, each followed by two that do not, whose answers confirm the
/// waiting connections to the [`Pacer`] and so make room for the next.
fn run_order(cases: &[Case]) -> Vec<usize> {
    let (mut waiting, quick): (Vec<usize>, Vec<usize>) =
        (0..cases.len()).partition(|&i| !cases[i].planned_wait().is_zero());
    waiting.sort_by_key(|&i| std::cmp::Reverse(cases[i].planned_wait()));
    let mut quick = quick.into_iter();
    let mut order = Vec::with_capacity(cases.len());
    for i in waiting {
        order.push(i);
        order.extend(quick.by_ref().take(2));
    }
    order.extend(quick);
    order
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
        let room = if tries >= ATTEMPTS {
            Room::Alone
        } else if case.planned_wait().is_zero() {
            Room::Bound
        } else {
            Room::Strict
        };
        let slot = pacer.acquire_for(room);
        let epoch = slot.epoch();
        let obs = run_case_in(addr, case, options, Some(slot));
        if obs.turned_away.is_none() || tries >= ATTEMPTS || down.load(Ordering::Relaxed) {
            return (obs, tries);
        }
        pacer.back_off(epoch);
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
        pacer.back_off(0);
        assert_eq!(pacer.limit(), 2);
        // A second report from the same burst changes nothing more.
        pacer.back_off(0);
        assert_eq!(pacer.limit(), 2);
        // The bound never grows back to where the trouble came.
        for _ in 0..1000 {
            pacer.acquire().confirm();
        }
        assert_eq!(pacer.limit(), Pacer::START);
        assert_eq!(Pacer::new(2).limit(), 2);
    }

    #[test]
    fn unconfirmed_connections_never_exceed_the_bound() {
        let pacer = Pacer::settling_in(64, Duration::from_secs(30));
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

    fn case(id: &str, pause_ms: u64) -> Case {
        let text = format!(
            "id = \"{id}\"\nsection = \"9112/6.3\"\nlevel = \"MUST\"\nrequirement = \"r\"\n\
             description = \"d\"\n[[write]]\nbytes = 'GET / HTTP/1.1\\r\\n\\r\\n'\n\
             pause_ms = {pause_ms}\n[[expect]]\nstatus = \"200\"\n"
        );
        Case::parse(std::path::Path::new(&format!("t/{id}.toml")), "t", &text).unwrap()
    }

    #[test]
    fn cases_that_wait_start_first_longest_first_each_followed_by_quick_ones() {
        let cases: Vec<Case> = [
            ("a", 0),
            ("b", 100),
            ("c", 0),
            ("d", 0),
            ("e", 300),
            ("f", 0),
            ("g", 0),
        ]
        .iter()
        .map(|(id, ms)| case(id, *ms))
        .collect();
        let ids: Vec<&str> = run_order(&cases)
            .iter()
            .map(|&i| cases[i].id.as_str())
            .collect();
        assert_eq!(ids, ["e", "a", "c", "b", "d", "f", "g"]);
    }

    #[test]
    fn a_connection_never_answered_stops_counting_once_settled() {
        let pacer = Pacer::settling_in(64, Duration::from_millis(40));
        let held: Vec<Slot<'_>> = (0..Pacer::START).map(|_| pacer.acquire()).collect();
        held.iter().for_each(Slot::connected);
        let start = Instant::now();
        let more = pacer.acquire();
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_eq!(pacer.unconfirmed(), 1);
        drop(more);
        drop(held);
    }

    #[test]
    fn an_answer_on_a_later_connection_confirms_the_earlier_ones() {
        let pacer = Pacer::new(64);
        let first = pacer.acquire();
        let second = pacer.acquire();
        let third = pacer.acquire();
        assert_eq!(pacer.unconfirmed(), 3);
        second.confirm();
        assert_eq!(
            pacer.unconfirmed(),
            1,
            "the first was accepted before the second"
        );
        drop(first);
        assert_eq!(pacer.unconfirmed(), 1);
        drop(third);
        assert_eq!(pacer.unconfirmed(), 0);
    }

    #[test]
    fn a_case_with_a_time_window_connects_under_the_first_bound() {
        let pacer = Pacer::settling_in(64, Duration::from_secs(30));
        for _ in 0..100 {
            pacer.acquire().confirm();
        }
        assert!(pacer.limit() > Pacer::START + 2, "{}", pacer.limit());
        let held: Vec<Slot<'_>> = (0..Pacer::START).map(|_| pacer.acquire()).collect();
        // Under the grown bound there is room, under the strict one not.
        drop(pacer.acquire());
        let waited = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let slot = pacer.acquire_for(Room::Strict);
                assert!(
                    waited.load(Ordering::SeqCst),
                    "connected past the strict bound"
                );
                assert!(pacer.unconfirmed() <= Pacer::START);
                drop(slot);
            });
            std::thread::sleep(Duration::from_millis(50));
            waited.store(true, Ordering::SeqCst);
            drop(held);
        });
    }

    #[test]
    fn a_slot_alone_waits_for_the_others_and_holds_them_back() {
        let pacer = Pacer::settling_in(8, Duration::from_secs(30));
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
