"""lmms-eval entry point (group `lmms_eval.models`): the harness's model plugins.

Kept free of module-level lmms-eval imports: lmms-eval loads entry points while its own
`lmms_eval.models` package is being imported, so a payload module that imported lmms-eval (or a
plugin module) at the top would be loaded half-initialised, and the plugins silently not registered
whenever a plugin module happened to be imported first.
"""

from __future__ import annotations

from typing import Any


def manifests() -> list[Any]:
    from lmms_eval.models.registry_v2 import ModelManifest

    from harness.lmms import fast_yaml

    # Every lmms-eval process loads this entry point before it indexes its tasks: the one place
    # to give them all the C YAML parser (harness.lmms.fast_yaml says why).
    fast_yaml.install()

    return [
        ModelManifest(model_id="harness_vlm", simple_class_path="harness.lmms.plugin.HarnessVLM"),
        ModelManifest(model_id="harness_vllm", simple_class_path="harness.lmms.vllm_plugin.HarnessVLLM"),
        ModelManifest(
            model_id="harness_cmab", simple_class_path="harness.difficulty.cmab_plugin.HarnessCMAB"
        ),
    ]
