//! The `genrecast recommend` command, run as a user would.

use std::process::Command;

fn genrecast(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_genrecast"))
        .args(args)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        output.status.code().unwrap_or(-1),
        text(output.stdout),
        text(output.stderr),
    )
}

/// The first golden row that has a signup, with LightGBM's top three.
fn golden_signup() -> (String, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/model/golden.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let row: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let top3 = row["top3"].as_array().unwrap().iter();
    (
        row["signup"].to_string(),
        top3.map(|g| g.as_str().unwrap().to_string()).collect(),
    )
}

fn genres(answer: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(answer).unwrap();
    let genres = value["genres"].as_array().unwrap().iter();
    genres
        .map(|g| g["genre"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn recommends_lightgbm_top_three_for_a_signup() {
    let (signup, top3) = golden_signup();
    let (code, stdout, stderr) = genrecast(&["recommend", &signup]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(genres(&stdout), top3);
}

#[test]
fn refuses_an_unknown_genre_on_stderr_with_exit_code_1() {
    let (code, stdout, stderr) = genrecast(&["recommend", r#"{"genres":["polka"]}"#]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("unknown value \"polka\" for genres; accepted values: Classical"));
}

#[test]
fn scores_a_jsonl_file_line_by_line_keeping_refused_lines() {
    let (signup, top3) = golden_signup();
    let path = std::env::temp_dir().join(format!("genrecast-cli-{}.jsonl", std::process::id()));
    std::fs::write(&path, format!("{signup}\n{{\"x\":1}}\n{signup}\n")).unwrap();
    let (code, stdout, stderr) =
        genrecast(&["recommend", "--input", path.to_str().unwrap(), "-k", "3"]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(genres(lines[0]), top3);
    assert!(
        lines[1].contains("\"code\":\"unknown_field\""),
        "{}",
        lines[1]
    );
    assert_eq!(genres(lines[2]), top3);
    assert!(stderr.contains(":2: unknown field \"x\""), "{stderr}");
}
