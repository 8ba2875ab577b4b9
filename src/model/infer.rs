//! Inferred dependency edges (being written).
