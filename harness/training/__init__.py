"""Training: datasets for TRL, SFT (and later GRPO) recipes."""
