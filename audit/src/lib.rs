//! Audit (placeholder).
