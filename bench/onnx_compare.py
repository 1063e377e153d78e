#!/usr/bin/python3
"""Grad-CAM and Grad-CAM++ on torchvision's ResNet-18 (ONNX): camlens natively against the
pytorch-grad-cam way in PyTorch, on the same thread count, as ratios measured in one run.

    /usr/bin/python3 bench/onnx_compare.py [--threads 1] [--rounds 3] [--out FILE.json]

It exports ResNet-18 with seeded weights (bench/onnx_models.py) into a temporary folder, then for
each round
  1. runs camlens's explanation benchmark on the .onnx file (build/native/camlens_bench_explain,
     --methods grad-cam,grad-cam++): its timings, the preprocessed photo, its logits and raw maps;
  2. times PyTorch on the same input and the same model: the forward pass, and Grad-CAM and
     Grad-CAM++ as pytorch-grad-cam computes them (a forward hook on layer4's last block keeps its
     output and hooks its gradient, backward from the top logit, the channel weights, the map, the
     same post-processing to the photo's size; bench/torch_compare.py's port of it).
The first round also checks that PyTorch's logits and raw maps are camlens's within 1e-4 (relative),
so that both sides time the same computation. Each ratio is the median of the rounds' ratios, by
wall clock and by process CPU time (both sides run one thread, so CPU time is their own work on a
shared machine). The 1-minute load average is sampled before each round.

Needs Debian's python3-torch and python3-torchvision, and build/native/camlens_bench_explain.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_models  # noqa: E402  (beside this file)
from torch_compare import (ActivationsAndGradients, grad_cam_plus_plus_weights, grad_cam_weights,  # noqa: E402
                           measure, over_rounds, scale_map)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = "resnet18"
LAYER = "/layer4/layer4.1/relu_1/Relu"  # the ONNX node of layer4's output, camlens's default layer
METHODS = {"grad-cam": grad_cam_weights, "grad-cam++": grad_cam_plus_plus_weights}
TARGET_RATIO = 3.0  # camlens at least 3x faster than the pytorch-grad-cam way
TOLERANCE = 1e-4


def run_camlens(onnx_path, tmp, args):
    out = os.path.join(tmp, "explain.json")
    subprocess.run([args.explain_binary, "--model", str(onnx_path), "--image", args.image, "--methods", ",".join(METHODS),
                    "--threads", str(args.threads), "--min-runs", "5", "--json", out],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return json.load(open(out))


class PytorchGradCam:
    """Grad-CAM-style maps at `layer` as pytorch-grad-cam computes them, at map_size (height, width)."""

    def __init__(self, model, layer, map_size):
        self.model, self.layer, self.map_size = model, layer, map_size

    def __call__(self, x, weights_of):
        hooks = ActivationsAndGradients(self.model, self.layer)
        logits = hooks(x)
        target = int(logits[0].argmax())
        self.model.zero_grad()
        logits[0, target].backward()
        a, g = hooks.activations[0], hooks.gradients[0]
        with torch.no_grad():
            raw = (weights_of(a, g)[:, None, None] * a).sum(dim=0)
            result = raw, scale_map(raw, self.map_size)
        hooks.handle.remove()
        return result


def relative_error(actual, expected):
    return float(np.abs(actual - expected).max() / max(1e-12, np.abs(expected).max()))


def check_same_computation(camlens, model, x, grad_cam):
    """Exits unless PyTorch's logits and raw maps are camlens's: else the timings compare different work."""
    with torch.no_grad():
        logits = model(x)[0].numpy()
    errors = {"logits": relative_error(logits, np.array(camlens["reference"]["logits"]))}
    for name, weights_of in METHODS.items():
        ours = camlens["reference"]["maps"][name]
        if ours["layer"] != LAYER:
            sys.exit(f"onnx_compare: camlens explained {name} at {ours['layer']}, not at layer4's output {LAYER}")
        raw = grad_cam(x, weights_of)[0].numpy()
        errors[name] = relative_error(np.array(ours["raw"], np.float32).reshape(raw.shape), raw)
    for what, error in errors.items():
        if error > TOLERANCE:
            sys.exit(f"onnx_compare: PyTorch's {what} differ from camlens's by {error:.2e} (relative, > {TOLERANCE}); "
                     "the two sides do not compute the same thing")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, help="threads on both sides")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of camlens's benchmark, then PyTorch's timings")
    parser.add_argument("--image", default=os.path.join(ROOT, "web/samples/astronaut.jpg"))
    parser.add_argument("--explain-binary", default=os.path.join(ROOT, "build/native/camlens_bench_explain"))
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args()
    if not os.path.exists(args.explain_binary):
        sys.exit(f"onnx_compare: {args.explain_binary} is missing; build it: "
                 "cmake --build build/native --target camlens_bench_explain")
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = onnx_models.export(MODEL, Path(tmp))
        model = onnx_models.build(MODEL)
        rounds, loads, errors = [], [], None
        for r in range(args.rounds):
            loads.append(os.getloadavg()[0])
            camlens = run_camlens(onnx_path, tmp, args)
            ref, crop = camlens["reference"], camlens["crop"]
            n, h, w, c = ref["input_shape"]
            x = torch.tensor(ref["input"], dtype=torch.float32).reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous()
            grad_cam = PytorchGradCam(model, model.layer4[-1], (crop["height"], crop["width"]))
            if errors is None:
                errors = check_same_computation(camlens, model, x, grad_cam)

            def forward():
                with torch.no_grad():
                    model(x)

            camlens_times = {"forward": camlens["forward"], **{m["name"]: m["total"] for m in camlens["methods"]}}
            torch_times = {"forward": measure(forward)}
            for name, weights_of in METHODS.items():
                torch_times[name] = measure(lambda: grad_cam(x, weights_of))
            rounds.append((camlens_times, torch_times))
            print(f"round {r + 1}: load {loads[-1]:.1f}; " + ", ".join(
                f"{name} camlens {camlens_times[name]['median_ms']:.1f} ms, torch {torch_times[name]['median_ms']:.1f} ms"
                for name in camlens_times))

    rows = {}
    for name in ["forward", *METHODS]:
        ratios = [t[name]["median_ms"] / c[name]["median_ms"] for c, t in rounds]
        cpu_ratios = [t[name]["cpu_median_ms"] / c[name]["cpu_median_ms"] for c, t in rounds]
        rows[name] = {"camlens": over_rounds([c[name] for c, _ in rounds]), "torch": over_rounds([t[name] for _, t in rounds]),
                      "torch_over_camlens": statistics.median(ratios), "round_ratios": ratios,
                      "torch_over_camlens_cpu": statistics.median(cpu_ratios), "round_ratios_cpu": cpu_ratios}
        if name in METHODS:
            rows[name]["target"] = f">= {TARGET_RATIO:g}x"
            rows[name]["met"] = rows[name]["torch_over_camlens"] >= TARGET_RATIO
    print(f"\nResNet-18 (ONNX, seeded weights), {args.threads} thread(s), {os.path.basename(args.image)}; "
          f"PyTorch's logits and maps within {max(errors.values()):.1e} of camlens's")
    print("| | camlens ms (CPU) | PyTorch ms (CPU) | PyTorch / camlens, wall (CPU) | target |\n|---|---:|---:|---|---|")
    for name, row in rows.items():
        c, t = row["camlens"], row["torch"]
        verdict = f"{row['target']}: {'met' if row['met'] else 'MISSED'}" if "met" in row else ""
        print(f"| {name} | {c['median_ms']:.1f} ({c['cpu_median_ms']:.1f}) | {t['median_ms']:.1f} ({t['cpu_median_ms']:.1f}) | "
              f"{row['torch_over_camlens']:.2f}x ({row['torch_over_camlens_cpu']:.2f}x) | {verdict} |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"torch_version": torch.__version__, "model": MODEL, "layer": LAYER, "image": args.image,
                       "threads": args.threads, "camlens_threads": camlens["threads"], "backend": camlens["backend"],
                       "rounds": args.rounds, "load_average_1min": loads, "max_rel_errors": errors, "methods": rows}, f, indent=1)


if __name__ == "__main__":
    main()
