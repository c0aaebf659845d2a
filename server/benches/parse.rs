//! `cargo bench -p server`: the request-head parser beside httparse on the
//! same bytes, and the chunked decoder on 1 MiB fed in pieces.
//!
//! Times are for comparing within one run on one machine; nothing here
//! asserts a time. `examples/parse-ratio.rs` prints the parser ratios alone,
//! interleaved, in a few seconds.
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use server::framing::ChunkedDecoder;
use server::parse::{parse_request, Config, Header, Status};

mod heads;

fn parsers(c: &mut Criterion) {
    let config = Config::default();
    let mut group = c.benchmark_group("parse");
    for (name, head) in heads::heads() {
        group.throughput(Throughput::Bytes(head.len() as u64));
        group.bench_with_input(BenchmarkId::new("h1check", &name), &head, |b, head| {
            let mut headers = [Header::EMPTY; 100];
            b.iter(|| {
                let r = parse_request(black_box(head), &mut headers, &config);
                assert!(matches!(r, Ok(Status::Complete(_))));
            })
        });
        group.bench_with_input(BenchmarkId::new("httparse", &name), &head, |b, head| {
            let mut headers = [httparse::EMPTY_HEADER; 100];
            b.iter(|| {
                let mut req = httparse::Request::new(&mut headers);
                let r = req.parse(black_box(head));
                assert!(matches!(r, Ok(httparse::Status::Complete(_))));
            })
        });
    }
    group.finish();
}

/// A chunked body carrying 1 MiB in chunks of `size` bytes.
fn chunked_body(size: usize) -> Vec<u8> {
    let total = 1 << 20;
    let mut out = Vec::with_capacity(total + total / size * 12 + 16);
    let data = vec![b'x'; size];
    let mut left = total;
    while left > 0 {
        let n = left.min(size);
        out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        out.extend_from_slice(&data[..n]);
        out.extend_from_slice(b"\r\n");
        left -= n;
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn chunked(c: &mut Criterion) {
    let mut group = c.benchmark_group("chunked-1MiB");
    group.throughput(Throughput::Bytes(1 << 20));
    for size in [1usize, 64, 4096] {
        let body = chunked_body(size);
        group.bench_with_input(BenchmarkId::new("chunk", size), &body, |b, body| {
            let mut out = Vec::with_capacity(1 << 20);
            b.iter(|| {
                out.clear();
                let mut decoder = ChunkedDecoder::new(2 << 20);
                let d = decoder.decode(black_box(body), &mut out).expect("valid");
                assert!(d.done && out.len() == 1 << 20);
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = parsers, chunked
}
criterion_main!(benches);
