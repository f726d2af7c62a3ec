//! A recommendation request (JSON) -> the top genres, with the compiled model.
//!
//! Shared by the command-line tool and the Worker so that both accept and refuse exactly
//! the same requests with the same error codes.

use crate::compiled::{FOREST, MODEL_VERSION, NUM_FEATURE, NUM_OUTPUT, SCHEMA};
use crate::schema::FieldKind;
use crate::signup::{features_from_json, SignupError};
use crate::top_k::top_k;
use serde::Serialize;
use serde_json::{Map, Value};

/// How many genres an answer holds when the request does not say.
pub const DEFAULT_K: usize = 3;

/// One recommended genre and the model's probability that it is the user's favourite.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
        SignupError::new("invalid_json", "the signup must be a JSON object".into())
    })?;
    recommend_object(request)
}

/// Answers a request already parsed into a JSON object, as [`recommend_json`] does.
///
/// # Errors
///
/// As [`recommend_json`], less `invalid_json`.
pub fn recommend_object(request: &Map<String, Value>) -> Result<Recommendation, SignupError> {
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

/// One field of a signup as clients see it: its name, kind and accepted values.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldDescription {
    /// A number within `min..=max`.
    Number {
        name: &'static str,
        required: bool,
        min: f64,
        max: f64,
    },
    /// One entry of `vocabulary`.
    Category {
        name: &'static str,
        required: bool,
        vocabulary: &'static [&'static str],
    },
    /// A list of entries of `vocabulary`.
    MultiHot {
        name: &'static str,
        required: bool,
        vocabulary: &'static [&'static str],
    },
}

/// The signup fields of the compiled model, in schema order.
pub fn field_descriptions() -> Vec<FieldDescription> {
    SCHEMA
        .fields
        .iter()
        .map(|field| {
            let (name, required) = (field.name, field.required);
            match field.kind {
                FieldKind::Number { min, max, .. } => FieldDescription::Number {
                    name,
                    required,
                    min,
                    max,
                },
                FieldKind::Category { vocabulary, .. } => FieldDescription::Category {
                    name,
                    required,
                    vocabulary,
                },
                FieldKind::MultiHot { vocabulary, .. } => FieldDescription::MultiHot {
                    name,
                    required,
                    vocabulary,
                },
            }
        })
        .collect()
}

/// What the compiled model takes and answers, for clients building a signup form:
/// `{"genres": [...], "fields": [{"name", "kind", "required", ...}], "model": "<version>"}`.
pub fn describe() -> Value {
    let fields = field_descriptions();
    serde_json::json!({ "genres": SCHEMA.classes, "fields": fields, "model": MODEL_VERSION })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_each_field_with_its_kind_and_values() {
        let description = describe();
        let fields = description["fields"].as_array().unwrap();
        let age = serde_json::json!(
            {"kind": "number", "name": "age", "required": false, "min": 0.0, "max": 120.0}
        );
        assert_eq!(fields[0], age);
        assert_eq!(fields[1]["kind"], "category");
        assert_eq!(fields[1]["vocabulary"][4], "Spotify");
        assert_eq!(fields[2]["kind"], "multi_hot");
        assert_eq!(fields[2]["vocabulary"].as_array().unwrap().len(), 16);
        assert_eq!(description["genres"].as_array().unwrap().len(), 16);
        assert_eq!(description["model"], MODEL_VERSION);
    }
}
