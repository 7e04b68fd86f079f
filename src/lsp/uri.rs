//! `file:` URIs to paths and back. Anything that is not a local `file:` URI (`untitled:`,
//! `git:`, a UNC host, a bad escape) has no path, and its document is simply not linted.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The local path of a `file:` URI, percent-decoded and lexically normalised.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.get(..7).filter(|p| p.eq_ignore_ascii_case("file://"))?;
    let rest = &s[rest.len()..];
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => return None,
    };
    if !authority.is_empty() && !authority.eq_ignore_ascii_case("localhost") {
        return None;
    }
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let bytes = percent_decode(path)?;
    if bytes.contains(&0) {
        return None;
    }
    let raw = bytes_to_path(bytes)?;
    if !raw.is_absolute() {
        return None;
    }
    Some(crate::paths::normalize(&raw))
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    if !path.is_absolute() {
        return None;
    }
    let bytes = path_bytes(path)?;
    let mut s = String::with_capacity(bytes.len() + 8);
    s.push_str("file://");
    #[cfg(windows)]
    s.push('/');
    for &b in &bytes {
        let keep = b.is_ascii_alphanumeric() || b"-._~/".contains(&b);
        #[cfg(windows)]
        let keep = keep || b == b':';
        if keep {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&s).ok()
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(unix)]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: Vec<u8>) -> Option<PathBuf> {
    let s = String::from_utf8(bytes).ok()?;
    // `/C:/x` is `C:/x` on Windows.
    let s = match s.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() => s[1..].to_string(),
        _ => s,
    };
    Some(PathBuf::from(s))
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    Some(path.as_os_str().as_bytes().to_vec())
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Option<Vec<u8>> {
    Some(path.to_str()?.replace('\\', "/").into_bytes())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        Uri::from_str(s).unwrap()
    }

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            to_path(&uri("file:///tmp/a%20b/main.tf")),
            Some("/tmp/a b/main.tf".into())
        );
        assert_eq!(
            to_path(&uri("FILE://localhost/x/./y/../main.tf")),
            Some("/x/main.tf".into())
        );
        assert_eq!(
            to_path(&uri("file:///tmp/cl%C3%A9/%F0%9F%94%91.tf")),
            Some("/tmp/clé/🔑.tf".into())
        );
        assert_eq!(to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(to_path(&uri("file://server/share/main.tf")), None);
        // (`file:///tmp/%zz.tf` is not a URI at all: such params are rejected when parsed.)
        assert!(Uri::from_str("file:///tmp/%zz.tf").is_err());
        assert_eq!(to_path(&uri("file:///tmp/%00.tf")), None);
        assert_eq!(to_path(&uri("file:relative.tf")), None);
    }

    #[test]
    fn paths_become_file_uris_and_back() {
        for p in ["/tmp/a b/main.tf", "/tmp/clé/🔑 #1?.tf", "/x/100%.tf"] {
            let u = from_path(Path::new(p)).unwrap();
            assert!(u.as_str().starts_with("file:///"), "{}", u.as_str());
            assert_eq!(to_path(&u), Some(PathBuf::from(p)));
        }
        assert!(from_path(Path::new("relative.tf")).is_none());
    }
}
