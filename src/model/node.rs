//! One split of a tree, decoded once from LightGBM's arrays.

/// Where a branch leads: another internal node or a leaf, both as indices into the tree.
///
/// LightGBM writes a leaf `l` as the child index `!l` (a negative number); this enum holds
/// the decoded form so that the convention is handled in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Node(u32),
    Leaf(u32),
}

/// How a numerical split treats missing values (bits 2-3 of `decision_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingType {
    /// NaN is treated as 0.0.
    None,
    /// 0.0 (and NaN, which becomes 0.0) goes to the default side.
    Zero,
    /// NaN goes to the default side.
    Nan,
}

/// The test at an internal node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Split {
    /// Go left iff `x <= threshold`, after the missing-value rule.
    Numerical {
        threshold: f64,
        missing_type: MissingType,
        default_left: bool,
    },
    /// Go left iff the category is in bitset block `cat_idx` of the tree's `cat_threshold`.
    Categorical { cat_idx: u32 },
}

/// Whether `category` is in a bitset block of `cat_threshold`; categories past the block are
/// not. Shared by the scorers and by the build, which applies categorical nodes ahead of time.
#[inline]
pub fn bitset_contains(bitset: &[u32], category: u32) -> bool {
    let word = (category / 32) as usize;
    word < bitset.len() && (bitset[word] >> (category % 32)) & 1 == 1
}

/// LightGBM's `NumericalDecision`, for a filtered input (see `crate::forest::input`). Shared
/// by the scorers and by the build, which decides nodes ahead of time.
#[inline]
pub fn numerical_goes_left(
    x: f64,
    threshold: f64,
    missing_type: MissingType,
    default_left: bool,
) -> bool {
    let x = if x.is_nan() && missing_type != MissingType::Nan {
        0.0
    } else {
        x
    };
    let missing = match missing_type {
        MissingType::None => false,
        MissingType::Zero => x == 0.0,
        MissingType::Nan => x.is_nan(),
    };
    if missing {
        default_left
    } else {
        x <= threshold
    }
}

/// An internal node: the feature it reads, its test and its two children.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    pub split_feature: u32,
    pub split: Split,
    pub left: Child,
    pub right: Child,
}

impl Node {
    /// A numerical split, in the argument order of LightGBM's arrays; used by generated code.
    pub const fn numerical(
        split_feature: u32,
        threshold: f64,
        missing_type: MissingType,
        default_left: bool,
        left: Child,
        right: Child,
    ) -> Node {
        let split = Split::Numerical {
            threshold,
            missing_type,
            default_left,
        };
        Node {
            split_feature,
            split,
            left,
            right,
        }
    }

    /// A categorical split on bitset block `cat_idx`; used by generated code.
    pub const fn categorical(split_feature: u32, cat_idx: u32, left: Child, right: Child) -> Node {
        Node {
            split_feature,
            split: Split::Categorical { cat_idx },
            left,
            right,
        }
    }
}
