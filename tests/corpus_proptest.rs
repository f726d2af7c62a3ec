//! The compiled default model (`genrecast::compiled::FOREST`, written by `build.rs`) and the
//! same file read at run time give identical raw scores and predictions, bit for bit, on
//! random rows mixing ordinary values, NaN, infinities, signed zeros, subnormal-range values,
//! LightGBM's zero threshold and every split threshold of the model with its neighbours.

use genrecast::compiled::{FOREST, NUM_FEATURE, NUM_OUTPUT};
use genrecast::forest::ZERO_THRESHOLD;
use genrecast::model::{Model, Split};
use proptest::prelude::*;
use std::sync::OnceLock;

const MODEL_TEXT: &str = include_str!("../model/model.txt");

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_text(MODEL_TEXT).expect("model/model.txt parses"))
}

/// Every numerical threshold of the model and the doubles just below and above it, and
/// every category of its categorical splits.
fn interesting_values() -> Vec<f64> {
    let mut values = vec![
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        1e-40,
        -1e-40,
        ZERO_THRESHOLD,
        -ZERO_THRESHOLD,
        f64::from_bits(ZERO_THRESHOLD.to_bits() + 1),
        f64::MAX,
        f64::MIN_POSITIVE,
        2147483648.0,
        -0.5,
        -1.0,
    ];
    for tree in &model().trees {
        for node in &tree.nodes {
            match node.split {
                Split::Numerical { threshold, .. } if threshold.is_finite() => {
                    values.push(threshold);
                    values.push(f64::from_bits(threshold.to_bits().wrapping_sub(1)));
                    values.push(f64::from_bits(threshold.to_bits() + 1));
                }
                Split::Numerical { .. } => {}
                Split::Categorical { .. } => {}
            }
        }
        for (word, bits) in tree.cat_threshold.iter().enumerate() {
            for bit in (0..32).filter(|b| bits >> b & 1 == 1) {
                values.push((word * 32 + bit) as f64);
            }
        }
    }
    values
}

fn feature_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => prop::sample::select(interesting_values()),
        1 => -100.0..100.0f64,
        1 => (-5i32..40).prop_map(f64::from),
        1 => any::<f64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn compiled_and_run_time_scores_are_identical(
        row in prop::collection::vec(feature_value(), NUM_FEATURE)
    ) {
        let trees = model().tree_refs();
        let run_time = model().forest(&trees);
        let (mut compiled_out, mut run_time_out) = ([0.0; NUM_OUTPUT], [0.0; NUM_OUTPUT]);
        FOREST.raw_scores(&row, &mut compiled_out).unwrap();
        run_time.raw_scores(&row, &mut run_time_out).unwrap();
        prop_assert_eq!(compiled_out.map(f64::to_bits), run_time_out.map(f64::to_bits));
        FOREST.predict(&row, &mut compiled_out).unwrap();
        run_time.predict(&row, &mut run_time_out).unwrap();
        prop_assert_eq!(compiled_out.map(f64::to_bits), run_time_out.map(f64::to_bits));
    }
}

/// The corpus models, read at run time, with their compiled forms in every layout.
#[cfg(feature = "corpus")]
fn corpus() -> &'static [(Model, Vec<genrecast::forest::Forest<'static>>)] {
    static CORPUS: OnceLock<Vec<(Model, Vec<genrecast::forest::Forest<'static>>)>> =
        OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut models: Vec<(&str, Model, Vec<_>)> = vec![];
        for (name, _, forest) in genrecast::corpus::MODELS {
            if models.last().is_none_or(|(last, _, _)| last != name) {
                let path = format!(
                    "{}/tests/corpus/{name}/model.txt",
                    env!("CARGO_MANIFEST_DIR")
                );
                let text = std::fs::read_to_string(&path).expect("a corpus model");
                models.push((name, Model::from_text(&text).expect("it parses"), vec![]));
            }
            models.last_mut().expect("pushed").2.push(*forest);
        }
        models
            .into_iter()
            .map(|(_, model, forests)| (model, forests))
            .collect()
    })
}

#[cfg(feature = "corpus")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Every layout of every corpus model scores random rows as the run-time walk does.
    #[test]
    fn corpus_layouts_and_run_time_scores_are_identical(
        pick in any::<prop::sample::Index>(),
        values in prop::collection::vec(feature_value(), 64),
    ) {
        let (model, forests) = &corpus()[pick.index(corpus().len())];
        let row: Vec<f64> = (0..model.num_feature).map(|i| values[i % values.len()]).collect();
        let trees = model.tree_refs();
        let run_time = model.forest(&trees);
        let mut want = vec![0.0; model.num_tree_per_iteration];
        run_time.raw_scores(&row, &mut want).unwrap();
        for forest in forests {
            let mut got = vec![0.0; model.num_tree_per_iteration];
            forest.raw_scores(&row, &mut got).unwrap();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&got), bits(&want));
        }
    }
}
