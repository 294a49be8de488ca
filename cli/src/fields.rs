//! Values set on a generated struct's fields as the struct declares them.
//! A field's type follows the spec's value checks: a checked newtype while
//! the spec checks the value, `String` where a revision checks nothing (and
//! rule `CHECKED_STRING_TYPES_KEPT` keeps only the newtypes an earlier cut
//! had). So hand-written code never names such a type: it assigns to the
//! field, and these convert to whatever the field is, with the generated
//! check's own message.

use std::fmt::Display;

/// `value` as the type `T` of the field it is assigned to.
pub fn value<T, V>(value: V) -> Result<T, String>
where
    T: TryFrom<V>,
    T::Error: Display,
{
    T::try_from(value).map_err(|e| e.to_string())
}

/// An optional value as the field's `Option<T>`.
pub fn optional<T, V>(given: Option<V>) -> Result<Option<T>, String>
where
    T: TryFrom<V>,
    T::Error: Display,
{
    given.map(value).transpose()
}

/// Values as the field's `Vec<T>`.
pub fn list<T, V>(given: Vec<V>) -> Result<Vec<T>, String>
where
    T: TryFrom<V>,
    T::Error: Display,
{
    given.into_iter().map(value).collect()
}

/// `given` as an item of the slice `field` reads from a `B`: the check of
/// that item's generated type, named by the field that holds it.
pub fn item_of<B, T>(_field: impl Fn(&B) -> &[T], given: &str) -> Result<T, String>
where
    T: for<'a> TryFrom<&'a str>,
    for<'a> <T as TryFrom<&'a str>>::Error: Display,
{
    T::try_from(given).map_err(|e| e.to_string())
}
