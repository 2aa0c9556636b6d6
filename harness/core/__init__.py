"""The bottom layer: the per-item record, the difficulty-table schema, shared constants, paths and
image decoding. It imports nothing else from the harness (docs/architecture.md)."""
