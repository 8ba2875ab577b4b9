//! A serde `Deserializer` over the spanned tree, so typed objects (k8s-openapi's, our config)
//! are read straight from it, with the span of the node where deserialization failed.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::{NodeKind, NodeRef, Plain};
use crate::span::Span;

/// A deserialization failure at a node.
#[derive(Debug, Clone)]
pub struct DeError {
    pub message: String,
    pub span: Option<Span>,
}

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        DeError { message: msg.to_string(), span: None }
    }
}

/// Deserializes `T` from a node.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: NodeRef<'_>) -> Result<T, DeError> {
    T::deserialize(NodeDe { node, depth: 0 })
}

const MAX_DEPTH: usize = 256;

struct NodeDe<'a> {
    node: NodeRef<'a>,
    depth: usize,
}

impl NodeDe<'_> {
    fn locate(&self, mut e: DeError) -> DeError {
        if e.span.is_none() {
            e.span = Some(self.node.resolve().span());
        }
        e
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.depth > MAX_DEPTH {
            return Err(self.locate(de::Error::custom("value nested too deeply")));
        }
        let node = self.node.resolve();
        let result = match &node.node().kind {
            NodeKind::Scalar(_) => {
                let text = node.as_str().unwrap_or_default();
                match node.scalar_type().unwrap_or(Plain::Str) {
                    Plain::Null => visitor.visit_unit(),
                    Plain::Bool(b) => visitor.visit_bool(b),
                    Plain::Int(i) => match (i64::try_from(i), u64::try_from(i)) {
                        (Ok(v), _) => visitor.visit_i64(v),
                        (_, Ok(v)) => visitor.visit_u64(v),
                        _ => visitor.visit_f64(i as f64),
                    },
                    Plain::Float(f) => visitor.visit_f64(f),
                    Plain::Str => visitor.visit_str(text),
                }
            }
            NodeKind::Seq(_) => visitor.visit_seq(SeqDe { items: node.items(), depth: self.depth + 1 }),
            NodeKind::Map(_) => {
                visitor.visit_map(MapDe { entries: node.entries(), value: None, depth: self.depth + 1 })
            }
            NodeKind::Alias(_) => Err(de::Error::custom("unresolved alias")),
        };
        result.map_err(|e| self.locate(e))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let node = self.node.resolve();
        if let Some(s) = node.as_str() {
            return visitor.visit_enum(s.to_string().into_deserializer()).map_err(|e| self.locate(e));
        }
        let mut entries = node.entries();
        match (entries.next(), entries.next()) {
            (Some(e), None) => {
                let variant = e.key.as_str().unwrap_or_default().to_string();
                visitor
                    .visit_enum(EnumDe { variant, value: NodeDe { node: e.value, depth: self.depth + 1 } })
                    .map_err(|err| self.locate(err))
            }
            _ => Err(self.locate(de::Error::custom("expected a string or a single-key mapping"))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct SeqDe<I> {
    items: I,
    depth: usize,
}

impl<'de, 'a, I: Iterator<Item = NodeRef<'a>>> de::SeqAccess<'de> for SeqDe<I> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(node) => seed.deserialize(NodeDe { node, depth: self.depth }).map(Some),
            None => Ok(None),
        }
    }
}

struct MapDe<'a, I> {
    entries: I,
    value: Option<NodeRef<'a>>,
    depth: usize,
}

impl<'de, 'a, I: Iterator<Item = super::EntryRef<'a>>> de::MapAccess<'de> for MapDe<'a, I> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some(e) => {
                self.value = Some(e.value);
                // Keys are strings to every consumer here (JSON objects), whatever YAML types them as.
                let key = e.key.as_str().unwrap_or_default();
                seed.deserialize(KeyDe { key }).map(Some).map_err(|mut err| {
                    err.span.get_or_insert(e.key.span());
                    err
                })
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let node = self.value.take().ok_or_else(|| de::Error::custom("value without key"))?;
        seed.deserialize(NodeDe { node, depth: self.depth })
    }
}

struct KeyDe<'a> {
    key: &'a str,
}

impl<'de> de::Deserializer<'de> for KeyDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.key)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct EnumDe<'a> {
    variant: String,
    value: NodeDe<'a>,
}

impl<'de, 'a> de::EnumAccess<'de> for EnumDe<'a> {
    type Error = DeError;
    type Variant = NodeDe<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, NodeDe<'a>), DeError> {
        let v = seed.deserialize(self.variant.into_deserializer())?;
        Ok((v, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}
