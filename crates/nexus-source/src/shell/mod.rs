//! One reader for the shell: container commands (`sh -c '…'`), entrypoint scripts and deploy
//! scripts all go through it.
//!
//! - [`parse`] turns text into a [`Node`] tree ([`lexer`](self) → [`parser`](self)); every word
//!   and command keeps its byte [`Range`] in the text. It is tolerant: a broken script still
//!   yields what can be read, and hostile nesting is cut off, never followed.
//! - [`Word`]s keep their pieces ([`Part`]): literal, quoted, parameter, substitution; a
//!   client may want them expanded or as written ([`Word::text`]).
//! - [`Located`] maps a script's text back to the file it came from, also when the text was
//!   unescaped from a YAML scalar.
//! - [`eval`] walks the tree without running anything, tracking what is known, and shows the
//!   client (the wait recognisers, the deploy-plan reader) the commands it cares about.
//!
//! The subset is the one real scripts use: comments, the three quoting forms and `$'…'`,
//! backslash-newline continuations, `;`/`&`/`&&`/`||`/`|`/newline separators, redirections and
//! here-documents (whose bodies are skipped), parameter expansions (`$X`, `${X:-d}`, `${#X}`,
//! `${X%pat}`, …), command substitutions (`$(…)`, backticks), `if`/`elif`/`else`, `for … in`,
//! C-style `for ((…))`, `while`/`until`, `case`, `{ …; }`, `( … )`, `[[ … ]]` and the three forms
//! of function definitions. Nothing is ever executed.

mod ast;
pub mod eval;
mod lexer;
mod located;
mod parser;
mod scan;
mod word;

pub use ast::{LoopKind, Node, Simple};
pub use located::Located;
pub use parser::{MAX_NESTING, parse};
pub use scan::unescape;
pub use word::{Assign, Param, ParamOp, Part, Range, Word, assignment, is_assignment_text, is_name};

#[cfg(test)]
mod tests;
