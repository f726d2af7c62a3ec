//! genrecast native, on the model compiled in (GENRECAST_MODEL) and on the same file read at
//! run time: first every benchmark row is checked against LightGBM's answers, then criterion
//! times one row at a time and the whole 10,000-row batch.
//!
//! Reads `BENCH_MODEL_DIR` (a directory written by bench/models.py), writes the check to
//! `BENCH_CHECK` (JSON), and takes short measurements when `BENCH_SMOKE` is set.

use criterion::{black_box, Criterion, Throughput};
use genrecast::compiled::{FOREST, NUM_FEATURE, NUM_OUTPUT};
use genrecast::forest::Forest;
use genrecast::model::Model;
use std::path::PathBuf;
use std::time::Duration;

/// The same tolerance as bench/peers.py.
const TOLERANCE: f64 = 1e-9;

fn read_f64s(path: &PathBuf) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("chunks of 8")))
        .collect()
}

/// Rows whose predictions differ from `expected` beyond the tolerance.
fn wrong_rows(forest: &Forest, rows: &[f64], expected: &[f64]) -> usize {
    let mut out = [0.0; NUM_OUTPUT];
    rows.chunks_exact(NUM_FEATURE)
        .zip(expected.chunks_exact(NUM_OUTPUT))
        .filter(|(row, want)| {
            forest.predict(row, &mut out).expect("row lengths match");
            out.iter().zip(want.iter()).any(|(a, b)| {
                let same = (a - b).abs() <= TOLERANCE * b.abs().max(1.0);
                !(same || a.is_nan() && b.is_nan())
            })
        })
        .count()
}

fn main() {
    let dir = PathBuf::from(std::env::var("BENCH_MODEL_DIR").expect("BENCH_MODEL_DIR is set"));
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let rows = read_f64s(&dir.join("rows.f64"));
    let expected = read_f64s(&dir.join("expected.f64"));
    assert_eq!(
        rows.len() / NUM_FEATURE,
        expected.len() / NUM_OUTPUT,
        "row counts"
    );
    let text = std::fs::read_to_string(dir.join("model.txt")).expect("model.txt");
    let model = Model::from_text(&text).expect("the model parses");
    let trees = model.tree_refs();
    let run_time = model.forest(&trees);

    // The check comes first: a scorer that disagrees is reported as such.
    let check = format!(
        "{{\"compiled_wrong_rows\": {}, \"run_time_wrong_rows\": {}}}\n",
        wrong_rows(&FOREST, &rows, &expected),
        wrong_rows(&run_time, &rows, &expected)
    );
    if let Ok(path) = std::env::var("BENCH_CHECK") {
        std::fs::write(path, &check).expect("BENCH_CHECK is writable");
    }

    let smoke = std::env::var_os("BENCH_SMOKE").is_some();
    let mut c = Criterion::default().configure_from_args();
    c = if smoke {
        c.sample_size(10)
            .warm_up_time(Duration::from_millis(100))
            .measurement_time(Duration::from_millis(300))
    } else {
        c.sample_size(30)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
    };
    let num_rows = rows.len() / NUM_FEATURE;
    for (scorer, forest) in [("compiled", &FOREST), ("run_time", &run_time)] {
        let mut group = c.benchmark_group(format!("{name}/{scorer}"));
        let mut out = [0.0; NUM_OUTPUT];
        let mut i = 0;
        group.bench_function("single", |b| {
            b.iter(|| {
                let row = &rows[i * NUM_FEATURE..(i + 1) * NUM_FEATURE];
                i = (i + 1) % num_rows.min(1000);
                forest.predict(black_box(row), &mut out).unwrap();
                black_box(out[0])
            })
        });
        group.throughput(Throughput::Elements(num_rows as u64));
        let mut outs = vec![0.0; num_rows * NUM_OUTPUT];
        group.bench_function("batch", |b| {
            b.iter(|| {
                for (row, out) in rows
                    .chunks_exact(NUM_FEATURE)
                    .zip(outs.chunks_exact_mut(NUM_OUTPUT))
                {
                    forest.predict(black_box(row), out).unwrap();
                }
                black_box(outs[0])
            })
        });
        group.finish();
    }
    c.final_summary();
}
