//! Split conditions shared between trees, evaluated once per row.
//!
//! A small model on few features repeats its conditions: the default model's 960 nodes hold
//! 61 distinct ones (a genre ticked or not, an age threshold). When sharing saves enough,
//! `raw_scores` evaluates each distinct condition once into the bits of a few `u64`s, and
//! each bitvector tree reads its nodes' bits instead of comparing doubles itself.

use super::condition;
use crate::model::{Model, Tree};
use std::collections::HashMap;
use std::fmt::Write;

/// Sharing pays when there are at most this many nodes' conditions to a distinct one.
/// Measured on the default model (16 nodes to one), not located more closely.
const MIN_NODES_PER_CONDITION: usize = 2;

/// The distinct conditions of a model's bitvector trees, numbered in first-use order.
pub struct SharedConditions {
    /// Each condition's Rust expression (true when the row goes left) and split feature.
    conditions: Vec<(String, u32)>,
    numbers: HashMap<String, usize>,
}

impl SharedConditions {
    /// The conditions of the trees of `model` for which `shared(tree)` holds, when there
    /// are few enough distinct ones for sharing to pay.
    pub fn collect(model: &Model, shared: impl Fn(&Tree) -> bool) -> Option<SharedConditions> {
        let mut conditions = vec![];
        let mut numbers = HashMap::new();
        let mut nodes = 0;
        for tree in model.trees.iter().filter(|tree| shared(tree)) {
            for (n, node) in tree.nodes.iter().enumerate() {
                nodes += 1;
                let expression = condition(tree, n);
                if !numbers.contains_key(&expression) {
                    numbers.insert(expression.clone(), conditions.len());
                    conditions.push((expression, node.split_feature));
                }
            }
        }
        let pays = !conditions.is_empty() && nodes >= MIN_NODES_PER_CONDITION * conditions.len();
        pays.then_some(SharedConditions {
            conditions,
            numbers,
        })
    }

    /// The word and bit that hold the condition of node `n` of `tree`.
    pub fn bit(&self, tree: &Tree, n: usize) -> (usize, usize) {
        let number = self.numbers[&condition(tree, n)];
        (number / 64, number % 64)
    }

    /// Writes `CONDITION_WORDS` and `conditions`, which evaluates every condition for a
    /// filtered row.
    pub fn write(&self, out: &mut String, feature_names: &[String]) {
        let words = self.conditions.len().div_ceil(64);
        let _ = writeln!(
            out,
            "/// The number of `u64`s holding one bit per shared condition.\n\
             const CONDITION_WORDS: usize = {words};\n\n\
             /// Every shared split condition for a filtered row: bit `i % 64` of word `i / 64` \
             is set when\n/// the row goes left at condition `i`.\n\
             #[inline(always)]\n\
             fn conditions(x: &[f64; NUM_FEATURE]) -> [u64; CONDITION_WORDS] {{\n    \
             let mut bits = [0; CONDITION_WORDS];"
        );
        for (i, (expression, feature)) in self.conditions.iter().enumerate() {
            let _ = writeln!(
                out,
                "    bits[{}] |= u64::from({expression}) << {}; // {}",
                i / 64,
                i % 64,
                feature_names[*feature as usize]
            );
        }
        out.push_str("    bits\n}\n\n");
    }
}
