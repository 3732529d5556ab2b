//! Policy tables (placeholder).
