//! Where a file sits in a dropped folder tree, and what that says about it: Maildir / Maildir++
//! (`cur/`, `new/`, `tmp/`, `.Folder.Sub/` folders, flags after `:2,` or `;2,` in the file name) and
//! MH folders (numbered files, `.mh_sequences`).
//!
//! The worker gives each file's path relative to what was dropped ("leak/INBOX/cur/123:2,RS");
//! [`classify`] says whether to read it, in which mail folder it was filed, and with which flags.
//!
//! ```
//! use leakloupe_core::ingest::maildir::{classify, PathRole};
//! match classify("mail/.Sent.2017/cur/1491941793.M4.mx1,S=10956:2,RS") {
//!     PathRole::Message { folder, flags } => {
//!         assert_eq!(folder.as_deref(), Some("mail/Sent/2017"));
//!         assert_eq!(flags, vec!["replied", "seen"]);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```

/// What a path means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathRole {
    /// Read it as mail. `folder` is the mail folder it was filed in, when the tree says so.
    Message {
        /// "INBOX", "My Folder/Nested Folder", or the MH folder's path; `None` outside any mailbox.
        folder: Option<String>,
        /// Maildir flags in words ("draft", "flagged", "passed", "replied", "seen", "trashed"),
        /// plus custom lowercase keyword letters as "keyword x".
        flags: Vec<String>,
    },
    /// Do not read it; the sentence says why (for the ingest log).
    Skip(&'static str),
}

fn flag_word(c: char) -> Option<String> {
    Some(match c {
        'D' => "draft".into(),
        'F' => "flagged".into(),
        'P' => "passed".into(),
        'R' => "replied".into(),
        'S' => "seen".into(),
        'T' => "trashed".into(),
        c if c.is_ascii_lowercase() => format!("keyword {c}"),
        _ => return None,
    })
}

/// Flags from a Maildir file name: the letters after the last `:2,` (or `;2,`, as written on
/// Windows, where `:` is not allowed in names).
pub fn maildir_flags(file_name: &str) -> Vec<String> {
    let info = file_name.rfind(":2,").or_else(|| file_name.rfind(";2,")).map(|i| &file_name[i + 3..]);
    let mut flags: Vec<String> = info.unwrap_or("").chars().filter_map(flag_word).collect();
    flags.sort();
    flags.dedup();
    flags
}

/// Maildir++ folder name: ".My Folder.Nested Folder" → "My Folder/Nested Folder"; "" → "INBOX".
fn maildirpp_folder(dir: &str) -> String {
    match dir.strip_prefix('.') {
        Some(rest) if !rest.is_empty() => rest.split('.').collect::<Vec<_>>().join("/"),
        _ => "INBOX".to_string(),
    }
}

/// Classify one file by its '/'-separated path relative to the drop.
pub fn classify(path: &str) -> PathRole {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let Some((&name, dirs)) = parts.split_last() else {
        return PathRole::Message { folder: None, flags: Vec::new() };
    };
    if name == ".mh_sequences" || name == ".mh_profile" {
        return PathRole::Skip("MH bookkeeping file, not a message");
    }
    if matches!(name, ".DS_Store" | "Thumbs.db" | "desktop.ini") || name.starts_with("._") {
        return PathRole::Skip("operating-system file, not a message");
    }
    if let Some((&leaf, above)) = dirs.split_last() {
        if matches!(leaf, "cur" | "new" | "tmp") {
            if leaf == "tmp" {
                return PathRole::Skip("Maildir tmp/ holds deliveries still being written, never finished mail");
            }
            // The maildir is the directory above cur/new; a Maildir++ subfolder starts with '.'.
            let folder = match above.split_last() {
                Some((&md, outer)) if md.starts_with('.') => {
                    let mut f: Vec<String> = outer.iter().map(|s| s.to_string()).collect();
                    f.push(maildirpp_folder(md));
                    f.join("/")
                }
                Some(_) => above.join("/"),
                None => "INBOX".to_string(),
            };
            return PathRole::Message { folder: Some(folder), flags: maildir_flags(name) };
        }
        // MH: numbered message files in a folder.
        if name.chars().all(|c| c.is_ascii_digit()) {
            return PathRole::Message { folder: Some(dirs.join("/")), flags: Vec::new() };
        }
        return PathRole::Message { folder: Some(dirs.join("/")), flags: Vec::new() };
    }
    PathRole::Message { folder: None, flags: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(folder: &str, flags: &[&str]) -> PathRole {
        PathRole::Message { folder: Some(folder.into()), flags: flags.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn maildir_and_maildirpp() {
        assert_eq!(classify("stalwart/cur/1491941793.M4.mx1,S=10956;2,STln"), msg("stalwart", &["keyword l", "keyword n", "seen", "trashed"]));
        assert_eq!(classify("stalwart/.My Folder.Nested Folder/new/1.foo;2,RDF,"), msg("stalwart/My Folder/Nested Folder", &["draft", "flagged", "replied"]));
        assert_eq!(classify("stalwart/.My Folder/cur/x:2,"), msg("stalwart/My Folder", &[]));
        assert_eq!(classify("cur/123:2,S"), msg("INBOX", &["seen"]));
        assert!(matches!(classify("testmaildir/tmp/1050314226.9981_8.penfold"), PathRole::Skip(_)));
    }

    #[test]
    fn mh_and_loose_files() {
        assert_eq!(classify("testmh/3"), msg("testmh", &[]));
        assert!(matches!(classify("testmh/.mh_sequences"), PathRole::Skip(_)));
        assert!(matches!(classify("leak/.DS_Store"), PathRole::Skip(_)));
        assert_eq!(classify("one.eml"), PathRole::Message { folder: None, flags: vec![] });
        assert_eq!(classify(""), PathRole::Message { folder: None, flags: vec![] });
    }
}
