//! Wheel container I/O (placeholder until the reader lands).
