//! The signup fields a model takes and how each becomes feature values.
//!
//! `build.rs` writes the schema of the compiled model from `model/schema.json` as a
//! `static` [`Schema`]; [`crate::signup`] reads JSON signups with it. A model with other
//! fields (gender, country) needs a different `schema.json`, not different code.

/// The fields of a signup and the class labels of the model's outputs.
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a> {
    pub fields: &'a [Field<'a>],
    /// The label of each output, in output order.
    pub classes: &'a [&'a str],
}

/// One field of a signup.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The JSON key, e.g. `age`.
    pub name: &'a str,
    /// Whether a signup must give it; a missing optional field is fed to the model as
    /// missing (NaN), or as nothing ticked for a multi-hot field.
    pub required: bool,
    pub kind: FieldKind<'a>,
}

/// What a field holds and which features it fills.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind<'a> {
    /// A number within `min..=max`, fed as is to feature `feature`.
    Number { feature: usize, min: f64, max: f64 },
    /// One of `vocabulary` (matched case-insensitively), fed to the LightGBM categorical
    /// feature `feature` as its index in `vocabulary`.
    Category {
        feature: usize,
        vocabulary: &'a [&'a str],
    },
    /// A list of entries of `vocabulary`; `features[i]` is 1.0 when `vocabulary[i]` is in the
    /// list and 0.0 otherwise.
    MultiHot {
        features: &'a [usize],
        vocabulary: &'a [&'a str],
    },
}

impl FieldKind<'_> {
    /// The name of the kind, as `schema.json` and the API spell it.
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Number { .. } => "number",
            FieldKind::Category { .. } => "category",
            FieldKind::MultiHot { .. } => "multi_hot",
        }
    }

    /// The accepted values of a category or multi-hot field.
    pub fn vocabulary(&self) -> &[&str] {
        match self {
            FieldKind::Number { .. } => &[],
            FieldKind::Category { vocabulary, .. } | FieldKind::MultiHot { vocabulary, .. } => {
                vocabulary
            }
        }
    }
}

impl Schema<'_> {
    /// The index of `value` in `vocabulary`, compared case-insensitively.
    pub fn lookup(vocabulary: &[&str], value: &str) -> Option<usize> {
        vocabulary
            .iter()
            .position(|v| v.eq_ignore_ascii_case(value.trim()))
    }
}
