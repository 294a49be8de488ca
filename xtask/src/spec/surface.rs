//! The public surface of the generated code, item by item, and what changed
//! between two generations, judged for code that uses the items.
//!
//! The report's "Breaking Changes" come from here, not from the spec's text:
//! the client (`atlas_live_migration_api`: its types with their fields,
//! variants, derives and trait impls, the builders and their setters, the
//! `Client` methods, the request builders' parameters and `send`), the pages
//! written beside it (`stream`, `all`, `pages` on a list's builder), the typed
//! mock (`atlas_live_migration_httpmock`) and the CLI's generated `api`
//! commands (their names, flags and body).
//!
//! An item is a path and a signature (its Rust type, its generics, bounds,
//! parameters and output, written as the generator printed them, white space
//! tidied). A change breaks code that uses the item when the item is gone,
//! when its signature differs, or when it is a field added to a struct that
//! a literal can build, a variant added to an enum that a `match` can cover,
//! or a flag a command now requires. What this cannot see: auto traits
//! (`Send`, `Sync`), which no text states; and a setter's or parameter's type
//! that changes in a way some callers' values still fit (`T` to `Option<T>`
//! takes a `T` but not a `&str` for a `String`): any change of signature is
//! breaking here.

use std::collections::BTreeMap;

use quote::ToTokens;

/// Where an item lives: the SDK, the typed mock, or the CLI.
pub const CLIENT: &str = "atlas_live_migration_api";
pub const MOCK: &str = "atlas_live_migration_httpmock";
pub const CLI: &str = "atlas-live-migration api";

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Module,
    Struct,
    Enum,
    Field,
    Variant,
    Function,
    Method,
    Impl,
    Const,
    Alias,
    Trait,
    Use,
    Command,
    Flag,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Module => "module",
            Kind::Struct => "struct",
            Kind::Enum => "enum",
            Kind::Field => "field",
            Kind::Variant => "variant",
            Kind::Function => "function",
            Kind::Method => "method",
            Kind::Impl => "trait impl",
            Kind::Const => "constant",
            Kind::Alias => "type alias",
            Kind::Trait => "trait",
            Kind::Use => "re-export",
            Kind::Command => "command",
            Kind::Flag => "flag",
        }
    }
}

/// One public item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    /// What code that uses the item depends on.
    pub signature: String,
    /// The item it belongs to (a field's struct, a method's type).
    pub parent: Option<String>,
    /// A field's or variant's name on the wire, a type's schema name: what
    /// ties it to the spec.
    pub wire: Option<String>,
    /// A struct a literal can build (every field public), an enum a `match`
    /// can cover, a command a script can call: adding to it breaks.
    pub closed: bool,
}

/// Every public item of one generation, by path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Surface(pub BTreeMap<String, Item>);

impl Surface {
    /// Generates every surface of one cut (the client, the pages beside it,
    /// the typed mock, the CLI's `api` commands) and reads their items.
    pub fn of_cut(spec_yaml: &str) -> Result<Self, String> {
        let client = crate::codegen::generate(spec_yaml)?;
        let mut surface = Surface::default();
        surface.rust(&client, CLIENT)?;
        surface.rust(&crate::codegen::generate_pages(spec_yaml, &client)?, CLIENT)?;
        surface.rust(&crate::codegen::generate_httpmock(spec_yaml, CLIENT)?, MOCK)?;
        surface.cli(&crate::codegen::generate_cli(spec_yaml, &client)?)?;
        Ok(surface)
    }

    fn insert(&mut self, path: String, item: Item) {
        self.0.insert(path, item);
    }

    /// The public items of one Rust file, under `root`.
    pub fn rust(&mut self, code: &str, root: &str) -> Result<(), String> {
        let file =
            syn::parse_file(code).map_err(|e| format!("the generated code does not parse: {e}"))?;
        self.items(&file.items, root);
        Ok(())
    }

    fn items(&mut self, items: &[syn::Item], at: &str) {
        for item in items {
            match item {
                syn::Item::Mod(module) if public(&module.vis) => {
                    let path = format!("{at}::{}", module.ident);
                    self.insert(path.clone(), item_of(Kind::Module, String::new(), at));
                    if let Some((_, items)) = &module.content {
                        self.items(items, &path);
                    }
                }
                syn::Item::Struct(s) if public(&s.vis) => self.structure(s, at),
                syn::Item::Enum(e) if public(&e.vis) => self.enumeration(e, at),
                syn::Item::Impl(block) => self.implementation(block, at),
                syn::Item::Fn(f) if public(&f.vis) => {
                    let path = format!("{at}::{}", f.sig.ident);
                    self.insert(path, item_of(Kind::Function, signature(&f.sig), at));
                }
                syn::Item::Const(c) if public(&c.vis) => {
                    let path = format!("{at}::{}", c.ident);
                    self.insert(path, item_of(Kind::Const, tidy(&c.ty), at));
                }
                syn::Item::Static(s) if public(&s.vis) => {
                    let path = format!("{at}::{}", s.ident);
                    self.insert(path, item_of(Kind::Const, tidy(&s.ty), at));
                }
                syn::Item::Type(t) if public(&t.vis) => {
                    let path = format!("{at}::{}", t.ident);
                    let text = format!("{}{}", tidy(&t.generics), tidy(&t.ty));
                    self.insert(path, item_of(Kind::Alias, text, at));
                }
                syn::Item::Trait(t) if public(&t.vis) => {
                    let path = format!("{at}::{}", t.ident);
                    self.insert(path.clone(), item_of(Kind::Trait, tidy(&t.generics), at));
                    for item in &t.items {
                        if let syn::TraitItem::Fn(f) = item {
                            let method = format!("{path}::{}", f.sig.ident);
                            self.insert(method, item_of(Kind::Method, signature(&f.sig), &path));
                        }
                    }
                }
                syn::Item::Use(u) if public(&u.vis) => {
                    let mut uses = Vec::new();
                    flatten_use(&u.tree, String::new(), &mut uses);
                    for (name, target) in uses {
                        self.insert(format!("{at}::{name}"), item_of(Kind::Use, target, at));
                    }
                }
                syn::Item::Macro(m) => self.macro_call(m, at),
                _ => {}
            }
        }
    }

    fn structure(&mut self, s: &syn::ItemStruct, at: &str) {
        let path = format!("{at}::{}", s.ident);
        let all_public = s.fields.iter().all(|f| public(&f.vis));
        let mut item = item_of(Kind::Struct, tidy(&s.generics), at);
        item.closed = all_public && !non_exhaustive(&s.attrs);
        item.wire = serde_name(&s.attrs);
        let shape = match &s.fields {
            syn::Fields::Named(_) => "{…}",
            syn::Fields::Unnamed(_) => "(…)",
            syn::Fields::Unit => "",
        };
        item.signature.push_str(shape);
        self.insert(path.clone(), item);
        self.derives(&s.attrs, &path);
        for (index, field) in s.fields.iter().enumerate() {
            if !public(&field.vis) {
                continue;
            }
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), ToString::to_string);
            let mut item = item_of(Kind::Field, tidy(&field.ty), &path);
            item.wire = serde_name(&field.attrs).or_else(|| field.ident.as_ref().map(raw));
            self.insert(format!("{path}::{name}"), item);
        }
    }

    fn enumeration(&mut self, e: &syn::ItemEnum, at: &str) {
        let path = format!("{at}::{}", e.ident);
        let mut item = item_of(Kind::Enum, tidy(&e.generics), at);
        item.closed = !non_exhaustive(&e.attrs);
        item.wire = serde_name(&e.attrs);
        self.insert(path.clone(), item);
        self.derives(&e.attrs, &path);
        // A fieldless enum's variants have discriminants an `as` cast
        // reads: their order is part of what users meet.
        let fieldless = e
            .variants
            .iter()
            .all(|v| matches!(v.fields, syn::Fields::Unit) && v.discriminant.is_none());
        for (index, variant) in e.variants.iter().enumerate() {
            let signature = if fieldless {
                format!("= {index}")
            } else {
                tidy(&variant.fields)
            };
            let mut item = item_of(Kind::Variant, signature, &path);
            item.wire = serde_name(&variant.attrs).or_else(|| Some(raw(&variant.ident)));
            self.insert(format!("{path}::{}", variant.ident), item);
        }
    }

    /// Each derived trait, as the impl it writes.
    fn derives(&mut self, attrs: &[syn::Attribute], path: &str) {
        for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
            let Ok(list) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            for derived in list {
                let name = short(&tidy(&derived));
                self.insert(
                    format!("impl {name} for {path}"),
                    item_of(Kind::Impl, String::new(), path),
                );
            }
        }
    }

    fn implementation(&mut self, block: &syn::ItemImpl, at: &str) {
        let ty = type_path(&block.self_ty);
        let target =
            if ty.starts_with("::") || ty.starts_with("std::") || PRELUDE.contains(&ty.as_str()) {
                ty
            } else {
                resolve(&format!("{at}::{ty}"))
            };
        match &block.trait_ {
            Some((trait_path, _)) => {
                let name = short(&tidy(trait_path));
                // What the impl fixes: its associated types (`Error`, `Item`).
                let associated: Vec<String> = block
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        syn::ImplItem::Type(t) => Some(format!("{} = {}", t.ident, tidy(&t.ty))),
                        _ => None,
                    })
                    .collect();
                self.insert(
                    format!("impl {name} for {target}"),
                    item_of(Kind::Impl, associated.join(", "), &target),
                );
            }
            None => {
                for item in &block.items {
                    match item {
                        syn::ImplItem::Fn(f) if public(&f.vis) => {
                            let path = format!("{target}::{}", f.sig.ident);
                            self.insert(path, item_of(Kind::Method, signature(&f.sig), &target));
                        }
                        syn::ImplItem::Const(c) if public(&c.vis) => {
                            let path = format!("{target}::{}", c.ident);
                            self.insert(path, item_of(Kind::Const, tidy(&c.ty), &target));
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// A macro that writes public methods (`paginated!(Builder => Page)`):
    /// the methods it gives the builder, each typed by the page it reads.
    fn macro_call(&mut self, m: &syn::ItemMacro, at: &str) {
        let Some(name) = m.mac.path.segments.last() else {
            return;
        };
        if name.ident != "paginated" {
            return;
        }
        let text = tidy(&m.mac.tokens);
        let Some((builder, page)) = text.split_once("=>") else {
            return;
        };
        let page = page.split(';').next().unwrap_or_default().trim();
        let target = format!("{}::builder::{}", root_of(at), builder.trim());
        for method in ["stream", "all", "pages"] {
            self.insert(
                format!("{target}::{method}"),
                item_of(Kind::Method, format!("reads {page}"), &target),
            );
        }
    }

    /// The CLI's generated `api` commands: each name a script can call
    /// (the Atlas CLI's, and its aliases), each flag with whether it is
    /// required and how it takes its value, and whether it takes a body.
    pub fn cli(&mut self, code: &str) -> Result<(), String> {
        let file = syn::parse_file(code)
            .map_err(|e| format!("the generated commands do not parse: {e}"))?;
        let mut operations = Vec::new();
        for item in &file.items {
            if let syn::Item::Const(c) = item {
                collect_structs(&c.expr, "Operation", &mut operations);
            }
        }
        for operation in operations {
            let field = |name: &str| {
                operation
                    .fields
                    .iter()
                    .find(|f| matches!(&f.member, syn::Member::Named(i) if i == name))
                    .map(|f| &f.expr)
            };
            let text = |name: &str| field(name).map(|e| unquote(&tidy(e))).unwrap_or_default();
            let tag = text("tag");
            let mut names = vec![text("name")];
            if let Some(aliases) = field("aliases") {
                let mut found = Vec::new();
                collect_strings(aliases, &mut found);
                names.extend(found);
            }
            let body = field("body").is_some_and(|b| tidy(b) != "None");
            let mut parameters = Vec::new();
            if let Some(list) = field("parameters") {
                collect_structs(list, "Parameter", &mut parameters);
            }
            for name in names {
                let command = format!("{CLI} {tag} {name}");
                let mut item = item_of(
                    Kind::Command,
                    if body { "takes a body" } else { "no body" }.to_owned(),
                    CLI,
                );
                item.closed = true;
                item.wire = Some(text("rust_name"));
                self.insert(command.clone(), item);
                for parameter in &parameters {
                    let get = |name: &str| {
                        parameter
                            .fields
                            .iter()
                            .find(|f| matches!(&f.member, syn::Member::Named(i) if i == name))
                            .map(|f| unquote(&tidy(&f.expr)))
                            .unwrap_or_default()
                    };
                    let mut item = item_of(
                        Kind::Flag,
                        format!(
                            "{}, {}",
                            if get("required") == "true" {
                                "required"
                            } else {
                                "optional"
                            },
                            short(&get("kind"))
                        ),
                        &command,
                    );
                    item.wire = Some(get("name"));
                    self.insert(format!("{command} --{}", get("name")), item);
                }
            }
        }
        Ok(())
    }
}

/// One change between two surfaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub old: Option<Item>,
    pub new: Option<Item>,
    /// Whether code that used the item (or a script that called it) stops
    /// compiling (or working).
    pub breaking: bool,
}

impl Change {
    /// The item as it is now, else as it was.
    pub fn item(&self) -> &Item {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .expect("a change has a side")
    }

    /// What changed, in words that say what a user's code must do.
    pub fn describe(&self) -> String {
        let noun = self.item().kind.noun();
        match (&self.old, &self.new) {
            (Some(_), None) => format!("{noun} removed"),
            (None, Some(new)) => match new.kind {
                Kind::Field if self.breaking => {
                    "field added: a struct literal must set it (the builder need not)".to_owned()
                }
                Kind::Variant if self.breaking => {
                    "variant added: an exhaustive `match` must cover it".to_owned()
                }
                Kind::Flag if self.breaking => {
                    "required flag added: a script must pass it".to_owned()
                }
                _ => format!("{noun} added"),
            },
            (Some(old), Some(new)) => match new.kind {
                Kind::Field => format!("type `{}` -> `{}`", old.signature, new.signature),
                Kind::Variant if old.signature.starts_with('=') => format!(
                    "discriminant {} -> {} (the spec reordered the values: an `as` cast \
                     gives another number)",
                    old.signature.trim_start_matches("= "),
                    new.signature.trim_start_matches("= ")
                ),
                Kind::Impl => format!(
                    "associated types `{}` -> `{}`",
                    old.signature, new.signature
                ),
                _ => format!("`{}` -> `{}`", old.signature, new.signature),
            },
            (None, None) => String::new(),
        }
    }
}

/// What changed from `old` to `new`: items removed, changed and added, the
/// children of an item removed or added with it left out (its line says it).
pub fn diff(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, was) in &old.0 {
        match new.0.get(path) {
            None => changes.push(Change {
                path: path.clone(),
                old: Some(was.clone()),
                new: None,
                breaking: true,
            }),
            Some(now) if now.signature != was.signature || now.kind != was.kind => {
                changes.push(Change {
                    path: path.clone(),
                    old: Some(was.clone()),
                    new: Some(now.clone()),
                    breaking: true,
                })
            }
            Some(_) => {}
        }
    }
    for (path, now) in &new.0 {
        if old.0.contains_key(path) {
            continue;
        }
        // Adding to what a literal, a `match` or a script spells out breaks
        // it; anything else added is a feature.
        let parent_closed = now
            .parent
            .as_ref()
            .and_then(|p| old.0.get(p))
            .is_some_and(|p| p.closed);
        let breaking = parent_closed
            && match now.kind {
                Kind::Field | Kind::Variant => true,
                Kind::Flag => now.signature.starts_with("required"),
                _ => false,
            };
        changes.push(Change {
            path: path.clone(),
            old: None,
            new: Some(now.clone()),
            breaking,
        });
    }
    // A change whose parent went or came with it is said by the parent's line.
    let whole: std::collections::BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.old.is_none() || c.new.is_none())
        .map(|c| c.path.as_str())
        .collect();
    let keep: Vec<bool> = changes
        .iter()
        .map(|c| {
            !c.item()
                .parent
                .as_deref()
                .is_some_and(|p| whole.contains(p) && (c.old.is_none() || c.new.is_none()))
        })
        .collect();
    changes
        .into_iter()
        .zip(keep)
        .filter_map(|(c, keep)| keep.then_some(c))
        .collect()
}

fn item_of(kind: Kind, signature: String, parent: &str) -> Item {
    Item {
        kind,
        signature,
        parent: Some(parent.to_owned()),
        wire: None,
        closed: false,
    }
}

fn public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn non_exhaustive(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

/// An identifier without its `r#`.
fn raw(ident: &syn::Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_owned()
}

/// `#[serde(rename = "x")]`: the name on the wire.
fn serde_name(attrs: &[syn::Attribute]) -> Option<String> {
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
fn signature(sig: &syn::Signature) -> String {
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
enum Space {
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

fn print(stream: proc_macro2::TokenStream, out: &mut String, last: &mut Space) {
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
fn short(path: &str) -> String {
    let head = path.split('<').next().unwrap_or(path);
    let tail = &path[head.len()..];
    let name = head.rsplit("::").next().unwrap_or(head);
    format!("{name}{tail}")
}

/// A type's path without generic arguments (`builder::GetGroup` of
/// `builder::GetGroup<'a>`).
fn type_path(ty: &syn::Type) -> String {
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
const PRELUDE: &[&str] = &[
    "String", "Vec", "Option", "Box", "Result", "bool", "str", "char", "u8", "u16", "u32", "u64",
    "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

/// A path with its `super::` and `self::` taken out.
fn resolve(path: &str) -> String {
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

fn root_of(at: &str) -> &str {
    at.split("::").next().unwrap_or(at)
}

fn flatten_use(tree: &syn::UseTree, prefix: String, out: &mut Vec<(String, String)>) {
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
fn collect_structs<'e>(expr: &'e syn::Expr, name: &str, out: &mut Vec<&'e syn::ExprStruct>) {
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
fn collect_strings(expr: &syn::Expr, out: &mut Vec<String>) {
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

fn unquote(text: &str) -> String {
    text.trim_matches('"').to_owned()
}

#[cfg(test)]
mod tests {
    use super::{Kind, Surface, diff};

    fn read(code: &str) -> Surface {
        let mut surface = Surface::default();
        surface.rust(code, "c").unwrap();
        surface
    }

    fn lines(old: &str, new: &str) -> Vec<String> {
        diff(&read(old), &read(new))
            .iter()
            .map(|c| {
                format!(
                    "{}{}: {}",
                    if c.breaking { "! " } else { "+ " },
                    c.path,
                    c.describe()
                )
            })
            .collect()
    }

    #[test]
    fn each_kind_of_change_is_judged_by_what_it_breaks() {
        let old = r#"
            pub mod types {
                #[derive(Clone, Debug, Default)]
                pub struct A { #[serde(rename = "aB")] pub a_b: Option<String>, pub c: ::std::vec::Vec<u8> }
                pub struct Private { x: u8 }
                pub enum E { One, Two }
                pub struct Gone;
                impl A { pub fn builder() -> builder::A { todo!() } }
                pub mod builder {
                    pub struct A { a_b: Result<Option<String>, String> }
                    impl A {
                        pub fn a_b<T>(mut self, value: T) -> Self where T: ::std::convert::TryInto<Option<String>> { todo!() }
                    }
                }
            }
        "#;
        let new = r#"
            pub mod types {
                #[derive(Clone, Debug)]
                pub struct A { #[serde(rename = "aB")] pub a_b: String, pub c: ::std::vec::Vec<u8>, pub d: u8 }
                pub struct Private { x: u8, pub y: u8 }
                pub enum E { One, Two, Three }
                pub struct New;
                impl A { pub fn builder() -> builder::A { todo!() } }
                pub mod builder {
                    pub struct A { a_b: Result<String, String> }
                    impl A {
                        pub fn a_b<T>(mut self, value: T) -> Self where T: ::std::convert::TryInto<String> { todo!() }
                        pub fn d<T>(mut self, value: T) -> Self { todo!() }
                    }
                }
            }
        "#;
        assert_eq!(
            lines(old, new),
            [
                "! c::types::A::a_b: type `Option<String>` -> `String`",
                "! c::types::Gone: struct removed",
                "! c::types::builder::A::a_b: `fn<T>(self, T) -> Self where T: TryInto<Option<String>>` -> `fn<T>(self, T) -> Self where T: TryInto<String>`",
                "! impl Default for c::types::A: trait impl removed",
                "! c::types::A::d: field added: a struct literal must set it (the builder need not)",
                "! c::types::E::Three: variant added: an exhaustive `match` must cover it",
                "+ c::types::New: struct added",
                "+ c::types::Private::y: field added",
                "+ c::types::builder::A::d: method added",
            ]
        );
        let surface = read(old);
        let field = &surface.0["c::types::A::a_b"];
        assert_eq!(
            (field.kind, field.wire.as_deref()),
            (Kind::Field, Some("aB"))
        );
    }

    #[test]
    fn the_same_code_has_no_change_and_children_go_with_their_parent() {
        let code = "pub mod m { #[derive(Clone)] pub struct S { pub f: u8 } impl S { pub fn g(&self) {} } }";
        assert!(lines(code, code).is_empty());
        assert_eq!(lines(code, ""), ["! c::m: module removed"]);
        assert_eq!(lines("", code), ["+ c::m: module added"]);
    }

    #[test]
    fn the_cli_commands_are_names_flags_and_a_body() {
        let old = r#"
            const OPERATIONS: &[Operation] = &[Operation {
                rust_name: "get_x", tag: "t", name: "getX", aliases: &["getOldX"],
                parameters: &[Parameter { name: "groupId", location: "path", required: true, kind: Kind::Value, description: "" }],
                body: None,
            }];
        "#;
        let new = r#"
            const OPERATIONS: &[Operation] = &[Operation {
                rust_name: "get_x", tag: "t", name: "getX", aliases: &[],
                parameters: &[
                    Parameter { name: "groupId", location: "path", required: true, kind: Kind::Value, description: "" },
                    Parameter { name: "pretty", location: "query", required: false, kind: Kind::Flag, description: "" },
                    Parameter { name: "must", location: "query", required: true, kind: Kind::Value, description: "" },
                ],
                body: Some("types::X"),
            }];
        "#;
        let read = |code: &str| {
            let mut surface = Surface::default();
            surface.cli(code).unwrap();
            surface
        };
        let lines: Vec<String> = diff(&read(old), &read(new))
            .iter()
            .map(|c| format!("{} {}: {}", c.breaking, c.path, c.describe()))
            .collect();
        assert_eq!(
            lines,
            [
                "true atlas-live-migration api t getOldX: command removed",
                "true atlas-live-migration api t getX: `no body` -> `takes a body`",
                "true atlas-live-migration api t getX --must: required flag added: a script must pass it",
                "false atlas-live-migration api t getX --pretty: flag added",
            ]
        );
    }
}
