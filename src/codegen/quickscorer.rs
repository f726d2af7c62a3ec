//! [`Model`] -> the static tables of a `crate::quickscorer::QuickScorer`, as Rust source.

use super::{f64_source, write_f64s, write_u16s, write_u32s, write_u64s};
use crate::model::{bitset_contains, Child, MissingType, Model, Split, Tree};
use std::fmt::Write;
use std::ops::Range;

/// The most leaves a tree may have: one bit of a `u64` each.
const MAX_LEAVES: usize = 64;
/// The most trees: the scorer keeps one `u64` per tree on the stack (here 128 KiB), and
/// category lists hold tree numbers as `u16`.
const MAX_TREES: usize = 16_384;
/// A categorical feature gets one list per category when the lists hold at most this many
/// entries, and it has at most this many slots, per node of the feature; otherwise its nodes
/// are tested one by one. Measured on regression_cat_nan (bench/NOTES.md), whose features
/// come to 7-13 entries per node.
const CATEGORY_LISTS_MAX_ENTRIES_PER_NODE: usize = 16;

/// Whether [`quickscorer_source`] can lay `model` out: no linear tree, no tree over 64
/// leaves, no NaN threshold, and few enough trees for the scratch space on the stack.
///
/// A NaN threshold (LightGBM never writes one, but loads one) sends every non-missing value
/// right, which has no place in a feature's nodes sorted by threshold.
pub fn fits(model: &Model) -> bool {
    let plain_tree = |tree: &Tree| {
        tree.linear.is_none()
            && tree.leaf_value.len() <= MAX_LEAVES
            && tree.nodes.iter().all(|node| match node.split {
                Split::Numerical { threshold, .. } => !threshold.is_nan(),
                Split::Categorical { .. } => true,
            })
    };
    model.trees.len() <= MAX_TREES && model.trees.iter().all(plain_tree)
}

/// One node as the scorer applies it.
#[derive(Clone, Copy)]
struct Entry {
    tree: u32,
    /// The tree's leaves with the node's left subtree cleared.
    mask: u64,
}

/// A categorical node: its entry and its bitset.
struct CategoricalNode {
    entry: Entry,
    bitset: Vec<u32>,
}

/// One categorical feature's lists, one per slot (see `crate::quickscorer::QuickScorer`).
struct CategoryLists {
    starts: Vec<u32>,
    trees: Vec<u16>,
    masks: Vec<u64>,
}

/// The category lists of a feature whose nodes are `nodes` (in tree order), or `None` when
/// they would be over [`CATEGORY_LISTS_MAX_ENTRIES_PER_NODE`].
fn category_lists(nodes: &[CategoricalNode]) -> Option<CategoryLists> {
    let largest_in = |bitset: &[u32]| {
        let word = bitset.iter().rposition(|&w| w != 0)?;
        Some(word * 32 + 31 - bitset[word].leading_zeros() as usize)
    };
    let largest = nodes.iter().filter_map(|n| largest_in(&n.bitset)).max();
    let slots = largest.map_or(1, |c| c + 2);
    let budget = CATEGORY_LISTS_MAX_ENTRIES_PER_NODE * nodes.len();
    // Slots cost a start each even when their lists are empty (categories in every set).
    if slots > budget {
        return None;
    }
    let mut lists = CategoryLists {
        starts: vec![],
        trees: vec![],
        masks: vec![],
    };
    for slot in 0..slots {
        lists.starts.push(lists.trees.len() as u32);
        // The last slot, `largest + 1`, is in no set, as every value that shares it.
        let goes_left = |node: &CategoricalNode| bitset_contains(&node.bitset, slot as u32);
        for tree_nodes in nodes.chunk_by(|a, b| a.entry.tree == b.entry.tree) {
            let mask = tree_nodes
                .iter()
                .filter(|&n| !goes_left(n))
                .fold(u64::MAX, |mask, n| mask & n.entry.mask);
            if mask != u64::MAX {
                lists.trees.push(tree_nodes[0].entry.tree as u16);
                lists.masks.push(mask);
            }
        }
        if lists.trees.len() > budget {
            return None;
        }
    }
    Some(lists)
}

/// Writes `static QUICKSCORER` and its arrays for `model`, which must [`fits`]. With
/// `use_category_lists` false, every categorical node is tested one by one (for the tests).
pub fn quickscorer_source(out: &mut String, model: &Model, use_category_lists: bool) {
    let mut by_threshold: Vec<Vec<(f64, Entry)>> = (0..model.num_feature).map(|_| vec![]).collect();
    let mut nan_right: Vec<Vec<Entry>> = (0..model.num_feature).map(|_| vec![]).collect();
    let mut categorical: Vec<Vec<CategoricalNode>> =
        (0..model.num_feature).map(|_| vec![]).collect();
    let mut zero_missing = String::new();
    let mut leaf_starts = vec![0u32];
    let mut leaf_values = vec![];

    for (t, tree) in model.trees.iter().enumerate() {
        let mut leaves = Vec::with_capacity(tree.leaf_value.len());
        let mut left_leaves = vec![0..0; tree.nodes.len()];
        if tree.nodes.is_empty() {
            leaves.push(0);
        } else {
            in_order(tree, Child::Node(0), &mut leaves, &mut left_leaves);
        }
        leaf_values.extend(leaves.iter().map(|&l| tree.leaf_value[l as usize]));
        leaf_starts.push(leaf_values.len() as u32);

        for (node, left) in tree.nodes.iter().zip(left_leaves) {
            let entry = Entry {
                tree: t as u32,
                mask: left.fold(u64::MAX, |mask, bit| mask & !(1u64 << bit)),
            };
            let f = node.split_feature as usize;
            match node.split {
                Split::Numerical {
                    threshold,
                    missing_type: MissingType::Zero,
                    default_left,
                } => {
                    let _ = writeln!(
                        zero_missing,
                        "    ZeroMissingNode {{ feature: {f}, threshold: {}, \
                         default_left: {default_left}, tree: {t}, mask: {:#x} }},",
                        f64_source(threshold),
                        entry.mask
                    );
                }
                Split::Numerical {
                    threshold,
                    missing_type,
                    default_left,
                } => {
                    // LightGBM reads NaN as 0.0 unless the missing type is NaN.
                    let nan_goes_left = match missing_type {
                        MissingType::Nan => default_left,
                        _ => 0.0 <= threshold,
                    };
                    if !nan_goes_left {
                        nan_right[f].push(entry);
                    }
                    by_threshold[f].push((threshold, entry));
                }
                Split::Categorical { cat_idx } => {
                    let bitset = tree.cat_threshold[cat_block(tree, cat_idx)].to_vec();
                    categorical[f].push(CategoricalNode { entry, bitset });
                }
            }
        }
    }

    let mut feature_starts = vec![0u32];
    let (mut thresholds, mut threshold_trees, mut threshold_masks) = (vec![], vec![], vec![]);
    for mut entries in by_threshold {
        entries.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (threshold, entry) in entries {
            thresholds.push(threshold);
            threshold_trees.push(entry.tree);
            threshold_masks.push(entry.mask);
        }
        feature_starts.push(thresholds.len() as u32);
    }
    let mut nan_starts = vec![0u32];
    let (mut nan_trees, mut nan_masks) = (vec![], vec![]);
    for entries in nan_right {
        nan_trees.extend(entries.iter().map(|e| e.tree));
        nan_masks.extend(entries.iter().map(|e| e.mask));
        nan_starts.push(nan_trees.len() as u32);
    }
    let mut category_list_firsts = vec![];
    let mut category_list_starts = vec![];
    let (mut category_trees, mut category_masks) = (vec![], vec![]);
    let mut categorical_starts = vec![0u32];
    let (mut categorical_trees, mut categorical_masks) = (vec![], vec![]);
    let (mut categorical_words, mut categorical_bits_starts) = (vec![], vec![]);
    let mut categorical_bits = vec![];
    for mut nodes in categorical {
        category_list_firsts.push(category_list_starts.len() as u32);
        let lists = if use_category_lists && !nodes.is_empty() {
            category_lists(&nodes)
        } else {
            None
        };
        if let Some(lists) = lists {
            let base = category_trees.len() as u32;
            category_list_starts.extend(lists.starts.iter().map(|s| base + s));
            category_trees.extend(lists.trees);
            category_masks.extend(lists.masks);
            nodes.clear();
        }
        let words = nodes.iter().map(|n| n.bitset.len()).max().unwrap_or(0);
        categorical_words.push(words as u32);
        categorical_bits_starts.push(categorical_bits.len() as u32);
        for node in &nodes {
            categorical_trees.push(node.entry.tree);
            categorical_masks.push(node.entry.mask);
            categorical_bits.extend_from_slice(&node.bitset);
            categorical_bits.resize(categorical_bits.len() + words - node.bitset.len(), 0);
        }
        categorical_starts.push(categorical_trees.len() as u32);
    }
    category_list_firsts.push(category_list_starts.len() as u32);
    category_list_starts.push(category_trees.len() as u32);

    let _ = writeln!(
        out,
        "/// The ensemble laid out for QuickScorer.\n\
         static QUICKSCORER: QuickScorer<'static> = QuickScorer {{\n    \
         num_tree_per_iteration: NUM_OUTPUT,\n    feature_starts: &FEATURE_STARTS,\n    \
         thresholds: &THRESHOLDS,\n    threshold_trees: &THRESHOLD_TREES,\n    \
         threshold_masks: &THRESHOLD_MASKS,\n    nan_starts: &NAN_STARTS,\n    \
         nan_trees: &NAN_TREES,\n    nan_masks: &NAN_MASKS,\n    \
         category_list_firsts: &CATEGORY_LIST_FIRSTS,\n    \
         category_list_starts: &CATEGORY_LIST_STARTS,\n    \
         category_trees: &CATEGORY_TREES,\n    category_masks: &CATEGORY_MASKS,\n    \
         categorical_starts: &CATEGORICAL_STARTS,\n    \
         categorical_trees: &CATEGORICAL_TREES,\n    \
         categorical_masks: &CATEGORICAL_MASKS,\n    \
         categorical_words: &CATEGORICAL_WORDS,\n    \
         categorical_bits_starts: &CATEGORICAL_BITS_STARTS,\n    \
         categorical_bits: &CATEGORICAL_BITS,\n    zero_missing: &ZERO_MISSING,\n    \
         leaf_starts: &LEAF_STARTS,\n    leaf_values: &LEAF_VALUES,\n}};"
    );
    write_u32s(out, "FEATURE_STARTS", &feature_starts);
    write_f64s(out, "THRESHOLDS", &thresholds);
    write_u32s(out, "THRESHOLD_TREES", &threshold_trees);
    write_u64s(out, "THRESHOLD_MASKS", &threshold_masks);
    write_u32s(out, "NAN_STARTS", &nan_starts);
    write_u32s(out, "NAN_TREES", &nan_trees);
    write_u64s(out, "NAN_MASKS", &nan_masks);
    write_u32s(out, "CATEGORY_LIST_FIRSTS", &category_list_firsts);
    write_u32s(out, "CATEGORY_LIST_STARTS", &category_list_starts);
    write_u16s(out, "CATEGORY_TREES", &category_trees);
    write_u64s(out, "CATEGORY_MASKS", &category_masks);
    write_u32s(out, "CATEGORICAL_STARTS", &categorical_starts);
    write_u32s(out, "CATEGORICAL_TREES", &categorical_trees);
    write_u64s(out, "CATEGORICAL_MASKS", &categorical_masks);
    write_u32s(out, "CATEGORICAL_WORDS", &categorical_words);
    write_u32s(out, "CATEGORICAL_BITS_STARTS", &categorical_bits_starts);
    write_u32s(out, "CATEGORICAL_BITS", &categorical_bits);
    let count = zero_missing.lines().count();
    let _ = writeln!(
        out,
        "static ZERO_MISSING: [ZeroMissingNode; {count}] = [\n{zero_missing}];"
    );
    write_u32s(out, "LEAF_STARTS", &leaf_starts);
    write_f64s(out, "LEAF_VALUES", &leaf_values);
}

/// The range of `cat_threshold` that holds bitset block `cat_idx`.
pub fn cat_block(tree: &Tree, cat_idx: u32) -> Range<usize> {
    tree.cat_boundaries[cat_idx as usize] as usize
        ..tree.cat_boundaries[cat_idx as usize + 1] as usize
}

/// Lists the leaves under `child` left to right into `leaves`, and records for each node
/// the positions its left subtree's leaves take in that list.
pub fn in_order(
    tree: &Tree,
    child: Child,
    leaves: &mut Vec<u32>,
    left_leaves: &mut [Range<usize>],
) {
    match child {
        Child::Leaf(l) => leaves.push(l),
        Child::Node(n) => {
            let node = &tree.nodes[n as usize];
            let start = leaves.len();
            in_order(tree, node.left, leaves, left_leaves);
            left_leaves[n as usize] = start..leaves.len();
            in_order(tree, node.right, leaves, left_leaves);
        }
    }
}
