"""Difficulty-aware evaluation harness for multimodal post-training."""
