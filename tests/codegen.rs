//! The generated scorer for a two-tree fixture model (`tests/codegen/two_trees.txt`, one
//! numerical split of each missing type and a categorical split) is compared with the
//! committed `tests/codegen/two_trees.rs`, and without its prefix table with
//! `tests/codegen/two_trees_without_prefix_tables.rs`. Run with `UPDATE_GOLDEN=1` to rewrite the
//! expected files after a deliberate change to the code generator, and review the diff.

use genrecast::codegen::{forest_source_in, layout_for, Layout};
use genrecast::model::Model;
use std::path::Path;

#[test]
fn two_tree_fixture_renders_as_committed() {
    // The prefix table covers both trees; without it, the tree functions show.
    check_rendering(Layout::TreeFunctions, "two_trees.rs");
    check_rendering(
        Layout::TreeFunctionsWithoutPrefixTables,
        "two_trees_without_prefix_tables.rs",
    );
}

fn check_rendering(layout: Layout, expected_file: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/codegen");
    let text = std::fs::read_to_string(dir.join("two_trees.txt")).expect("fixture model");
    let model = Model::from_text(&text).expect("the fixture parses");
    assert_eq!(layout_for(&model), Layout::TreeFunctions);
    let source = forest_source_in(&model, "tests/codegen/two_trees.txt", layout);
    let expected_path = dir.join(expected_file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected_path, &source).expect("tests/codegen is writable");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).expect("the file is committed");
    if source != expected {
        let line = source
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| source.lines().count().min(expected.lines().count()));
        panic!(
            "generated code differs from tests/codegen/{expected_file} at line {}; rerun with \
             UPDATE_GOLDEN=1 if the change is intended",
            line + 1
        );
    }
}
