//! Versions (NX5xx): what runs which build.

mod mutable_image_tag;

pub use mutable_image_tag::MutableImageTag;
