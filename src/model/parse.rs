//! LightGBM's text model format -> [`Model`].
//!
//! The format is a header of `key=value` lines, one block per tree starting at `Tree=N`,
//! and `end of trees`; what follows (feature importances, training parameters) does not
//! affect predictions and is not read. Every header and tree key LightGBM writes is either
//! used here or listed as known and ignored; anything else is rejected, so a newer format
//! cannot be misread silently.

use super::{Child, LinearLeaves, MissingType, Model, Node, Objective, ParseError, Split, Tree};

/// Header keys that do not change predictions.
const IGNORED_HEADER_KEYS: &[&str] = &[
    "label_index",
    "feature_infos",
    "monotone_constraints",
    "tree_sizes",
];

/// Tree keys that do not change predictions (training statistics).
const IGNORED_TREE_KEYS: &[&str] = &[
    "split_gain",
    "leaf_weight",
    "leaf_count",
    "internal_value",
    "internal_weight",
    "internal_count",
    "shrinkage",
];

/// One `key=value` line with its 1-based line number.
#[derive(Clone, Copy)]
struct Entry<'a> {
    line: usize,
    key: &'a str,
    value: &'a str,
}

pub(super) fn parse_text(text: &str) -> Result<Model, ParseError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));

    // The first non-empty line names the format.
    let first = lines.by_ref().find(|(_, l)| !l.trim().is_empty());
    match first {
        Some((_, "tree")) => {}
        Some((n, l)) => {
            return Err(err(
                n,
                None,
                format!("expected \"tree\" on the first line, found {l:?}"),
            ))
        }
        None => return Err(ParseError::new(None, None, "empty model file".into())),
    }

    // The header runs up to the first `Tree=` line.
    let mut header = Vec::new();
    let mut average_output = false;
    let mut blocks: Vec<(usize, usize, Vec<Entry>)> = Vec::new();
    let mut ended = false;
    for (n, l) in lines.by_ref() {
        if l.trim().is_empty() {
            continue;
        }
        if l == "end of trees" {
            ended = true;
            break;
        }
        let Some((key, value)) = l.split_once('=') else {
            if l == "average_output" && blocks.is_empty() {
                average_output = true;
                continue;
            }
            return Err(err(
                n,
                current_tree(&blocks),
                format!("expected key=value, found {l:?}"),
            ));
        };
        if key == "Tree" {
            let index: usize = value
                .parse()
                .map_err(|_| err(n, None, format!("invalid tree index {value:?}")))?;
            if index != blocks.len() {
                let expected = blocks.len();
                return Err(err(
                    n,
                    None,
                    format!("expected Tree={expected}, found Tree={index}"),
                ));
            }
            blocks.push((n, index, Vec::new()));
        } else if let Some((_, _, entries)) = blocks.last_mut() {
            entries.push(Entry {
                line: n,
                key,
                value,
            });
        } else {
            header.push(Entry {
                line: n,
                key,
                value,
            });
        }
    }
    if !ended {
        return Err(ParseError::new(
            None,
            None,
            "missing \"end of trees\" line".into(),
        ));
    }

    let mut model = parse_header(&header, average_output)?;
    if let Some(sizes) = header.iter().find(|e| e.key == "tree_sizes") {
        let count = sizes.value.split_whitespace().count();
        if count != blocks.len() {
            let found = blocks.len();
            return Err(err(
                sizes.line,
                None,
                format!("tree_sizes lists {count} trees, found {found}"),
            ));
        }
    }
    for (line, index, entries) in &blocks {
        model
            .trees
            .push(parse_tree(*line, *index, entries, model.num_feature)?);
    }
    if model.num_tree_per_iteration > model.trees.len().max(1) {
        let (k, t) = (model.num_tree_per_iteration, model.trees.len());
        let message = format!("num_tree_per_iteration={k} but the file has {t} trees");
        return Err(ParseError::new(None, None, message));
    }
    if model.trees.len() % model.num_tree_per_iteration != 0 {
        let (k, t) = (model.num_tree_per_iteration, model.trees.len());
        let message = format!("{t} trees is not a multiple of num_tree_per_iteration={k}");
        return Err(ParseError::new(None, None, message));
    }
    Ok(model)
}

fn current_tree(blocks: &[(usize, usize, Vec<Entry>)]) -> Option<usize> {
    blocks.last().map(|(_, index, _)| *index)
}

fn err(line: usize, tree: Option<usize>, message: String) -> ParseError {
    ParseError::new(Some(line), tree, message)
}

fn parse_header(header: &[Entry], average_output: bool) -> Result<Model, ParseError> {
    let mut seen: Vec<&str> = Vec::new();
    for e in header {
        if seen.contains(&e.key) {
            return Err(err(e.line, None, format!("duplicate key {}", e.key)));
        }
        seen.push(e.key);
        let known = matches!(
            e.key,
            "version"
                | "num_class"
                | "num_tree_per_iteration"
                | "max_feature_idx"
                | "objective"
                | "feature_names"
        );
        if !known && !IGNORED_HEADER_KEYS.contains(&e.key) {
            return Err(err(e.line, None, format!("unknown header key {}", e.key)));
        }
    }
    let get = |key: &str| header.iter().find(|e| e.key == key).copied();
    let required = |key: &str| {
        get(key).ok_or_else(|| ParseError::new(None, None, format!("missing header key {key}")))
    };

    // LightGBM 2.1 introduced `version=`; older files encode splits differently.
    let version_entry = get("version").ok_or_else(|| {
        let message = "missing header key version (files from LightGBM before 2.1 are not \
                       supported)";
        ParseError::new(None, None, message.into())
    })?;
    let version = version_entry.value.to_string();
    if !matches!(version.as_str(), "v2" | "v3" | "v4") {
        return Err(err(
            version_entry.line,
            None,
            format!("unsupported model version {version:?} (expected v2, v3 or v4)"),
        ));
    }
    let num_class_entry = required("num_class")?;
    let num_class = positive(num_class_entry)?;
    let num_tree_per_iteration = match get("num_tree_per_iteration") {
        Some(e) => positive(e)?,
        None => num_class,
    };
    // LightGBM grows one tree per class and iteration, whatever the objective.
    if num_tree_per_iteration != num_class {
        let message = format!(
            "num_tree_per_iteration={num_tree_per_iteration} does not match num_class={num_class}"
        );
        return Err(err(num_class_entry.line, None, message));
    }
    let max_feature_idx = required("max_feature_idx")?;
    let num_feature = scalar::<usize>(max_feature_idx)?
        .checked_add(1)
        .ok_or_else(|| {
            err(
                max_feature_idx.line,
                None,
                "max_feature_idx too large".into(),
            )
        })?;
    // LightGBM refuses a file without feature_names; requiring one name per feature also
    // bounds the feature count by the file's size, whatever max_feature_idx claims.
    let feature_names_entry = required("feature_names")?;
    let feature_names: Vec<String> = feature_names_entry
        .value
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if feature_names.len() != num_feature {
        let n = feature_names.len();
        let message = format!("expected {num_feature} feature_names, found {n}");
        return Err(err(feature_names_entry.line, None, message));
    }
    let objective = match get("objective") {
        Some(e) => {
            check_objective_classes(e.value, num_class).map_err(|m| err(e.line, None, m))?;
            Objective::from_header(e.value).map_err(|m| err(e.line, None, m))?
        }
        None => Objective::Identity,
    };
    Ok(Model {
        version,
        num_class,
        num_tree_per_iteration,
        num_feature,
        feature_names,
        objective,
        average_output,
        trees: Vec::new(),
    })
}

/// Checks the class count an objective implies against `num_class=`: `num_class:K` for the
/// multiclass objectives, one class for every other objective LightGBM writes.
fn check_objective_classes(value: &str, num_class: usize) -> Result<(), String> {
    let mut words = value.split_whitespace();
    let name = words.next().unwrap_or("");
    let written = words.find_map(|w| w.strip_prefix("num_class:"));
    match (name, written) {
        ("multiclass" | "multiclassova", Some(k)) => match k.parse::<usize>() {
            Ok(k) if k == num_class => Ok(()),
            _ => Err(format!(
                "objective {name} num_class:{k} does not match num_class={num_class}"
            )),
        },
        ("multiclass" | "multiclassova", None) => {
            Err(format!("objective {name} without num_class"))
        }
        ("custom", _) => Ok(()),
        (_, _) if num_class != 1 => Err(format!(
            "objective {name} has one output, but num_class={num_class}"
        )),
        _ => Ok(()),
    }
}

fn scalar<T: std::str::FromStr>(e: Entry) -> Result<T, ParseError> {
    e.value.trim().parse().map_err(|_| {
        err(
            e.line,
            None,
            format!("invalid value {:?} for {}", e.value, e.key),
        )
    })
}

fn positive(e: Entry) -> Result<usize, ParseError> {
    match scalar::<usize>(e)? {
        0 => Err(err(e.line, None, format!("{} must be at least 1", e.key))),
        n => Ok(n),
    }
}

/// The entries of one tree block, looked up by key.
struct TreeEntries<'a> {
    /// The `Tree=N` line.
    line: usize,
    index: usize,
    entries: &'a [Entry<'a>],
}

impl<'a> TreeEntries<'a> {
    fn get(&self, key: &str) -> Option<Entry<'a>> {
        self.entries.iter().find(|e| e.key == key).copied()
    }

    fn err(&self, line: usize, message: String) -> ParseError {
        err(line, Some(self.index), message)
    }

    fn scalar<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, ParseError> {
        let Some(e) = self.get(key) else {
            return Ok(None);
        };
        let value = e
            .value
            .trim()
            .parse()
            .map_err(|_| self.err(e.line, format!("invalid value {:?} for {key}", e.value)))?;
        Ok(Some(value))
    }

    /// The array under `key`, which must hold exactly `len` values.
    fn array<T: std::str::FromStr>(&self, key: &str, len: usize) -> Result<Vec<T>, ParseError> {
        let Some(e) = self.get(key) else {
            if len == 0 {
                return Ok(Vec::new());
            }
            return Err(self.err(self.line, format!("missing {key} (expected {len} values)")));
        };
        let values = self.values(e)?;
        if values.len() != len {
            let found = values.len();
            return Err(self.err(
                e.line,
                format!("expected {len} values in {key}, found {found}"),
            ));
        }
        Ok(values)
    }

    fn values<T: std::str::FromStr>(&self, e: Entry) -> Result<Vec<T>, ParseError> {
        e.value
            .split_whitespace()
            .enumerate()
            .map(|(i, word)| {
                word.parse().map_err(|_| {
                    self.err(
                        e.line,
                        format!("invalid value {word:?} at position {i} of {}", e.key),
                    )
                })
            })
            .collect()
    }
}

fn parse_tree(
    line: usize,
    index: usize,
    entries: &[Entry],
    num_feature: usize,
) -> Result<Tree, ParseError> {
    let t = TreeEntries {
        line,
        index,
        entries,
    };
    let mut seen: Vec<&str> = Vec::new();
    for e in entries {
        if seen.contains(&e.key) {
            return Err(t.err(e.line, format!("duplicate key {}", e.key)));
        }
        seen.push(e.key);
        let known = matches!(
            e.key,
            "num_leaves"
                | "num_cat"
                | "split_feature"
                | "threshold"
                | "decision_type"
                | "left_child"
                | "right_child"
                | "leaf_value"
                | "cat_boundaries"
                | "cat_threshold"
                | "is_linear"
                | "leaf_const"
                | "num_features"
                | "leaf_features"
                | "leaf_coeff"
        );
        if !known && !IGNORED_TREE_KEYS.contains(&e.key) {
            return Err(t.err(e.line, format!("unknown tree key {}", e.key)));
        }
    }

    let num_leaves: usize = t
        .scalar("num_leaves")?
        .ok_or_else(|| t.err(line, "missing num_leaves".into()))?;
    if num_leaves == 0 {
        return Err(t.err(
            t.get("num_leaves").map_or(line, |e| e.line),
            "num_leaves is 0".into(),
        ));
    }
    let num_cat: usize = t.scalar("num_cat")?.unwrap_or(0);
    if num_cat >= num_leaves {
        let l = t.get("num_cat").map_or(line, |e| e.line);
        let message = format!("num_cat {num_cat} is not below num_leaves {num_leaves}");
        return Err(t.err(l, message));
    }
    let num_nodes = num_leaves - 1;
    let leaf_value: Vec<f64> = t.array("leaf_value", num_leaves)?;
    let split_feature: Vec<i64> = t.array("split_feature", num_nodes)?;
    let threshold: Vec<f64> = t.array("threshold", num_nodes)?;
    let decision_type: Vec<i64> = t.array("decision_type", num_nodes)?;
    let left_child: Vec<i64> = t.array("left_child", num_nodes)?;
    let right_child: Vec<i64> = t.array("right_child", num_nodes)?;
    let (cat_boundaries, cat_threshold) = if num_cat > 0 {
        let cat_boundaries: Vec<u32> = t.array("cat_boundaries", num_cat + 1)?;
        let e = t.get("cat_threshold");
        let cat_threshold: Vec<u32> = match e {
            Some(e) => t.values(e)?,
            None => return Err(t.err(line, "missing cat_threshold".into())),
        };
        let e = t.get("cat_boundaries").map_or(line, |e| e.line);
        if cat_boundaries[0] != 0
            || cat_boundaries.windows(2).any(|w| w[0] > w[1])
            || cat_boundaries[num_cat] as usize != cat_threshold.len()
        {
            let n = cat_threshold.len();
            let message =
                format!("cat_boundaries must rise from 0 to the {n} values of cat_threshold");
            return Err(t.err(e, message));
        }
        (cat_boundaries, cat_threshold)
    } else {
        (Vec::new(), Vec::new())
    };

    // Decode each node; children are checked to form one tree rooted at node 0 below.
    let mut nodes = Vec::with_capacity(num_nodes);
    for i in 0..num_nodes {
        let line_of = |key: &str| t.get(key).map_or(line, |e| e.line);
        let feature = split_feature[i];
        if feature < 0 || feature as usize >= num_feature {
            let message = format!(
                "split_feature {feature} of node {i} is past max_feature_idx {}",
                num_feature - 1
            );
            return Err(t.err(line_of("split_feature"), message));
        }
        let d = decision_type[i];
        if !(0..=15).contains(&d) {
            return Err(t.err(
                line_of("decision_type"),
                format!("invalid decision_type {d} of node {i}"),
            ));
        }
        let missing_type = match (d >> 2) & 3 {
            0 => MissingType::None,
            1 => MissingType::Zero,
            2 => MissingType::Nan,
            _ => {
                let message = format!("invalid missing type in decision_type {d} of node {i}");
                return Err(t.err(line_of("decision_type"), message));
            }
        };
        let split = match d & 1 {
            0 => Split::Numerical {
                threshold: threshold[i],
                missing_type,
                default_left: d & 2 != 0,
            },
            _ => {
                let cat_idx = threshold[i];
                if !(cat_idx >= 0.0 && cat_idx.fract() == 0.0 && (cat_idx as usize) < num_cat) {
                    let message = format!(
                        "categorical threshold {cat_idx} of node {i} is not a bitset index \
                         below num_cat {num_cat}"
                    );
                    return Err(t.err(line_of("threshold"), message));
                }
                Split::Categorical {
                    cat_idx: cat_idx as u32,
                }
            }
        };
        let child = |key: &str, c: i64| -> Result<Child, ParseError> {
            if c >= 0 && (c as usize) < num_nodes {
                Ok(Child::Node(c as u32))
            } else if c < 0 && ((!c) as usize) < num_leaves {
                Ok(Child::Leaf((!c) as u32))
            } else {
                let message =
                    format!("{key} {c} of node {i} is out of range for {num_leaves} leaves");
                Err(t.err(line_of(key), message))
            }
        };
        let left = child("left_child", left_child[i])?;
        let right = child("right_child", right_child[i])?;
        nodes.push(Node {
            split_feature: feature as u32,
            split,
            left,
            right,
        });
    }
    check_shape(&t, &nodes, num_leaves)?;

    let is_linear: u8 = t.scalar("is_linear")?.unwrap_or(0);
    let linear = match is_linear {
        0 => None,
        1 => Some(parse_linear(&t, num_leaves, num_feature)?),
        n => {
            let l = t.get("is_linear").map_or(line, |e| e.line);
            return Err(t.err(l, format!("invalid is_linear {n}")));
        }
    };
    Ok(Tree {
        nodes,
        leaf_value,
        cat_boundaries,
        cat_threshold,
        linear,
    })
}

/// Checks that every node and leaf is reached exactly once from the root, which rules out
/// cycles, shared subtrees and unreachable leaves.
fn check_shape(t: &TreeEntries, nodes: &[Node], num_leaves: usize) -> Result<(), ParseError> {
    if nodes.is_empty() {
        return Ok(());
    }
    let mut node_seen = vec![false; nodes.len()];
    let mut leaf_seen = vec![false; num_leaves];
    let mut stack = vec![0u32];
    node_seen[0] = true;
    let line = t.get("left_child").map_or(t.line, |e| e.line);
    while let Some(n) = stack.pop() {
        let node = &nodes[n as usize];
        for child in [node.left, node.right] {
            match child {
                Child::Node(c) => {
                    if std::mem::replace(&mut node_seen[c as usize], true) {
                        let message =
                            format!("node {c} is reached twice (a cycle or shared subtree)");
                        return Err(t.err(line, message));
                    }
                    stack.push(c);
                }
                Child::Leaf(l) => {
                    if std::mem::replace(&mut leaf_seen[l as usize], true) {
                        return Err(t.err(line, format!("leaf {l} is reached twice")));
                    }
                }
            }
        }
    }
    if let Some(n) = node_seen.iter().position(|s| !s) {
        return Err(t.err(line, format!("node {n} is not reachable from the root")));
    }
    if let Some(l) = leaf_seen.iter().position(|s| !s) {
        return Err(t.err(line, format!("leaf {l} is not reachable from the root")));
    }
    Ok(())
}

fn parse_linear(
    t: &TreeEntries,
    num_leaves: usize,
    num_feature: usize,
) -> Result<LinearLeaves, ParseError> {
    let leaf_const: Vec<f64> = t.array("leaf_const", num_leaves)?;
    let num_features: Vec<u32> = t.array("num_features", num_leaves)?;
    // The sum is bounded by the line's length once leaf_features is read, but not before.
    let total = num_features
        .iter()
        .try_fold(0u32, |sum, &n| sum.checked_add(n))
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            let l = t.get("num_features").map_or(t.line, |e| e.line);
            t.err(l, "num_features sum past u32::MAX".into())
        })?;
    let leaf_features: Vec<u32> = t.array("leaf_features", total)?;
    let leaf_coeff: Vec<f64> = t.array("leaf_coeff", total)?;
    if let Some(&f) = leaf_features.iter().find(|&&f| f as usize >= num_feature) {
        let line = t.get("leaf_features").map_or(t.line, |e| e.line);
        let message = format!(
            "leaf_features {f} is past max_feature_idx {}",
            num_feature - 1
        );
        return Err(t.err(line, message));
    }
    let mut leaf_offsets = Vec::with_capacity(num_leaves + 1);
    let mut offset = 0u32;
    leaf_offsets.push(0);
    for n in num_features {
        offset += n;
        leaf_offsets.push(offset);
    }
    Ok(LinearLeaves {
        leaf_const,
        leaf_offsets,
        leaf_features,
        leaf_coeff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_TREES: &str = "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\n\
        label_index=0\nmax_feature_idx=1\nobjective=binary sigmoid:1\n\
        feature_names=a b\nfeature_infos=[0:1] [0:1]\ntree_sizes=10 10\n\n\
        Tree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=1\nsplit_gain=1\nthreshold=0.5\n\
        decision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=-0.25 0.5\n\
        is_linear=0\nshrinkage=1\n\n\nTree=1\nnum_leaves=1\nnum_cat=0\nleaf_value=0.125\n\
        is_linear=0\nshrinkage=1\n\n\nend of trees\n\nparameters:\n[boosting: gbdt]\n";

    #[test]
    fn reads_a_small_model() {
        let model = Model::from_text(TWO_TREES).unwrap();
        assert_eq!(model.num_feature, 2);
        assert_eq!(model.trees.len(), 2);
        assert_eq!(model.objective, Objective::Sigmoid { sigmoid: 1.0 });
        let node = model.trees[0].nodes[0];
        assert_eq!(node.left, Child::Leaf(0));
        assert_eq!(
            node.split,
            Split::Numerical {
                threshold: 0.5,
                missing_type: MissingType::None,
                default_left: true
            }
        );
        assert!(model.trees[1].nodes.is_empty());
    }

    #[test]
    fn rejects_short_left_child_with_line_and_tree() {
        let text = TWO_TREES.replace("left_child=-1\n", "left_child=\n");
        let e = Model::from_text(&text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 19 (tree 0): expected 1 values in left_child, found 0"
        );
        assert_eq!((e.line(), e.tree()), (Some(19), Some(0)));
    }

    #[test]
    fn rejects_tree_sizes_mismatch() {
        let text = TWO_TREES.replace("tree_sizes=10 10", "tree_sizes=10");
        let e = Model::from_text(&text).unwrap_err();
        assert_eq!(e.to_string(), "line 10: tree_sizes lists 1 trees, found 2");
    }

    #[test]
    fn rejects_feature_past_max_feature_idx() {
        let text = TWO_TREES.replace("split_feature=1", "split_feature=2");
        let e = Model::from_text(&text).unwrap_err();
        assert_eq!(e.line(), Some(15));
        assert!(e.to_string().contains("past max_feature_idx 1"), "{e}");
    }

    #[test]
    fn rejects_child_out_of_range() {
        let text = TWO_TREES.replace("right_child=-2", "right_child=-3");
        let e = Model::from_text(&text).unwrap_err();
        assert!(e.to_string().contains("out of range"), "{e}");
    }

    #[test]
    fn rejects_unknown_keys() {
        let text = TWO_TREES.replace(
            "shrinkage=1\n\n\nTree=1",
            "shrinkage=1\nmystery=3\n\n\nTree=1",
        );
        let e = Model::from_text(&text).unwrap_err();
        assert!(e.to_string().contains("unknown tree key mystery"), "{e}");
    }

    #[test]
    fn rejects_missing_feature_names_whatever_max_feature_idx_claims() {
        for max_feature_idx in ["1", "4000000000", "18446744073709551614"] {
            let text = TWO_TREES.replace("feature_names=a b\n", "").replace(
                "max_feature_idx=1",
                &format!("max_feature_idx={max_feature_idx}"),
            );
            let e = Model::from_text(&text).unwrap_err();
            assert_eq!(e.to_string(), "missing header key feature_names");
        }
        let text = TWO_TREES.replace("max_feature_idx=1", "max_feature_idx=4000000000");
        let e = Model::from_text(&text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 8: expected 4000000001 feature_names, found 2"
        );
    }

    /// A v4 model over two features with one tree whose key=value lines are `tree`.
    fn one_tree(tree: &str) -> String {
        format!(
            "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\n\
             max_feature_idx=1\nobjective=regression\nfeature_names=a b\n\
             feature_infos=[0:1] [0:1]\ntree_sizes=100\n\nTree=0\n{tree}\nshrinkage=1\n\n\n\
             end of trees\n\nfeature_importances:\na=1\n\nparameters:\n[boosting: gbdt]\n\
             end of parameters\n\npandas_categorical:null\n"
        )
    }

    const THREE_LEAVES: &str = "num_leaves=3\nnum_cat=0\nsplit_feature=0 1\n\
        threshold=0.5 1.5\ndecision_type=2 2\nleft_child=1 -1\nright_child=-2 -3\n\
        leaf_value=1 2 3\nis_linear=0";

    fn reject(text: &str) -> String {
        match Model::from_text(text) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn reads_a_tree_and_ignores_what_follows_end_of_trees() {
        let model = Model::from_text(&one_tree(THREE_LEAVES)).unwrap();
        let nodes = &model.trees[0].nodes;
        assert_eq!(
            (nodes[0].left, nodes[0].right),
            (Child::Node(1), Child::Leaf(1))
        );
        assert_eq!(
            (nodes[1].left, nodes[1].right),
            (Child::Leaf(0), Child::Leaf(2))
        );
    }

    #[test]
    fn rejects_cycle() {
        let text = one_tree(&THREE_LEAVES.replace("left_child=1 -1", "left_child=1 0"));
        let e = reject(&text);
        assert!(e.contains("(tree 0): node 0 is reached twice"), "{e}");
    }

    #[test]
    fn rejects_leaf_reached_twice() {
        let text = one_tree(&THREE_LEAVES.replace("right_child=-2 -3", "right_child=-2 -2"));
        assert!(reject(&text).contains("leaf 1 is reached twice"));
    }

    #[test]
    fn rejects_unreachable_node() {
        let text = one_tree(&THREE_LEAVES.replace("left_child=1 -1", "left_child=-1 -3"));
        let text = text.replace("right_child=-2 -3", "right_child=-2 1");
        let e = reject(&text);
        assert!(e.contains("node 1 is not reachable from the root"), "{e}");
    }

    #[test]
    fn rejects_missing_version() {
        let text = TWO_TREES.replace("version=v4\n", "");
        assert!(reject(&text).contains("missing header key version"));
        let text = TWO_TREES.replace("version=v4", "version=v5");
        assert_eq!(
            reject(&text),
            "line 2: unsupported model version \"v5\" (expected v2, v3 or v4)"
        );
    }

    #[test]
    fn rejects_pre_2_1_header_keys() {
        let text = TWO_TREES.replace("tree_sizes=10 10\n", "tree_sizes=10 10\nsigmoid=1\n");
        assert!(reject(&text).contains("unknown header key sigmoid"));
        let text = TWO_TREES.replace(
            "is_linear=0\nshrinkage=1\n\n\nTree=1",
            "leaf_parent=0\n\nTree=1",
        );
        assert!(reject(&text).contains("unknown tree key leaf_parent"));
    }

    #[test]
    fn reads_v2_trees_without_is_linear_or_weights() {
        let text = TWO_TREES
            .replace("version=v4", "version=v2")
            .replace("is_linear=0\n", "");
        let model = Model::from_text(&text).unwrap();
        assert_eq!(model.version, "v2");
        assert!(model.trees.iter().all(|t| t.linear.is_none()));
    }

    #[test]
    fn rejects_class_counts_that_disagree() {
        let text = TWO_TREES.replace("num_class=1\n", "num_class=2\n");
        assert!(reject(&text).contains("does not match num_class=2"));
        let text = TWO_TREES
            .replace(
                "num_class=1\nnum_tree_per_iteration=1",
                "num_class=2\nnum_tree_per_iteration=2",
            )
            .replace("binary sigmoid:1", "multiclass num_class:3");
        assert_eq!(
            reject(&text),
            "line 7: objective multiclass num_class:3 does not match num_class=2"
        );
        let text = text.replace("multiclass num_class:3", "binary sigmoid:1");
        assert!(reject(&text).contains("has one output, but num_class=2"));
    }

    #[test]
    fn rejects_more_outputs_than_trees() {
        let text = TWO_TREES
            .replace(
                "num_class=1\nnum_tree_per_iteration=1",
                "num_class=4\nnum_tree_per_iteration=4",
            )
            .replace("binary sigmoid:1", "custom");
        assert!(reject(&text).contains("num_tree_per_iteration=4 but the file has 2 trees"));
    }

    #[test]
    fn rejects_non_positive_sigmoid() {
        for sigmoid in ["0", "-1", "nan", "inf"] {
            let text = TWO_TREES.replace("sigmoid:1", &format!("sigmoid:{sigmoid}"));
            assert!(reject(&text).contains("invalid sigmoid"), "{sigmoid}");
        }
    }

    const CATEGORICAL: &str = "num_leaves=3\nnum_cat=2\nsplit_feature=0 1\n\
        threshold=0 1\ndecision_type=1 1\nleft_child=1 -1\nright_child=-2 -3\n\
        leaf_value=1 2 3\ncat_boundaries=0 1 3\ncat_threshold=6 0 1\nis_linear=0";

    #[test]
    fn reads_categorical_bitsets() {
        let model = Model::from_text(&one_tree(CATEGORICAL)).unwrap();
        assert_eq!(model.trees[0].cat_boundaries, [0, 1, 3]);
        assert_eq!(
            model.trees[0].nodes[1].split,
            Split::Categorical { cat_idx: 1 }
        );
    }

    #[test]
    fn rejects_inconsistent_bitsets() {
        let text = one_tree(&CATEGORICAL.replace("cat_boundaries=0 1 3", "cat_boundaries=0 2 1"));
        assert!(reject(&text).contains("cat_boundaries must rise from 0"));
        let text = one_tree(&CATEGORICAL.replace("threshold=0 1", "threshold=0 2"));
        assert!(reject(&text).contains("not a bitset index below num_cat 2"));
        let text = one_tree(&CATEGORICAL.replace("num_cat=2", "num_cat=18446744073709551615"));
        assert!(reject(&text).contains("not below num_leaves 3"));
    }

    /// LightGBM pads `leaf_features` and `leaf_coeff` with a space per leaf.
    const LINEAR: &str = "num_leaves=2\nnum_cat=0\nsplit_feature=0\nthreshold=0.5\n\
        decision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=1 2\nis_linear=1\n\
        leaf_const=0.5 -0.5\nnum_features=2 0\nleaf_features=1 0  \nleaf_coeff=0.25 -1  ";

    #[test]
    fn reads_linear_leaves_with_padding() {
        let model = Model::from_text(&one_tree(LINEAR)).unwrap();
        let linear = model.trees[0].linear.as_ref().unwrap();
        assert_eq!(linear.leaf_offsets, [0, 2, 2]);
        assert_eq!(linear.leaf_features, [1, 0]);
        assert_eq!(linear.leaf_coeff, [0.25, -1.0]);
    }

    #[test]
    fn rejects_linear_leaves_that_disagree() {
        let text = one_tree(&LINEAR.replace("leaf_features=1 0", "leaf_features=1 2"));
        assert!(reject(&text).contains("leaf_features 2 is past max_feature_idx 1"));
        let text = one_tree(&LINEAR.replace("num_features=2 0", "num_features=2 1"));
        assert!(reject(&text).contains("expected 3 values in leaf_features, found 2"));
        let text = one_tree(&LINEAR.replace("num_features=2 0", "num_features=4294967295 1"));
        assert!(reject(&text).contains("num_features sum past u32::MAX"));
        let text = one_tree(&LINEAR.replace("is_linear=1", "is_linear=2"));
        assert!(reject(&text).contains("invalid is_linear 2"));
    }

    /// Every one-byte change of valid models is read or rejected, never a panic.
    #[test]
    fn never_panics_on_mutated_bytes() {
        let replacements = [
            "",
            "-",
            "0",
            "9",
            " ",
            "\n",
            "=",
            "x",
            "99999999999999999999",
        ];
        for text in [
            TWO_TREES.to_string(),
            one_tree(CATEGORICAL),
            one_tree(LINEAR),
        ] {
            for i in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
                for r in replacements {
                    let end = (i + 1..=text.len()).find(|&j| text.is_char_boundary(j));
                    let mutated = format!("{}{r}{}", &text[..i], &text[end.unwrap_or(i)..]);
                    let _ = Model::from_text(&mutated);
                }
            }
        }
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for text in [
            "",
            "tree",
            "tree\nTree=0\n",
            "hello",
            "tree\nnum_class=1\nend of trees",
        ] {
            assert!(Model::from_text(text).is_err(), "{text:?}");
        }
    }
}
