//! Small wire helpers shared by the messages and extensions: opaque vectors that borrow
//! from the input when parsed and may own their bytes when built.

use std::borrow::Cow;

use strata_codec::{length_prefixed, Bounds, LengthPrefix, Res};

/// Parses `opaque field<bounds>` behind a `prefix`, borrowing the body.
pub(crate) fn opaque<'a>(
    prefix: LengthPrefix,
    bounds: Bounds,
    field: &'static str,
) -> impl Fn(&'a [u8]) -> Res<'a, Cow<'a, [u8]>> {
    let inner = length_prefixed(prefix, bounds, field);
    move |input| inner(input).map(|(rest, body)| (rest, Cow::Borrowed(body)))
}

/// An owned copy of borrowed bytes, for `into_owned`.
pub(crate) fn own(bytes: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
    Cow::Owned(bytes.into_owned())
}
