//! `baton`: validate, patch, render and inspect batons from the command line.
//!
//! Every command reads files or `-` (stdin), builds its whole output in memory and
//! writes it once, so a failure never leaves partial output. Exit codes: 0 ok,
//! 1 invalid input, 2 usage (including unreadable files).

mod demo;
mod relay;

use std::io::{Read, Write};
use std::process::ExitCode;

use baton_core::{
    apply_patch, check_arguments, create, diff, estimate_tokens, extract_patch, merge_patch,
    parse_json_bytes, patch_to_json, prompt, render_markdown, schema, to_json,
    validate_with_budget, verify, Baton, Error, Issue, RenderOptions, SchemaKind, Value,
};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "baton",
    version,
    about = "Hand work between AI agents with a small JSON baton"
)]
struct Cli {
    /// Machine-readable output: compact JSON on stdout, `{"errors": [...]}` on stderr.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a baton: every error and warning, with its path.
    Validate {
        /// The baton (a file, or - for stdin).
        baton: String,
        /// Warn when the rendered baton estimates above this many tokens.
        #[arg(long, default_value_t = baton_core::DEFAULT_BUDGET)]
        budget: usize,
    },
    /// Apply a patch and record it in the history.
    Patch {
        /// The baton.
        baton: String,
        /// The patch (a JSON object; see SPEC.md §5).
        patch: String,
        /// The stage applying the patch, recorded in the history.
        #[arg(long)]
        stage: String,
        /// When, as an RFC 3339 UTC timestamp (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Render a baton as Markdown for a prompt.
    Render {
        /// The baton.
        baton: String,
        /// Leave out the oldest decisions until the estimate fits.
        #[arg(long)]
        max_tokens: Option<usize>,
        /// Add the history section.
        #[arg(long)]
        history: bool,
        /// Add the x- extensions section.
        #[arg(long)]
        extensions: bool,
    },
    /// Make a new baton from its initial fields.
    Create {
        /// The fields (a baton document without history).
        fields: String,
        /// The stage creating it.
        #[arg(long)]
        stage: String,
        /// When (default: now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Replay the history and check it gives the baton's fields.
    Verify {
        /// The baton.
        baton: String,
    },
    /// The patch that turns one baton into another.
    Diff {
        /// The old baton.
        old: String,
        /// The new baton.
        new: String,
    },
    /// RFC 7396 merge patch on any JSON.
    MergePatch {
        /// The target document.
        target: String,
        /// The merge patch.
        patch: String,
    },
    /// Find the baton patch in a model's reply.
    Extract {
        /// The reply text.
        reply: String,
    },
    /// The prompt block for a stage: the rendered baton and how to answer.
    Prompt {
        /// The baton.
        baton: String,
        /// The stage the prompt is for.
        #[arg(long)]
        stage: String,
    },
    /// Estimate the tokens of a text.
    Tokens {
        /// The text.
        text: String,
    },
    /// Print the JSON Schema of the baton or the patch.
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = Which::Baton)]
        which: Which,
    },
    /// Run the four-stage pipeline (planner, implementer, tester, reviewer).
    Demo,
    /// Run the relay: agents pass, catch and finish work over HTTP (SPEC.md §17).
    Serve(relay::ServeArgs),
    /// Relay tokens.
    #[command(subcommand)]
    Token(relay::TokenCommand),
}

#[derive(Clone, Copy, ValueEnum)]
enum Which {
    Baton,
    Patch,
}

/// Why a command failed.
enum Failure {
    /// Bad input: exit 1 with the core's issues.
    Invalid(Vec<Issue>),
    /// Usage or I/O: exit 2.
    Usage(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Invalid(e.into_issues())
    }
}

/// What a successful command prints.
struct Output {
    stdout: String,
    stderr: String,
    code: u8,
}

impl Output {
    fn ok(stdout: String) -> Self {
        Output {
            stdout,
            stderr: String::new(),
            code: 0,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let (stdout, stderr, code) = match run(cli) {
        Ok(out) => (out.stdout, out.stderr, out.code),
        Err(Failure::Invalid(issues)) => (String::new(), format_issues(&issues, json, "error"), 1),
        Err(Failure::Usage(message)) => (String::new(), format!("error: {message}\n"), 2),
    };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    // Nothing sensible is left to do if the terminal or pipe is gone.
    let _ = out.write_all(stdout.as_bytes()).and_then(|()| out.flush());
    let _ = err.write_all(stderr.as_bytes());
    ExitCode::from(code)
}

fn format_issues(issues: &[Issue], json: bool, kind: &str) -> String {
    if json {
        return format!("{{\"errors\":{}}}\n", issues_json(issues));
    }
    issues.iter().map(|i| format!("{kind}: {i}\n")).collect()
}

/// `[{code, path, message}, ...]` in that member order, as every binding writes it.
fn issues_json(issues: &[Issue]) -> String {
    serde_json::to_string(issues).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads every input once; `-` is stdin and may be used by one argument only.
struct Inputs {
    stdin_used: bool,
}

impl Inputs {
    fn bytes(&mut self, name: &str) -> Result<Vec<u8>, Failure> {
        if name == "-" {
            if self.stdin_used {
                return Err(Failure::Usage(
                    "only one input can be read from stdin (-)".into(),
                ));
            }
            self.stdin_used = true;
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Failure::Usage(format!("cannot read stdin: {e}")))?;
            Ok(buf)
        } else {
            std::fs::read(name).map_err(|e| Failure::Usage(format!("cannot read `{name}`: {e}")))
        }
    }

    fn json(&mut self, name: &str) -> Result<Value, Failure> {
        Ok(parse_json_bytes(&self.bytes(name)?)?)
    }

    fn baton(&mut self, name: &str) -> Result<Baton, Failure> {
        Ok(Baton::from_value(&self.json(name)?)?)
    }

    fn text(&mut self, name: &str) -> Result<String, Failure> {
        String::from_utf8(self.bytes(name)?).map_err(|e| {
            Failure::Invalid(vec![Issue::new(
                baton_core::Code::InvalidJson,
                "",
                format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
            )])
        })
    }
}

fn baton_out(baton: &Baton, json: bool) -> String {
    let text = if json {
        baton.to_json()
    } else {
        baton.to_json_pretty()
    };
    text + "\n"
}

fn run(cli: Cli) -> Result<Output, Failure> {
    let json = cli.json;
    let mut inputs = Inputs { stdin_used: false };
    let stdout = match cli.command {
        Command::Validate { baton, budget } => {
            let report = validate_with_budget(&inputs.json(&baton)?, budget);
            return Ok(validate_output(&report, json));
        }
        Command::Patch {
            baton,
            patch,
            stage,
            at,
        } => {
            // SPEC §4: the baton, then the arguments, then the patch.
            let b = inputs.baton(&baton)?;
            check_arguments(&stage, at.as_deref())?;
            let p = inputs.json(&patch)?;
            baton_out(&apply_patch(&b, &p, &stage, at.as_deref())?, json)
        }
        Command::Render {
            baton,
            max_tokens,
            history,
            extensions,
        } => {
            let options = RenderOptions {
                max_tokens,
                history,
                extensions,
            };
            let markdown = render_markdown(&inputs.baton(&baton)?, &options)?;
            if json {
                let tokens = estimate_tokens(&markdown);
                to_json(
                    &serde_json::json!({"markdown": markdown, "tokens": tokens}),
                    false,
                ) + "\n"
            } else {
                markdown
            }
        }
        Command::Create { fields, stage, at } => {
            // SPEC §6: the arguments before the fields.
            check_arguments(&stage, at.as_deref())?;
            baton_out(
                &create(&inputs.json(&fields)?, &stage, at.as_deref())?,
                json,
            )
        }
        Command::Verify { baton } => {
            verify(&inputs.baton(&baton)?)?;
            if json {
                "{\"ok\":true}\n".to_owned()
            } else {
                "ok: the history replays to the baton's fields\n".to_owned()
            }
        }
        Command::Diff { old, new } => {
            let (o, n) = (inputs.baton(&old)?, inputs.baton(&new)?);
            patch_to_json(&diff(&o, &n)?, !json) + "\n"
        }
        Command::MergePatch { target, patch } => {
            let (t, p) = (inputs.json(&target)?, inputs.json(&patch)?);
            to_json(&merge_patch(&t, &p)?, !json) + "\n"
        }
        Command::Extract { reply } => {
            let patch = extract_patch(&inputs.text(&reply)?)?;
            patch_to_json(&patch, !json) + "\n"
        }
        Command::Prompt { baton, stage } => prompt(&inputs.baton(&baton)?, &stage)?,
        Command::Tokens { text } => {
            let n = estimate_tokens(&inputs.text(&text)?);
            if json {
                format!("{{\"tokens\":{n}}}\n")
            } else {
                format!("{n}\n")
            }
        }
        Command::Schema { which } => {
            let kind = match which {
                Which::Baton => SchemaKind::Baton,
                Which::Patch => SchemaKind::Patch,
            };
            to_json(&schema(kind), !json) + "\n"
        }
        Command::Demo => demo::run()?,
        Command::Serve(args) => return relay::serve(args),
        Command::Token(command) => return relay::token(command, json),
    };
    Ok(Output::ok(stdout))
}

fn validate_output(report: &baton_core::Report, json: bool) -> Output {
    let code = if report.is_valid() { 0 } else { 1 };
    if json {
        let body = format!(
            "{{\"valid\":{},\"errors\":{},\"warnings\":{}}}",
            report.is_valid(),
            issues_json(&report.errors),
            issues_json(&report.warnings)
        );
        return Output {
            stdout: body + "\n",
            stderr: String::new(),
            code,
        };
    }
    let mut stderr = format_issues(&report.errors, false, "error");
    stderr.push_str(&format_issues(&report.warnings, false, "warning"));
    let stdout = if report.is_valid() {
        format!("valid ({} warnings)\n", report.warnings.len())
    } else {
        String::new()
    };
    Output {
        stdout,
        stderr,
        code,
    }
}
