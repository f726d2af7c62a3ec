//! Parity with LightGBM on the corpus in `tests/corpus/` (written by `make_corpus.py` and
//! `make_lightgbm3.py`): for every model, raw scores equal LightGBM's bit for bit and
//! predictions agree within 1e-12 relative, on every input row, through the run-time parser,
//! the compiled tables (`--features corpus`), the `dump_model()` JSON (`model-json` feature)
//! and the command-line tool.

use genrecast::forest::Forest;
use genrecast::model::{MissingType, Model, Split};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Predictions go through `exp`, which may differ in the last place between libms.
const TOLERANCE: f64 = 1e-12;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The model names listed in `manifest.json`, in order.
fn model_names() -> Vec<String> {
    let manifest: Value = serde_json::from_str(&read(&corpus_dir().join("manifest.json")))
        .expect("manifest.json is JSON");
    manifest["models"]
        .as_array()
        .expect("manifest lists models")
        .iter()
        .map(|m| {
            m["name"]
                .as_str()
                .expect("every model has a name")
                .to_string()
        })
        .collect()
}

/// A CSV cell as the command-line tool reads it: empty or `NaN` is NaN.
fn cell(text: &str) -> f64 {
    if text.is_empty() {
        return f64::NAN;
    }
    text.parse()
        .unwrap_or_else(|_| panic!("invalid number {text:?}"))
}

fn csv_rows(path: &Path, header: bool) -> Vec<Vec<f64>> {
    parse_rows(&read(path), header)
}

/// Lines of comma-separated numbers, after a header line when `header`.
fn parse_rows(text: &str, header: bool) -> Vec<Vec<f64>> {
    text.lines()
        .skip(usize::from(header))
        .map(|line| line.split(',').map(cell).collect())
        .collect()
}

/// One corpus model's files.
struct Case {
    name: String,
    text: String,
    input: Vec<Vec<f64>>,
    raw: Vec<Vec<f64>>,
    predict: Vec<Vec<f64>>,
}

fn load(name: &str) -> Case {
    let dir = corpus_dir().join(name);
    let case = Case {
        name: name.to_string(),
        text: read(&dir.join("model.txt")),
        input: csv_rows(&dir.join("input.csv"), true),
        raw: csv_rows(&dir.join("raw.csv"), false),
        predict: csv_rows(&dir.join("predict.csv"), false),
    };
    assert_eq!(case.input.len(), case.raw.len(), "{name}: rows in raw.csv");
    assert_eq!(
        case.input.len(),
        case.predict.len(),
        "{name}: rows in predict.csv"
    );
    case
}

fn same_bits(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn close(a: f64, b: f64) -> bool {
    same_bits(a, b) || (a - b).abs() <= TOLERANCE * b.abs()
}

/// Counts of values checked and mismatches found, with the first mismatches described.
#[derive(Default)]
struct Tally {
    values: usize,
    exact_predictions: usize,
    mismatches: Vec<String>,
}

impl Tally {
    /// Scores every row of `case` with `forest` and compares with LightGBM's outputs.
    fn check(&mut self, path: &str, case: &Case, forest: &Forest) {
        let k = forest.num_tree_per_iteration;
        let mut out = vec![0.0; k];
        for (row, features) in case.input.iter().enumerate() {
            forest.raw_scores(features, &mut out).unwrap();
            for (j, (&ours, &theirs)) in out.iter().zip(&case.raw[row]).enumerate() {
                self.values += 1;
                if !same_bits(ours, theirs) {
                    self.fail(path, case, row, j, "raw", ours, theirs);
                }
            }
            forest.predict(features, &mut out).unwrap();
            for (j, (&ours, &theirs)) in out.iter().zip(&case.predict[row]).enumerate() {
                if same_bits(ours, theirs) {
                    self.exact_predictions += 1;
                } else if !close(ours, theirs) {
                    self.fail(path, case, row, j, "predict", ours, theirs);
                }
            }
            assert_eq!(case.raw[row].len(), k, "{}: outputs in raw.csv", case.name);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fail(
        &mut self,
        path: &str,
        case: &Case,
        row: usize,
        output: usize,
        what: &str,
        ours: f64,
        theirs: f64,
    ) {
        self.mismatches.push(format!(
            "{path}: {} row {row} output {output}: {what} {ours:?}, lightgbm {theirs:?}",
            case.name
        ));
    }

    fn assert_clean(&self, path: &str) {
        let shown: Vec<&str> = self
            .mismatches
            .iter()
            .take(20)
            .map(String::as_str)
            .collect();
        assert!(
            self.mismatches.is_empty(),
            "{path}: {} mismatches, the first:\n{}",
            self.mismatches.len(),
            shown.join("\n")
        );
        eprintln!(
            "{path}: {} raw values equal to the bit, {} predictions exact",
            self.values, self.exact_predictions
        );
    }
}

#[test]
fn corpus_has_the_promised_coverage() {
    let names = model_names();
    assert!(names.len() >= 40, "only {} corpus models", names.len());
    let text = read(&corpus_dir().join("manifest.json"));
    for feature in [
        "multiclassova",
        "cross_entropy_lambda",
        "reg_sqrt",
        "rank_xendcg",
        "custom objective",
        "average_output",
        "dart",
        "linear_tree",
        "missing Zero",
        "use_missing=false",
        "2000 trees",
        "v2 header",
        "v3 header",
        "LightGBM 3.",
    ] {
        assert!(text.contains(feature), "no corpus model covers {feature}");
    }
    // The files themselves hold the hard cases, not only the manifest.
    let models: Vec<Model> = names
        .iter()
        .map(|n| Model::from_text(&read(&corpus_dir().join(n).join("model.txt"))).unwrap())
        .collect();
    let splits = || models.iter().flat_map(|m| &m.trees).flat_map(|t| &t.nodes);
    let numerical = |want: &dyn Fn(f64, MissingType) -> bool| {
        splits().any(|n| {
            matches!(n.split, Split::Numerical { threshold, missing_type, .. }
            if want(threshold, missing_type))
        })
    };
    assert!(numerical(&|t, _| t == f64::INFINITY), "no inf threshold");
    assert!(
        numerical(&|_, m| m == MissingType::Zero),
        "no missing type Zero"
    );
    assert!(
        numerical(&|_, m| m == MissingType::Nan),
        "no missing type NaN"
    );
    assert!(
        numerical(&|_, m| m == MissingType::None),
        "no missing type None"
    );
    assert!(splits().any(|n| matches!(n.split, Split::Categorical { .. })));
    assert!(models
        .iter()
        .flat_map(|m| &m.trees)
        .any(|t| t.cat_threshold.len() > 4 * t.cat_boundaries.len()));
    assert!(models
        .iter()
        .flat_map(|m| &m.trees)
        .any(|t| t.linear.is_some()));
    assert!(models
        .iter()
        .flat_map(|m| &m.trees)
        .any(|t| t.nodes.is_empty()));
    assert!(models.iter().any(|m| m.average_output));
    assert!(models.iter().any(|m| m.trees.len() >= 2000));
}

#[test]
fn run_time_path_matches_lightgbm() {
    let mut tally = Tally::default();
    for name in model_names() {
        let case = load(&name);
        let model = Model::from_text(&case.text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let trees = model.tree_refs();
        tally.check("run time", &case, &model.forest(&trees));
    }
    tally.assert_clean("run time");
}

#[cfg(feature = "model-json")]
#[test]
fn json_dump_scores_like_the_text_model() {
    let mut tally = Tally::default();
    let mut models = 0;
    for name in model_names() {
        let path = corpus_dir().join(&name).join("model.json");
        if !path.exists() {
            continue;
        }
        models += 1;
        let case = load(&name);
        let from_json = Model::from_json(&read(&path)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let from_text = Model::from_text(&case.text).unwrap();
        assert_eq!(from_json.num_feature, from_text.num_feature, "{name}");
        assert_eq!(from_json.objective, from_text.objective, "{name}");
        let trees = from_json.tree_refs();
        tally.check("json", &case, &from_json.forest(&trees));
    }
    assert!(models >= 5, "only {models} corpus models have model.json");
    tally.assert_clean("json");
}

#[cfg(feature = "corpus")]
#[test]
fn compiled_path_matches_lightgbm() {
    let names = model_names();
    let compiled: Vec<&str> = genrecast::corpus::MODELS
        .iter()
        .filter(|(_, layout, _)| *layout == "tree_functions")
        .map(|(n, _, _)| *n)
        .collect();
    assert_eq!(
        compiled, names,
        "compiled models and manifest.json disagree"
    );
    let quickscorer = genrecast::corpus::MODELS
        .iter()
        .filter(|(_, layout, _)| *layout == "quickscorer")
        .count();
    // Every model but the linear ones and those with trees over 64 leaves.
    assert!(
        quickscorer >= 40,
        "only {quickscorer} models laid out for QuickScorer"
    );
    let mut tally = Tally::default();
    for (name, layout, forest) in genrecast::corpus::MODELS {
        tally.check(&format!("compiled ({layout})"), &load(name), forest);
    }
    tally.assert_clean("compiled");
}

/// Runs `genrecast predict` on a model file and a CSV of rows.
#[cfg(feature = "cli")]
fn run_predict(model: &Path, input: &Path, raw: bool) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_genrecast"));
    command
        .arg("predict")
        .arg("--model")
        .arg(model)
        .arg("--input")
        .arg(input);
    if raw {
        command.arg("--raw");
    }
    command.output().expect("the genrecast binary runs")
}

/// What `genrecast predict` prints on stdout, which it must print without failing.
#[cfg(feature = "cli")]
fn predict_command(model: &Path, input: &Path, raw: bool) -> String {
    let output = run_predict(model, input, raw);
    assert!(output.status.success(), "{}: {output:?}", model.display());
    String::from_utf8(output.stdout).expect("output is UTF-8")
}

/// The `predict` command, on every corpus model (text, and the JSON dump where there is
/// one): raw scores print exactly what LightGBM's file holds, byte for byte; predictions
/// agree within 1e-12 relative (their last bit depends on the libm's `exp`).
#[cfg(feature = "cli")]
#[test]
fn predict_command_prints_lightgbm_outputs() {
    let mut checked = 0;
    for name in model_names() {
        let dir = corpus_dir().join(&name);
        let input = dir.join("input.csv");
        for model in ["model.txt", "model.json"].map(|file| dir.join(file)) {
            if !model.exists() {
                continue;
            }
            let raw = predict_command(&model, &input, true);
            assert_eq!(
                raw,
                read(&dir.join("raw.csv")),
                "{name} {}",
                model.display()
            );
            let ours = parse_rows(&predict_command(&model, &input, false), false);
            let theirs = csv_rows(&dir.join("predict.csv"), false);
            assert_eq!(ours.len(), theirs.len(), "{name}: row count");
            for (row, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                assert_eq!(a.len(), b.len(), "{name} row {row}");
                for (x, y) in a.iter().zip(b) {
                    assert!(close(*x, *y), "{name} row {row}: {x:?} vs LightGBM {y:?}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} model files checked");
}

/// A CSV whose columns are not the model's features, in its order, is refused by name.
#[cfg(feature = "cli")]
#[test]
fn predict_command_refuses_columns_out_of_order() {
    let dir = corpus_dir().join("binary");
    let text = read(&dir.join("input.csv"));
    let (header, rows) = text.split_once('\n').unwrap();
    let swapped = header.replacen("Column_0,Column_1", "Column_1,Column_0", 1);
    let path = std::env::temp_dir().join(format!("genrecast-order-{}.csv", std::process::id()));
    std::fs::write(&path, format!("{swapped}\n{rows}")).unwrap();
    let output = run_predict(&dir.join("model.txt"), &path, false);
    std::fs::remove_file(&path).unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 1, column 1: expected feature \"Column_0\", found \"Column_1\""),
        "{stderr}"
    );
}
