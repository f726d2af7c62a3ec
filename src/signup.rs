//! A signup (JSON) -> the model's feature row, by the schema.
//!
//! Names of values match case-insensitively; a repeated value counts once. Anything the
//! schema does not accept (an unknown field or value, a wrong type, a number out of range)
//! is an error that says what is accepted: a signup is never scored with part of it dropped.

use crate::schema::{FieldKind, Schema};
use serde_json::{Map, Value};
use std::fmt;

/// Why a signup or request was refused. [`SignupError::code`] is stable for clients;
/// the `Display` text is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignupError {
    code: &'static str,
    message: String,
}

impl SignupError {
    pub(crate) fn new(code: &'static str, message: String) -> SignupError {
        SignupError { code, message }
    }

    /// One of `invalid_json`, `invalid_type`, `unknown_field`, `unknown_value`,
    /// `missing_field`, `out_of_range`.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl fmt::Display for SignupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SignupError {}

/// Fills `features` (one value per model feature) from the fields of `signup`.
///
/// Keys listed in `extra_keys` (such as a request's `k`) are skipped rather than refused.
///
/// # Errors
///
/// A [`SignupError`] for an unknown field, a value of the wrong type, an unknown vocabulary
/// entry, a number outside the field's range or a missing required field.
pub fn features_from_json(
    schema: &Schema,
    signup: &Map<String, Value>,
    extra_keys: &[&str],
    features: &mut [f64],
) -> Result<(), SignupError> {
    if let Some(key) = signup
        .keys()
        .find(|k| !extra_keys.contains(&k.as_str()) && !has_field(schema, k))
    {
        let names: Vec<&str> = schema.fields.iter().map(|f| f.name).collect();
        let message = format!(
            "unknown field {key:?}; accepted fields: {}",
            names.join(", ")
        );
        return Err(SignupError::new("unknown_field", message));
    }
    for field in schema.fields {
        let value = signup.get(field.name).filter(|v| !v.is_null());
        if value.is_none() && field.required {
            let message = format!("missing field {:?}", field.name);
            return Err(SignupError::new("missing_field", message));
        }
        match field.kind {
            FieldKind::Number { feature, min, max } => {
                features[feature] = match value {
                    None => f64::NAN,
                    Some(v) => number(field.name, v, min, max)?,
                };
            }
            FieldKind::Category {
                feature,
                vocabulary,
            } => {
                features[feature] = match value {
                    None => f64::NAN,
                    Some(v) => {
                        let name = v
                            .as_str()
                            .ok_or_else(|| wrong_type(field.name, "a string"))?;
                        lookup(field.name, vocabulary, name)? as f64
                    }
                };
            }
            FieldKind::MultiHot {
                features: columns,
                vocabulary,
            } => {
                for &column in columns {
                    features[column] = 0.0;
                }
                let Some(v) = value else { continue };
                let list = v
                    .as_array()
                    .ok_or_else(|| wrong_type(field.name, "a list of strings"))?;
                for item in list {
                    let name = item
                        .as_str()
                        .ok_or_else(|| wrong_type(field.name, "a list of strings"))?;
                    features[columns[lookup(field.name, vocabulary, name)?]] = 1.0;
                }
            }
        }
    }
    Ok(())
}

fn has_field(schema: &Schema, key: &str) -> bool {
    schema.fields.iter().any(|f| f.name == key)
}

fn number(name: &str, value: &Value, min: f64, max: f64) -> Result<f64, SignupError> {
    let x = value.as_f64().ok_or_else(|| wrong_type(name, "a number"))?;
    if !(min..=max).contains(&x) {
        let message = format!("{name} must be between {min} and {max}, found {x}");
        return Err(SignupError::new("out_of_range", message));
    }
    Ok(x)
}

fn lookup(name: &str, vocabulary: &[&str], value: &str) -> Result<usize, SignupError> {
    Schema::lookup(vocabulary, value).ok_or_else(|| {
        let message = format!(
            "unknown value {value:?} for {name}; accepted values: {}",
            vocabulary.join(", ")
        );
        SignupError::new("unknown_value", message)
    })
}

fn wrong_type(name: &str, expected: &str) -> SignupError {
    SignupError::new("invalid_type", format!("{name} must be {expected}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Field;

    const SCHEMA: Schema = Schema {
        fields: &[
            Field {
                name: "age",
                required: false,
                kind: FieldKind::Number {
                    feature: 0,
                    min: 0.0,
                    max: 120.0,
                },
            },
            Field {
                name: "service",
                required: false,
                kind: FieldKind::Category {
                    feature: 1,
                    vocabulary: &["Deezer", "Spotify"],
                },
            },
            Field {
                name: "genres",
                required: false,
                kind: FieldKind::MultiHot {
                    features: &[2, 3],
                    vocabulary: &["Rock", "Hip hop"],
                },
            },
        ],
        classes: &["Rock", "Hip hop"],
    };

    fn features(json: &str) -> Result<[f64; 4], SignupError> {
        let value: Value = serde_json::from_str(json).unwrap();
        let mut out = [-1.0; 4];
        features_from_json(&SCHEMA, value.as_object().unwrap(), &["k"], &mut out)?;
        Ok(out)
    }

    #[test]
    fn maps_fields_to_features() {
        let f =
            features(r#"{"age":23,"service":"spotify","genres":["HIP HOP","hip hop"]}"#).unwrap();
        assert_eq!(f, [23.0, 1.0, 0.0, 1.0]);
    }

    #[test]
    fn missing_fields_are_nan_or_unticked() {
        let f = features("{}").unwrap();
        assert!(f[0].is_nan() && f[1].is_nan());
        assert_eq!(&f[2..], &[0.0, 0.0]);
    }

    #[test]
    fn refuses_unknown_genre_naming_accepted_values() {
        let e = features(r#"{"genres":["polka"]}"#).unwrap_err();
        assert_eq!(e.code(), "unknown_value");
        assert!(e.to_string().contains("Rock, Hip hop"), "{e}");
    }

    #[test]
    fn refuses_unknown_field_and_bad_age() {
        assert_eq!(
            features(r#"{"gender":"f"}"#).unwrap_err().code(),
            "unknown_field"
        );
        assert_eq!(
            features(r#"{"age":121}"#).unwrap_err().code(),
            "out_of_range"
        );
        assert_eq!(
            features(r#"{"age":-1}"#).unwrap_err().code(),
            "out_of_range"
        );
        assert_eq!(
            features(r#"{"age":"20"}"#).unwrap_err().code(),
            "invalid_type"
        );
        assert_eq!(
            features(r#"{"genres":"Rock"}"#).unwrap_err().code(),
            "invalid_type"
        );
    }
}
