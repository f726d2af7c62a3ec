//! genrecast: the genres a new listener will play, predicted at signup by a LightGBM model
//! compiled into Rust.
//!
//! `build.rs` compiles the model named by `GENRECAST_MODEL` (default `model/model.txt`)
//! into Rust (one function per tree, or tables for [`quickscorer`] when the model is large);
//! [`compiled::FOREST`] scores it with no allocation and no dependency, on any target
//! including `wasm32-unknown-unknown`. A model read at run time with
//! [`model::Model::from_text`] is scored by walking its trees, with the same decision
//! functions and the same bits.
//!
//! ```
//! use genrecast::compiled;
//!
//! // A signup with every feature missing: the model's prior over genres.
//! let features = [f64::NAN; compiled::NUM_FEATURE];
//! let mut probabilities = [0.0; compiled::NUM_OUTPUT];
//! compiled::FOREST.predict(&features, &mut probabilities).unwrap();
//! let total: f64 = probabilities.iter().sum();
//! assert!((total - 1.0).abs() < 1e-9);
//! ```
//!
//! With the `json` feature, [`signup`] turns a signup such as
//! `{"age":23,"service":"Spotify","genres":["rock","metal"]}` into a feature row and
//! [`recommend`] answers it with the top genres.

pub mod codegen;
pub mod forest;
pub mod model;
pub mod quickscorer;
pub mod schema;
pub mod top_k;

#[cfg(feature = "model-json")]
mod dump_model;
#[cfg(feature = "json")]
pub mod recommend;
#[cfg(feature = "json")]
pub mod signup;

#[cfg(all(feature = "worker", target_arch = "wasm32"))]
mod worker;

/// The JavaScript API of the npm package (`recommend`, `genres`, `fields`, `modelInfo`).
#[cfg(all(feature = "wasm", target_arch = "wasm32"))]
pub mod wasm;

/// Every model of the parity corpus (`tests/corpus/*/model.txt`), compiled in by `build.rs`.
#[cfg(feature = "corpus")]
pub mod corpus {
    include!(concat!(env!("OUT_DIR"), "/corpus.rs"));
}

/// The model compiled in by `build.rs`: its ensemble, schema and version.
pub mod compiled {
    mod forest {
        include!(concat!(env!("OUT_DIR"), "/forest.rs"));
    }
    mod signup_schema {
        include!(concat!(env!("OUT_DIR"), "/signup_schema.rs"));
    }
    pub use forest::{FEATURE_NAMES, FOREST, NUM_FEATURE, NUM_OUTPUT, NUM_TREES};
    pub use signup_schema::{MODEL_VERSION, SCHEMA};

    /// The training metrics (`metrics.json` beside the model, as written by
    /// `model/train.py`), or `null` when the model came without them.
    pub const METRICS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/metrics.json"));
}
