//! The parsed LightGBM ensemble.
//!
//! This module owns the data read from a model file: [`Model`] holds the header and one
//! [`Tree`] per boosting tree, with every array checked against `num_leaves` and every child
//! index checked to form a proper tree. It does not score; [`crate::forest`] walks borrowed
//! views of the same arrays, so the run-time path and the compiled path share one traversal.
//!
//! The module has no dependencies beyond `std` so that `build.rs` can include it by path;
//! `Model::from_json`, which needs serde_json, lives in `crate::dump_model` for that reason.

mod error;
mod exp;
mod node;
mod objective;
mod parse;

pub use error::ParseError;
pub use node::{bitset_contains, numerical_goes_left, Child, MissingType, Node, Split};
pub use objective::Objective;

/// LightGBM's `kZeroThreshold` (the `float` literal `1e-35f` widened to `double`): inputs
/// with a smaller magnitude are read as exactly 0.
pub const ZERO_THRESHOLD: f64 = 1.0000000180025095e-35;

/// A LightGBM boosted ensemble, as read from its text model format.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The `version=` header (`v2`, `v3`, `v4`), empty when absent.
    pub version: String,
    /// `num_class=`: the number of classes (1 for regression and binary).
    pub num_class: usize,
    /// `num_tree_per_iteration=`: the number of outputs; tree `t` adds to output
    /// `t % num_tree_per_iteration`.
    pub num_tree_per_iteration: usize,
    /// `max_feature_idx + 1`: the length of an input row.
    pub num_feature: usize,
    /// `feature_names=`, one per input column.
    pub feature_names: Vec<String>,
    /// How raw scores become predictions.
    pub objective: Objective,
    /// The bare `average_output` line (random-forest mode).
    pub average_output: bool,
    /// The trees, in file order.
    pub trees: Vec<Tree>,
}

/// One regression tree of the ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// Internal nodes; the root is node 0 unless the tree is a single leaf.
    pub nodes: Vec<Node>,
    /// `leaf_value=`, one per leaf, shrinkage already applied.
    pub leaf_value: Vec<f64>,
    /// `cat_boundaries=`: block `i` of `cat_threshold` is `cat_boundaries[i]..cat_boundaries[i+1]`.
    pub cat_boundaries: Vec<u32>,
    /// `cat_threshold=`: the bitsets of categorical splits, 32 categories per word.
    pub cat_threshold: Vec<u32>,
    /// The leaf models of a linear tree (`is_linear=1`).
    pub linear: Option<LinearLeaves>,
}

/// The per-leaf linear models of a tree trained with `linear_tree=true`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearLeaves {
    /// `leaf_const=`, one per leaf.
    pub leaf_const: Vec<f64>,
    /// Where each leaf's terms start in `leaf_features`/`leaf_coeff`; one more entry than
    /// there are leaves.
    pub leaf_offsets: Vec<u32>,
    /// `leaf_features=`, flattened over the leaves.
    pub leaf_features: Vec<u32>,
    /// `leaf_coeff=`, flattened like `leaf_features`.
    pub leaf_coeff: Vec<f64>,
}

impl Model {
    /// Reads a model in LightGBM's text format (what `save_model` writes).
    ///
    /// # Errors
    ///
    /// Returns a [`ParseError`] naming the line, the tree and what was expected when the
    /// text is not a model LightGBM could have written, or uses something not supported.
    pub fn from_text(text: &str) -> Result<Model, ParseError> {
        parse::parse_text(text)
    }

    /// The number of boosting iterations (trees per output).
    pub fn num_iterations(&self) -> usize {
        self.trees.len() / self.num_tree_per_iteration.max(1)
    }
}
