//! A recommendation request (JSON) -> the top genres, with the compiled model.
//!
//! Shared by the command-line tool and the Worker so that both accept and refuse exactly
//! the same requests with the same error codes.

use crate::compiled::{FOREST, MODEL_VERSION, NUM_FEATURE, NUM_OUTPUT, SCHEMA};
use crate::schema::FieldKind;
use crate::signup::{features_from_json, SignupError};
use crate::top_k::top_k;
use serde::Serialize;
use serde_json::Value;

/// How many genres an answer holds when the request does not say.
pub const DEFAULT_K: usize = 3;

/// One recommended genre and the model's probability that it is the user's favourite.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GenreScore {
    pub genre: &'static str,
    pub probability: f64,
}

/// The answer to a request: the top genres, most likely first, and the model's version.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recommendation {
    pub genres: Vec<GenreScore>,
    pub model: &'static str,
}

/// Answers a request body: a signup object, optionally with `"k"` (1 to the number of
/// genres) to ask for more or fewer genres than [`DEFAULT_K`].
///
/// # Errors
///
/// A [`SignupError`]: `invalid_json` when the body is not a JSON object, or any error of
/// [`features_from_json`]; `out_of_range`/`invalid_type` for a bad `k`.
pub fn recommend_json(body: &str) -> Result<Recommendation, SignupError> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| SignupError::new("invalid_json", format!("invalid JSON: {e}")))?;
    let request = value.as_object().ok_or_else(|| {
        SignupError::new(
            "invalid_json",
            "the request body must be a JSON object".into(),
        )
    })?;
    let k = match request.get("k") {
        None | Some(Value::Null) => DEFAULT_K,
        Some(v) => {
            let k = v.as_u64().ok_or_else(|| {
                SignupError::new("invalid_type", "k must be a positive integer".into())
            })?;
            if !(1..=NUM_OUTPUT as u64).contains(&k) {
                let message = format!("k must be between 1 and {NUM_OUTPUT}, found {k}");
                return Err(SignupError::new("out_of_range", message));
            }
            k as usize
        }
    };
    let mut features = [0.0; NUM_FEATURE];
    features_from_json(&SCHEMA, request, &["k"], &mut features)?;
    Ok(recommend(&features, k))
}

/// The `k` most likely genres for a feature row, most likely first.
pub fn recommend(features: &[f64; NUM_FEATURE], k: usize) -> Recommendation {
    let mut probability = [0.0; NUM_OUTPUT];
    FOREST
        .predict(features, &mut probability)
        .expect("the row and buffer lengths come from the compiled model");
    let mut best = [0usize; NUM_OUTPUT];
    let n = top_k(&probability, &mut best[..k.min(NUM_OUTPUT)]);
    let genres = best[..n]
        .iter()
        .map(|&i| GenreScore {
            genre: SCHEMA.classes[i],
            probability: probability[i],
        })
        .collect();
    Recommendation {
        genres,
        model: MODEL_VERSION,
    }
}

/// What the compiled model takes and answers, for clients building a signup form:
/// `{"genres": [...], "fields": [{"name", "kind", "required", ...}], "model": "<version>"}`.
pub fn describe() -> Value {
    let fields: Vec<Value> = SCHEMA
        .fields
        .iter()
        .map(|field| {
            let mut description = serde_json::json!({
                "name": field.name,
                "kind": field.kind.name(),
                "required": field.required,
            });
            match field.kind {
                FieldKind::Number { min, max, .. } => {
                    description["min"] = min.into();
                    description["max"] = max.into();
                }
                FieldKind::Category { vocabulary, .. } | FieldKind::MultiHot { vocabulary, .. } => {
                    description["vocabulary"] = vocabulary.into();
                }
            }
            description
        })
        .collect();
    serde_json::json!({ "genres": SCHEMA.classes, "fields": fields, "model": MODEL_VERSION })
}
