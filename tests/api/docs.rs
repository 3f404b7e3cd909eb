//! The documentation says what the code does.

use registry::config::Settings;
use std::cell::RefCell;

/// Every variable the configuration reads, in the order it reads them.
fn variables_read() -> Vec<String> {
    let read = RefCell::new(Vec::new());
    Settings::from_lookup(|name| {
        read.borrow_mut().push(name.to_owned());
        None
    })
    .unwrap();
    read.into_inner()
}

#[test]
fn every_configuration_variable_is_documented_in_the_readme_and_the_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let config = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/config.rs")).unwrap();
    let variables = variables_read();
    assert!(variables.len() >= 19, "the lookup saw every variable: {variables:?}");
    for variable in variables {
        let row = format!("| `{variable}` |");
        assert!(readme.contains(&row), "README.md's configuration table misses {variable}");
        assert!(config.contains(&format!("//! {row}")), "src/config.rs's table misses {variable}");
    }
}

/// The first fenced code block of `language` in a document, as a reader would copy it.
pub fn code_block(document: &str, language: &str) -> String {
    let text = std::fs::read_to_string(document).unwrap();
    let fence = format!("```{language}\n");
    let start = text.find(&fence).unwrap_or_else(|| panic!("no {language} block in {document}")) + fence.len();
    let end = start + text[start..].find("```").unwrap();
    text[start..end].to_owned()
}
