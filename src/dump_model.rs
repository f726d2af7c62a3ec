//! The JSON of LightGBM's `Booster.dump_model()` -> [`Model`].
//!
//! The dump holds the same ensemble as the text format, as nested node objects. This module
//! flattens each tree back into the text format's arrays (nodes by `split_index`, leaves by
//! `leaf_index`, categorical bitsets rebuilt from the `"a||b||c"` category lists) and hands
//! the result to the text parser, so both formats go through one set of checks. Errors
//! about the dump's shape name the tree and the JSON key; errors found by the text parser
//! keep their tree and message but drop the line, which would point into the intermediate
//! text.
//!
//! The dump writes thresholds through LightGBM's `AvoidInf`, which turns every value at or
//! beyond ±1e300 into ±1e300. Those are read back as ±inf, the threshold LightGBM's own text
//! file holds for them (a finite threshold of 1e300 or more cannot be told apart).
//!
//! A tree's nodes nest as deep as the tree, and LightGBM bounds depth only by `num_leaves`
//! (a chain of splits is `num_leaves - 1` deep). So the dump is read without serde_json's
//! limit of 128 levels, and since serde_json parses, drops and prints a value by recursion,
//! the whole reading runs on a stack sized for the depth, measured before parsing.

use crate::model::{Model, ParseError};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt::Write;

/// The magnitude `AvoidInf` writes in place of an infinity.
const JSON_INFINITY: f64 = 1e300;

/// The largest category a dump may name: the rebuilt bitset takes `category / 8` bytes, so
/// this bounds what a short file can make us allocate (2 MiB per split).
const MAX_CATEGORY: u32 = 1 << 24;

/// Top-level keys that do not change predictions.
const IGNORED_KEYS: &[&str] = &[
    "name",
    "label_index",
    "monotone_constraints",
    "feature_infos",
    "feature_importances",
    "pandas_categorical",
];

impl Model {
    /// Reads the JSON that LightGBM's `Booster.dump_model()` returns (or `dump_model` writes),
    /// the same ensemble as the text format; `±1e300` thresholds are read as `±inf`.
    ///
    /// # Errors
    ///
    /// Returns a [`ParseError`] naming the tree and what was expected when the JSON is not a
    /// model dump LightGBM could have written, or uses something not supported.
    ///
    /// Needs the `model-json` feature (part of the default `cli`).
    pub fn from_json(json: &str) -> Result<Model, ParseError> {
        parse_json(json)
    }
}

fn parse_json(json: &str) -> Result<Model, ParseError> {
    let depth = nesting(json);
    if depth > MAX_NESTING {
        let message =
            format!("nested {depth} levels deep; a LightGBM dump needs at most {MAX_NESTING}");
        return Err(error(None, message));
    }
    stacker::grow(STACK_BASE + depth * STACK_PER_LEVEL, || read_dump(json))
}

/// The deepest nesting a dump can need: the root, `tree_info`, a tree, one level per split on
/// the path to the deepest leaf (131071 in LightGBM's largest trees, of `num_leaves` 131072),
/// the leaf, and a linear leaf's `leaf_features` or `leaf_coeff`.
const MAX_NESTING: usize = 3 + 131_071 + 2;

/// Stack for each level of nesting: serde_json takes about 2.4 KiB a level to parse a value
/// and drop it half-built in a debug build, about 0.8 KiB in a release one.
const STACK_PER_LEVEL: usize = 4 << 10;
const STACK_BASE: usize = 1 << 20;

/// How many arrays and objects `json` opens inside one another at most.
fn nesting(json: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for byte in json.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn read_dump(json: &str) -> Result<Model, ParseError> {
    // A reader, unlike `from_str`, keeps the line and column as it goes; `from_str` works them
    // out from the start of the input for each level an error unwinds through.
    let mut deserializer = serde_json::Deserializer::from_reader(json.as_bytes());
    deserializer.disable_recursion_limit();
    let root = Value::deserialize(&mut deserializer)
        .and_then(|root| deserializer.end().map(|()| root))
        .map_err(|e| error(None, format!("invalid JSON: {e}")))?;
    let root = root
        .as_object()
        .ok_or_else(|| error(None, "expected a JSON object".into()))?;
    for key in root.keys() {
        let known = matches!(
            key.as_str(),
            "version"
                | "num_class"
                | "num_tree_per_iteration"
                | "max_feature_idx"
                | "objective"
                | "average_output"
                | "feature_names"
                | "tree_info"
        );
        if !known && !IGNORED_KEYS.contains(&key.as_str()) {
            return Err(error(None, format!("unknown key {key:?}")));
        }
    }

    // The header, written as the text format's key=value lines.
    let mut text = String::from("tree\n");
    if let Some(version) = root.get("version") {
        let version = version
            .as_str()
            .ok_or_else(|| error(None, "version must be a string".into()))?;
        let _ = writeln!(text, "version={version}");
    }
    for key in ["num_class", "num_tree_per_iteration", "max_feature_idx"] {
        if let Some(value) = root.get(key) {
            let n = value
                .as_u64()
                .ok_or_else(|| error(None, format!("{key} must be a non-negative integer")))?;
            let _ = writeln!(text, "{key}={n}");
        }
    }
    if let Some(objective) = root.get("objective") {
        let objective = objective
            .as_str()
            .ok_or_else(|| error(None, "objective must be a string".into()))?;
        let _ = writeln!(text, "objective={objective}");
    }
    match root.get("average_output") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => text.push_str("average_output\n"),
        Some(_) => return Err(error(None, "average_output must be true or false".into())),
    }
    if let Some(names) = root.get("feature_names") {
        let names = names
            .as_array()
            .ok_or_else(|| error(None, "feature_names must be an array".into()))?;
        let mut line = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            match name.as_str() {
                Some(n) if !n.is_empty() && !n.contains(char::is_whitespace) => line.push(n),
                _ => {
                    let message =
                        format!("feature_names[{i}] must be a non-empty string without spaces");
                    return Err(error(None, message));
                }
            }
        }
        let _ = writeln!(text, "feature_names={}", line.join(" "));
    }
    text.push('\n');

    // Each tree, flattened into arrays.
    let trees = root
        .get("tree_info")
        .and_then(Value::as_array)
        .ok_or_else(|| error(None, "missing tree_info array".into()))?;
    for (index, tree) in trees.iter().enumerate() {
        write_tree(&mut text, index, tree, json.len())?;
    }
    text.push_str("end of trees\n");
    Model::from_text(&text).map_err(|e| ParseError::new(None, e.tree(), e.message().into()))
}

fn error(tree: Option<usize>, message: String) -> ParseError {
    ParseError::new(None, tree, message)
}

/// A tree's arrays in the text format's layout.
struct Arrays {
    split_feature: Vec<Option<u64>>,
    threshold: Vec<f64>,
    decision_type: Vec<u8>,
    left_child: Vec<i64>,
    right_child: Vec<i64>,
    /// Categories of each categorical split, by split index.
    categories: Vec<Option<Vec<u32>>>,
    leaf_value: Vec<Option<f64>>,
    /// The linear model of each leaf, for linear trees.
    linear: Vec<Option<LinearLeaf>>,
}

/// `(leaf_const, leaf_features, leaf_coeff)` of one leaf.
type LinearLeaf = (f64, Vec<u64>, Vec<f64>);

/// Appends tree `index` in the text format; `max_leaves` (the length of the JSON) bounds
/// `num_leaves`, since every leaf takes more than a byte of it.
fn write_tree(
    text: &mut String,
    index: usize,
    tree: &Value,
    max_leaves: usize,
) -> Result<(), ParseError> {
    let fail = |message: String| error(Some(index), message);
    let tree = tree
        .as_object()
        .ok_or_else(|| fail("a tree_info entry must be an object".into()))?;
    for key in tree.keys() {
        if !matches!(
            key.as_str(),
            "tree_index" | "num_leaves" | "num_cat" | "shrinkage" | "tree_structure"
        ) {
            return Err(fail(format!("unknown tree key {key:?}")));
        }
    }
    let count = |key: &str| -> Result<usize, ParseError> {
        tree.get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| fail(format!("missing or invalid {key}")))
    };
    let num_leaves = count("num_leaves")?;
    let num_cat = count("num_cat")?;
    if tree.get("tree_index").and_then(Value::as_u64) != Some(index as u64) {
        return Err(fail(format!("expected tree_index {index}")));
    }
    if num_leaves == 0 || num_leaves > max_leaves {
        return Err(fail(format!("invalid num_leaves {num_leaves}")));
    }
    let structure = tree
        .get("tree_structure")
        .ok_or_else(|| fail("missing tree_structure".into()))?;
    let num_nodes = num_leaves - 1;
    let mut a = Arrays {
        split_feature: vec![None; num_nodes],
        threshold: vec![0.0; num_nodes],
        decision_type: vec![0; num_nodes],
        left_child: vec![0; num_nodes],
        right_child: vec![0; num_nodes],
        categories: vec![None; num_nodes],
        leaf_value: vec![None; num_leaves],
        linear: vec![None; num_leaves],
    };
    // Walk the nested nodes with an explicit stack; each entry fills one array slot.
    let mut stack = vec![structure];
    while let Some(node) = stack.pop() {
        let node = node
            .as_object()
            .ok_or_else(|| fail("a node must be an object".into()))?;
        if node.contains_key("split_index") {
            let (left, right) = read_split(node, &mut a).map_err(fail)?;
            stack.push(left);
            stack.push(right);
        } else {
            read_leaf(node, &mut a).map_err(fail)?;
        }
    }

    // Bitset blocks are numbered in split order, as LightGBM numbers them.
    let mut cat_boundaries = vec![0usize];
    let mut cat_threshold: Vec<u32> = Vec::new();
    for (i, categories) in a.categories.iter().enumerate() {
        let Some(categories) = categories else {
            continue;
        };
        a.threshold[i] = (cat_boundaries.len() - 1) as f64;
        let words = categories.iter().max().map_or(0, |&c| c as usize / 32 + 1);
        let start = cat_threshold.len();
        cat_threshold.resize(start + words, 0);
        for &c in categories {
            cat_threshold[start + c as usize / 32] |= 1 << (c % 32);
        }
        cat_boundaries.push(cat_threshold.len());
    }
    if cat_boundaries.len() - 1 != num_cat {
        let found = cat_boundaries.len() - 1;
        return Err(fail(format!(
            "num_cat is {num_cat}, found {found} categorical splits"
        )));
    }

    let _ = writeln!(text, "Tree={index}");
    let _ = writeln!(text, "num_leaves={num_leaves}");
    let _ = writeln!(text, "num_cat={num_cat}");
    let mut split_feature = Vec::with_capacity(num_nodes);
    for (i, f) in a.split_feature.iter().enumerate() {
        split_feature.push(f.ok_or_else(|| fail(format!("no node has split_index {i}")))?);
    }
    let mut leaf_value = Vec::with_capacity(num_leaves);
    for (i, v) in a.leaf_value.iter().enumerate() {
        leaf_value.push(v.ok_or_else(|| fail(format!("no leaf has leaf_index {i}")))?);
    }
    line(text, "split_feature", &split_feature);
    line(text, "threshold", &a.threshold);
    line(text, "decision_type", &a.decision_type);
    line(text, "left_child", &a.left_child);
    line(text, "right_child", &a.right_child);
    line(text, "leaf_value", &leaf_value);
    if num_cat > 0 {
        line(text, "cat_boundaries", &cat_boundaries);
        line(text, "cat_threshold", &cat_threshold);
    }
    let linear_leaves = a.linear.iter().filter(|l| l.is_some()).count();
    if linear_leaves == num_leaves {
        let mut leaf_const = Vec::new();
        let mut num_features = Vec::new();
        let mut leaf_features = Vec::new();
        let mut leaf_coeff = Vec::new();
        for (c, features, coeff) in a.linear.into_iter().flatten() {
            leaf_const.push(c);
            num_features.push(features.len());
            leaf_features.extend(features);
            leaf_coeff.extend(coeff);
        }
        text.push_str("is_linear=1\n");
        line(text, "leaf_const", &leaf_const);
        line(text, "num_features", &num_features);
        line(text, "leaf_features", &leaf_features);
        line(text, "leaf_coeff", &leaf_coeff);
    } else if linear_leaves > 0 {
        return Err(fail(format!(
            "{linear_leaves} of {num_leaves} leaves have a linear model"
        )));
    }
    text.push('\n');
    Ok(())
}

/// Writes `key=v0 v1 ...`, each value in a form that reads back exactly.
fn line<T: std::fmt::Debug>(text: &mut String, key: &str, values: &[T]) {
    let _ = write!(text, "{key}=");
    for (i, v) in values.iter().enumerate() {
        let sep = if i == 0 { "" } else { " " };
        let _ = write!(text, "{sep}{v:?}");
    }
    text.push('\n');
}

fn index_of(node: &Map<String, Value>, key: &str, len: usize) -> Result<usize, String> {
    let i = node
        .get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing or invalid {key}"))?;
    if i >= len as u64 {
        return Err(format!("{key} {i} is out of range for {len} entries"));
    }
    Ok(i as usize)
}

fn number(node: &Map<String, Value>, key: &str) -> Result<f64, String> {
    node.get(key)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("missing or invalid {key}"))
}

/// The text format's child index for a JSON child: a node's `split_index` or `~leaf_index`.
fn child_index(child: &Value, key: &str) -> Result<i64, String> {
    let child = child
        .as_object()
        .ok_or_else(|| format!("{key} must be an object"))?;
    if let Some(i) = child.get("split_index").and_then(Value::as_i64) {
        return Ok(i);
    }
    match child.get("leaf_index").and_then(Value::as_i64) {
        Some(l) if l >= 0 => Ok(!l),
        _ => Err(format!("{key} has neither split_index nor leaf_index")),
    }
}

fn read_split<'v>(
    node: &'v Map<String, Value>,
    a: &mut Arrays,
) -> Result<(&'v Value, &'v Value), String> {
    let i = index_of(node, "split_index", a.split_feature.len())?;
    if a.split_feature[i].is_some() {
        return Err(format!("split_index {i} appears twice"));
    }
    let feature = node
        .get("split_feature")
        .and_then(Value::as_u64)
        .ok_or("missing or invalid split_feature")?;
    a.split_feature[i] = Some(feature);
    let default_left = match node.get("default_left") {
        Some(Value::Bool(b)) => *b,
        _ => return Err(format!("missing or invalid default_left at split {i}")),
    };
    let missing_type: u8 = match node.get("missing_type").and_then(Value::as_str) {
        Some("None") => 0,
        Some("Zero") => 1,
        Some("NaN") => 2,
        _ => return Err(format!("missing or invalid missing_type at split {i}")),
    };
    let categorical = match node.get("decision_type").and_then(Value::as_str) {
        Some("<=") => false,
        Some("==") => true,
        _ => return Err(format!("missing or invalid decision_type at split {i}")),
    };
    a.decision_type[i] = u8::from(categorical) | u8::from(default_left) << 1 | missing_type << 2;
    if categorical {
        let list = node
            .get("threshold")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("categorical split {i} needs a string threshold"))?;
        let categories = list
            .split("||")
            .map(|c| c.trim().parse::<u32>().ok().filter(|&c| c <= MAX_CATEGORY))
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| format!("invalid category list {list:?} at split {i}"))?;
        a.categories[i] = Some(categories);
    } else {
        let t = number(node, "threshold")?;
        a.threshold[i] = if t >= JSON_INFINITY {
            f64::INFINITY
        } else if t <= -JSON_INFINITY {
            f64::NEG_INFINITY
        } else {
            t
        };
    }
    let left = node.get("left_child").ok_or("missing left_child")?;
    let right = node.get("right_child").ok_or("missing right_child")?;
    a.left_child[i] = child_index(left, "left_child")?;
    a.right_child[i] = child_index(right, "right_child")?;
    Ok((left, right))
}

fn read_leaf(node: &Map<String, Value>, a: &mut Arrays) -> Result<(), String> {
    // A one-leaf tree's structure has no leaf_index.
    let l = if a.leaf_value.len() == 1 && !node.contains_key("leaf_index") {
        0
    } else {
        index_of(node, "leaf_index", a.leaf_value.len())?
    };
    if a.leaf_value[l].is_some() {
        return Err(format!("leaf_index {l} appears twice"));
    }
    a.leaf_value[l] = Some(number(node, "leaf_value")?);
    if node.contains_key("leaf_const") {
        let c = number(node, "leaf_const")?;
        let list = |key: &str| -> Result<&Vec<Value>, String> {
            node.get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("missing or invalid {key} at leaf {l}"))
        };
        let features = list("leaf_features")?
            .iter()
            .map(Value::as_u64)
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| format!("invalid leaf_features at leaf {l}"))?;
        let coeff = list("leaf_coeff")?
            .iter()
            .map(Value::as_f64)
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| format!("invalid leaf_coeff at leaf {l}"))?;
        if features.len() != coeff.len() {
            return Err(format!(
                "leaf {l} has {} leaf_features and {} leaf_coeff",
                features.len(),
                coeff.len()
            ));
        }
        a.linear[l] = Some((c, features, coeff));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STUMP: &str = r#"{"name":"tree","version":"v4","num_class":1,
        "num_tree_per_iteration":1,"label_index":0,"max_feature_idx":1,
        "objective":"regression","average_output":false,"feature_names":["a","b"],
        "tree_info":[{"tree_index":0,"num_leaves":2,"num_cat":0,"shrinkage":1,
        "tree_structure":{"split_index":0,"split_feature":1,"split_gain":1,
        "threshold":1e300,"decision_type":"<=","default_left":true,"missing_type":"NaN",
        "internal_value":0,"internal_weight":0,"internal_count":2,
        "left_child":{"leaf_index":0,"leaf_value":-1,"leaf_weight":1,"leaf_count":1},
        "right_child":{"leaf_index":1,"leaf_value":2.5,"leaf_weight":1,"leaf_count":1}}}]}"#;

    #[test]
    fn reads_1e300_threshold_as_infinity() {
        let model = Model::from_json(STUMP).unwrap();
        match model.trees[0].nodes[0].split {
            crate::model::Split::Numerical { threshold, .. } => {
                assert_eq!(threshold, f64::INFINITY)
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(model.trees[0].leaf_value, [-1.0, 2.5]);
    }

    #[test]
    fn rejects_a_leaf_reached_twice() {
        let text = STUMP.replace(r#""leaf_index":1"#, r#""leaf_index":0"#);
        let e = Model::from_json(&text).unwrap_err();
        assert_eq!(e.to_string(), "tree 0: leaf_index 0 appears twice");
    }

    #[test]
    fn rejects_feature_past_max_feature_idx() {
        let text = STUMP.replace(r#""split_feature":1"#, r#""split_feature":7"#);
        let e = Model::from_json(&text).unwrap_err();
        assert!(e.to_string().contains("past max_feature_idx 1"), "{e}");
        assert_eq!((e.line(), e.tree()), (None, Some(0)));
    }

    #[test]
    fn rejects_num_leaves_larger_than_the_file() {
        let text = STUMP.replace(r#""num_leaves":2"#, r#""num_leaves":4000000000"#);
        let e = Model::from_json(&text).unwrap_err();
        assert_eq!(e.to_string(), "tree 0: invalid num_leaves 4000000000");
    }

    /// A chain of `depth` splits on feature 0, each with a leaf on its left.
    fn chain(depth: usize) -> String {
        let leaves = depth + 1;
        let mut json = format!(
            r#"{{"version":"v4","num_class":1,"num_tree_per_iteration":1,"max_feature_idx":0,
            "feature_names":["x"],"tree_info":[{{"tree_index":0,"num_leaves":{leaves},"num_cat":0,
            "tree_structure":"#
        );
        for i in 0..depth {
            let _ = write!(
                json,
                r#"{{"split_index":{i},"split_feature":0,"threshold":{i},"decision_type":"<=",
                "default_left":true,"missing_type":"None","left_child":{{"leaf_index":{i},
                "leaf_value":{i}}},"right_child":"#
            );
        }
        let _ = write!(json, r#"{{"leaf_index":{depth},"leaf_value":0}}"#);
        json.push_str(&"}".repeat(depth));
        json.push_str("}]}");
        json
    }

    #[test]
    fn reads_trees_nested_past_serde_json_default_limit() {
        // 131_071 splits, LightGBM's deepest tree, takes seconds in a debug build.
        for depth in [100, 200, 20_000] {
            let model = Model::from_json(&chain(depth)).unwrap();
            assert_eq!(model.trees[0].leaf_value.len(), depth + 1);
            let trees = model.tree_refs();
            let forest = model.forest(&trees);
            // x goes right at every split whose threshold is below it and takes the leaf
            // on the left of the first split it does not pass.
            let x = (depth / 2) as f64 + 0.5;
            let mut raw = [0.0];
            forest.raw_scores(&[x], &mut raw).unwrap();
            assert_eq!(raw[0], (depth / 2 + 1) as f64, "{depth}");
        }
    }

    #[test]
    fn rejects_nesting_deeper_than_any_dump_without_reading_it() {
        let e = Model::from_json(&"[".repeat(MAX_NESTING + 1)).unwrap_err();
        let expected = "nested 131077 levels deep; a LightGBM dump needs at most 131076";
        assert_eq!(e.to_string(), expected);
        // Brackets inside strings do not nest.
        let name = r#"\"["#.repeat(MAX_NESTING);
        let e = Model::from_json(&format!(r#"{{"{name}":1}}"#)).unwrap_err();
        assert!(e.to_string().contains("unknown key"), "{e}");
    }

    /// Values nested as deep as a dump may go, which serde_json parses, drops half-built and
    /// prints by recursion: each is refused with an error, not a stack overflow.
    #[test]
    fn reads_the_deepest_nesting_in_every_way_without_overflowing() {
        let deep = |levels: usize| "[".repeat(levels) + &"]".repeat(levels);
        let e = Model::from_json(&deep(MAX_NESTING)).unwrap_err();
        assert_eq!(e.to_string(), "expected a JSON object");
        // A syntax error after a finished deep value, as in a dump cut off in a right child.
        let cut = format!("[{},x]", deep(MAX_NESTING - 1));
        let e = Model::from_json(&cut).unwrap_err();
        assert!(e.to_string().starts_with("invalid JSON"), "{e}");
        // A repeated key replaces, and so drops, a deep value.
        let repeated = format!(r#"{{"name":{},"name":1}}"#, deep(MAX_NESTING - 1));
        assert!(Model::from_json(&repeated).is_err());
        let names = format!(r#"{{"feature_names":[{}]}}"#, deep(MAX_NESTING - 2));
        let e = Model::from_json(&names).unwrap_err();
        assert!(e.to_string().contains("feature_names[0] must be"), "{e}");
    }

    #[test]
    fn rejects_garbage_json_without_panicking() {
        for text in [
            "",
            "[]",
            "{}",
            "{\"tree_info\":[1]}",
            "nul",
            "{\"mystery\":1}",
        ] {
            assert!(Model::from_json(text).is_err(), "{text:?}");
        }
    }
}
