//! The one error type of every strata parser.

use core::fmt;

/// The result of a strata nom parser: the rest of the input and the value, or an error.
pub type Res<'a, T> = nom::IResult<&'a [u8], T, DecodeError>;

/// Why a value could not be decoded, and which field it was.
///
/// The layers above map every `DecodeError` to the alert their protocol asks for
/// (normally `decode_error`, RFC 8446 §6.2); the codec itself knows nothing of alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    field: &'static str,
    kind: DecodeErrorKind,
}

/// What was wrong with the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The input ended before the field did.
    Truncated,
    /// A length prefix announced a length outside the field's bounds.
    LengthOutOfRange {
        /// The length announced.
        len: usize,
        /// The smallest length allowed.
        min: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// A vector of fixed-size items had a length that is not a multiple of the item size.
    LengthNotMultiple {
        /// The length announced.
        len: usize,
        /// The size of one item.
        item: usize,
    },
    /// Bytes were left over after a value that must fill its container exactly.
    TrailingBytes {
        /// How many bytes were left.
        extra: usize,
    },
    /// The bytes were well formed but the value is not allowed here.
    IllegalValue(&'static str),
    /// A nom combinator failed (only when strata parsers are combined with nom's own).
    Nom(nom::error::ErrorKind),
}

impl DecodeError {
    /// An error of `kind` in `field`.
    pub const fn new(field: &'static str, kind: DecodeErrorKind) -> Self {
        Self { field, kind }
    }

    /// A shorthand for an [`DecodeErrorKind::IllegalValue`] error.
    pub const fn illegal(field: &'static str, why: &'static str) -> Self {
        Self::new(field, DecodeErrorKind::IllegalValue(why))
    }

    /// The name of the field that failed (the innermost one that was named).
    pub const fn field(&self) -> &'static str {
        self.field
    }

    /// What was wrong.
    pub const fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// Names the field, unless an inner parser already did.
    pub(crate) fn in_field(mut self, field: &'static str) -> Self {
        if self.field.is_empty() {
            self.field = field;
        }
        self
    }

    /// Turns a nom error into a decode error, treating "incomplete" as truncation:
    /// strata's parsers always run over complete bodies.
    pub fn from_nom(err: nom::Err<DecodeError>, field: &'static str) -> Self {
        match err {
            nom::Err::Incomplete(_) => Self::new(field, DecodeErrorKind::Truncated),
            nom::Err::Error(e) | nom::Err::Failure(e) => e.in_field(field),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field.is_empty() {
            "value"
        } else {
            self.field
        };
        match self.kind {
            DecodeErrorKind::Truncated => write!(f, "{field}: input ended early"),
            DecodeErrorKind::LengthOutOfRange { len, min, max } => {
                write!(f, "{field}: length {len} is outside {min}..={max}")
            }
            DecodeErrorKind::LengthNotMultiple { len, item } => {
                write!(f, "{field}: length {len} is not a multiple of {item}")
            }
            DecodeErrorKind::TrailingBytes { extra } => {
                write!(f, "{field}: {extra} unexpected trailing bytes")
            }
            DecodeErrorKind::IllegalValue(why) => write!(f, "{field}: {why}"),
            DecodeErrorKind::Nom(kind) => write!(f, "{field}: malformed ({kind:?})"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl<'a> nom::error::ParseError<&'a [u8]> for DecodeError {
    fn from_error_kind(_input: &'a [u8], kind: nom::error::ErrorKind) -> Self {
        match kind {
            nom::error::ErrorKind::Eof => Self::new("", DecodeErrorKind::Truncated),
            other => Self::new("", DecodeErrorKind::Nom(other)),
        }
    }

    fn append(_input: &'a [u8], _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}
