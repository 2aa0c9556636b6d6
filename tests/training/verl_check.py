"""The verl export checked by verl's own code, run by tests/training/test_verl_export.py in the verl
environment (`make verl-setup`: verl pins transformers < 5.11, below the harness's).

argv: EXPORT_DIR MODEL_DIR RESPONSES_JSON OUT_JSON. Writes one JSON object to OUT_JSON (verl prints
to stdout as it goes):

- "config": `run_grpo.sh` run for real with PYTHON=this interpreter and Hydra's `--cfg job
  --resolve`: verl's `main_ppo` composes its config from the script's overrides and prints it
  instead of training. The composed config then goes through verl's own `validate_config`, and the
  fields the harness relies on are returned.
- "items": verl's `RLHFDataset` loads train.parquet with the model's processor (verl's
  `hf_processor`/`hf_tokenizer`) under the composed `data` config, overlong-prompt filter on; for
  each item, the chat prompt verl's processor renders, and its number of image tokens once verl's
  image pipeline (qwen_vl_utils) has sized the images.
- "rewards": verl's reward loading (`load_reward_manager`: the custom reward function named in the
  config, in the registered "naive" manager) scoring each response of RESPONSES_JSON
  ([[row, text], ...]) through the manager's `run_single`, as in a rollout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from omegaconf import OmegaConf


def composed_config(export: Path, model: Path):
    env = {**os.environ, "PYTHON": sys.executable, "MODEL": str(model), "N_GPUS_PER_NODE": "8"}
    done = subprocess.run(["bash", str(export / "run_grpo.sh"), "--cfg", "job", "--resolve"], env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"run_grpo.sh --cfg job: {done.stderr[-3000:]}")
    return OmegaConf.create(done.stdout)


def main() -> None:
    export, model, responses = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text())
    from verl.trainer.ppo.reward import load_reward_manager
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils import hf_processor, hf_tokenizer
    from verl.utils.config import validate_config
    from verl.utils.dataset.rl_dataset import RLHFDataset

    config = composed_config(export, model)
    validate_config(
        config, use_reference_policy=need_reference_policy(config), use_critic=need_critic(config)
    )

    tokenizer, processor = hf_tokenizer(str(model)), hf_processor(str(model))
    data_config = OmegaConf.merge(
        config.data, {"cache_dir": str(export / "verl-cache"), "filter_overlong_prompts_workers": 1}
    )
    dataset = RLHFDataset([config.data.train_files], tokenizer, data_config, processor)
    image_id = processor.tokenizer.convert_tokens_to_ids(processor.image_token)
    items = []
    for i in range(len(dataset)):
        row = dataset[i]
        text = processor.apply_chat_template(row["raw_prompt"], add_generation_prompt=True, tokenize=False)
        images, _, _ = RLHFDataset._process_multi_modal_info(
            row["raw_prompt"], dataset.image_patch_size, data_config
        )
        ids = processor(text=[text], images=images, return_tensors="pt")["input_ids"][0]
        items.append({"item_id": row["extra_info"]["item_id"], "prompt": text,
                      "image_tokens": int((ids == image_id).sum()), "image_sizes": [list(im.size) for im in images or []]})  # fmt: skip

    from verl import DataProto

    manager = load_reward_manager(config, tokenizer)
    rows = [dataset.dataframe[i] for i in range(len(dataset))]
    scores = []
    for index, text in responses:
        row = rows[index]
        response = torch.tensor(tokenizer(text, add_special_tokens=False)["input_ids"])
        data = DataProto.from_dict(
            tensors={"responses": response[None], "attention_mask": torch.ones(1, 4 + len(response), dtype=torch.long)},
            non_tensors={"data_source": [row["data_source"]], "reward_model": [row["reward_model"]],
                         "extra_info": [dict(row["extra_info"])]},
        )  # fmt: skip
        scores.append(manager.loop.run_until_complete(manager.run_single(data))["reward_score"])

    keys = ["algorithm.adv_estimator", "algorithm.use_kl_in_reward", "data.max_response_length",
            "actor_rollout_ref.actor.optim.lr", "actor_rollout_ref.actor.use_kl_loss",
            "actor_rollout_ref.actor.kl_loss_coef", "actor_rollout_ref.rollout.n",
            "actor_rollout_ref.rollout.temperature", "actor_rollout_ref.rollout.name",
            "trainer.save_freq", "trainer.resume_mode", "trainer.total_epochs", "trainer.n_gpus_per_node",
            "reward.custom_reward_function.path", "reward.custom_reward_function.name"]  # fmt: skip
    Path(sys.argv[4]).write_text(json.dumps({"config": {k: OmegaConf.select(config, k) for k in keys},
                                             "n_items": len(dataset), "items": items, "rewards": scores}))  # fmt: skip


if __name__ == "__main__":
    main()
