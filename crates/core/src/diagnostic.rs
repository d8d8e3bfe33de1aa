//! Diagnostics: damage and oddities found while reading a source, recorded as data.
//!
//! Parsing in Leakloupe is best-effort: instead of failing, every stage returns what it could recover plus a
//! list of [`Diagnostic`]s. Each one carries a [`Severity`], a machine-readable [`DiagnosticKind`], the
//! 1-based number of the message it is about (if any) and a complete human sentence.
//!
//! ```
//! use leakloupe_core::diagnostic::{Diagnostic, DiagnosticKind, Severity};
//! let d = Diagnostic::new(Severity::Warning, DiagnosticKind::MissingDate, "no Date header");
//! assert_eq!(d.to_string(), "no Date header");
//! ```

use std::fmt;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing, nothing was lost (e.g. a date whose offset could not be recovered).
    Info,
    /// Something is malformed; the result is a best guess.
    Warning,
    /// Something could not be read at all.
    Error,
}

impl Severity {
    /// Lower-case name: "info", "warning" or "error".
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What kind of damage a diagnostic reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// The whole source was rejected (png/pdf/zip/... or no header block).
    NotMail,
    /// The source is empty or whitespace-only.
    EmptySource,
    /// The header block ends without a blank line, at the end of the data.
    TruncatedHeaders,
    /// No blank line between headers and body.
    MissingSeparator,
    /// A line in the header block that is not a header field.
    BadHeader,
    /// A Date header that could not be parsed (or only partly).
    BadDate,
    /// No Date header.
    MissingDate,
    /// No From header.
    MissingFrom,
    /// Broken multipart structure, missing boundary, etc.
    BadMime,
    /// Undecodable transfer-encoding or unknown charset.
    BadEncoding,
    /// Bytes before the first From_ line of an mbox.
    MboxGarbage,
    /// Anything else.
    Other,
}

/// One finding about a source or a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// What kind of finding it is.
    pub kind: DiagnosticKind,
    /// 1-based message number within its source, when about one message
    pub message: Option<u64>,
    /// Complete, specific, human sentence, e.g. "mbox message 17: truncated headers (no blank line before end of file)" or "not an email: this is a PNG image"
    pub text: String,
}

impl Diagnostic {
    /// A diagnostic that is not about one particular message.
    pub fn new(severity: Severity, kind: DiagnosticKind, text: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            kind,
            message: None,
            text: text.into(),
        }
    }

    /// Shorthand for an [`Severity::Info`] diagnostic.
    pub fn info(kind: DiagnosticKind, text: impl Into<String>) -> Self {
        Self::new(Severity::Info, kind, text)
    }

    /// Shorthand for a [`Severity::Warning`] diagnostic.
    pub fn warning(kind: DiagnosticKind, text: impl Into<String>) -> Self {
        Self::new(Severity::Warning, kind, text)
    }

    /// Shorthand for an [`Severity::Error`] diagnostic.
    pub fn error(kind: DiagnosticKind, text: impl Into<String>) -> Self {
        Self::new(Severity::Error, kind, text)
    }

    /// The same diagnostic attached to message number `number` (1-based), its text prefixed with `prefix`
    /// (e.g. "mbox message 17: ").
    pub fn for_message(&self, number: u64, prefix: &str) -> Self {
        Diagnostic {
            severity: self.severity,
            kind: self.kind,
            message: Some(number),
            text: format!("{prefix}{}", self.text),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_writes_text_and_for_message_prefixes() {
        let d = Diagnostic::warning(DiagnosticKind::BadDate, "unreadable Date header \"x\"");
        assert_eq!(d.to_string(), "unreadable Date header \"x\"");
        let m = d.for_message(17, "mbox message 17: ");
        assert_eq!(m.message, Some(17));
        assert_eq!(m.text, "mbox message 17: unreadable Date header \"x\"");
        assert_eq!(m.kind, DiagnosticKind::BadDate);
        assert!(Severity::Error > Severity::Info);
    }
}
