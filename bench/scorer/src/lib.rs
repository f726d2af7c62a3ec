//! The compiled model behind a plain C ABI, for the wasm benchmark in Node: the caller
//! allocates buffers in linear memory with [`genrecast_alloc`], writes rows of doubles and
//! calls [`genrecast_predict`] (one row) or [`genrecast_predict_rows`] (many).

use genrecast::compiled::{FOREST, NUM_FEATURE, NUM_OUTPUT};

/// The length of an input row.
#[no_mangle]
pub extern "C" fn genrecast_num_feature() -> u32 {
    NUM_FEATURE as u32
}

/// The number of outputs per row.
#[no_mangle]
pub extern "C" fn genrecast_num_output() -> u32 {
    NUM_OUTPUT as u32
}

/// A buffer of `len` doubles that lives as long as the module.
#[no_mangle]
pub extern "C" fn genrecast_alloc(len: usize) -> *mut f64 {
    Box::leak(vec![0.0f64; len].into_boxed_slice()).as_mut_ptr()
}

/// Predicts one row: reads `NUM_FEATURE` doubles at `input`, writes `NUM_OUTPUT` at
/// `output`.
///
/// # Safety
///
/// Both pointers come from [`genrecast_alloc`] with at least those lengths.
#[no_mangle]
pub unsafe extern "C" fn genrecast_predict(input: *const f64, output: *mut f64) -> i32 {
    genrecast_predict_rows(input, output, 1)
}

/// Predicts `rows` consecutive rows; returns 0, or 1 when a row cannot be scored.
///
/// # Safety
///
/// `input` holds `rows * NUM_FEATURE` doubles and `output` room for `rows * NUM_OUTPUT`.
#[no_mangle]
pub unsafe extern "C" fn genrecast_predict_rows(
    input: *const f64,
    output: *mut f64,
    rows: usize,
) -> i32 {
    let input = core::slice::from_raw_parts(input, rows * NUM_FEATURE);
    let output = core::slice::from_raw_parts_mut(output, rows * NUM_OUTPUT);
    for (row, out) in input
        .chunks_exact(NUM_FEATURE)
        .zip(output.chunks_exact_mut(NUM_OUTPUT))
    {
        if FOREST.predict(row, out).is_err() {
            return 1;
        }
    }
    0
}
