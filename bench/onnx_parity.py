#!/usr/bin/python3
"""camlens on torchvision CNNs exported to ONNX, against PyTorch: logits, Grad-CAM and saliency.

    /usr/bin/python3 bench/onnx_parity.py [--models resnet18,...] [--seeds 1,2,3] [--out OUT.json]

For each architecture and seed: seeded weights (batch norms given random statistics, as
tests/onnx/make_models.py does), a seeded random 224 x 224 photo, `torch.onnx.export`, then
`camlens predict` and `camlens explain --method grad-cam,saliency` (native build, 1 thread) on the
.onnx file. PyTorch computes the same in float32 (the reference the tolerances are about) and in
float64 (the exact answer, up to float64 rounding). Grad-CAM is taken at the last block (the module
named in ARCHITECTURES, its last ONNX node) for the top class.

Saliency goes through every ReLU's gate: one pre-activation within float32 rounding of zero takes
the other side in a computation that merely adds in another order, and the input gradient of a
whole region changes. So beside camlens against PyTorch the script reports PyTorch against itself:
float32 with and without oneDNN (other summation orders) against float64. A row is "determined at
float32" when both are within the tolerance of float64; elsewhere no float32 computation is bound
to agree with another. camlens's saliency is computed twice: with its optimised kernels, and with
`--exact-sums` (each dot product added in double precision, rounded once), which follows the exact
model's gates wherever float32 can.

Needs Debian's python3-torch and python3-torchvision; the models are written to a temporary folder.
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
import torchvision

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "onnx"))
import make_models  # noqa: E402  (its seeded batch norms, PNG writer and ImageNet scaling)

SIZE = 224
TOLERANCE = 1e-4
# Architecture -> the module whose output Grad-CAM explains (pytorch-grad-cam's usual choice).
ARCHITECTURES = {
    "resnet18": "layer4", "resnet50": "layer4", "mobilenet_v2": "features", "mobilenet_v3_small": "features",
    "efficientnet_b0": "features", "densenet121": "features", "googlenet": "inception5b",
    "squeezenet1_1": "features", "vgg11_bn": "features",
}


def relative_error(actual, expected):
    actual, expected = torch.as_tensor(actual, dtype=torch.float64), torch.as_tensor(expected, dtype=torch.float64)
    return float((actual - expected).abs().max() / expected.abs().max())


def seeded_model(name, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(**({"aux_logits": False, "init_weights": True} if name == "googlenet" else {}))
    generator = torch.Generator().manual_seed(seed)
    make_models.randomise_batch_norm(model, generator)
    pixels = torch.randint(0, 256, (SIZE, SIZE, 3), generator=generator, dtype=torch.uint8)
    return model.eval(), pixels


def scaled(pixels):
    mean, std = torch.tensor(make_models.MEAN)[:, None, None], torch.tensor(make_models.STD)[:, None, None]
    return ((pixels.permute(2, 0, 1).float() / 255 - mean) / std)[None]


def torch_explanation(model, x, module_name, target=None):
    """Logits, top class, Grad-CAM's raw map (sum_k w_k A_k, [H*W]) at the module and the saliency."""
    kept = {}

    def keep(_module, _inputs, output):
        kept["activation"] = output
        return output.clone()  # later in-place ReLUs must not change the tensor differentiated against

    handle = getattr(model, module_name).register_forward_hook(keep)
    x = x.clone().requires_grad_(True)
    logits = model(x)
    handle.remove()
    target = int(torch.argmax(logits[0])) if target is None else target
    activation = kept["activation"]
    gradient, input_gradient = torch.autograd.grad(logits[0, target], [activation, x])
    weights = gradient[0].mean(dim=(1, 2))
    cam = (weights[:, None, None] * activation[0]).sum(dim=0)
    saliency = input_gradient[0].abs().amax(dim=0)
    return logits[0].detach(), target, cam.detach().flatten(), saliency.flatten()


def camlens(*args, exact_sums=False):
    threads = [] if args[0] == "layers" else ["--threads", "1"]
    exact = ["--exact-sums"] if exact_sums else []
    result = subprocess.run([str(ROOT / "build" / "native" / "camlens"), *args, *threads, *exact], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"camlens {' '.join(args[:1])} failed: {result.stderr.strip()[:500]}")
    return result.stdout


def last_node_in(onnx_path, module_name):
    """The last node of the module's scope in camlens's layer list: the module's output."""
    rows = camlens("layers", "--model", str(onnx_path)).splitlines()[2:]
    names = [row.split()[1] for row in rows if len(row.split()) > 1]
    inside = [name for name in names if name.startswith(f"/{module_name}/")]
    if not inside:
        raise RuntimeError(f"no node of /{module_name}/ among {onnx_path.name}'s layers")
    return inside[-1]


def compare(name, seed, folder):
    model, pixels = seeded_model(name, seed)
    module_name = ARCHITECTURES[name]
    x = scaled(pixels)
    stem = folder / f"{name}-{seed}"
    make_models.write_png(stem.with_suffix(".png"), pixels)
    metadata = {"input": {"height": SIZE, "width": SIZE, "color": "rgb"},
                "scaling": {"mean": make_models.MEAN, "std": make_models.STD}, "crop": "full"}
    Path(f"{stem}.metadata.json").write_text(json.dumps(metadata))
    onnx_path = stem.with_suffix(".onnx")
    torch.onnx.export(model, x, str(onnx_path), opset_version=13, input_names=["input"], output_names=["output"])

    logits, target, cam, saliency = torch_explanation(model, x, module_name)
    _, _, cam64, saliency64 = torch_explanation(copy.deepcopy(model).double(), x.double(), module_name, target)
    torch.backends.mkldnn.enabled = False
    try:
        _, _, _, saliency_plain = torch_explanation(model, x, module_name, target)
    finally:
        torch.backends.mkldnn.enabled = True

    predicted = json.loads(camlens("predict", str(stem.with_suffix(".png")), "--model", str(onnx_path),
                                   "--top", str(logits.numel()), "--json"))
    camlens_logits = [0.0] * logits.numel()
    for entry in predicted["images"][0]["prediction"]["classes"]:
        camlens_logits[entry["class"]] = entry["logit"]
    layer = last_node_in(onnx_path, module_name)

    def explain(methods, exact_sums):
        out = folder / f"out-{name}-{seed}-{'exact' if exact_sums else 'optimised'}"
        camlens("explain", str(stem.with_suffix(".png")), "--model", str(onnx_path), "--out", str(out), "--json",
                "--quiet", "--method", methods, "--layer", layer, "--class", str(target), exact_sums=exact_sums)
        explanations = json.loads((out / f"{stem.name}.json").read_text())["explanations"]
        return {entry["method"]: entry["raw"]["values"] for entry in explanations}

    maps = explain("grad-cam,saliency", False)
    exact_saliency = explain("saliency", True)["saliency"]
    return {
        "model": name, "seed": seed, "layer": layer, "target": target,
        "logits": relative_error(camlens_logits, logits),
        "grad_cam": relative_error(maps["grad-cam"], cam),
        "grad_cam_float64": relative_error(maps["grad-cam"], cam64),
        "saliency": relative_error(maps["saliency"], saliency),
        "saliency_float64": relative_error(maps["saliency"], saliency64),
        "exact_sums_saliency": relative_error(exact_saliency, saliency),
        "exact_sums_saliency_float64": relative_error(exact_saliency, saliency64),
        "torch_saliency_float64": relative_error(saliency, saliency64),
        "torch_plain_saliency_float64": relative_error(saliency_plain, saliency64),
    }


def determined(row):
    """Both of PyTorch's float32 saliencies agree with its float64 one: the row's gates are decided at float32."""
    return max(row["torch_saliency_float64"], row["torch_plain_saliency_float64"]) < TOLERANCE


def summary(rows):
    def count(rows, key):
        return f"{sum(row[key] < TOLERANCE for row in rows)} of {len(rows)}"
    settled = [row for row in rows if determined(row)]
    return "\n".join([
        f"logits within 1e-4 of PyTorch: {count(rows, 'logits')}; Grad-CAM: {count(rows, 'grad_cam')}",
        f"saliency within 1e-4 of PyTorch float32: optimised {count(rows, 'saliency')}, "
        f"exact sums {count(rows, 'exact_sums_saliency')}",
        f"rows determined at float32 (PyTorch's float32 saliencies within 1e-4 of its float64): {len(settled)}; "
        f"there, saliency within 1e-4 of PyTorch float64: optimised {count(settled, 'saliency_float64')}, "
        f"exact sums {count(settled, 'exact_sums_saliency_float64')}",
        f"every row, saliency within 1e-4 of PyTorch float64: optimised {count(rows, 'saliency_float64')}, "
        f"exact sums {count(rows, 'exact_sums_saliency_float64')}, PyTorch float32 {count(rows, 'torch_saliency_float64')}",
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(ARCHITECTURES))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--out", help="write every row as JSON here")
    args = parser.parse_args()
    names = args.models.split(",")
    unknown = [name for name in names if name not in ARCHITECTURES]
    if unknown:
        parser.error(f"unknown model {', '.join(unknown)}; one of {', '.join(ARCHITECTURES)}")
    torch.set_num_threads(1)
    rows = []
    print("model               seed  logits   Grad-CAM  saliency  sal./f64  exact  exact/f64  torch f32/f64  "
          "torch no-oneDNN/f64")
    with tempfile.TemporaryDirectory(prefix="camlens-onnx-parity-") as temp:
        for name in names:
            for seed in (int(s) for s in args.seeds.split(",")):
                row = compare(name, seed, Path(temp))
                rows.append(row)
                flag = "" if determined(row) else "  not determined at float32"
                print(f"{name:18s} {seed:5d}  {row['logits']:.1e}  {row['grad_cam']:.1e}   {row['saliency']:.1e}   "
                      f"{row['saliency_float64']:.1e}  {row['exact_sums_saliency']:.1e}  "
                      f"{row['exact_sums_saliency_float64']:.1e}  {row['torch_saliency_float64']:.1e}        "
                      f"{row['torch_plain_saliency_float64']:.1e}{flag}", flush=True)
    print(summary(rows))
    if args.out:
        Path(args.out).write_text(json.dumps({"size": SIZE, "tolerance": TOLERANCE, "torch": torch.__version__,
                                              "torchvision": torchvision.__version__, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
