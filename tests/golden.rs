//! Parity with LightGBM on the default model: every row of `model/golden.jsonl` (written by
//! `model/train.py` from LightGBM's own predictions on the reloaded `model.txt`) must score
//! the same through the compiled scorer and through the JSON signup path.

use genrecast::compiled::{FOREST, NUM_FEATURE, NUM_OUTPUT, SCHEMA};
use genrecast::recommend::recommend_json;
use genrecast::signup::features_from_json;
use serde_json::Value;

/// Raw scores are sums in LightGBM's order and should match to the bit; the tolerance
/// covers `exp` differing in the last place between libms (the wasm build's is not glibc's).
const TOLERANCE: f64 = 1e-12;

struct Row {
    id: String,
    signup: Option<Value>,
    features: [f64; NUM_FEATURE],
    raw: Vec<f64>,
    probability: Vec<f64>,
    top3: Vec<String>,
}

fn golden_rows() -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/model/golden.jsonl");
    let text = std::fs::read_to_string(path).expect("model/golden.jsonl is committed");
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("golden rows are JSON");
            let numbers = |key: &str| -> Vec<f64> {
                v[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap_or(f64::NAN))
                    .collect()
            };
            Row {
                id: v["id"].as_str().unwrap().to_string(),
                signup: Some(v["signup"].clone()).filter(|s| !s.is_null()),
                features: numbers("features")
                    .try_into()
                    .expect("one value per feature"),
                raw: numbers("raw"),
                probability: numbers("probability"),
                top3: v["top3"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().into())
                    .collect(),
            }
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * b.abs().max(1.0)
}

#[test]
fn golden_file_covers_the_edge_cases() {
    let rows = golden_rows();
    assert!(rows.len() >= 500, "only {} golden rows", rows.len());
    for prefix in [
        "edge-no-genres",
        "edge-every-genre",
        "edge-missing-age",
        "edge-age-threshold",
        "edge-unseen-service",
    ] {
        assert!(
            rows.iter().any(|r| r.id.starts_with(prefix)),
            "no {prefix} row"
        );
    }
}

#[test]
fn compiled_scorer_matches_lightgbm_on_every_golden_row() {
    let mut raw = [0.0; NUM_OUTPUT];
    let mut probability = [0.0; NUM_OUTPUT];
    let mut exact = 0;
    let mut probs_exact = 0;
    let rows = golden_rows();
    for (i, row) in rows.iter().enumerate() {
        FOREST.raw_scores(&row.features, &mut raw).unwrap();
        FOREST.predict(&row.features, &mut probability).unwrap();
        for c in 0..NUM_OUTPUT {
            assert!(
                close(raw[c], row.raw[c]),
                "row {i} ({}): raw score of class {c} is {:?}, LightGBM {:?}",
                row.id,
                raw[c],
                row.raw[c]
            );
            assert!(
                close(probability[c], row.probability[c]),
                "row {i} ({}): probability of class {c} is {:?}, LightGBM {:?}",
                row.id,
                probability[c],
                row.probability[c]
            );
        }
        exact += usize::from(raw.as_slice() == row.raw.as_slice());
        probs_exact += probability
            .iter()
            .zip(&row.probability)
            .filter(|(a, b)| a == b)
            .count();
    }
    // The golden file was written on Linux; a native build there calls glibc's `exp`, as
    // LightGBM does, so the probabilities too are LightGBM's to the bit.
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        assert_eq!(
            probs_exact,
            rows.len() * NUM_OUTPUT,
            "probabilities equal LightGBM's bit for bit in {probs_exact} places only"
        );
    }
    assert_eq!(
        exact,
        rows.len(),
        "raw scores equal LightGBM's bit for bit on {exact} rows only"
    );
}

#[test]
fn signups_map_to_lightgbm_features_and_top3() {
    for (i, row) in golden_rows().iter().enumerate() {
        let Some(signup) = &row.signup else { continue };
        let mut features = [0.0; NUM_FEATURE];
        features_from_json(&SCHEMA, signup.as_object().unwrap(), &[], &mut features).unwrap();
        for (f, (a, b)) in features.iter().zip(&row.features).enumerate() {
            assert!(
                a == b || (a.is_nan() && b.is_nan()),
                "row {i} ({}): feature {f} is {a}, golden {b}",
                row.id
            );
        }
        let answer = recommend_json(&signup.to_string()).unwrap();
        let genres: Vec<&str> = answer.genres.iter().map(|g| g.genre).collect();
        assert_eq!(genres, row.top3, "row {i} ({})", row.id);
    }
}
