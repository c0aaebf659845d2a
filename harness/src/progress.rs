//! Watching a run: Ctrl-C, and a progress line on a terminal.
//!
//! [`Watch`] is handed to the case runner. It says when to stop starting
//! cases (after a first Ctrl-C; a second one exits at once with status
//! 130), and, when the output is a terminal, keeps one progress line on
//! stderr with indicatif: cases done / total and the case waited on
//! longest. When stdout is not a terminal nothing of it is drawn.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::case::Case;

/// Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells use.
pub const INTERRUPTED_EXIT: u8 = 130;

/// Set by the first Ctrl-C of a run.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl-C handler of `harness run`: the first Ctrl-C asks the
/// run to start no more cases (those under way finish within their time
/// bound); the second exits at once with status 130.
pub fn handle_ctrl_c() {
    let result = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(INTERRUPTED_EXIT));
        }
        eprintln!(
            "\ninterrupted: starting no more cases, finishing those under way \
             (Ctrl-C again to quit at once)"
        );
    });
    if let Err(e) = result {
        eprintln!("warning: cannot handle Ctrl-C ({e})");
    }
}

/// Whether a Ctrl-C stopped the run.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// What the runner tells and asks while cases run.
pub struct Watch {
    bar: Option<ProgressBar>,
    running: Arc<Mutex<BTreeMap<usize, (String, Instant)>>>,
    done: Arc<AtomicBool>,
    ticker: Option<thread::JoinHandle<()>>,
    follow_ctrl_c: bool,
}

impl Watch {
    /// A watch that draws nothing and never stops the run.
    pub fn quiet() -> Watch {
        Watch {
            bar: None,
            running: Arc::default(),
            done: Arc::default(),
            ticker: None,
            follow_ctrl_c: false,
        }
    }

    /// The watch of `harness run` over `total` cases: stops on Ctrl-C
    /// (see [`handle_ctrl_c`]), and draws a progress line on stderr when
    /// `draw` (stdout and stderr are terminals).
    pub fn for_run(total: usize, draw: bool) -> Watch {
        let mut watch = Watch::quiet();
        watch.follow_ctrl_c = true;
        if !draw {
            return watch;
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{pos}/{len} cases {wide_msg}")
                .expect("the template is valid"),
        );
        let (running, done, ticker_bar) = (watch.running.clone(), watch.done.clone(), bar.clone());
        watch.ticker = Some(thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                let message = longest_wait(&running.lock().unwrap_or_else(|e| e.into_inner()))
                    .unwrap_or_default();
                ticker_bar.set_message(message);
                thread::sleep(Duration::from_millis(100));
            }
        }));
        watch.bar = Some(bar);
        watch
    }

    /// Whether to start no more cases.
    pub fn stopped(&self) -> bool {
        self.follow_ctrl_c && interrupted()
    }

    /// Case number `i` starts.
    pub fn started(&self, i: usize, case: &Case) {
        if self.bar.is_some() {
            let name = format!("{}/{}", case.category, case.id);
            self.lock().insert(i, (name, Instant::now()));
        }
    }

    /// Case number `i` is judged.
    pub fn finished(&self, i: usize) {
        if let Some(bar) = &self.bar {
            self.lock().remove(&i);
            bar.inc(1);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, (String, Instant)>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `waiting longest on CATEGORY/ID (1.2 s)`, for the case under way that
/// started first.
pub fn longest_wait(running: &BTreeMap<usize, (String, Instant)>) -> Option<String> {
    let (name, since) = running.values().min_by_key(|(_, since)| *since)?;
    Some(format!(
        "waiting longest on {name} ({:.1} s)",
        since.elapsed().as_secs_f64()
    ))
}
