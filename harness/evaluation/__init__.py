"""The evaluation stage: lmms-eval runs of a model on tasks, turned into per-item records."""
