//! Prefix tables: an output's first trees summed ahead of time for every way a row can fall
//! through them.
//!
//! An output's raw score is its trees' leaf values added in file order from 0.0. Addition of
//! doubles does not reassociate, so trees cannot be merged in general, but the sum of an
//! output's first trees depends only on which side of each of their splits the row goes.
//! When those trees split few features at few thresholds, the build adds them up, in the
//! same order, for every combination of sides, and the scorer reads the sum from a table:
//! one lookup instead of a load and an add per tree. The trees after the prefix are added to
//! it one by one, as before.
//!
//! The table is indexed feature by feature. A feature's numerical splits add how many of
//! them the row goes left at: a value other than NaN and 0.0 goes left wherever it is at
//! most the threshold, so the splits it goes left at are nested and their count names them.
//! NaN and 0.0 go to each split's default side under missing types NaN and Zero; where that
//! set is not the one its count names, the value gets a slot of its own. A categorical
//! feature's splits, whose sets of categories need not nest, add a bit each. The prefix ends
//! at a linear tree, at one that would take the table past its size, and at one that would
//! give a feature both numerical and categorical splits (LightGBM does not), or more than
//! 63 distinct numerical or 31 categorical ones.

use super::quickscorer::cat_block;
use crate::forest::category_in;
use crate::model::{numerical_goes_left, MissingType, Model, Split, Tree, ZERO_THRESHOLD};

/// What a split tests, compared by value so that repeated splits count once.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    Numerical {
        threshold: f64,
        missing_type: MissingType,
        default_left: bool,
    },
    /// The bitset block of a categorical split.
    Categorical(Vec<u32>),
}

/// One distinct split of the prefix: its test, and a node that makes it.
#[derive(Debug, Clone)]
pub struct SplitRef {
    test: Test,
    /// Where the split is made: (index of the tree in the model, index of the node).
    pub tree: usize,
    pub node: usize,
}

impl SplitRef {
    /// Whether `x` goes left; `x` is a filtered input, and for a categorical split a whole
    /// category or -1, which stands for every input in no category (NaN, -1 or below, 2^31
    /// or above), all sent right.
    fn goes_left(&self, x: f64) -> bool {
        match &self.test {
            Test::Numerical {
                threshold,
                missing_type,
                default_left,
            } => numerical_goes_left(x, *threshold, *missing_type, *default_left),
            Test::Categorical(bitset) => category_in(x, bitset),
        }
    }
}

/// A value that numerical splits may send to their default sides, whatever the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// NaN: sent to the default side under missing type NaN, and read as 0.0 under the
    /// others, which under missing type Zero sends it to the default side too.
    Nan,
    /// 0.0 after LightGBM's zero filter, sent to the default side under missing type Zero.
    /// (NaN, tested first, has its own slot wherever it needs one, never this one.)
    Zero,
}

/// The distinct splits of the prefix on one feature.
///
/// Numerical splits add `stride` to the index for each split the row goes left at, which
/// names the splits as the sets that values go left at are nested; NaN and 0.0, whose sets
/// may not be, add a further `stride` times the offset in `specials` where that is so.
/// Categorical splits (whose sets of categories need not nest) each add their own bit,
/// `stride << i` for the feature's `i`-th split.
#[derive(Debug, Clone)]
pub struct FeatureSplits {
    pub feature: u32,
    pub splits: Vec<SplitRef>,
    pub categorical: bool,
    pub stride: usize,
    /// Special values and the offset each adds beyond its count of splits gone left at.
    pub specials: Vec<(Special, usize)>,
    /// For each value the feature adds to the index (in units of `stride`), an input that
    /// adds it, or `None` where no input does.
    representatives: Vec<Option<f64>>,
}

impl FeatureSplits {
    /// What the index advances by when the row goes left at split `i`.
    pub fn weight(&self, i: usize) -> usize {
        if self.categorical {
            self.stride << i
        } else {
            self.stride
        }
    }
}

/// The prefix sums of one output's first trees.
#[derive(Debug, Clone)]
pub struct PrefixTable {
    /// How many of the output's trees (its first ones) the table covers.
    pub trees: usize,
    pub features: Vec<FeatureSplits>,
    /// Indexed by the sum of the weights of the splits the row goes left at.
    pub values: Vec<f64>,
}

/// The table for the longest prefix of output `output`'s trees whose table has at most
/// `max_cells` entries, or `None` when it would cover fewer than two trees (one tree is
/// scored as cheaply on its own).
pub fn prefix_table(model: &Model, output: usize, max_cells: usize) -> Option<PrefixTable> {
    let k = model.num_tree_per_iteration.max(1);
    let mut features: Vec<FeatureSplits> = vec![];
    let mut covered = vec![];
    for t in (output..model.trees.len()).step_by(k) {
        match with_tree(&features, &model.trees[t], t, max_cells) {
            Some(wider) => features = wider,
            None => break,
        }
        covered.push(t);
    }
    if covered.len() < 2 {
        return None;
    }
    let cells = features
        .last()
        .map_or(1, |f| f.stride * f.representatives.len());
    // The run-time walk, whose zero filter leaves every representative as it is.
    let trees = model.tree_refs();
    let mut row = vec![0.0; model.num_feature];
    let values = (0..cells)
        .map(|cell| {
            for feature in &features {
                let local = cell / feature.stride % feature.representatives.len();
                match feature.representatives[local] {
                    Some(x) => row[feature.feature as usize] = x,
                    None => return 0.0, // no row gets this index
                }
            }
            let mut sum = 0.0;
            for &t in &covered {
                sum += trees[t].leaf_value[trees[t].leaf(&row)];
            }
            sum
        })
        .collect();
    Some(PrefixTable {
        trees: covered.len(),
        features,
        values,
    })
}

/// `features` with tree `tree` (model index `t`) added, or `None` when the tree cannot join
/// the prefix or the table would pass `max_cells`.
fn with_tree(
    features: &[FeatureSplits],
    tree: &Tree,
    t: usize,
    max_cells: usize,
) -> Option<Vec<FeatureSplits>> {
    if tree.linear.is_some() {
        return None;
    }
    let mut wider = features.to_vec();
    for (n, node) in tree.nodes.iter().enumerate() {
        let (test, categorical) = match node.split {
            Split::Numerical {
                threshold,
                missing_type,
                default_left,
            } => {
                let test = Test::Numerical {
                    threshold,
                    missing_type,
                    default_left,
                };
                (test, false)
            }
            Split::Categorical { cat_idx } => {
                let bitset = tree.cat_threshold[cat_block(tree, cat_idx)].to_vec();
                (Test::Categorical(bitset), true)
            }
        };
        let split = SplitRef {
            test,
            tree: t,
            node: n,
        };
        let at = match wider.iter().position(|f| f.feature == node.split_feature) {
            Some(at) if wider[at].categorical != categorical => return None,
            Some(at) => at,
            None => {
                wider.push(FeatureSplits {
                    feature: node.split_feature,
                    splits: vec![],
                    categorical,
                    stride: 0,
                    specials: vec![],
                    representatives: vec![],
                });
                wider.len() - 1
            }
        };
        let splits = &mut wider[at].splits;
        if !splits.iter().any(|s| s.test == split.test) {
            splits.push(split);
        }
    }
    let mut stride = 1usize;
    for feature in &mut wider {
        if feature.categorical {
            feature.representatives = categorical_representatives(&feature.splits, max_cells)?;
        } else {
            let index = numerical_representatives(&feature.splits)?;
            feature.representatives = index.representatives;
            feature.specials = index.specials;
        }
        feature.stride = stride;
        stride = stride.checked_mul(feature.representatives.len())?;
        if stride > max_cells {
            return None;
        }
    }
    Some(wider)
}

/// For each value a numerical feature adds to the index (in units of its stride), an input
/// that adds it, and the special values that get a slot of their own, with what they add on
/// top of their count; `None` if the values other than NaN and 0.0 do not nest, which
/// LightGBM's rules never produce.
///
/// Every split sends a value other than NaN and 0.0 left when it is at most the threshold,
/// so those values' sets of splits nest and their count names the set. NaN and 0.0 go to
/// a split's default side under missing types NaN and Zero, which can be any set: where it
/// is not the set of the same count, the value gets the next free slot.
///
/// Each split's answer, as a function of the filtered input, changes only at its threshold,
/// at 0.0 and at NaN, so inputs at and beside every threshold, the edges of the zero band
/// and the infinities meet every set there is.
fn numerical_representatives(splits: &[SplitRef]) -> Option<NumericalIndex> {
    if splits.len() >= 64 {
        return None;
    }
    let beyond_band = next_up(ZERO_THRESHOLD);
    let mut inputs = vec![beyond_band, -beyond_band, f64::INFINITY, f64::NEG_INFINITY];
    for split in splits {
        if let Test::Numerical { threshold: t, .. } = split.test {
            if t.is_finite() {
                inputs.extend([t, next_up(t), -next_up(-t)]);
            }
        }
    }
    let mut by_count: Vec<Option<(u64, f64)>> = vec![None; splits.len() + 1];
    // Values within the zero band reach the splits as 0.0.
    for x in inputs.into_iter().filter(|x| x.abs() > ZERO_THRESHOLD) {
        let left = left_set(splits, x);
        let slot = &mut by_count[left.count_ones() as usize];
        match slot {
            Some((seen, _)) if *seen != left => return None,
            Some(_) => {}
            None => *slot = Some((left, x)),
        }
    }
    let sets: Vec<u64> = by_count.iter().flatten().map(|&(left, _)| left).collect();
    if sets.windows(2).any(|pair| pair[0] & !pair[1] != 0) {
        return None;
    }
    let mut specials = vec![];
    for (special, x) in [(Special::Nan, f64::NAN), (Special::Zero, 0.0)] {
        let left = left_set(splits, x);
        let count = left.count_ones() as usize;
        // A set already indexed is the regular one of this count or another special's.
        let same = by_count
            .iter()
            .position(|slot| slot.is_some_and(|(seen, _)| seen == left));
        match same {
            Some(slot) if slot > count => specials.push((special, slot - count)),
            Some(_) => {}
            None if by_count[count].is_none() => by_count[count] = Some((left, x)),
            None => {
                specials.push((special, by_count.len() - count));
                by_count.push(Some((left, x)));
            }
        }
    }
    Some(NumericalIndex {
        representatives: by_count.iter().map(|slot| slot.map(|(_, x)| x)).collect(),
        specials,
    })
}

/// What [`numerical_representatives`] finds.
struct NumericalIndex {
    representatives: Vec<Option<f64>>,
    specials: Vec<(Special, usize)>,
}

/// The next double above a finite `x` (`f64::next_up`, which needs Rust 1.86).
fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

/// For each set of categorical `splits` (as bits) a category goes left at, a category that
/// does; `None` when there would be more than `max_cells` sets. Every category past the
/// largest in any bitset goes right everywhere, as does every input in no category
/// (here -1).
fn categorical_representatives(splits: &[SplitRef], max_cells: usize) -> Option<Vec<Option<f64>>> {
    if splits.len() >= 32 || 1usize << splits.len() > max_cells {
        return None;
    }
    let words = splits.iter().map(|split| match &split.test {
        Test::Categorical(bitset) => bitset.len(),
        Test::Numerical { .. } => 0,
    });
    let categories = 32 * words.max().unwrap_or(0);
    let mut by_set = vec![None; 1 << splits.len()];
    for x in std::iter::once(-1.0).chain((0..categories).map(|c| c as f64)) {
        by_set[left_set(splits, x) as usize].get_or_insert(x);
    }
    Some(by_set)
}

/// The splits `x` goes left at, as bits.
fn left_set(splits: &[SplitRef], x: f64) -> u64 {
    splits
        .iter()
        .enumerate()
        .filter(|(_, split)| split.goes_left(x))
        .map(|(i, _)| 1 << i)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(threshold: f64, missing_type: MissingType, default_left: bool) -> SplitRef {
        let test = Test::Numerical {
            threshold,
            missing_type,
            default_left,
        };
        SplitRef {
            test,
            tree: 0,
            node: 0,
        }
    }

    #[test]
    fn thresholds_under_one_missing_rule_need_no_special_slot() {
        let splits = [
            split(2.0, MissingType::None, false),
            split(-1.0, MissingType::None, false),
            split(5.0, MissingType::None, false),
        ];
        let index = numerical_representatives(&splits).expect("nested");
        assert!(index.specials.is_empty());
        // NaN reads as 0.0, which goes left at 2 and 5 only.
        let goes_left_at = |x: f64| left_set(&splits, x).count_ones() as usize;
        assert_eq!(goes_left_at(f64::NAN), 2);
        assert_eq!(index.representatives.len(), 4);
        for (count, x) in index.representatives.iter().enumerate() {
            assert_eq!(goes_left_at(x.expect("every count is reached")), count);
        }
    }

    #[test]
    fn nan_sent_left_at_one_threshold_and_right_at_another_gets_a_slot_of_its_own() {
        // NaN goes left at 1 only, and 1.5 at 2 only: the same count, different splits.
        let splits = [
            split(1.0, MissingType::Nan, true),
            split(2.0, MissingType::Nan, false),
        ];
        let index = numerical_representatives(&splits).expect("indexable");
        assert_eq!(index.specials, vec![(Special::Nan, 2)]);
        assert_eq!(index.representatives.len(), 4);
        assert!(index.representatives[3].expect("NaN").is_nan());
        // With NaN on the same side at both, it goes left at both, as 0.5 does.
        let splits = [
            split(1.0, MissingType::Nan, true),
            split(2.0, MissingType::Nan, true),
        ];
        let index = numerical_representatives(&splits).expect("indexable");
        assert!(index.specials.is_empty());
        assert_eq!(index.representatives.len(), 3);
    }

    #[test]
    fn zero_and_nan_share_a_slot_where_their_default_sides_break_the_order() {
        // Under missing type Zero, NaN reads as 0.0: both go left at -1 (the default side)
        // and right at 1, where the values between go the other way at both.
        let splits = [
            split(-1.0, MissingType::Zero, true),
            split(1.0, MissingType::Zero, false),
        ];
        let index = numerical_representatives(&splits).expect("indexable");
        assert_eq!(index.specials, vec![(Special::Nan, 2), (Special::Zero, 2)]);
        assert_eq!(index.representatives.len(), 4);
    }

    #[test]
    fn categorical_splits_get_a_bit_each_and_unreachable_sets_no_input() {
        let categorical = |bitset: u32| SplitRef {
            test: Test::Categorical(vec![bitset]),
            tree: 0,
            node: 0,
        };
        // {1, 2} and {2}: category 2 is in both, 1 in the first, the rest in neither.
        let splits = [categorical(0b110), categorical(0b100)];
        let representatives = categorical_representatives(&splits, 512).expect("small");
        assert_eq!(
            representatives,
            vec![Some(-1.0), Some(1.0), None, Some(2.0)]
        );
    }
}
