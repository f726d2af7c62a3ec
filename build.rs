//! Compiles the LightGBM model into the crate.
//!
//! Reads the model named by `GENRECAST_MODEL` (default `model/model.txt`) and the signup
//! schema beside it (`GENRECAST_SCHEMA`, default `schema.json` in the model's directory),
//! and writes `$OUT_DIR/forest.rs` (the ensemble as static tables) and
//! `$OUT_DIR/signup_schema.rs` (the fields, classes and model version) with the TypeScript
//! `Signup` interface that matches it (`$OUT_DIR/signup.d.ts`), and copies the
//! `metrics.json` beside the model (or `null`). A model the parser
//! rejects stops the build with the line and the reason.

#[allow(dead_code)]
#[path = "src/model/mod.rs"]
mod model;

// The build scores prefix tables (`codegen::prefix_table`) with the run-time tree walk.
#[allow(dead_code)]
#[path = "src/forest.rs"]
mod forest;

#[allow(dead_code)]
#[path = "src/codegen/mod.rs"]
mod codegen;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(env("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let model_path = match env("GENRECAST_MODEL") {
        Some(p) => root.join(p),
        None => root.join("model/model.txt"),
    };
    let schema_path = match env("GENRECAST_SCHEMA") {
        Some(p) => root.join(p),
        None => model_path.with_file_name("schema.json"),
    };
    for path in [&model_path, &schema_path] {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    for path in ["build.rs", "src/model", "src/codegen"] {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-env-changed=GENRECAST_MODEL");
    println!("cargo:rerun-if-env-changed=GENRECAST_SCHEMA");

    let text = read(&model_path);
    let model =
        model::Model::from_text(&text).unwrap_or_else(|e| panic!("{}: {e}", model_path.display()));
    let version: String = Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let source_name = model_path
        .strip_prefix(&root)
        .unwrap_or(&model_path)
        .display()
        .to_string();
    let out_dir = PathBuf::from(env("OUT_DIR").expect("cargo sets OUT_DIR"));
    write(
        &out_dir.join("forest.rs"),
        &codegen::forest_source(&model, &source_name),
    );

    let schema_text = read(&schema_path);
    let schema: Value = serde_json::from_str(&schema_text)
        .unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", schema_path.display()));
    let schema_source = schema_source(&schema, &model, &version)
        .unwrap_or_else(|e| panic!("{}: {e}", schema_path.display()));
    write(&out_dir.join("signup_schema.rs"), &schema_source);
    // The npm package's `Signup` type follows the schema, so another model needs no new code.
    write(&out_dir.join("signup.d.ts"), &signup_typescript(&schema));

    // The training metrics beside the model, for the npm package's `modelInfo()`.
    let metrics_path = model_path.with_file_name("metrics.json");
    println!("cargo:rerun-if-changed={}", metrics_path.display());
    let metrics = std::fs::read_to_string(&metrics_path).unwrap_or_else(|_| "null".into());
    serde_json::from_str::<Value>(&metrics)
        .unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", metrics_path.display()));
    write(&out_dir.join("metrics.json"), &metrics);

    // With the `corpus` feature, every model of the parity corpus is compiled in as well.
    if std::env::var_os("CARGO_FEATURE_CORPUS").is_some() {
        write(&out_dir.join("corpus.rs"), &corpus_source(&root));
    }
}

/// Compiles `tests/corpus/<name>/model.txt` for every model in `tests/corpus/manifest.json`,
/// in manifest order.
fn corpus_source(root: &Path) -> String {
    let dir = root.join("tests/corpus");
    println!("cargo:rerun-if-changed={}", dir.display());
    let manifest_path = dir.join("manifest.json");
    let manifest: Value = serde_json::from_str(&read(&manifest_path))
        .unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", manifest_path.display()));
    let entries = manifest["models"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no \"models\" array", manifest_path.display()));
    let mut models = Vec::new();
    for entry in entries {
        let name = entry["name"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: a model without a name", manifest_path.display()));
        let source = format!("tests/corpus/{name}/model.txt");
        let model = model::Model::from_text(&read(&root.join(&source)))
            .unwrap_or_else(|e| panic!("{source}: {e}"));
        models.push((name.to_string(), model, source));
    }
    codegen::forests_source(&models, "tests/corpus/*/model.txt")
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Renders `schema.json` as a static `Schema`, checking it against the model: every model
/// feature is filled by exactly one field, and there is one class label per output.
fn schema_source(schema: &Value, model: &model::Model, version: &str) -> Result<String, String> {
    let feature_index = |name: &Value| -> Result<usize, String> {
        let name = name.as_str().ok_or("a feature name must be a string")?;
        model
            .feature_names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("feature {name:?} is not in the model's feature_names"))
    };
    let strings = |v: Option<&Value>, what: &str| -> Result<Vec<String>, String> {
        v.and_then(Value::as_array)
            .ok_or(format!("{what} must be an array of strings"))?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or(format!("{what} must hold strings"))
            })
            .collect()
    };
    let mut filled = vec![0usize; model.num_feature];
    let mut fields = String::new();
    let fields_json = schema["fields"]
        .as_array()
        .ok_or("\"fields\" must be an array")?;
    for field in fields_json {
        let name = field["name"]
            .as_str()
            .ok_or("every field needs a string \"name\"")?;
        let required = field["required"].as_bool().unwrap_or(false);
        let kind = match field["kind"].as_str() {
            Some("number") => {
                let feature = feature_index(&field["feature"])?;
                filled[feature] += 1;
                let min = field["min"].as_f64().unwrap_or(f64::MIN);
                let max = field["max"].as_f64().unwrap_or(f64::MAX);
                format!("FieldKind::Number {{ feature: {feature}, min: {min:?}, max: {max:?} }}")
            }
            Some("category") => {
                let feature = feature_index(&field["feature"])?;
                filled[feature] += 1;
                let vocabulary = strings(field.get("vocabulary"), name)?;
                format!("FieldKind::Category {{ feature: {feature}, vocabulary: &{vocabulary:?} }}")
            }
            Some("multi_hot") => {
                let features_json = field["features"]
                    .as_array()
                    .ok_or("features must be an array")?;
                let features = features_json
                    .iter()
                    .map(feature_index)
                    .collect::<Result<Vec<_>, _>>()?;
                let vocabulary = strings(field.get("vocabulary"), name)?;
                if features.len() != vocabulary.len() {
                    return Err(format!(
                        "field {name}: one feature per vocabulary entry expected"
                    ));
                }
                for &f in &features {
                    filled[f] += 1;
                }
                format!(
                    "FieldKind::MultiHot {{ features: &{features:?}, vocabulary: &{vocabulary:?} }}"
                )
            }
            other => return Err(format!("field {name}: unknown kind {other:?}")),
        };
        fields.push_str(&format!(
            "    Field {{ name: {name:?}, required: {required}, kind: {kind} }},\n"
        ));
    }
    if let Some(f) = filled.iter().position(|&n| n != 1) {
        let name = &model.feature_names[f];
        return Err(format!(
            "model feature {name:?} must be filled by exactly one field"
        ));
    }
    let classes = strings(schema.get("classes"), "classes")?;
    if classes.len() != model.num_tree_per_iteration {
        let (n, k) = (classes.len(), model.num_tree_per_iteration);
        return Err(format!("{n} classes for a model with {k} outputs"));
    }
    Ok(format!(
        "// @generated by build.rs from the model's schema.json; do not edit\n\
         use crate::schema::{{Field, FieldKind, Schema}};\n\n\
         /// The first 16 hex digits of the SHA-256 of the model file.\n\
         pub const MODEL_VERSION: &str = {version:?};\n\n\
         /// The signup fields and class labels of the compiled model.\n\
         pub static SCHEMA: Schema<'static> = Schema {{\n    fields: &[\n{fields}    ],\n    \
         classes: &{classes:?},\n}};\n"
    ))
}

/// The TypeScript declaration of a signup for the schema's fields (already checked by
/// [`schema_source`]), with each field's accepted values in its comment.
fn signup_typescript(schema: &Value) -> String {
    let quoted = |values: &Value| -> String {
        let values: Vec<String> = values
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| format!("{:?}", v.as_str().unwrap_or_default()))
            .collect();
        values.join(", ")
    };
    let mut members = String::new();
    for field in schema["fields"].as_array().into_iter().flatten() {
        let name = field["name"].as_str().unwrap_or_default();
        let (doc, ty) = match field["kind"].as_str() {
            Some("number") => {
                let range = match (field["min"].as_f64(), field["max"].as_f64()) {
                    (Some(min), Some(max)) => format!(" from {min} to {max}"),
                    (Some(min), None) => format!(" of at least {min}"),
                    (None, Some(max)) => format!(" of at most {max}"),
                    (None, None) => String::new(),
                };
                (format!("A finite number{range}."), "number")
            }
            Some("category") => {
                let values = quoted(&field["vocabulary"]);
                (format!("One of {values} (any case)."), "string")
            }
            _ => {
                let values = quoted(&field["vocabulary"]);
                (
                    format!("Any of {values} (any case; repeats count once)."),
                    "string[]",
                )
            }
        };
        let identifier = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        let key = if identifier {
            name.to_string()
        } else {
            format!("{name:?}")
        };
        let member = if field["required"].as_bool().unwrap_or(false) {
            format!("{key}: {ty}")
        } else {
            format!("{key}?: {ty} | null")
        };
        members.push_str(&format!("    /** {doc} */\n    {member};\n"));
    }
    format!(
        "/**\n * A signup, with the fields of the compiled model's schema.json. A field that is not\n \
         * required may be left out (or `null`); `fields()` describes each one.\n */\n\
         export interface Signup {{\n{members}}}\n"
    )
}
