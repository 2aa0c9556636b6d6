"""The bottom layer: the per-item record, the difficulty-table schema, shared constants, paths,
image decoding and the runner of independent jobs. It imports nothing else from the harness (docs/architecture.md)."""
