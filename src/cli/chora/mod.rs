//! The `chora` command layer: the options `new` and `update` share, and one module per
//! command with its clap arguments and what it prints.

pub mod audit;
pub mod check;
pub mod doctor;
pub mod migrate;
pub mod new;
pub mod update;

use indexmap::IndexMap;

use crate::generate::inputs::{InputError, can_prompt, given_answers};
use crate::template::resolve::{Asker, Given};

/// Where answers come from: the options `chora new` and `chora update` share.
#[derive(Debug, Clone, clap::Args)]
pub struct AnswerArgs {
    /// Answer a question (repeatable); wins over --data-file.
    #[arg(long, short = 'd', value_name = "KEY=VALUE")]
    pub data: Vec<String>,
    /// YAML file mapping question names to answers.
    #[arg(long, value_name = "FILE")]
    pub data_file: Option<std::path::PathBuf>,
    /// Accept every default without prompting (questions without a default must be given).
    #[arg(long, short = 'l')]
    pub defaults: bool,
}

impl AnswerArgs {
    /// The given answers (`--data-file`, then `--data`).
    pub fn given(&self) -> Result<IndexMap<String, Given>, InputError> {
        given_answers(self.data_file.as_deref(), &self.data)
    }

    /// Prompt on a terminal unless `--defaults` or there is none.
    pub fn asker(&self) -> Asker<'static> {
        if !self.defaults && can_prompt() {
            Asker::Terminal
        } else {
            Asker::Defaults
        }
    }
}
