#!/usr/bin/python3
"""Exports torchvision CNNs with seeded weights to ONNX for the ONNX speed benchmarks.

    python3 bench/onnx_models.py OUT_DIR [NAME ...]      NAME: resnet18, mobilenet_v2 (default: both)

For each NAME it writes OUT_DIR/NAME.onnx (opset 13, input "input" [1, 3, 224, 224], output
"logits") and OUT_DIR/NAME.metadata.json (224 x 224 RGB, ImageNet's mean and standard deviation,
the whole image as the crop). The weights are torchvision's initialisation under a fixed seed
(pretrained weights cannot be downloaded here): a speed benchmark needs the architecture, not the
training. bench/onnx_compare.py imports `build` to hold the same model in PyTorch.
"""
import json
import sys
from pathlib import Path

import torch
import torchvision

SIZE = 224
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
SEED = 0
CONSTRUCTORS = {"resnet18": torchvision.models.resnet18, "mobilenet_v2": torchvision.models.mobilenet_v2}


def build(name):
    """The torchvision model NAME in eval mode, with the seeded weights every export of it gets."""
    torch.manual_seed(SEED)
    return CONSTRUCTORS[name](weights=None).eval()


def metadata():
    return {"input": {"height": SIZE, "width": SIZE, "color": "rgb"}, "scaling": {"mean": MEAN, "std": STD},
            "crop": "full"}


def export(name, out_dir):
    """Writes NAME.onnx and NAME.metadata.json into out_dir; returns the .onnx path."""
    path = out_dir / f"{name}.onnx"
    torch.onnx.export(build(name), torch.zeros(1, 3, SIZE, SIZE), str(path), opset_version=13,
                      input_names=["input"], output_names=["logits"])
    (out_dir / f"{name}.metadata.json").write_text(json.dumps(metadata()))
    return path


def main():
    names = sys.argv[2:] or list(CONSTRUCTORS)
    unknown = [name for name in names if name not in CONSTRUCTORS]
    if len(sys.argv) < 2 or unknown:
        print(f"usage: onnx_models.py OUT_DIR [NAME ...], NAME one of {', '.join(CONSTRUCTORS)}", file=sys.stderr)
        return 2
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        export(name, out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
