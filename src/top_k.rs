//! The k highest scores, without allocating.

/// Fills `best` with the indices of the `best.len()` highest `scores`, highest first; ties
/// go to the lower index. Returns how many were filled (fewer when `scores` is shorter).
/// NaN scores rank below every number.
pub fn top_k(scores: &[f64], best: &mut [usize]) -> usize {
    let k = best.len().min(scores.len());
    let mut filled = 0;
    for (i, &s) in scores.iter().enumerate() {
        // Find where score i goes among those kept so far, after any equal score.
        let mut pos = filled;
        while pos > 0 && ranks_above(s, scores[best[pos - 1]]) {
            pos -= 1;
        }
        if pos < k {
            let end = (filled + 1).min(k);
            best.copy_within(pos..end - 1, pos + 1);
            best[pos] = i;
            filled = end;
        }
    }
    filled
}

fn ranks_above(a: f64, b: f64) -> bool {
    a > b || (b.is_nan() && !a.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_highest_first_with_ties_to_lower_index() {
        let mut best = [0; 3];
        assert_eq!(top_k(&[0.1, 0.5, 0.2, 0.5, 0.05], &mut best), 3);
        assert_eq!(best, [1, 3, 2]);
    }

    #[test]
    fn handles_fewer_scores_than_k() {
        let mut best = [9; 3];
        assert_eq!(top_k(&[0.3, 0.7], &mut best), 2);
        assert_eq!(&best[..2], &[1, 0]);
    }

    #[test]
    fn ranks_nan_last() {
        let mut best = [0; 2];
        top_k(&[f64::NAN, 0.1, 0.2], &mut best);
        assert_eq!(best, [2, 1]);
    }
}
