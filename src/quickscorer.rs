//! QuickScorer (Lucchese et al., SIGIR 2015): an ensemble scored feature by feature over
//! static tables instead of tree by tree.
//!
//! Each tree of up to 64 leaves keeps one `u64` of candidate exit leaves, one bit per leaf in
//! left-to-right order. A node whose row goes right rules out the leaves of its left
//! subtree by clearing their bits with the node's mask; the exit leaf is then the lowest bit
//! left (a leaf left of the exit leaf lies under the left child of some ancestor where the
//! row went right). Masks are ANDed, so the order nodes are visited in does not matter, and
//! QuickScorer visits them by feature: a feature's plain numerical nodes are sorted by
//! threshold, and a row value `v` sends right exactly the nodes with threshold `< v`, a
//! prefix of that list, so the walk stops at the first threshold `>= v` and never touches
//! the nodes that go left. The exit leaves are then summed in file order, as LightGBM sums
//! the trees, so the raw scores are the tree walk's to the bit.
//!
//! Nodes whose direction is not one comparison of the value with the threshold are kept
//! apart. A NaN has its own list per feature of the nodes it sends right. A categorical
//! feature has few values, so its nodes are applied ahead of time: for every category (and
//! one slot for the values in no node's set) a list holds, per tree, the AND of the masks of
//! the feature's nodes that send that category right, and a row touches one list. Where
//! those lists would be too large (many categories, few nodes), the feature's nodes are
//! tested one by one instead, branch-free: the row's category gives one word and one bit,
//! the same in every node's bitset (each padded to the feature's widest), so a node costs a
//! load and a shift. Numerical splits with missing type Zero, rare, are tested one by one
//! with the tree walk's own decision function. `crate::codegen` builds the tables and
//! decides which models are scored this way.

use crate::forest::{category, exit_mask, first_exit, numerical_goes_left};
use crate::model::MissingType;

/// An ensemble laid out for QuickScorer; every slice is written by `crate::codegen`.
#[derive(Debug, Clone, Copy)]
pub struct QuickScorer<'a> {
    /// Tree `t` adds to output `t % num_tree_per_iteration`.
    pub num_tree_per_iteration: usize,
    /// Feature `f`'s plain numerical nodes (missing type None or NaN) are entries
    /// `feature_starts[f]..feature_starts[f + 1]` of the three `threshold_*` arrays,
    /// ascending by threshold.
    pub feature_starts: &'a [u32],
    pub thresholds: &'a [f64],
    /// The tree each entry belongs to.
    pub threshold_trees: &'a [u32],
    /// The tree's exit leaves with the node's left subtree cleared.
    pub threshold_masks: &'a [u64],
    /// The plain numerical nodes that a NaN of feature `f` sends right: entries
    /// `nan_starts[f]..nan_starts[f + 1]` of `nan_trees` and `nan_masks`.
    pub nan_starts: &'a [u32],
    pub nan_trees: &'a [u32],
    pub nan_masks: &'a [u64],
    /// Feature `f` has lists `category_list_firsts[f]..category_list_firsts[f + 1]`, one per
    /// slot: one per category up to the largest in any of its nodes' sets, then one for
    /// every other value; none where its nodes (if any) are tested one by one. List `i` is
    /// entries `category_list_starts[i]..category_list_starts[i + 1]` of `category_trees`
    /// and `category_masks`, in tree order.
    pub category_list_firsts: &'a [u32],
    pub category_list_starts: &'a [u32],
    pub category_trees: &'a [u16],
    /// The AND of the masks of the tree's nodes on the feature that send the category right.
    pub category_masks: &'a [u64],
    /// Feature `f`'s categorical nodes tested one by one: entries
    /// `categorical_starts[f]..categorical_starts[f + 1]` of `categorical_trees` and
    /// `categorical_masks`.
    pub categorical_starts: &'a [u32],
    pub categorical_trees: &'a [u32],
    pub categorical_masks: &'a [u64],
    /// The words in each bitset of feature `f`'s nodes, padded with zeros to the widest.
    pub categorical_words: &'a [u32],
    /// Where feature `f`'s bitsets start in `categorical_bits`, one after the other in
    /// node order, `categorical_words[f]` words each.
    pub categorical_bits_starts: &'a [u32],
    pub categorical_bits: &'a [u32],
    /// Numerical nodes with missing type Zero.
    pub zero_missing: &'a [ZeroMissingNode],
    /// Tree `t`'s leaf values, left to right, are
    /// `leaf_values[leaf_starts[t]..leaf_starts[t + 1]]`.
    pub leaf_starts: &'a [u32],
    pub leaf_values: &'a [f64],
}

/// A numerical split with missing type Zero, tested on its own.
#[derive(Debug, Clone, Copy)]
pub struct ZeroMissingNode {
    pub feature: u32,
    pub threshold: f64,
    pub default_left: bool,
    pub tree: u32,
    /// As in [`QuickScorer::threshold_masks`].
    pub mask: u64,
}

impl QuickScorer<'_> {
    /// Writes the raw scores of a filtered row (see [`crate::forest::input`]) into `out`.
    /// `exits` is scratch space, one word per tree.
    ///
    /// The lengths are the generated code's to get right: `x` has one value per feature,
    /// `exits` one word per tree and `out` one value per output.
    pub fn raw_scores(&self, x: &[f64], exits: &mut [u64], out: &mut [f64]) {
        exits.fill(u64::MAX);
        for (f, &value) in x.iter().enumerate() {
            self.numerical(f, value, exits);
            self.categorical(f, value, exits);
        }
        for node in self.zero_missing {
            let value = x[node.feature as usize];
            let goes_left =
                numerical_goes_left(value, node.threshold, MissingType::Zero, node.default_left);
            exits[node.tree as usize] &= exit_mask(goes_left, node.mask);
        }
        out.fill(0.0);
        let k = self.num_tree_per_iteration;
        for (iteration, exits) in exits.chunks(k).enumerate() {
            for (j, (&exit, score)) in exits.iter().zip(out.iter_mut()).enumerate() {
                let t = iteration * k + j;
                let leaves = self.leaf_starts[t] as usize..self.leaf_starts[t + 1] as usize;
                let leaves = &self.leaf_values[leaves];
                *score += leaves[first_exit(exit, leaves.len())];
            }
        }
    }

    /// Applies feature `f`'s plain numerical nodes that send `value` right.
    #[inline]
    fn numerical(&self, f: usize, value: f64, exits: &mut [u64]) {
        if value.is_nan() {
            let range = self.nan_starts[f] as usize..self.nan_starts[f + 1] as usize;
            for (&tree, &mask) in self.nan_trees[range.clone()]
                .iter()
                .zip(&self.nan_masks[range])
            {
                exits[tree as usize] &= mask;
            }
            return;
        }
        let range = self.feature_starts[f] as usize..self.feature_starts[f + 1] as usize;
        let entries = self.thresholds[range.clone()]
            .iter()
            .zip(&self.threshold_trees[range.clone()])
            .zip(&self.threshold_masks[range]);
        for ((&threshold, &tree), &mask) in entries {
            if value <= threshold {
                break;
            }
            exits[tree as usize] &= mask;
        }
    }

    /// Applies feature `f`'s categorical nodes to `value`.
    #[inline]
    fn categorical(&self, f: usize, value: f64, exits: &mut [u64]) {
        let slots = self.category_list_firsts[f + 1] - self.category_list_firsts[f];
        if slots > 0 {
            // The last slot holds what no set contains: larger categories, NaN, negatives.
            let slot = category(value).map_or(slots - 1, |c| c.min(slots - 1));
            let list = (self.category_list_firsts[f] + slot) as usize;
            let range = self.category_list_starts[list] as usize
                ..self.category_list_starts[list + 1] as usize;
            for (&tree, &mask) in self.category_trees[range.clone()]
                .iter()
                .zip(&self.category_masks[range])
            {
                exits[tree as usize] &= mask;
            }
            return;
        }
        let range = self.categorical_starts[f] as usize..self.categorical_starts[f + 1] as usize;
        if range.is_empty() {
            return;
        }
        let nodes = self.categorical_trees[range.clone()]
            .iter()
            .zip(&self.categorical_masks[range]);
        let words = self.categorical_words[f];
        match category(value).filter(|c| c / 32 < words) {
            // In no node's set: every node sends the row right.
            None => {
                for (&tree, &mask) in nodes {
                    exits[tree as usize] &= mask;
                }
            }
            Some(c) => {
                let first = self.categorical_bits_starts[f] as usize + (c / 32) as usize;
                let bits = self.categorical_bits[first..]
                    .iter()
                    .step_by(words as usize);
                for ((&tree, &mask), &word) in nodes.zip(bits) {
                    exits[tree as usize] &= exit_mask((word >> (c % 32)) & 1 == 1, mask);
                }
            }
        }
    }
}
