"""Can the embedded model's image tokens tell digits apart, and how many examples does reading take?

    python benchmarks/probe_reading.py [--model tiny-base] [--size 30]

A single digit of font size `--size` drawn at a random place on the synthetic canvas. Two probes,
each trained with AdamW on some images and scored on 1,000 others: a linear probe on the model's
image tokens (the vision merger's outputs, what the language model sees), and a two-layer network on
the 56 x 56 grey pixels at 2,000, 5,000 and 20,000 training images (BENCHMARKS.md, "The embedded
base model": the figures behind "reading from a random place is learnt from many examples").
"""

from __future__ import annotations

import argparse
import random

import numpy as np
import torch

from harness.synth.scene import Placer, Scene, render

HELD_OUT = 1000


def digits(n: int, size: int, seed: int = 0) -> tuple[list, torch.Tensor]:
    rng = random.Random(seed)
    images, labels = [], []
    for _ in range(n):
        d = rng.randint(0, 9)
        scene = Scene([Placer(rng).text(str(d), rng.choice(["red", "blue", "green"]), size)])
        images.append(render(scene))
        labels.append(d)
    return images, torch.tensor(labels)


def probe(x: torch.Tensor, y: torch.Tensor, n_train: int, hidden: int = 0, epochs: int = 30) -> float:
    """Held-out accuracy of a probe trained on the first `n_train` rows (the last HELD_OUT score)."""
    x = (x - x[:n_train].mean(0)) / (x[:n_train].std(0) + 1e-6)
    torch.manual_seed(0)
    net: torch.nn.Module = torch.nn.Linear(x.shape[1], 10)
    if hidden:
        net = torch.nn.Sequential(
            torch.nn.Linear(x.shape[1], hidden), torch.nn.GELU(), torch.nn.Linear(hidden, 10)
        )
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.05)
    for _ in range(epochs):
        for idx in torch.randperm(n_train).split(256):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    with torch.no_grad():
        return float((net(x[-HELD_OUT:]).argmax(1) == y[-HELD_OUT:]).float().mean())


def image_tokens(model_name: str, images: list) -> torch.Tensor:
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from harness.synth.models import ensure_embedded_model

    path = ensure_embedded_model(model_name)
    processor = AutoProcessor.from_pretrained(path)
    model = AutoModelForImageTextToText.from_pretrained(path).eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), 100):
            batch = processor.image_processor(images=images[i : i + 100], return_tensors="pt")
            tokens = model.model.visual(batch["pixel_values"], grid_thw=batch["image_grid_thw"])
            tokens = getattr(
                tokens, "pooler_output", tokens
            )  # merged tokens (transformers 5 returns an output)
            out.append(tokens.reshape(len(batch["image_grid_thw"]), -1))
    return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="tiny-base")
    parser.add_argument("--size", type=int, default=30)
    args = parser.parse_args()
    images, labels = digits(20_000 + HELD_OUT, args.size)
    pixels = torch.tensor(
        np.stack([np.asarray(im.convert("L").resize((56, 56)), dtype=np.float32) for im in images])
    ).reshape(len(images), -1)
    few = list(range(2000)) + list(range(len(images) - HELD_OUT, len(images)))
    tokens = image_tokens(args.model, [images[i] for i in few])
    print(f"digit of size {args.size} at a random place; chance 0.10; {HELD_OUT} held-out images")
    print(f"linear probe on {args.model}'s image tokens, 2000 images: {probe(tokens, labels[few], 2000):.3f}")
    for n in (2000, 5000, 20_000):
        rows = list(range(n)) + list(range(len(images) - HELD_OUT, len(images)))
        print(
            f"two-layer network on pixels, {n} images: {probe(pixels[rows], labels[rows], n, hidden=256):.3f}"
        )


if __name__ == "__main__":
    main()
