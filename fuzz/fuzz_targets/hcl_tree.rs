#![no_main]
//! Fuzz target `hcl_tree` (structure-aware): an `arbitrary` tree of HCL-ish declarations and
//! expressions, printed as a `main.tf` (and values as a `terraform.tfvars`) that mostly
//! parses, so the fuzzer spends its time in the evaluator (functions, `for`, splats,
//! conditionals, templates, `count`/`for_each` expansion) and the rules instead of in the
//! parser's error paths. Runs the `hcl_module` check on the printed files.
//!
//! `KMSLINT_FUZZ_PRINT=1 cargo +nightly fuzz run hcl_tree ARTIFACT` prints the text, which is
//! what a regression test keeps (as an `hcl_module` input).

use std::fmt::{self, Write};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

mod checks;

#[derive(Arbitrary, Debug)]
struct Module {
    items: Vec<Item>,
    tfvars: Vec<(Name, Expr)>,
}

#[derive(Arbitrary, Debug)]
enum Item {
    Variable {
        name: Name,
        ty: Option<Type>,
        default: Option<Expr>,
        nullable: Option<bool>,
    },
    Locals(Vec<(Name, Expr)>),
    Resource {
        ty: ResourceType,
        name: Name,
        meta: Option<Meta>,
        attrs: Vec<(Attr, Expr)>,
        blocks: Vec<(Attr, Vec<(Attr, Expr)>)>,
    },
    Output(Name, Expr),
}

#[derive(Arbitrary, Debug)]
enum Meta {
    Count(Expr),
    ForEach(Expr),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Name {
    A,
    B,
    C,
    Key,
    Keys,
    Rotation,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ResourceType {
    KmsKey,
    KmsReplicaKey,
    KmsExternalKey,
    KmsAlias,
    KmsKeyPolicy,
    ConfigRecorder,
    Cloudtrail,
    MetricFilter,
    S3Encryption,
    Other,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Attr {
    EnableKeyRotation,
    RotationPeriod,
    DeletionWindow,
    IsEnabled,
    KeyUsage,
    KeySpec,
    MultiRegion,
    Policy,
    KeyId,
    TargetKeyId,
    Name,
    Pattern,
    Tags,
    RecordingGroup,
    ResourceTypes,
    Description,
}

#[derive(Arbitrary, Debug)]
enum Type {
    String,
    Number,
    Bool,
    Any,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(Vec<(Name, Type, Option<Option<Expr>>)>),
}

#[derive(Arbitrary, Debug)]
enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<Part>),
    Heredoc(bool, Vec<Part>),
    Var(Name),
    Local(Name),
    Each(bool),
    CountIndex,
    ResourceRef(ResourceType, Name, Option<Attr>),
    Attr(Box<Expr>, Name),
    Index(Box<Expr>, Box<Expr>),
    Splat(Box<Expr>, Option<Name>),
    List(Vec<Expr>),
    Object(Vec<(Key, Expr)>),
    Call(Function, Vec<Expr>, bool),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Binary(Box<Expr>, Op, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Paren(Box<Expr>),
    ForList(Name, Option<Name>, Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    ForMap(Name, Option<Name>, Box<Expr>, Box<Expr>, Box<Expr>, bool),
}

#[derive(Arbitrary, Debug)]
enum Key {
    Name(Name),
    Str(String),
    Expr(Expr),
}

#[derive(Arbitrary, Debug)]
enum Part {
    Lit(String),
    Interp(Expr, bool),
    If(Expr, Vec<Part>, Vec<Part>),
    For(Name, Expr, Vec<Part>),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Function {
    Try,
    Can,
    ToBool,
    ToNumber,
    ToString,
    ToList,
    ToSet,
    ToMap,
    Lower,
    Upper,
    Substr,
    Split,
    Replace,
    Regex,
    RegexAll,
    Format,
    FormatList,
    Join,
    JsonEncode,
    JsonDecode,
    Length,
    Abs,
    Ceil,
    Floor,
    Min,
    Max,
    Sum,
    Range,
    Contains,
    Index,
    Concat,
    Coalesce,
    CoalesceList,
    Lookup,
    Merge,
    Keys,
    Values,
    Zipmap,
    Element,
    One,
    Reverse,
    Slice,
    Sort,
    Distinct,
    Compact,
    Flatten,
    ChunkList,
    Transpose,
    SetUnion,
    SetProduct,
    StrRev,
    TrimSpace,
    Pow,
    Parseint,
    Templatestring,
    Unknown,
}

impl Name {
    fn as_str(self) -> &'static str {
        match self {
            Name::A => "a",
            Name::B => "b",
            Name::C => "c",
            Name::Key => "key",
            Name::Keys => "keys",
            Name::Rotation => "rotation",
        }
    }
}

impl ResourceType {
    fn as_str(self) -> &'static str {
        match self {
            ResourceType::KmsKey => "aws_kms_key",
            ResourceType::KmsReplicaKey => "aws_kms_replica_key",
            ResourceType::KmsExternalKey => "aws_kms_external_key",
            ResourceType::KmsAlias => "aws_kms_alias",
            ResourceType::KmsKeyPolicy => "aws_kms_key_policy",
            ResourceType::ConfigRecorder => "aws_config_configuration_recorder",
            ResourceType::Cloudtrail => "aws_cloudtrail",
            ResourceType::MetricFilter => "aws_cloudwatch_log_metric_filter",
            ResourceType::S3Encryption => "aws_s3_bucket_server_side_encryption_configuration",
            ResourceType::Other => "null_resource",
        }
    }
}

impl Attr {
    fn as_str(self) -> &'static str {
        match self {
            Attr::EnableKeyRotation => "enable_key_rotation",
            Attr::RotationPeriod => "rotation_period_in_days",
            Attr::DeletionWindow => "deletion_window_in_days",
            Attr::IsEnabled => "is_enabled",
            Attr::KeyUsage => "key_usage",
            Attr::KeySpec => "customer_master_key_spec",
            Attr::MultiRegion => "multi_region",
            Attr::Policy => "policy",
            Attr::KeyId => "key_id",
            Attr::TargetKeyId => "target_key_id",
            Attr::Name => "name",
            Attr::Pattern => "pattern",
            Attr::Tags => "tags",
            Attr::RecordingGroup => "recording_group",
            Attr::ResourceTypes => "resource_types",
            Attr::Description => "description",
        }
    }
}

impl Function {
    fn as_str(self) -> &'static str {
        use Function::*;
        match self {
            Try => "try",
            Can => "can",
            ToBool => "tobool",
            ToNumber => "tonumber",
            ToString => "tostring",
            ToList => "tolist",
            ToSet => "toset",
            ToMap => "tomap",
            Lower => "lower",
            Upper => "upper",
            Substr => "substr",
            Split => "split",
            Replace => "replace",
            Regex => "regex",
            RegexAll => "regexall",
            Format => "format",
            FormatList => "formatlist",
            Join => "join",
            JsonEncode => "jsonencode",
            JsonDecode => "jsondecode",
            Length => "length",
            Abs => "abs",
            Ceil => "ceil",
            Floor => "floor",
            Min => "min",
            Max => "max",
            Sum => "sum",
            Range => "range",
            Contains => "contains",
            Index => "index",
            Concat => "concat",
            Coalesce => "coalesce",
            CoalesceList => "coalescelist",
            Lookup => "lookup",
            Merge => "merge",
            Keys => "keys",
            Values => "values",
            Zipmap => "zipmap",
            Element => "element",
            One => "one",
            Reverse => "reverse",
            Slice => "slice",
            Sort => "sort",
            Distinct => "distinct",
            Compact => "compact",
            Flatten => "flatten",
            ChunkList => "chunklist",
            Transpose => "transpose",
            SetUnion => "setunion",
            SetProduct => "setproduct",
            StrRev => "strrev",
            TrimSpace => "trimspace",
            Pow => "pow",
            Parseint => "parseint",
            Templatestring => "templatestring",
            Unknown => "no_such_function",
        }
    }
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Mod => "%",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::And => "&&",
            Op::Or => "||",
        }
    }
}

/// A string literal's text, escaped for a quoted HCL string.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32 & 0xffff);
            }
            c => out.push(c),
        }
    }
}

/// Printing depth: deeper trees are cut off (the parser's own nesting limits are the
/// byte-level targets' business).
const MAX_DEPTH: usize = 24;

struct Printer {
    out: String,
}

impl Printer {
    fn parts(&mut self, parts: &[Part], heredoc: bool, depth: usize) {
        for part in parts {
            match part {
                Part::Lit(s) => {
                    if heredoc {
                        let s = s
                            .replace("${", "$${")
                            .replace("%{", "%%{")
                            .replace('\r', "");
                        // A line that is only the marker would end the heredoc.
                        let s = s.replace("EOT", "E0T");
                        self.out.push_str(&s);
                    } else {
                        escape(s, &mut self.out);
                    }
                }
                Part::Interp(e, strip) => {
                    self.out.push_str(if *strip { "${~ " } else { "${" });
                    self.expr(e, depth + 1);
                    self.out.push_str(if *strip { " ~}" } else { "}" });
                }
                Part::If(c, then, other) => {
                    self.out.push_str("%{ if ");
                    self.expr(c, depth + 1);
                    self.out.push_str(" }");
                    self.parts(then, heredoc, depth + 1);
                    if !other.is_empty() {
                        self.out.push_str("%{ else }");
                        self.parts(other, heredoc, depth + 1);
                    }
                    self.out.push_str("%{ endif }");
                }
                Part::For(n, coll, body) => {
                    let _ = write!(self.out, "%{{ for {} in ", n.as_str());
                    self.expr(coll, depth + 1);
                    self.out.push_str(" }");
                    self.parts(body, heredoc, depth + 1);
                    self.out.push_str("%{ endfor }");
                }
            }
        }
    }

    fn expr(&mut self, e: &Expr, depth: usize) {
        if depth > MAX_DEPTH {
            self.out.push_str("null");
            return;
        }
        let d = depth + 1;
        match e {
            Expr::Null => self.out.push_str("null"),
            Expr::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            Expr::Int(i) => {
                let _ = write!(self.out, "{i}");
            }
            Expr::Float(f) if f.is_finite() => {
                let _ = write!(self.out, "{f:?}");
            }
            Expr::Float(_) => self.out.push_str("1e308"),
            Expr::Str(parts) => {
                self.out.push('"');
                self.parts(parts, false, d);
                self.out.push('"');
            }
            Expr::Heredoc(indent, parts) => {
                self.out
                    .push_str(if *indent { "<<-EOT\n" } else { "<<EOT\n" });
                self.parts(parts, true, d);
                self.out.push_str("\nEOT\n");
            }
            Expr::Var(n) => {
                let _ = write!(self.out, "var.{}", n.as_str());
            }
            Expr::Local(n) => {
                let _ = write!(self.out, "local.{}", n.as_str());
            }
            Expr::Each(key) => self
                .out
                .push_str(if *key { "each.key" } else { "each.value" }),
            Expr::CountIndex => self.out.push_str("count.index"),
            Expr::ResourceRef(t, n, attr) => {
                let _ = write!(self.out, "{}.{}", t.as_str(), n.as_str());
                if let Some(a) = attr {
                    let _ = write!(self.out, ".{}", a.as_str());
                }
            }
            Expr::Attr(e, n) => {
                self.expr(e, d);
                let _ = write!(self.out, ".{}", n.as_str());
            }
            Expr::Index(e, i) => {
                self.expr(e, d);
                self.out.push('[');
                self.expr(i, d);
                self.out.push(']');
            }
            Expr::Splat(e, n) => {
                self.expr(e, d);
                self.out.push_str("[*]");
                if let Some(n) = n {
                    let _ = write!(self.out, ".{}", n.as_str());
                }
            }
            Expr::List(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(item, d);
                }
                self.out.push(']');
            }
            Expr::Object(items) => {
                self.out.push_str("{\n");
                for (k, v) in items {
                    match k {
                        Key::Name(n) => self.out.push_str(n.as_str()),
                        Key::Str(s) => {
                            self.out.push('"');
                            escape(s, &mut self.out);
                            self.out.push('"');
                        }
                        Key::Expr(e) => {
                            self.out.push('(');
                            self.expr(e, d);
                            self.out.push(')');
                        }
                    }
                    self.out.push_str(" = ");
                    self.expr(v, d);
                    self.out.push('\n');
                }
                self.out.push('}');
            }
            Expr::Call(f, args, expand) => {
                let _ = write!(self.out, "{}(", f.as_str());
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(a, d);
                }
                if *expand && !args.is_empty() {
                    self.out.push_str("...");
                }
                self.out.push(')');
            }
            Expr::Cond(c, a, b) => {
                self.expr(c, d);
                self.out.push_str(" ? ");
                self.expr(a, d);
                self.out.push_str(" : ");
                self.expr(b, d);
            }
            Expr::Binary(a, op, b) => {
                self.out.push('(');
                self.expr(a, d);
                let _ = write!(self.out, " {} ", op.as_str());
                self.expr(b, d);
                self.out.push(')');
            }
            Expr::Not(e) => {
                self.out.push('!');
                self.expr(e, d);
            }
            Expr::Neg(e) => {
                self.out.push('-');
                self.expr(e, d);
            }
            Expr::Paren(e) => {
                self.out.push('(');
                self.expr(e, d);
                self.out.push(')');
            }
            Expr::ForList(v, k, coll, body, cond) => {
                self.out.push_str("[for ");
                if let Some(k) = k {
                    let _ = write!(self.out, "{}, ", k.as_str());
                }
                let _ = write!(self.out, "{} in ", v.as_str());
                self.expr(coll, d);
                self.out.push_str(" : ");
                self.expr(body, d);
                if let Some(c) = cond {
                    self.out.push_str(" if ");
                    self.expr(c, d);
                }
                self.out.push(']');
            }
            Expr::ForMap(v, k, coll, key, value, group) => {
                self.out.push_str("{for ");
                if let Some(k) = k {
                    let _ = write!(self.out, "{}, ", k.as_str());
                }
                let _ = write!(self.out, "{} in ", v.as_str());
                self.expr(coll, d);
                self.out.push_str(" : ");
                self.expr(key, d);
                self.out.push_str(" => ");
                self.expr(value, d);
                if *group {
                    self.out.push_str("...");
                }
                self.out.push('}');
            }
        }
    }

    fn ty(&mut self, t: &Type, depth: usize) {
        if depth > MAX_DEPTH {
            self.out.push_str("any");
            return;
        }
        let d = depth + 1;
        match t {
            Type::String => self.out.push_str("string"),
            Type::Number => self.out.push_str("number"),
            Type::Bool => self.out.push_str("bool"),
            Type::Any => self.out.push_str("any"),
            Type::List(inner) => self.collection("list", inner, d),
            Type::Set(inner) => self.collection("set", inner, d),
            Type::Map(inner) => self.collection("map", inner, d),
            Type::Tuple(items) => {
                self.out.push_str("tuple([");
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.ty(t, d);
                }
                self.out.push_str("])");
            }
            Type::Object(fields) => {
                self.out.push_str("object({");
                for (i, (n, t, optional)) in fields.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    let _ = write!(self.out, "{} = ", n.as_str());
                    match optional {
                        None => self.ty(t, d),
                        Some(default) => {
                            self.out.push_str("optional(");
                            self.ty(t, d);
                            if let Some(e) = default {
                                self.out.push_str(", ");
                                self.expr(e, d);
                            }
                            self.out.push(')');
                        }
                    }
                }
                self.out.push_str("})");
            }
        }
    }

    fn collection(&mut self, name: &str, inner: &Type, depth: usize) {
        let _ = write!(self.out, "{name}(");
        self.ty(inner, depth);
        self.out.push(')');
    }

    fn attrs(&mut self, attrs: &[(Attr, Expr)], indent: &str) {
        for (a, e) in attrs {
            let _ = write!(self.out, "{indent}{} = ", a.as_str());
            self.expr(e, 0);
            self.out.push('\n');
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Variable {
                name,
                ty,
                default,
                nullable,
            } => {
                let _ = writeln!(self.out, "variable \"{}\" {{", name.as_str());
                if let Some(t) = ty {
                    self.out.push_str("  type = ");
                    self.ty(t, 0);
                    self.out.push('\n');
                }
                if let Some(e) = default {
                    self.out.push_str("  default = ");
                    self.expr(e, 0);
                    self.out.push('\n');
                }
                if let Some(n) = nullable {
                    let _ = writeln!(self.out, "  nullable = {n}");
                }
                self.out.push_str("}\n");
            }
            Item::Locals(items) => {
                self.out.push_str("locals {\n");
                for (n, e) in items {
                    let _ = write!(self.out, "  {} = ", n.as_str());
                    self.expr(e, 0);
                    self.out.push('\n');
                }
                self.out.push_str("}\n");
            }
            Item::Resource {
                ty,
                name,
                meta,
                attrs,
                blocks,
            } => {
                let _ = writeln!(
                    self.out,
                    "resource \"{}\" \"{}\" {{",
                    ty.as_str(),
                    name.as_str()
                );
                match meta {
                    Some(Meta::Count(e)) => {
                        self.out.push_str("  count = ");
                        self.expr(e, 0);
                        self.out.push('\n');
                    }
                    Some(Meta::ForEach(e)) => {
                        self.out.push_str("  for_each = ");
                        self.expr(e, 0);
                        self.out.push('\n');
                    }
                    None => {}
                }
                self.attrs(attrs, "  ");
                for (b, attrs) in blocks {
                    let _ = writeln!(self.out, "  {} {{", b.as_str());
                    self.attrs(attrs, "    ");
                    self.out.push_str("  }\n");
                }
                self.out.push_str("}\n");
            }
            Item::Output(n, e) => {
                let _ = write!(self.out, "output \"{}\" {{\n  value = ", n.as_str());
                self.expr(e, 0);
                self.out.push_str("\n}\n");
            }
        }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (main, tfvars) = self.print();
        write!(f, "{main}\n# terraform.tfvars\n{tfvars}")
    }
}

impl Module {
    /// The `main.tf` and `terraform.tfvars` texts.
    fn print(&self) -> (String, String) {
        let mut p = Printer { out: String::new() };
        for item in &self.items {
            p.item(item);
        }
        let main = std::mem::take(&mut p.out);
        for (n, e) in &self.tfvars {
            let _ = write!(p.out, "{} = ", n.as_str());
            p.expr(e, 0);
            p.out.push('\n');
        }
        (main, p.out)
    }
}

fuzz_target!(|module: Module| {
    let (main, tfvars) = module.print();
    if std::env::var_os("KMSLINT_FUZZ_PRINT").is_some() {
        eprintln!("{module}");
    }
    // The `hcl_module` input format: main.tf NUL variables.tf NUL terraform.tfvars.
    let mut data = main.into_bytes();
    data.extend_from_slice(&[checks::SEPARATOR, checks::SEPARATOR]);
    data.extend_from_slice(tfvars.as_bytes());
    checks::hcl_module(&data);
});
