//! Arbitrary input to the parsers of files a pull request controls (`.chora-answers.yml`,
//! `template.yml`, a `--data-file`) ends in a value or an error, never a panic, and an error
//! never quotes more than a short excerpt.

use proptest::prelude::*;

use chora::template::answers_file::AnswersFile;
use chora::template::schema::TemplateSpec;

/// Text built from YAML's structural characters, so the parsers see deep and odd structure.
fn yamlish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("[".to_string()),
            Just("]".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just(": ".to_string()),
            Just("- ".to_string()),
            Just("\n".to_string()),
            Just("  ".to_string()),
            Just("'".to_string()),
            Just("\"".to_string()),
            Just("&a ".to_string()),
            Just("*a".to_string()),
            Just("files".to_string()),
            Just("answers".to_string()),
            Just("chora_version".to_string()),
            "[a-z0-9_.\\\\]{0,8}",
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..400,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn answers_files_never_panic(text in yamlish()) {
        if let Err(e) = AnswersFile::parse(&text) {
            prop_assert!(e.to_string().chars().count() <= 400, "{e}");
        }
    }

    #[test]
    fn template_specs_never_panic(text in yamlish()) {
        if let Err(e) = TemplateSpec::parse(&text) {
            prop_assert!(e.chars().count() <= 400, "{e}");
        }
    }

    #[test]
    fn data_files_never_panic(text in yamlish()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.yml");
        std::fs::write(&path, &text).unwrap();
        let _ = chora::generate::inputs::given_answers(Some(&path), &[]);
    }

    #[test]
    fn arbitrary_bytes_as_an_answers_file_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = AnswersFile::parse(&text);
    }
}
