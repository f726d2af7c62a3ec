//! Scoring: a borrowed view of an ensemble and the walk from a feature row to raw scores.
//!
//! [`Forest`] is one type for a model read at run time ([`crate::model::Model`]), whose
//! borrowed trees it walks, and for the model compiled into the crate by `build.rs`, whose
//! `compiled` function (one function per tree, or QuickScorer tables, see
//! [`crate::codegen`]) scores it. Both use the same decision helpers ([`input`],
//! [`category_in`]) and give the same bits; the corpus and property tests check it. Scoring
//! does not allocate: the caller passes the output buffer.

pub use crate::model::numerical_goes_left;
pub use crate::model::ZERO_THRESHOLD;
use crate::model::{bitset_contains, Child, Model, Node, Objective, Split};
use core::fmt;

/// A borrowed ensemble, ready to score.
#[derive(Debug, Clone, Copy)]
pub struct Forest<'a> {
    /// The length of an input row.
    pub num_feature: usize,
    /// The number of outputs; tree `t` adds to output `t % num_tree_per_iteration`.
    pub num_tree_per_iteration: usize,
    pub objective: Objective,
    /// Random-forest mode: predictions are averaged over iterations before the transform.
    pub average_output: bool,
    /// The number of boosting iterations (trees per output).
    pub num_iterations: usize,
    /// The trees to walk; empty when `compiled` scores the forest.
    pub trees: &'a [TreeRef<'a>],
    /// Generated code that writes the raw scores of a row of checked length into `out`,
    /// as walking the trees would; `None` for a model read at run time.
    pub compiled: Option<RawScoresFn>,
}

/// Generated code that writes a row's raw scores (see [`Forest::compiled`]).
pub type RawScoresFn = fn(&[f64], &mut [f64]);

/// A borrowed tree; see [`crate::model::Tree`] for the meaning of each array.
#[derive(Debug, Clone, Copy)]
pub struct TreeRef<'a> {
    pub nodes: &'a [Node],
    pub leaf_value: &'a [f64],
    pub cat_boundaries: &'a [u32],
    pub cat_threshold: &'a [u32],
    pub linear: Option<LinearRef<'a>>,
}

/// Borrowed linear leaf models; see [`crate::model::LinearLeaves`].
#[derive(Debug, Clone, Copy)]
pub struct LinearRef<'a> {
    pub leaf_const: &'a [f64],
    pub leaf_offsets: &'a [u32],
    pub leaf_features: &'a [u32],
    pub leaf_coeff: &'a [f64],
}

/// A row or output buffer of the wrong length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreError {
    FeatureCount { expected: usize, found: usize },
    OutputCount { expected: usize, found: usize },
}

impl fmt::Display for ScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreError::FeatureCount { expected, found } => {
                write!(f, "expected {expected} feature values, found {found}")
            }
            ScoreError::OutputCount { expected, found } => {
                write!(
                    f,
                    "expected an output buffer of {expected} values, found {found}"
                )
            }
        }
    }
}

impl std::error::Error for ScoreError {}

impl<'a> Forest<'a> {
    /// Sums the trees' outputs for one row into `out` (one value per output), as LightGBM's
    /// `predict(raw_score=True)` does.
    ///
    /// # Errors
    ///
    /// [`ScoreError`] when `features` is not `num_feature` long or `out` is not
    /// `num_tree_per_iteration` long.
    #[inline]
    pub fn raw_scores(&self, features: &[f64], out: &mut [f64]) -> Result<(), ScoreError> {
        self.check(features, out)?;
        if let Some(raw_scores) = self.compiled {
            raw_scores(features, out);
            return Ok(());
        }
        out.fill(0.0);
        // Tree t belongs to output t % k; adding in file order keeps LightGBM's sum order.
        for trees in self.trees.chunks(self.num_tree_per_iteration) {
            for (tree, score) in trees.iter().zip(out.iter_mut()) {
                *score += tree.output(features);
            }
        }
        Ok(())
    }

    /// Predictions for one row, as LightGBM's `predict()` returns them: raw scores,
    /// averaged in random-forest mode, then transformed by the objective.
    ///
    /// # Errors
    ///
    /// As [`Forest::raw_scores`].
    #[inline]
    pub fn predict(&self, features: &[f64], out: &mut [f64]) -> Result<(), ScoreError> {
        self.raw_scores(features, out)?;
        if self.average_output {
            let iterations = self.num_iterations as f64;
            for x in out.iter_mut() {
                *x /= iterations;
            }
        }
        self.objective.transform(out);
        Ok(())
    }

    #[inline]
    fn check(&self, features: &[f64], out: &[f64]) -> Result<(), ScoreError> {
        if features.len() != self.num_feature {
            let (expected, found) = (self.num_feature, features.len());
            return Err(ScoreError::FeatureCount { expected, found });
        }
        if out.len() != self.num_tree_per_iteration {
            let (expected, found) = (self.num_tree_per_iteration, out.len());
            return Err(ScoreError::OutputCount { expected, found });
        }
        Ok(())
    }
}

impl TreeRef<'_> {
    /// The tree's output for one row (whose length the caller has checked).
    pub fn output(&self, features: &[f64]) -> f64 {
        let leaf = self.leaf(features);
        match &self.linear {
            None => self.leaf_value[leaf],
            Some(linear) => linear
                .output(leaf, features)
                .unwrap_or(self.leaf_value[leaf]),
        }
    }

    /// The index of the leaf a row falls into.
    pub fn leaf(&self, features: &[f64]) -> usize {
        if self.nodes.is_empty() {
            return 0;
        }
        let mut node = &self.nodes[0];
        loop {
            let x = input(features[node.split_feature as usize]);
            let go_left = match node.split {
                Split::Numerical {
                    threshold,
                    missing_type,
                    default_left,
                } => numerical_goes_left(x, threshold, missing_type, default_left),
                Split::Categorical { cat_idx } => self.category_goes_left(x, cat_idx),
            };
            match if go_left { node.left } else { node.right } {
                Child::Node(n) => node = &self.nodes[n as usize],
                Child::Leaf(l) => return l as usize,
            }
        }
    }

    /// LightGBM's `CategoricalDecision`: NaN and negative categories go right; others go
    /// left iff their bit is set in the node's bitset block.
    fn category_goes_left(&self, x: f64, cat_idx: u32) -> bool {
        let start = self.cat_boundaries[cat_idx as usize] as usize;
        let end = self.cat_boundaries[cat_idx as usize + 1] as usize;
        category_in(x, &self.cat_threshold[start..end])
    }
}

/// LightGBM's `CategoricalDecision` for a filtered input and one node's bitset block: NaN,
/// negative categories and categories past the block are not in the set.
#[inline]
pub fn category_in(x: f64, bitset: &[u32]) -> bool {
    category(x).is_some_and(|c| bitset_contains(bitset, c))
}

/// The category LightGBM reads from a filtered input, or `None` for NaN and negative
/// categories, which are in no set.
#[inline]
pub fn category(x: f64) -> Option<u32> {
    if x.is_nan() || x <= -1.0 || x >= 2_147_483_648.0 {
        // C++'s int cast of a value >= 2^31 is undefined; on x86 it is negative.
        return None;
    }
    // Truncation toward zero, as C++'s `static_cast<int>`.
    Some(x as u32)
}

/// For the bitvector traversal of compiled trees: all ones when the row goes left (nothing
/// is ruled out), else `if_right` (the node's left-subtree leaves cleared). Branch-free.
#[inline(always)]
pub fn exit_mask(goes_left: bool, if_right: u64) -> u64 {
    if_right | (goes_left as u64).wrapping_neg()
}

/// The exit leaf of a bitvector traversal: the lowest bit still set. The leaf the row
/// reaches is never cleared, so the clamp to `num_leaves - 1` never changes the answer; it
/// only spares the bounds check.
#[inline(always)]
pub fn first_exit(exits: u64, num_leaves: usize) -> usize {
    (exits.trailing_zeros() as usize).min(num_leaves - 1)
}

impl LinearRef<'_> {
    /// `leaf_const + sum(coeff * x)` in file order, or `None` when a term's feature is NaN
    /// (LightGBM then falls back to the leaf's constant `leaf_value`).
    pub fn output(&self, leaf: usize, features: &[f64]) -> Option<f64> {
        let range = self.leaf_offsets[leaf] as usize..self.leaf_offsets[leaf + 1] as usize;
        let mut sum = self.leaf_const[leaf];
        for (&feature, &coeff) in self.leaf_features[range.clone()]
            .iter()
            .zip(&self.leaf_coeff[range])
        {
            let x = input(features[feature as usize]);
            if x.is_nan() {
                return None;
            }
            sum += coeff * x;
        }
        Some(sum)
    }
}

/// `x <= threshold || x.is_nan()`, written as one negated comparison: for wasm32 LLVM keeps
/// the two comparisons and the `or` apart, and most splits are of this kind.
#[inline(always)]
pub fn at_most_or_nan(x: f64, threshold: f64) -> bool {
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // NaN is meant to pass
    let passes = !(x > threshold);
    passes
}

/// LightGBM reads dense input through a filter that turns every value with magnitude at
/// most `kZeroThreshold` (including -0.0) into exactly 0.0.
#[inline]
pub fn input(x: f64) -> f64 {
    if x.abs() > ZERO_THRESHOLD || x.is_nan() {
        x
    } else {
        0.0
    }
}

impl Model {
    /// Borrowed views of the trees, to build a [`Forest`] over this model.
    pub fn tree_refs(&self) -> Vec<TreeRef<'_>> {
        self.trees
            .iter()
            .map(|tree| TreeRef {
                nodes: &tree.nodes,
                leaf_value: &tree.leaf_value,
                cat_boundaries: &tree.cat_boundaries,
                cat_threshold: &tree.cat_threshold,
                linear: tree.linear.as_ref().map(|l| LinearRef {
                    leaf_const: &l.leaf_const,
                    leaf_offsets: &l.leaf_offsets,
                    leaf_features: &l.leaf_features,
                    leaf_coeff: &l.leaf_coeff,
                }),
            })
            .collect()
    }

    /// A [`Forest`] over `trees`, which must be this model's [`Model::tree_refs`].
    pub fn forest<'a>(&self, trees: &'a [TreeRef<'a>]) -> Forest<'a> {
        Forest {
            num_feature: self.num_feature,
            num_tree_per_iteration: self.num_tree_per_iteration,
            objective: self.objective,
            average_output: self.average_output,
            num_iterations: self.num_iterations(),
            trees,
            compiled: None,
        }
    }
}
