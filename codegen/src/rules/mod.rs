//! The rules, a file per concern, each rule a function whose docs begin
//! with ``Rule `NAME` `` (the table is [`super::RULES`]); `super` (the
//! generation function) applies them in that table's order.
//!
//! | file | rules |
//! | --- | --- |
//! | `docs.rs` | `CODE_BLOCK_AS_TEXT`, `DEFAULT_AS_DOCUMENTATION` |
//! | `shapes.rs` | `POLYMORPHIC_BASE_INLINED_IN_ALLOF`, `INTEGER_ENUM_AS_INTEGER`, `UNNAMEABLE_ENUM_AS_STRING` |
//! | `versions.rs` | `KEPT_OPERATION_NAMES`, `ONE_VERSION_PER_OPERATION`, `NO_CONTENT_STATUS_AS_NO_BODY`, `NO_SCHEMA_AS_NO_CONTENT`, `MIXED_SUCCESS_AS_BYTES`, `SUCCESS_AS_ANY_2XX`, `ONE_ERROR_SHAPE`, `TEXT_SUCCESS_AS_TEXT` |
//! | `parameters.rs` | `PATH_PARAMETER_AS_SHARED_TYPE` |
//! | `checks.rs` | `CHECKED_STRING_TYPES_KEPT` |
//! | `requests.rs` | `REQUIRED_REQUEST_MEMBERS_KEPT` |
//! | `answers/direction.rs` | `SHARED_SCHEMA_SPLIT_BY_DIRECTION` |
//! | `answers/mod.rs` | `ANSWER_PROPERTIES_OPTIONAL`, `ANSWER_VALUES_UNCHECKED` |
//! | `answers/loosen.rs` | `ANSWER_VARIANTS_CATCH_ALL`, `NULLABLE_IN_ANSWERS_AS_ABSENT`, `NULLABLE_SCHEMA_AS_PLAIN_TYPE`, `NULLABLE_IN_REQUESTS_AS_PLAIN` |
//! | `answers/variant_tags.rs` | `ANSWER_VARIANT_TAGS_CLOSED` |
//! | `patterns.rs` | `PATTERN_ACCEPTING_EVERY_STRING_UNCHECKED`, `UNICODE_PATTERN_UNCHECKED`, `PATTERN_ESCAPED_TWICE_UNCHECKED` |
//! | `enums.rs` | `OPEN_STRING_ENUM`, `SECRET_STRING` |
//! | `pages.rs` | `PAGINATED_LIST_AS_STREAM` |
//! | `mock.rs` | `MOCK_UNPRINTABLE_PARAMETER_LEFT_OUT`, `MOCK_SCALAR_BODY_AS_JSON`, `MOCK_DOCUMENTED_SUCCESS_BY_NAME`, `MOCK_ERROR_AS_ATLAS_SENDS_IT` |

pub(crate) mod answers;
pub(crate) mod checks;
pub(crate) mod docs;
pub(crate) mod enums;
pub(crate) mod mock;
pub(crate) mod pages;
pub(crate) mod parameters;
pub(crate) mod patterns;
pub(crate) mod requests;
pub(crate) mod shapes;
pub(crate) mod versions;
