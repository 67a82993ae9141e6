//! The writing half: a serde `Serializer` into a fixed buffer.

use serde::ser::{self, Serialize};

use super::{ENCAPSULATION, Error, padding};

/// Write `value` as an XCDR1 little-endian payload (encapsulation header and body) into
/// `out`; the number of bytes written.
pub fn to_slice<T: Serialize + ?Sized>(value: &T, out: &mut [u8]) -> Result<usize, Error> {
    let header = out
        .get_mut(..ENCAPSULATION.len())
        .ok_or(Error::BufferFull)?;
    header.copy_from_slice(&ENCAPSULATION);
    let mut serializer = Serializer {
        body: &mut out[ENCAPSULATION.len()..],
        len: 0,
    };
    value.serialize(&mut serializer)?;
    Ok(ENCAPSULATION.len() + serializer.len)
}

/// A serde serializer writing a CDR body into a slice (see [`to_slice`]).
#[derive(Debug)]
pub struct Serializer<'a> {
    body: &'a mut [u8],
    len: usize,
}

impl Serializer<'_> {
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let end = self.len.checked_add(bytes.len()).ok_or(Error::BufferFull)?;
        let dst = self.body.get_mut(self.len..end).ok_or(Error::BufferFull)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Zero padding to align a value of `size` bytes, then its bytes.
    fn aligned<const N: usize>(&mut self, bytes: [u8; N]) -> Result<(), Error> {
        let pad = padding(self.len, N);
        self.bytes(&[0u8; 8][..pad])?;
        self.bytes(&bytes)
    }

    fn count(&mut self, len: usize) -> Result<(), Error> {
        let len = u32::try_from(len).map_err(|_| Error::Unsupported)?;
        self.aligned(len.to_le_bytes())
    }
}

macro_rules! primitive {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<(), Error> {
            self.aligned(v.to_le_bytes())
        })*
    };
}

impl ser::Serializer for &mut Serializer<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    primitive!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64);

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.bytes(&[u8::from(v)])
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        let byte = u8::try_from(u32::from(v)).map_err(|_| Error::Invalid)?;
        self.bytes(&[byte])
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.count(v.len() + 1)?;
        self.bytes(v.as_bytes())?;
        self.bytes(&[0])
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.count(v.len())?;
        self.bytes(v)
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.count(0)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.count(1)?;
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
    ) -> Result<(), Error> {
        self.serialize_u32(index)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.serialize_u32(index)?;
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self, Error> {
        self.count(len.ok_or(Error::Unsupported)?)?;
        Ok(self)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self, Error> {
        Ok(self)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        Ok(self)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Error> {
        self.serialize_u32(index)?;
        Ok(self)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self, Error> {
        self.serialize_seq(len)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        index: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Error> {
        self.serialize_u32(index)?;
        Ok(self)
    }

    fn collect_str<T: core::fmt::Display + ?Sized>(self, _: &T) -> Result<(), Error> {
        // Formatting would need a buffer of unknown size for the length prefix.
        Err(Error::Unsupported)
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// Every compound is its elements in order: one impl body for all of them.
macro_rules! compound {
    ($($trait:ident :: $method:ident),*) => {
        $(impl ser::$trait for &mut Serializer<'_> {
            type Ok = ();
            type Error = Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                value.serialize(&mut **self)
            }

            fn end(self) -> Result<(), Error> {
                Ok(())
            }
        })*
    };
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Serializer<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        key.serialize(&mut **self)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

macro_rules! fields {
    ($($trait:ident),*) => {
        $(impl ser::$trait for &mut Serializer<'_> {
            type Ok = ();
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, value: &T) -> Result<(), Error> {
                value.serialize(&mut **self)
            }

            fn end(self) -> Result<(), Error> {
                Ok(())
            }
        })*
    };
}

fields!(SerializeStruct, SerializeStructVariant);
