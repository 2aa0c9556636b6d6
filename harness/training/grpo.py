"""GRPO with TRL's GRPOTrainer for vision-language models (CPU or GPU).

The settings are one `Stage` (harness.training.config): TRL's own `GRPOConfig`, parsed from a preset,
and the harness's rewards and prompt settings. The processor is passed explicitly
(`processing_class=`): TRL would otherwise load one with AutoProcessor, which needs torchvision for
the Qwen families in transformers 5.x.

The stage checkpoints as it goes and resumes a killed run from its last checkpoint
(harness.training.checkpoints). TRL's config is built before the model is loaded: under an
accelerate DeepSpeed ZeRO-3 launch, the config is what makes transformers load the weights already
sharded across the GPUs (a 7B model is not materialised whole in every process); GRPO's reference
model is then loaded by TRL the same way. With vLLM rollouts in colocate mode, two faults of TRL's
vLLM path are repaired first (harness.training.vllm_rollouts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets
from transformers import set_seed
from trl import GRPOTrainer

from harness.models.loader import load_model_and_processor
from harness.training.checkpoints import finished, resume_point, run_settings, save_final, write_log
from harness.training.config import Stage, load_dtype
from harness.training.plots import plot_rewards
from harness.training.rewards import REWARD_FUNCS


def grpo_train(base: str | Path, train: datasets.Dataset, out_dir: str | Path, stage: Stage) -> Path:
    """GRPO on prompt/images/solution examples; save model + processor + train_log.json to out_dir
    (resuming an unfinished run of the same settings there)."""
    out = Path(out_dir)
    settings = run_settings(stage, base, train)
    if finished(out, settings):
        return out
    args = stage.args
    set_seed(args.seed)
    model, processor = load_model_and_processor(
        base, device=None, dtype=load_dtype(base, args.bf16)
    )  # the trainer places it
    # TRL pads prompts on the left and lines up the image-token types (mm_token_type_ids) as if the
    # processor did; it makes it so only on a processor it loads itself (huggingface/trl#5785), and
    # this one is passed in. Right-padded, a batch of prompts of different lengths fails in Qwen's
    # get_rope_index ("shape mismatch"), or, where the lengths happen to fit, trains on image tokens
    # placed where the text is.
    processor.tokenizer.padding_side = "left"
    trainer = GRPOTrainer(
        model=model,
        args=args,
        reward_funcs=[REWARD_FUNCS[r] for r in stage.extras.rewards],
        train_dataset=train,
        processing_class=processor,
    )
    if args.use_vllm:
        from harness.models.families import image_token_id
        from harness.training.vllm_rollouts import repair_colocate

        repair_colocate(trainer, image_token_id(model.config, processor))
    resumed_from = resume_point(out, settings)
    trainer.train(resume_from_checkpoint=resumed_from)
    save_final(trainer, out)
    history: list[dict[str, Any]] = trainer.state.log_history
    if trainer.is_world_process_zero():
        plot_rewards(history, out / "reward.png")
        write_log(out, settings, stage, history, resumed_from)
    return out
