//! Repair (placeholder).
