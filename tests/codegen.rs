//! The generated scorer for a two-tree fixture model (`tests/codegen/two_trees.txt`, one
//! numerical split of each missing type and a categorical split) is compared with the
//! committed `tests/codegen/two_trees.rs`. Run with `UPDATE_GOLDEN=1` to rewrite the
//! expected file after a deliberate change to the code generator, and review the diff.

use genrecast::codegen::forest_source;
use genrecast::model::Model;
use std::path::Path;

#[test]
fn two_tree_fixture_renders_as_committed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/codegen");
    let text = std::fs::read_to_string(dir.join("two_trees.txt")).expect("fixture model");
    let model = Model::from_text(&text).expect("the fixture parses");
    let source = forest_source(&model, "tests/codegen/two_trees.txt");
    let expected_path = dir.join("two_trees.rs");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected_path, &source).expect("tests/codegen is writable");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).expect("two_trees.rs is committed");
    if source != expected {
        let line = source
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| source.lines().count().min(expected.lines().count()));
        panic!(
            "generated code differs from tests/codegen/two_trees.rs at line {}; rerun with \
             UPDATE_GOLDEN=1 if the change is intended",
            line + 1
        );
    }
}
