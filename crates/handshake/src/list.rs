//! Lists of fixed-size code points (groups, signature schemes, versions, cipher suites,
//! PSK modes) as the messages carry them (RFC 8446 §3.4 vectors): read in place from the
//! received bytes, which are checked once and decoded as they are walked, or given as
//! values, borrowed or owned. Neither a parsed ClientHello nor one built from a config
//! copies its lists.

use std::borrow::Cow;

use bytes::BytesMut;
use strata_codec::{
    checked_vector, put_length_prefixed, Bounds, Decode, Encode, LengthPrefix, Res,
};
use strata_pki::{SignatureScheme, SUPPORTED_SCHEMES};

/// A list of code points: the received encoding, or values.
#[derive(Clone)]
pub struct CodePoints<'a, T: Clone> {
    repr: Repr<'a, T>,
}

#[derive(Clone)]
enum Repr<'a, T: Clone> {
    /// The body of a received vector, every item of which decodes.
    Wire(&'a [u8]),
    Values(Cow<'a, [T]>),
}

impl<'a, T> CodePoints<'a, T>
where
    T: Copy + for<'b> Decode<'b> + 'a,
{
    /// The list of `values`, borrowed.
    pub const fn borrowed(values: &'a [T]) -> Self {
        Self {
            repr: Repr::Values(Cow::Borrowed(values)),
        }
    }

    /// Reads `T field<bounds>` behind `prefix`, keeping the body in place once every item
    /// has been read from it (errors name `field`, as [`strata_codec::vector_of`]'s do).
    pub fn decoder(
        prefix: LengthPrefix,
        bounds: Bounds,
        field: &'static str,
    ) -> impl FnMut(&'a [u8]) -> Res<'a, Self> {
        let mut body = checked_vector(prefix, bounds, field, T::decode);
        move |input| {
            let (rest, bytes) = body(input)?;
            Ok((
                rest,
                Self {
                    repr: Repr::Wire(bytes),
                },
            ))
        }
    }

    /// The items, in order.
    pub fn iter(&self) -> Iter<'_, T> {
        match &self.repr {
            Repr::Wire(bytes) => Iter {
                wire: bytes,
                values: [].iter(),
            },
            Repr::Values(values) => Iter {
                wire: &[],
                values: values.iter(),
            },
        }
    }

    /// Whether `item` is in the list.
    pub fn contains(&self, item: &T) -> bool
    where
        T: PartialEq,
    {
        self.iter().any(|i| i == *item)
    }

    /// The first item, if any.
    pub fn first(&self) -> Option<T> {
        self.iter().next()
    }

    /// How many items.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Wire(_) => self.iter().count(),
            Repr::Values(values) => values.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Wire(bytes) => bytes.is_empty(),
            Repr::Values(values) => values.is_empty(),
        }
    }

    /// The items in a vector of their own.
    pub fn to_vec(&self) -> Vec<T> {
        match &self.repr {
            Repr::Wire(_) => {
                // Counted first, so that the vector is allocated once.
                let mut items = Vec::with_capacity(self.len());
                items.extend(self.iter());
                items
            }
            Repr::Values(values) => values.to_vec(),
        }
    }

    /// A view of the same list that borrows this one (no copy).
    pub fn view(&self) -> CodePoints<'_, T> {
        CodePoints {
            repr: match &self.repr {
                Repr::Wire(bytes) => Repr::Wire(bytes),
                Repr::Values(values) => Repr::Values(Cow::Borrowed(values)),
            },
        }
    }

    /// The same list, owning its items.
    pub fn into_owned(self) -> CodePoints<'static, T> {
        CodePoints {
            repr: Repr::Values(Cow::Owned(match self.repr {
                Repr::Wire(_) => self.to_vec(),
                Repr::Values(values) => values.into_owned(),
            })),
        }
    }

    /// Writes the list behind `prefix`.
    pub fn encode(&self, out: &mut BytesMut, prefix: LengthPrefix)
    where
        T: Encode,
    {
        put_length_prefixed(out, prefix, |out| match &self.repr {
            Repr::Wire(bytes) => out.extend_from_slice(bytes),
            Repr::Values(values) => values.iter().for_each(|v| v.encode(out)),
        });
    }
}

/// The items of `list` that `keep` keeps: `list` itself, borrowed, when it keeps them all
/// (the usual case), else a list of their own.
pub(crate) fn kept<T>(list: &[T], keep: impl Fn(&T) -> bool) -> CodePoints<'_, T>
where
    T: Copy + for<'b> Decode<'b>,
{
    if list.iter().all(&keep) {
        CodePoints::borrowed(list)
    } else {
        let mut items = Vec::with_capacity(list.iter().filter(|item| keep(item)).count());
        items.extend(list.iter().copied().filter(|item| keep(item)));
        items.into()
    }
}

/// The items of a [`CodePoints`].
#[derive(Clone, Debug)]
pub struct Iter<'l, T> {
    wire: &'l [u8],
    values: core::slice::Iter<'l, T>,
}

impl<T> Iterator for Iter<'_, T>
where
    T: Copy + for<'b> Decode<'b>,
{
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if let Some(value) = self.values.next() {
            return Some(*value);
        }
        // Every item of a received body was read once already; a failure cannot happen
        // and would end the walk.
        let (rest, value) = T::decode(self.wire).ok()?;
        self.wire = rest;
        Some(value)
    }
}

impl<T: Clone> Default for CodePoints<'_, T> {
    fn default() -> Self {
        Self {
            repr: Repr::Values(Cow::Borrowed(&[])),
        }
    }
}

impl<T: Clone> From<Vec<T>> for CodePoints<'_, T> {
    fn from(values: Vec<T>) -> Self {
        Self {
            repr: Repr::Values(Cow::Owned(values)),
        }
    }
}

impl<'a, T: Clone> From<&'a [T]> for CodePoints<'a, T> {
    fn from(values: &'a [T]) -> Self {
        Self {
            repr: Repr::Values(Cow::Borrowed(values)),
        }
    }
}

impl<T: Clone> FromIterator<T> for CodePoints<'_, T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T> PartialEq for CodePoints<'_, T>
where
    T: Copy + PartialEq + for<'b> Decode<'b>,
{
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<T> PartialEq<[T]> for CodePoints<'_, T>
where
    T: Copy + PartialEq + for<'b> Decode<'b>,
{
    fn eq(&self, other: &[T]) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl<T, const N: usize> PartialEq<[T; N]> for CodePoints<'_, T>
where
    T: Copy + PartialEq + for<'b> Decode<'b>,
{
    fn eq(&self, other: &[T; N]) -> bool {
        *self == other[..]
    }
}

impl<T> PartialEq<Vec<T>> for CodePoints<'_, T>
where
    T: Copy + PartialEq + for<'b> Decode<'b>,
{
    fn eq(&self, other: &Vec<T>) -> bool {
        *self == other[..]
    }
}

impl<T> Eq for CodePoints<'_, T> where T: Copy + Eq + for<'b> Decode<'b> {}

impl<T> core::fmt::Debug for CodePoints<'_, T>
where
    T: Copy + core::fmt::Debug + for<'b> Decode<'b>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_schemes_keep_the_peer_order_once_each_and_only_ours() {
        use SignatureScheme as S;
        let peer = [
            S::RsaPssRsaeSha256,
            S::from(0x0201), // rsa_pkcs1_sha1: not ours
            S::EcdsaSecp256r1Sha256,
            S::RsaPssRsaeSha256,
            S::from(0xfefe),
            S::Ed25519,
        ];
        let kept = SupportedSchemes::kept_from(peer);
        assert_eq!(
            kept.as_slice(),
            [S::RsaPssRsaeSha256, S::EcdsaSecp256r1Sha256, S::Ed25519]
        );
        // Any number of repeats fits the inline array.
        let many = std::iter::repeat_n(SUPPORTED_SCHEMES.iter().copied(), 40).flatten();
        assert_eq!(
            SupportedSchemes::kept_from(many).as_slice(),
            SUPPORTED_SCHEMES
        );
    }
    use crate::NamedGroup;

    #[test]
    fn a_received_list_reads_as_the_values_it_encodes() {
        let values = vec![NamedGroup::X25519, NamedGroup::Unknown(0x1234)];
        let mut out = BytesMut::new();
        CodePoints::from(values.clone()).encode(&mut out, LengthPrefix::U16);
        let (rest, read) = CodePoints::<NamedGroup>::decoder(
            LengthPrefix::U16,
            Bounds::new(2, 0xfffe),
            "named_group_list",
        )(&out)
        .unwrap();
        assert!(rest.is_empty());
        assert_eq!(read.to_vec(), values);
        assert_eq!(read, CodePoints::from(values));
        assert_eq!(read.len(), 2);
        assert!(read.contains(&NamedGroup::Unknown(0x1234)));
        assert!(!read.contains(&NamedGroup::Secp256r1));
        let mut again = BytesMut::new();
        read.encode(&mut again, LengthPrefix::U16);
        assert_eq!(again, out);
    }

    #[test]
    fn an_odd_length_is_an_error_naming_the_field() {
        let err = CodePoints::<NamedGroup>::decoder(
            LengthPrefix::U16,
            Bounds::new(2, 0xfffe),
            "named_group_list",
        )(&[0, 3, 0, 29, 0])
        .unwrap_err();
        assert!(format!("{err:?}").contains("named_group_list"), "{err:?}");
    }
}

/// The schemes of a peer's list that strata can use ([`SUPPORTED_SCHEMES`]), in the
/// peer's order, each once, held inline: what a TLS 1.2 server keeps of a ClientHello's
/// signature_algorithms across the certificate choice, without an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SupportedSchemes {
    schemes: [SignatureScheme; SUPPORTED_SCHEMES.len()],
    len: usize,
}

impl SupportedSchemes {
    /// The supported ones of `schemes`, duplicates dropped.
    pub(crate) fn kept_from(schemes: impl IntoIterator<Item = SignatureScheme>) -> Self {
        let mut kept = Self {
            schemes: [SignatureScheme::Ed25519; SUPPORTED_SCHEMES.len()],
            len: 0,
        };
        for scheme in schemes {
            if scheme.is_supported() && !kept.as_slice().contains(&scheme) {
                if let Some(slot) = kept.schemes.get_mut(kept.len) {
                    *slot = scheme;
                    kept.len += 1;
                }
            }
        }
        kept
    }

    /// The schemes, in the peer's order.
    pub(crate) fn as_slice(&self) -> &[SignatureScheme] {
        self.schemes.get(..self.len).unwrap_or_default()
    }
}
