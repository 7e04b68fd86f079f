//! Whether to colour human output, and how wide it is. The environment is passed in, so the
//! rules are testable.
//!
//! `--color always` and `--color never` (or `--no-color`) decide on their own. With `auto`,
//! the first of these that applies wins:
//!
//! 1. `NO_COLOR` set and non-empty: off (no-color.org).
//! 2. `FORCE_COLOR` set, non-empty and not `0`/`false`, or `CLICOLOR_FORCE` set, non-empty
//!    and not `0`: on, even when piped (CI logs that render ANSI).
//! 3. `CLICOLOR=0` or `TERM=dumb`: off.
//! 4. On when stdout is a terminal and the report is not written to a file (`--output`).

use std::ffi::OsString;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal (and the environment does not say otherwise).
    #[default]
    Auto,
    /// Always colour, even when piped or written to a file.
    Always,
    /// Never colour.
    Never,
}

/// Decides colour for the human report. `env` reads an environment variable.
pub fn use_color(
    choice: ColorChoice,
    env: &dyn Fn(&str) -> Option<OsString>,
    stdout_is_terminal: bool,
    to_file: bool,
) -> bool {
    match choice {
        ColorChoice::Always => return true,
        ColorChoice::Never => return false,
        ColorChoice::Auto => {}
    }
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    if var("NO_COLOR").is_some() {
        return false;
    }
    let force = var("FORCE_COLOR").is_some_and(|v| v != "0" && v != "false")
        || var("CLICOLOR_FORCE").is_some_and(|v| v != "0");
    if force {
        return true;
    }
    if var("CLICOLOR").is_some_and(|v| v == "0") || var("TERM").is_some_and(|v| v == "dumb") {
        return false;
    }
    stdout_is_terminal && !to_file
}

/// The width of human output: `COLUMNS` when it is a positive number, else the terminal's
/// width (`terminal` is `None` when stdout is not a terminal), else
/// [`super::human::DEFAULT_WIDTH`].
pub fn width(env: &dyn Fn(&str) -> Option<OsString>, terminal: Option<usize>) -> usize {
    env("COLUMNS")
        .and_then(|v| v.to_str()?.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .or(terminal.filter(|&n| n > 0))
        .unwrap_or(super::human::DEFAULT_WIDTH)
}

/// The width of the terminal on stdout, if stdout is one.
pub fn stdout_width() -> Option<usize> {
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn explicit_choices_ignore_the_environment() {
        let loud = env(&[("FORCE_COLOR", "1")]);
        let quiet = env(&[("NO_COLOR", "1")]);
        assert!(use_color(ColorChoice::Always, &quiet, false, true));
        assert!(!use_color(ColorChoice::Never, &loud, true, false));
    }

    #[test]
    fn auto_follows_the_terminal_and_the_output_file() {
        let none = env(&[]);
        assert!(use_color(ColorChoice::Auto, &none, true, false));
        assert!(!use_color(ColorChoice::Auto, &none, false, false));
        assert!(!use_color(ColorChoice::Auto, &none, true, true));
    }

    #[test]
    fn environment_rules_in_order() {
        let auto = |vars: &'static [(&'static str, &'static str)], tty: bool| {
            use_color(ColorChoice::Auto, &env(vars), tty, false)
        };
        assert!(!auto(&[("NO_COLOR", "1")], true));
        // An empty NO_COLOR is not set.
        assert!(auto(&[("NO_COLOR", "")], true));
        // NO_COLOR wins over FORCE_COLOR.
        assert!(!auto(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")], true));
        assert!(auto(&[("FORCE_COLOR", "1")], false));
        assert!(auto(&[("FORCE_COLOR", "true")], false));
        assert!(!auto(&[("FORCE_COLOR", "0")], false));
        assert!(!auto(&[("FORCE_COLOR", "")], false));
        assert!(auto(&[("CLICOLOR_FORCE", "1")], false));
        assert!(!auto(&[("CLICOLOR_FORCE", "0")], false));
        assert!(!auto(&[("TERM", "dumb")], true));
        assert!(auto(&[("TERM", "dumb"), ("FORCE_COLOR", "1")], false));
        assert!(!auto(&[("CLICOLOR", "0")], true));
        assert!(auto(&[("TERM", "xterm-256color")], true));
    }

    #[test]
    fn width_from_columns_then_terminal_then_default() {
        assert_eq!(width(&env(&[("COLUMNS", "132")]), Some(80)), 132);
        assert_eq!(width(&env(&[("COLUMNS", "wide")]), Some(80)), 80);
        assert_eq!(width(&env(&[("COLUMNS", "0")]), None), 100);
        assert_eq!(width(&env(&[]), Some(0)), 100);
        assert_eq!(width(&env(&[]), None), 100);
    }
}
