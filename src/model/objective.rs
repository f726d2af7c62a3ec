//! The `objective=` header line and the output transform it implies.

use super::exp::exp;

/// How an ensemble's raw scores are turned into predictions, per LightGBM's
/// `ObjectiveFunction::ConvertOutput`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// No transform: a custom objective (no `objective=` line), ranking objectives, and
    /// regression without `sqrt`.
    Identity,
    /// `binary sigmoid:S` and `multiclassova ... sigmoid:S`: `1 / (1 + exp(-S x))` per output.
    Sigmoid { sigmoid: f64 },
    /// `multiclass num_class:K`: softmax over the outputs.
    Softmax,
    /// `cross_entropy`: `1 / (1 + exp(-x))`.
    CrossEntropy,
    /// `cross_entropy_lambda`: `log1p(exp(x))`.
    CrossEntropyLambda,
    /// Regression objectives trained with `reg_sqrt=true`: `sign(x) * x * x`.
    SignedSquare,
    /// `poisson`, `gamma`, `tweedie`: `exp(x)`.
    Exp,
}

impl Objective {
    /// Decodes the value of an `objective=` line, e.g. `multiclass num_class:16`.
    ///
    /// Returns `Err` with a description of what is not understood.
    pub fn from_header(value: &str) -> Result<Objective, String> {
        let mut words = value.split_whitespace();
        let name = words.next().unwrap_or("");
        let mut sigmoid = None;
        let mut sqrt = false;
        for word in words {
            match word.split_once(':') {
                Some(("sigmoid", v)) => {
                    // LightGBM refuses a sigmoid that is not positive when it loads a model.
                    let s: f64 = v
                        .parse()
                        .ok()
                        .filter(|s: &f64| s.is_finite() && *s > 0.0)
                        .ok_or_else(|| format!("invalid sigmoid {v:?} in objective"))?;
                    sigmoid = Some(s);
                }
                Some(("num_class", _)) => {}
                None if word == "sqrt" => sqrt = true,
                _ => return Err(format!("unknown objective parameter {word:?}")),
            }
        }
        let regression = |sqrt: bool| {
            if sqrt {
                Objective::SignedSquare
            } else {
                Objective::Identity
            }
        };
        let objective = match name {
            // LightGBM writes no objective line for a custom objective, and reads `custom`.
            "custom" => Objective::Identity,
            "regression" | "regression_l1" | "huber" | "fair" | "quantile" | "mape" => {
                regression(sqrt)
            }
            "binary" | "multiclassova" => Objective::Sigmoid {
                sigmoid: sigmoid.ok_or_else(|| format!("objective {name} without sigmoid"))?,
            },
            "multiclass" => Objective::Softmax,
            "cross_entropy" => Objective::CrossEntropy,
            "cross_entropy_lambda" => Objective::CrossEntropyLambda,
            "poisson" | "gamma" | "tweedie" => Objective::Exp,
            "lambdarank" | "rank_xendcg" => Objective::Identity,
            _ => return Err(format!("unsupported objective {name:?}")),
        };
        Ok(objective)
    }

    /// Transforms raw scores into predictions in place.
    #[inline]
    pub fn transform(&self, scores: &mut [f64]) {
        match *self {
            Objective::Identity => {}
            Objective::Sigmoid { sigmoid } => {
                for x in scores.iter_mut() {
                    *x = 1.0 / (1.0 + exp(-sigmoid * *x));
                }
            }
            Objective::Softmax => softmax(scores),
            Objective::CrossEntropy => {
                for x in scores.iter_mut() {
                    *x = 1.0 / (1.0 + exp(-*x));
                }
            }
            Objective::CrossEntropyLambda => {
                for x in scores.iter_mut() {
                    *x = exp(*x).ln_1p();
                }
            }
            Objective::SignedSquare => {
                for x in scores.iter_mut() {
                    // LightGBM's `Common::Sign` is 0 at zero, unlike `f64::signum`.
                    let sign = if *x > 0.0 {
                        1.0
                    } else if *x < 0.0 {
                        -1.0
                    } else {
                        0.0
                    };
                    *x = sign * *x * *x;
                }
            }
            Objective::Exp => {
                for x in scores.iter_mut() {
                    *x = exp(*x);
                }
            }
        }
    }
}

/// Softmax in LightGBM's order of operations: subtract the maximum, exponentiate while
/// summing left to right, then divide each by the sum.
fn softmax(scores: &mut [f64]) {
    // `std::max(x, max)` as LightGBM writes it: NaN propagates only from `x`, where
    // `f64::max` would drop it (and costs more in wasm).
    let max = scores
        .iter()
        .fold(f64::NEG_INFINITY, |max, &x| if x < max { max } else { x });
    let mut sum = 0.0;
    for x in scores.iter_mut() {
        *x = exp(*x - max);
        sum += *x;
    }
    for x in scores.iter_mut() {
        *x /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_objectives_lightgbm_writes() {
        assert_eq!(
            Objective::from_header("multiclass num_class:16"),
            Ok(Objective::Softmax)
        );
        assert_eq!(
            Objective::from_header("binary sigmoid:1"),
            Ok(Objective::Sigmoid { sigmoid: 1.0 })
        );
        assert_eq!(
            Objective::from_header("regression sqrt"),
            Ok(Objective::SignedSquare)
        );
        assert_eq!(Objective::from_header("tweedie"), Ok(Objective::Exp));
    }

    #[test]
    fn rejects_unknown_objective() {
        assert!(Objective::from_header("magic").is_err());
        assert!(Objective::from_header("binary").is_err());
    }

    #[test]
    fn signed_square_keeps_sign() {
        let mut x = [-2.0, 3.0];
        Objective::SignedSquare.transform(&mut x);
        assert_eq!(x, [-4.0, 9.0]);
    }
}
