//! The genrecast command-line tool: recommendations from the compiled model, and
//! predictions from any LightGBM model file read at run time.

use clap::{Parser, Subcommand};
use genrecast::forest::Forest;
use genrecast::model::Model;
use genrecast::recommend::recommend_json;
use genrecast::signup::SignupError;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "genrecast",
    version,
    about = "Genres a new listener will play, from a LightGBM model"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Recommends genres for a signup with the compiled model, printing the answer as JSON.
    Recommend {
        /// A signup as JSON, e.g. '{"age":23,"service":"Spotify","genres":["rock","metal"]}'.
        signup: Option<String>,
        /// Scores one signup per line of this JSON Lines file ("-" for standard input); a
        /// refused line is answered with {"error":{...}} and the exit code is 1.
        #[arg(long, conflicts_with = "signup")]
        input: Option<PathBuf>,
        /// How many genres to return (overrides a "k" in the signup).
        #[arg(short, long)]
        k: Option<usize>,
    },
    /// Prints LightGBM's predictions for each row of a CSV file, one CSV line per row.
    Predict {
        /// A LightGBM model in text format (what `save_model` writes).
        #[arg(long)]
        model: PathBuf,
        /// Prints raw scores instead of transformed predictions.
        #[arg(long)]
        raw: bool,
        /// A CSV file with a header line and one column per model feature, in model order.
        #[arg(long)]
        input: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Recommend { signup, input, k } => recommend(signup, input, k),
        Command::Predict { model, raw, input } => predict(&model, raw, &input),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("genrecast: {message}");
            ExitCode::FAILURE
        }
    }
}

fn recommend(
    signup: Option<String>,
    input: Option<PathBuf>,
    k: Option<usize>,
) -> Result<ExitCode, String> {
    let with_k = |line: &str| -> String {
        // The request's own "k" is replaced, so the flag wins; a line that is not a JSON
        // object is passed on for recommend_json to refuse.
        match (k, serde_json::from_str(line)) {
            (Some(k), Ok(serde_json::Value::Object(mut object))) => {
                object.insert("k".into(), k.into());
                serde_json::Value::Object(object).to_string()
            }
            _ => line.to_string(),
        }
    };
    let answer = |line: &str| -> Result<String, SignupError> {
        let answer = recommend_json(&with_k(line))?;
        Ok(serde_json::to_string(&answer).expect("an answer always serializes"))
    };
    match (signup, input) {
        (Some(signup), _) => {
            println!("{}", answer(&signup).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        (None, Some(path)) => {
            let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                let file = std::fs::File::open(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                Box::new(std::io::BufReader::new(file))
            };
            let mut out = BufWriter::new(std::io::stdout().lock());
            let mut failed = 0;
            for (i, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                // A refused line (a blank one too) still gets an output line, so output
                // line n answers input line n.
                let json = answer(&line).unwrap_or_else(|e| {
                    failed += 1;
                    eprintln!("genrecast: {}:{}: {e}", path.display(), i + 1);
                    let error = serde_json::json!({ "code": e.code(), "message": e.to_string() });
                    serde_json::json!({ "error": error }).to_string()
                });
                writeln!(out, "{json}").map_err(|e| e.to_string())?;
            }
            out.flush().map_err(|e| e.to_string())?;
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        (None, None) => Err("give a signup as JSON or --input FILE".into()),
    }
}

fn predict(model_path: &PathBuf, raw: bool, input: &PathBuf) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(model_path)
        .map_err(|e| format!("cannot read {}: {e}", model_path.display()))?;
    // `save_model` writes text starting with `tree`; `dump_model()` JSON starts with `{`.
    let model = if text.trim_start().starts_with('{') {
        Model::from_json(&text)
    } else {
        Model::from_text(&text)
    }
    .map_err(|e| format!("{}: {e}", model_path.display()))?;
    let trees = model.tree_refs();
    let forest: Forest = model.forest(&trees);

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(input)
        .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let header = reader
        .headers()
        .map_err(|e| format!("{}: {e}", input.display()))?;
    let columns = header.len();
    if columns != model.num_feature {
        let n = model.num_feature;
        return Err(format!(
            "{}: the header has {columns} columns, the model takes {n} features",
            input.display()
        ));
    }
    // Columns in another order would score without complaint and be wrong.
    let misnamed = header
        .iter()
        .zip(&model.feature_names)
        .position(|(column, feature)| column.trim() != feature);
    if let Some(j) = misnamed {
        return Err(format!(
            "{}: line 1, column {}: expected feature {:?}, found {:?} (the columns are the \
             model's features, in its order)",
            input.display(),
            j + 1,
            model.feature_names[j],
            &header[j]
        ));
    }
    let mut row = vec![0.0; model.num_feature];
    let mut scores = vec![0.0; model.num_tree_per_iteration];
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("{}: line {line}: {e}", input.display()))?;
        for (j, cell) in record.iter().enumerate() {
            row[j] = parse_cell(cell).ok_or_else(|| {
                format!(
                    "{}: line {line}, column {}: invalid number {cell:?}",
                    input.display(),
                    j + 1
                )
            })?;
        }
        let result = if raw {
            forest.raw_scores(&row, &mut scores)
        } else {
            forest.predict(&row, &mut scores)
        };
        result.map_err(|e| format!("{}: line {line}: {e}", input.display()))?;
        let line: Vec<String> = scores.iter().map(|v| format!("{v:?}")).collect();
        writeln!(out, "{}", line.join(",")).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// A CSV cell as a feature value: empty or `NaN` is missing; `inf`/`-inf` are infinities.
fn parse_cell(cell: &str) -> Option<f64> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Some(f64::NAN);
    }
    cell.parse().ok()
}
