//! What the reader needs of syn's tokens: signatures printed and tidied,
//! paths shortened and resolved, attributes read.

use quote::ToTokens;

use super::{Item, Kind};

pub(super) fn item_of(kind: Kind, signature: String, parent: &str) -> Item {
    Item {
        kind,
        signature,
        parent: Some(parent.to_owned()),
        wire: None,
        closed: false,
    }
}

pub(super) fn public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

pub(super) fn non_exhaustive(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

/// An identifier without its `r#`.
pub(super) fn raw(ident: &syn::Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_owned()
}

/// `#[serde(rename = "x")]`: the name on the wire.
pub(super) fn serde_name(attrs: &[syn::Attribute]) -> Option<String> {
    let mut name = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                name = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _ = meta.parse_nested_meta(|inner| {
                    if inner.input.peek(syn::Token![=]) {
                        let _: syn::Expr = inner.value()?.parse()?;
                    }
                    Ok(())
                });
            }
            Ok(())
        });
    }
    name
}

/// A function's signature as a caller meets it: generics and bounds,
/// parameters (without patterns' `mut`), output.
pub(super) fn signature(sig: &syn::Signature) -> String {
    let inputs: Vec<String> = sig
        .inputs
        .iter()
        .map(|input| match input {
            syn::FnArg::Receiver(r) => match &r.kind {
                syn::ReceiverKind::Reference(_, _, Some(_)) => "&mut self".to_owned(),
                syn::ReceiverKind::Reference(..) => "&self".to_owned(),
                syn::ReceiverKind::Typed(_, ty) => format!("self: {}", tidy(ty)),
                _ => "self".to_owned(),
            },
            syn::FnArg::Typed(t) => tidy(&t.ty),
        })
        .collect();
    let asyncness = if sig.asyncness.is_some() {
        "async "
    } else {
        ""
    };
    let generics = &sig.generics;
    let output = match &sig.output {
        syn::ReturnType::Default => String::new(),
        syn::ReturnType::Type(_, ty) => format!(" -> {}", tidy(ty)),
    };
    let bounds = generics
        .where_clause
        .as_ref()
        .map(|w| format!(" {}", tidy(w)))
        .unwrap_or_default();
    let parameters = if generics.params.is_empty() {
        String::new()
    } else {
        format!("<{}>", tidy(&generics.params))
    };
    format!(
        "{asyncness}fn{parameters}({}){output}{bounds}",
        inputs.join(", ")
    )
}

/// Tokens as text, the way a reader writes them (`Option<Vec<T>>`, `T:
/// TryInto<String>`), the standard library's paths shortened.
pub fn tidy(tokens: &dyn ToTokens) -> String {
    let mut text = String::new();
    print(tokens.to_token_stream(), &mut text, &mut Space::Glue);
    let mut text = text.trim().trim_end_matches(',').trim().to_owned();
    for module in [
        "option",
        "vec",
        "string",
        "collections",
        "convert",
        "fmt",
        "str",
        "result",
        "boxed",
        "marker",
    ] {
        text = text.replace(&format!("::std::{module}::"), "");
    }
    text.replace("::std::", "std::")
}

/// What the last token printed asks of the next.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Space {
    /// A word: another word needs a space before it.
    Word,
    /// Glued: nothing before the next token (after `::`, `<`, `&`, or a
    /// space already written).
    Glue,
    /// The first `:` of `::`.
    Colon,
    /// The `-` of `->`.
    Minus,
}

pub(super) fn print(stream: proc_macro2::TokenStream, out: &mut String, last: &mut Space) {
    use proc_macro2::{Delimiter, Spacing, TokenTree};
    for tree in stream {
        match tree {
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if *last == Space::Word {
                    out.push(' ');
                }
                out.push_str(&tree.to_string());
                *last = Space::Word;
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => (" { ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                let mut inner = Space::Glue;
                print(group.stream(), out, &mut inner);
                while out.ends_with(' ') || out.ends_with(',') {
                    out.pop();
                }
                out.push_str(close);
                *last = Space::Word;
            }
            TokenTree::Punct(punct) => {
                let joint = punct.spacing() == Spacing::Joint;
                match (punct.as_char(), *last) {
                    (':', Space::Colon) => {
                        out.push_str("::");
                        *last = Space::Glue;
                    }
                    (':', _) if joint => *last = Space::Colon,
                    (':', _) => {
                        out.push_str(": ");
                        *last = Space::Glue;
                    }
                    ('-', _) if joint => *last = Space::Minus,
                    ('>', Space::Minus) => {
                        out.push_str(" -> ");
                        *last = Space::Glue;
                    }
                    ('<', _) | ('&', _) | ('\'', _) | ('!', _) | ('#', _) => {
                        if *last == Space::Word && punct.as_char() != '<' {
                            out.push(' ');
                        }
                        out.push(punct.as_char());
                        *last = Space::Glue;
                    }
                    ('>', _) | ('?', _) => {
                        if out.ends_with(", ") {
                            out.truncate(out.len() - 2);
                        }
                        out.push(punct.as_char());
                        *last = Space::Word;
                    }
                    (',', _) | (';', _) => {
                        out.push(punct.as_char());
                        out.push(' ');
                        *last = Space::Glue;
                    }
                    (c, _) => {
                        if !out.ends_with(' ') && !out.is_empty() {
                            out.push(' ');
                        }
                        out.push(c);
                        if !joint {
                            out.push(' ');
                        }
                        *last = Space::Glue;
                    }
                }
            }
        }
    }
}

/// The last segment of a path written as text (`Default` of
/// `::std::default::Default`), its generic arguments kept.
pub(super) fn short(path: &str) -> String {
    let head = path.split('<').next().unwrap_or(path);
    let tail = &path[head.len()..];
    let name = head.rsplit("::").next().unwrap_or(head);
    format!("{name}{tail}")
}

/// A type's path without generic arguments (`builder::GetGroup` of
/// `builder::GetGroup<'a>`).
pub(super) fn type_path(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) if p.path.leading_colon.is_some() => tidy(&p.path),
        syn::Type::Path(p) => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        syn::Type::Reference(r) => type_path(&r.elem),
        other => tidy(other),
    }
}

/// The standard library's types a generated impl names without a path.
pub(super) const PRELUDE: &[&str] = &[
    "String", "Vec", "Option", "Box", "Result", "bool", "str", "char", "u8", "u16", "u32", "u64",
    "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

/// A path with its `super::` and `self::` taken out.
pub(super) fn resolve(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split("::") {
        match segment {
            "super" => {
                out.pop();
            }
            "self" => {}
            other => out.push(other),
        }
    }
    out.join("::")
}

pub(super) fn root_of(at: &str) -> &str {
    at.split("::").next().unwrap_or(at)
}

pub(super) fn flatten_use(tree: &syn::UseTree, prefix: String, out: &mut Vec<(String, String)>) {
    match tree {
        syn::UseTree::Path(p) => flatten_use(&p.tree, format!("{prefix}{}::", p.ident), out),
        syn::UseTree::Name(n) => out.push((n.ident.to_string(), format!("{prefix}{}", n.ident))),
        syn::UseTree::Rename(r) => {
            out.push((r.rename.to_string(), format!("{prefix}{}", r.ident)));
        }
        syn::UseTree::Glob(_) => out.push((format!("{prefix}*"), format!("{prefix}*"))),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                flatten_use(tree, prefix.clone(), out);
            }
        }
    }
}

/// Every struct expression named `name` inside `expr`.
pub(super) fn collect_structs<'e>(
    expr: &'e syn::Expr,
    name: &str,
    out: &mut Vec<&'e syn::ExprStruct>,
) {
    match expr {
        syn::Expr::Struct(s) if s.path.is_ident(name) => out.push(s),
        syn::Expr::Struct(s) => {
            for field in &s.fields {
                collect_structs(&field.expr, name, out);
            }
        }
        syn::Expr::Reference(r) => collect_structs(&r.expr, name, out),
        syn::Expr::Array(a) => {
            for e in &a.elems {
                collect_structs(e, name, out);
            }
        }
        _ => {}
    }
}

/// Every string literal inside `expr`.
pub(super) fn collect_strings(expr: &syn::Expr, out: &mut Vec<String>) {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => out.push(s.value()),
        syn::Expr::Reference(r) => collect_strings(&r.expr, out),
        syn::Expr::Array(a) => {
            for e in &a.elems {
                collect_strings(e, out);
            }
        }
        _ => {}
    }
}

pub(super) fn unquote(text: &str) -> String {
    text.trim_matches('"').to_owned()
}
