//! A generation's public items read, with syn: the client, the pages, the
//! typed mock, and the CLI's generated commands.

use super::tokens::*;
use super::{CLI, CLIENT, Item, Kind, MOCK, Surface};

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
