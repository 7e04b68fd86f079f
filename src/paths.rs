//! Path helpers shared by every stage: lexical normalization, the form paths are shown in,
//! canonical identities, and where `terraform init` puts downloaded modules.

use std::path::{Path, PathBuf};

/// Resolves `.` and `..` components lexically, without touching the file system. A `..`
/// that would climb above the start of a relative path is kept (`../../m` stays as it is,
/// `./../..` becomes `../..`); above the root of an absolute path it is dropped, as the
/// operating system does. Module sources and paths in reports are compared this way.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                // Only a normal name can be cancelled by `..`.
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        // `a/..` is the directory itself; an empty path would not name anything.
        out.push(".");
    }
    out
}

/// Display form of a path: relative to `cwd` when under it, with `/` separators.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let rel = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    let mut out = String::new();
    for comp in rel.components() {
        use std::path::Component;
        match comp {
            Component::CurDir => continue,
            Component::RootDir => out.push('/'),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out
    }
}

/// An absolute path with symlinks and `..` resolved when it exists; for a file that does not
/// exist (an editor buffer), its directory is resolved.
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(absolute),
        _ => absolute,
    }
}

/// True for a path inside a `.terraform/` directory (modules `terraform init` downloaded,
/// which users do not edit).
pub fn is_downloaded(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == ".terraform")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_leading_parent_components() {
        let n = |p: &str| normalize(Path::new(p));
        assert_eq!(n("./../.."), PathBuf::from("../.."));
        assert_eq!(n("../../../m"), PathBuf::from("../../../m"));
        assert_eq!(n("examples/complete/../../"), PathBuf::from("."));
        assert_eq!(n("examples/complete/../.."), PathBuf::from("."));
        assert_eq!(n("."), PathBuf::from("."));
        assert_eq!(n("examples/complete/../../.."), PathBuf::from(".."));
        assert_eq!(n("a/./b/../c"), PathBuf::from("a/c"));
        assert_eq!(n("../a/../../b"), PathBuf::from("../../b"));
        assert_eq!(n("/a/../../b"), PathBuf::from("/b"));
        assert_eq!(
            n("/work/x/examples/c/../../modules/k"),
            PathBuf::from("/work/x/modules/k")
        );
    }

    #[test]
    fn display_paths_are_relative_with_slashes() {
        let cwd = Path::new("/work/repo");
        assert_eq!(
            display_path(Path::new("/work/repo/a/main.tf"), cwd),
            "a/main.tf"
        );
        assert_eq!(display_path(Path::new("./a/main.tf"), cwd), "a/main.tf");
        assert_eq!(
            display_path(Path::new("/other/main.tf"), cwd),
            "/other/main.tf"
        );
    }
}
