//! Registry enums that keep the values they do not know.

/// Declares a TLS code-point enum: each known value with its RFC name, and an
/// `Unknown(repr)` variant that keeps any other value as received, so that a peer's new
/// code points pass through parsing and re-encoding unchanged (RFC 8446 §4.1.2 asks
/// servers to ignore suites and extensions they do not recognise).
///
/// The macro gives `From<repr>` both ways, [`Encode`](crate::Encode),
/// [`Decode`](crate::Decode), `Display` (the RFC's name, or `unknown(0x..)`), `name()`
/// and `KNOWN` (every known value, in registry order).
///
/// ```
/// strata_codec::codepoint! {
///     /// The colour of a thing.
///     pub enum Colour: u8 {
///         /// Red.
///         Red = 1 => "red",
///         /// Green.
///         Green = 2 => "green",
///     }
/// }
/// assert_eq!(Colour::from(2), Colour::Green);
/// assert_eq!(Colour::from(9), Colour::Unknown(9));
/// assert_eq!(Colour::Green.to_string(), "green");
/// assert_eq!(Colour::Unknown(9).to_string(), "unknown(0x09)");
/// assert_eq!(u8::from(Colour::Unknown(9)), 9);
/// ```
#[macro_export]
macro_rules! codepoint {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $repr:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal => $text:literal
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )*
            /// A value that strata does not know, kept as it was received.
            Unknown($repr),
        }

        impl $name {
            /// Every value this type knows, in registry order.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),*];

            /// The value on the wire.
            pub const fn to_wire(self) -> $repr {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(v) => v,
                }
            }

            /// The name the RFC gives this value, or `None` for an unknown one.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($text),)*
                    Self::Unknown(_) => None,
                }
            }
        }

        impl ::core::convert::From<$repr> for $name {
            fn from(value: $repr) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }
        }

        impl ::core::convert::From<$name> for $repr {
            fn from(value: $name) -> Self {
                value.to_wire()
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(
                        f,
                        "unknown({:#0width$x})",
                        self.to_wire(),
                        width = 2 + 2 * ::core::mem::size_of::<$repr>()
                    ),
                }
            }
        }

        impl $crate::Encode for $name {
            fn encode(&self, out: &mut $crate::bytes::BytesMut) {
                $crate::Encode::encode(&self.to_wire(), out);
            }
        }

        impl<'a> $crate::Decode<'a> for $name {
            fn decode(input: &'a [u8]) -> $crate::Res<'a, Self> {
                let (rest, value) = <$repr as $crate::Decode>::decode(input)?;
                Ok((rest, Self::from(value)))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::{Decode, Encode};

    crate::codepoint! {
        /// A test registry.
        pub enum Thing: u16 {
            /// One.
            One = 0x0001 => "one",
            /// Big.
            Big = 0xfe00 => "big",
        }
    }

    #[test]
    fn known_and_unknown_values_round_trip() {
        for wire in [0x0001u16, 0xfe00, 0x1234] {
            let thing = Thing::from(wire);
            let bytes = thing.to_bytes();
            assert_eq!(&bytes[..], &wire.to_be_bytes());
            assert_eq!(Thing::decode_exact(&bytes), Ok(thing));
        }
        assert_eq!(Thing::KNOWN, &[Thing::One, Thing::Big]);
        assert_eq!(Thing::Unknown(0x1234).to_string(), "unknown(0x1234)");
    }
}
