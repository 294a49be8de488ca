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

pub mod diff;
mod read;
mod tokens;

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

#[cfg(test)]
mod tests {
    use super::diff::diff;
    use super::{Kind, Surface};

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
