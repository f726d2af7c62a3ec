//! Why a model file was rejected, and where.

use std::fmt;

/// A model file that could not be read: the line, the tree (when inside one) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    line: Option<usize>,
    tree: Option<usize>,
    message: String,
}

impl ParseError {
    pub(crate) fn new(line: Option<usize>, tree: Option<usize>, message: String) -> ParseError {
        ParseError {
            line,
            tree,
            message,
        }
    }

    /// The 1-based line of the model file, when the error is tied to one.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The 0-based tree index, when the error is inside a tree.
    pub fn tree(&self) -> Option<usize> {
        self.tree
    }

    /// What was wrong, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.tree) {
            (Some(line), Some(tree)) => write!(f, "line {line} (tree {tree}): ")?,
            (Some(line), None) => write!(f, "line {line}: ")?,
            (None, Some(tree)) => write!(f, "tree {tree}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}
