//! Prints how long our parser takes against httparse on each benchmark
//! head, as a ratio of times measured in the same run: `rounds` rounds of
//! `n` parses of each, interleaved, median per head (a shared machine's
//! noise hits both sides alike).
//!
//! `cargo run --release -p server --example parse-ratio [ROUNDS [N]]`
use std::hint::black_box;
use std::time::Instant;

use server::parse::{parse_request, Config, Header, Status};

#[path = "../benches/heads/mod.rs"]
mod heads;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().map_or(41, |a| a.parse().expect("ROUNDS"));
    let n: usize = args.next().map_or(20_000, |a| a.parse().expect("N"));
    let heads = heads::heads();
    let config = Config::default();
    let mut ours_h = [Header::EMPTY; 100];
    let mut theirs_h = [httparse::EMPTY_HEADER; 100];
    println!(
        "{:<52} {:>6} {:>9} {:>9} {:>7}",
        "head", "bytes", "ours ns", "httparse", "ratio"
    );
    let mut ratios = Vec::new();
    for (name, head) in &heads {
        let (mut ours, mut theirs, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            for _ in 0..n {
                let r = parse_request(black_box(head), &mut ours_h, &config);
                assert!(matches!(r, Ok(Status::Complete(_))));
            }
            let a = t.elapsed().as_secs_f64() * 1e9 / n as f64;
            let t = Instant::now();
            for _ in 0..n {
                let mut req = httparse::Request::new(&mut theirs_h);
                let r = req.parse(black_box(head));
                assert!(matches!(r, Ok(httparse::Status::Complete(_))));
            }
            let b = t.elapsed().as_secs_f64() * 1e9 / n as f64;
            ours.push(a);
            theirs.push(b);
            ratio.push(a / b);
        }
        let r = median(ratio);
        ratios.push(r);
        println!(
            "{name:<52} {:>6} {:>9.0} {:>9.0} {:>6.2}×",
            head.len(),
            median(ours),
            median(theirs),
            r
        );
    }
    println!(
        "{:<52} {:>6} {:>9} {:>9} {:>6.2}×",
        "median ratio",
        "",
        "",
        "",
        median(ratios)
    );
}
