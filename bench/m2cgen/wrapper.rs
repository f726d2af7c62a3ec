// The ABI bench/node.mjs calls, around m2cgen's `score` (appended below by bench/run).
#![allow(warnings)]

const NUM_FEATURE: usize = @NUM_FEATURE@;
const NUM_OUTPUT: usize = @NUM_OUTPUT@;

trait Output {
    fn write_to(self, out: &mut [f64]);
}
impl Output for f64 {
    fn write_to(self, out: &mut [f64]) {
        out[0] = self;
    }
}
impl Output for Vec<f64> {
    fn write_to(self, out: &mut [f64]) {
        out.copy_from_slice(&self);
    }
}

#[no_mangle]
pub extern "C" fn m2cgen_alloc(len: usize) -> *mut f64 {
    Box::leak(vec![0.0f64; len].into_boxed_slice()).as_mut_ptr()
}

#[no_mangle]
pub unsafe extern "C" fn m2cgen_predict(input: *const f64, output: *mut f64) -> i32 {
    m2cgen_predict_rows(input, output, 1)
}

#[no_mangle]
pub unsafe extern "C" fn m2cgen_predict_rows(
    input: *const f64,
    output: *mut f64,
    rows: usize,
) -> i32 {
    let input = core::slice::from_raw_parts(input, rows * NUM_FEATURE);
    let output = core::slice::from_raw_parts_mut(output, rows * NUM_OUTPUT);
    let outputs = output.chunks_exact_mut(NUM_OUTPUT);
    for (row, out) in input.chunks_exact(NUM_FEATURE).zip(outputs) {
        // m2cgen's `score` takes the row by value.
        score(row.to_vec()).write_to(out);
    }
    0
}

