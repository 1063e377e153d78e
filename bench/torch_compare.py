#!/usr/bin/python3
"""camlens against PyTorch natively, as ratios measured in one run.

For each thread count (1 and 2 by default) this script
  1. runs camlens's native explanation benchmark (build/native/camlens_bench_explain) as a
     subprocess: its timings, the preprocessed astronaut face, camlens's logits and raw maps;
  2. builds an equivalent torch module from models/emotion (model.json + emotion.bin read here),
     checks its logits against camlens's (within 1e-4) and its raw maps too, then times the forward
     pass and CAM, Grad-CAM, Grad-CAM++ and saliency done the pytorch-grad-cam way (forward with a
     hook on the target layer, autograd backward, weights, map, the same post-processing);
  3. times one shortened training epoch of a Fashion-MNIST classifier (--arch, a preset of
     train/architecture.h) in camlens (build/native/camlens_bench_train) and in PyTorch (same
     architecture, batch 64, AdamW, cosine schedule, the same flip-and-shift augmentation, vectorised).
Both sides get the same thread count in each row: PyTorch torch.set_num_threads(n), camlens its
binaries' --threads n (kernels::set_thread_count); the JSON says so in "camlens_threads".
Writes JSON (--out) and prints a summary.

Needs Debian's python3-torch: run it with /usr/bin/python3.
"""
import argparse
import base64
import gzip
import json
import math
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADLINE = ["cam", "grad-cam", "grad-cam++", "saliency"]
CAM_FAMILY_TARGET_RATIO = 10.0  # every CAM-family method at least 10x faster than PyTorch's way
LOGIT_TOLERANCE = 1e-4


# ---------------------------------------------------------------- timing, as bench/timing.h does it

def summarize(samples_ms):
    s = sorted(samples_ms)
    pick = lambda q: s[int(q * (len(s) - 1))]
    return {"median_ms": pick(0.5), "p10_ms": pick(0.1), "p90_ms": pick(0.9), "runs": len(s)}


def measure(run, min_runs=10, min_seconds=0.5, warmup_seconds=0.5):
    """Wall-clock samples, plus the process's CPU time per run (median): on a shared machine the wall
    clock also counts other processes' time slices. With one torch thread, CPU time is its own work."""
    start = time.perf_counter()
    while time.perf_counter() - start < warmup_seconds:
        run()
    samples, cpu_samples = [], []
    start = time.perf_counter()
    while len(samples) < min_runs or time.perf_counter() - start < min_seconds:
        cpu0, t0 = time.process_time(), time.perf_counter()
        run()
        samples.append(1000.0 * (time.perf_counter() - t0))
        cpu_samples.append(1000.0 * (time.process_time() - cpu0))
    return {**summarize(samples), "cpu_median_ms": summarize(cpu_samples)["median_ms"]}


# ---------------------------------------------------------------- the emotion model in torch

def tf_attr(node, key, kind):
    value = node.get("attr", {}).get(key, {})
    if kind == "s":
        return base64.b64decode(value.get("s", "")).decode()
    if kind == "ints":
        return [int(i) for i in value.get("list", {}).get("i", [])]
    if kind == "strings":
        return [base64.b64decode(s).decode() for s in value.get("list", {}).get("s", [])]
    raise ValueError(kind)


def load_tfjs_weights(model_dir, manifest):
    weights = {}
    for group in manifest:
        data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            if spec["dtype"] not in ("float32", "int32") or "quantization" in spec:
                sys.exit(f"torch_compare: weight {spec['name']} is {spec['dtype']}; only float32 and int32 are handled")
            count = math.prod(spec["shape"]) if spec["shape"] else 1
            dtype = np.float32 if spec["dtype"] == "float32" else np.int32
            weights[spec["name"]] = np.frombuffer(data, dtype, count, offset).reshape(spec["shape"])
            offset += 4 * count
    return weights


def same_pads(size, kernel, stride):
    """TensorFlow's SAME padding (before, after) for one axis: the extra pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Add(nn.Module):
    """The graph's residual sums as modules, so that hooks can be put on them too."""

    def forward(self, a, b):
        return a + b


class TfGraphModule(nn.Module):
    """The TensorFlow.js graph model as torch layers (NCHW), run in the graph's order.

    Convolutions become nn.Conv2d holding the same weights; SAME padding is TensorFlow's (extra pixel
    at the bottom/right, an explicit F.pad where it is asymmetric). `layers` maps node names to the
    conv and add modules, so hooks can be put on any of them, as pytorch-grad-cam does.
    """

    def __init__(self, model_dir):
        super().__init__()
        spec = json.load(open(os.path.join(model_dir, "model.json")))
        weights = load_tfjs_weights(model_dir, spec["weightsManifest"])
        nodes = spec["modelTopology"]["node"]
        self.shapes = {}
        self.steps = []  # (op, name, inputs, params)
        self.layers = nn.ModuleDict()
        self.module_names = {}
        size = {}
        for node in nodes:
            op, name = node["op"], node["name"]
            inputs = [i.split(":")[0] for i in node.get("input", []) if not i.startswith("^")]
            if op == "Placeholder":
                self.input_name = name
                dims = [int(d.get("size", -1)) for d in node["attr"]["shape"]["shape"]["dim"]]
                size[name] = (dims[1], dims[2])
            elif op in ("_FusedConv2D", "DepthwiseConv2dNative"):
                kernel = weights[inputs[1]]  # [kh, kw, in, out] or [kh, kw, in, multiplier]
                kh, kw, cin, cout = kernel.shape
                depthwise = op == "DepthwiseConv2dNative"
                stride = tf_attr(node, "strides", "ints")[1]
                padding = tf_attr(node, "padding", "s")
                fused = tf_attr(node, "fused_ops", "strings") if not depthwise else []
                h, w = size[inputs[0]]
                pads = same_pads(h, kh, stride) + same_pads(w, kw, stride) if padding == "SAME" else (0, 0, 0, 0)
                symmetric = pads[0] == pads[1] and pads[2] == pads[3]
                conv = nn.Conv2d(cin, cin * cout if depthwise else cout, (kh, kw), stride,
                                 padding=(pads[0], pads[2]) if symmetric else 0,
                                 groups=cin if depthwise else 1, bias=not depthwise)
                with torch.no_grad():
                    if depthwise:  # [kh, kw, in, m] -> [in * m, 1, kh, kw]
                        grouped = kernel.transpose(2, 3, 0, 1).reshape(cin * cout, 1, kh, kw)
                        conv.weight.copy_(torch.from_numpy(grouped.copy()))
                    else:
                        conv.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
                        conv.bias.copy_(torch.from_numpy(weights[inputs[2]].copy()))
                key = f"l{len(self.layers)}"
                self.layers[key] = conv
                self.module_names[name] = key
                params = {"key": key, "relu": "Relu" in fused,
                          "pad": None if symmetric else (pads[2], pads[3], pads[0], pads[1])}
                self.steps.append(("conv", name, inputs[:1], params))
                size[name] = ((h + pads[0] + pads[1] - kh) // stride + 1, (w + pads[2] + pads[3] - kw) // stride + 1)
            elif op == "MaxPool":
                k, stride = tf_attr(node, "ksize", "ints")[1], tf_attr(node, "strides", "ints")[1]
                h, w = size[inputs[0]]
                pads = same_pads(h, k, stride) + same_pads(w, k, stride) if tf_attr(node, "padding", "s") == "SAME" \
                    else (0, 0, 0, 0)
                if pads[0] != pads[1] or pads[2] != pads[3]:
                    sys.exit(f"torch_compare: asymmetric max-pool padding at {name} is not handled")
                self.steps.append(("maxpool", name, inputs[:1], {"k": k, "stride": stride, "pad": (pads[0], pads[2])}))
                size[name] = ((h + 2 * pads[0] - k) // stride + 1, (w + 2 * pads[2] - k) // stride + 1)
            elif op in ("AddV2", "Add"):
                key = f"l{len(self.layers)}"
                self.layers[key] = Add()
                self.module_names[name] = key
                self.steps.append(("add", name, inputs, {"key": key}))
                size[name] = size[inputs[0]]
            elif op == "Relu":
                self.steps.append(("relu", name, inputs, {}))
                size[name] = size[inputs[0]]
            elif op == "Mean":
                self.steps.append(("mean", name, inputs[:1], {}))
                self.logits_name = name
            elif op == "Softmax":
                self.steps.append(("softmax", name, inputs, {}))
            elif op in ("Identity", "Const"):
                continue
            else:
                sys.exit(f"torch_compare: op {op} ({name}) is not handled")

    def forward(self, x):
        """Returns the logits (what the Softmax reads), NCHW input."""
        values = {self.input_name: x}
        for op, name, inputs, p in self.steps:
            a = values[inputs[0]]
            if op == "conv":
                if p["pad"] is not None:
                    a = F.pad(a, p["pad"])
                a = self.layers[p["key"]](a)
                values[name] = F.relu(a) if p["relu"] else a
            elif op == "maxpool":
                values[name] = F.max_pool2d(a, p["k"], p["stride"], p["pad"])
            elif op == "add":
                values[name] = self.layers[p["key"]](a, values[inputs[1]])
            elif op == "relu":
                values[name] = F.relu(a)
            elif op == "mean":
                values[name] = a.mean(dim=(2, 3))
                return values[name]
        raise RuntimeError("the graph has no Mean node feeding its Softmax")


# ---------------------------------------------------------------- the methods, pytorch-grad-cam's way

class ActivationsAndGradients:
    """pytorch-grad-cam's helper: a forward hook keeps the target layer's output and hooks its gradient."""

    def __init__(self, model, layer):
        self.model = model
        self.activations = self.gradients = None
        self.handle = layer.register_forward_hook(self.save)

    def save(self, module, inputs, output):
        self.activations = output.detach()

        def keep_gradient(grad):
            self.gradients = grad.detach()

        if output.requires_grad:
            output.register_hook(keep_gradient)

    def __call__(self, x):
        return self.model(x)


def scale_map(cam, size):
    """ReLU -> min-max -> bilinear (half-pixel centres) -> min-max, as pytorch-grad-cam's scale_cam_image."""
    cam = torch.relu(cam)
    cam = cam - cam.min()
    cam = cam / (1e-7 + cam.max())
    cam = F.interpolate(cam[None, None], size=size, mode="bilinear", align_corners=False)[0, 0]
    cam = cam - cam.min()
    return cam / (1e-7 + cam.max())


def grad_cam_weights(a, g):
    return g.mean(dim=(1, 2))


def grad_cam_plus_plus_weights(a, g):
    g2 = g * g
    g3 = g2 * g
    sum_a = a.sum(dim=(1, 2), keepdim=True)
    alpha = g2 / (2 * g2 + sum_a * g3 + 1e-6)
    alpha = torch.where(g != 0, alpha, torch.zeros_like(alpha))
    return (torch.relu(g) * alpha).sum(dim=(1, 2))


class TorchExplainer:
    def __init__(self, model, cam_layer, layer_name, map_size):
        self.model = model
        self.cam_layer = model.layers[model.module_names[cam_layer]]
        self.layer = model.layers[model.module_names[layer_name]]
        self.map_size = map_size

    def cam(self, x):
        """CAM on this model's conv -> global-mean head: the class's own channel of the last conv."""
        hooks = ActivationsAndGradients(self.model, self.cam_layer)
        with torch.no_grad():
            logits = hooks(x)
        target = int(logits[0].argmax())
        raw = hooks.activations[0, target]
        hooks.handle.remove()
        return raw, scale_map(raw, self.map_size)

    def weighted(self, x, weights_of):
        hooks = ActivationsAndGradients(self.model, self.layer)
        logits = hooks(x)
        target = int(logits[0].argmax())
        self.model.zero_grad()
        logits[0, target].backward()
        a, g = hooks.activations[0], hooks.gradients[0]
        with torch.no_grad():
            w = weights_of(a, g)
            raw = (w[:, None, None] * a).sum(dim=0)
            result = raw, scale_map(raw, self.map_size)
        hooks.handle.remove()
        return result

    def grad_cam(self, x):
        return self.weighted(x, grad_cam_weights)

    def grad_cam_plus_plus(self, x):
        return self.weighted(x, grad_cam_plus_plus_weights)

    def saliency(self, x):
        x = x.detach().clone().requires_grad_(True)
        logits = self.model(x)
        target = int(logits[0].argmax())
        self.model.zero_grad()
        logits[0, target].backward()
        with torch.no_grad():
            raw = x.grad[0].abs().amax(dim=0)
            return raw, scale_map(raw, self.map_size)


def run_camlens_explain(threads, args):
    with tempfile.TemporaryDirectory() as tmp:
        camlens_json = os.path.join(tmp, "explain.json")
        subprocess.run([args.explain_binary, "--methods", ",".join(HEADLINE), "--json", camlens_json,
                        "--threads", str(threads)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return json.load(open(camlens_json))


def over_rounds(summaries):
    """One summary for a side timed in several rounds: the median of each statistic over the rounds."""
    keys = ("median_ms", "p10_ms", "p90_ms", "cpu_median_ms")
    return {**{k: statistics.median(s[k] for s in summaries) for k in keys}, "runs": sum(s["runs"] for s in summaries),
            "rounds": len(summaries)}


def explain_comparison(threads, args):
    """camlens's benchmark and PyTorch's timings in alternating rounds; each ratio is the median of the
    rounds' ratios, so that a machine whose speed drifts between rounds moves both sides of one round alike."""
    camlens = run_camlens_explain(threads, args)
    model = TfGraphModule(os.path.join(ROOT, "models/emotion"))
    model.eval()
    ref = camlens["reference"]
    n, h, w, c = ref["input_shape"]
    x = torch.tensor(ref["input"], dtype=torch.float32).reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        logits = model(x)[0].numpy()
    logit_error = float(np.abs(logits - np.array(ref["logits"])).max())
    if logit_error > LOGIT_TOLERANCE:
        sys.exit(f"torch_compare: torch logits differ from camlens's by {logit_error:.2e} (> {LOGIT_TOLERANCE}); "
                 "the torch module is not the same model, so its timings would mean nothing")

    crop = camlens["crop"]
    explainer = TorchExplainer(model, ref["maps"]["cam"]["layer"], ref["maps"]["grad-cam"]["layer"],
                               (crop["height"], crop["width"]))
    methods = {"cam": explainer.cam, "grad-cam": explainer.grad_cam,
               "grad-cam++": explainer.grad_cam_plus_plus, "saliency": explainer.saliency}
    map_errors = {}
    for name, run in methods.items():
        raw = run(x)[0].numpy()
        ours = np.array(ref["maps"][name]["raw"], np.float32).reshape(raw.shape)
        map_errors[name] = float(np.abs(raw - ours).max() / max(1.0, np.abs(ours).max()))
        if map_errors[name] > 1e-4:
            sys.exit(f"torch_compare: torch's {name} raw map differs from camlens's by {map_errors[name]:.2e} "
                     "(relative); the two do not compute the same thing")

    def forward():
        with torch.no_grad():
            model(x)

    names = ["forward"] + HEADLINE
    rounds = []  # per round: ({name: camlens summary}, {name: torch summary})
    for r in range(args.rounds):
        if r > 0:
            camlens = run_camlens_explain(threads, args)
        camlens_times = {"forward": camlens["forward"], **{m["name"]: m["total"] for m in camlens["methods"]}}
        torch_times = {"forward": measure(forward)}
        for name, run in methods.items():
            torch_times[name] = measure(lambda: run(x))
        rounds.append((camlens_times, torch_times))
    rows = {}
    for name in names:
        ratios = [t[name]["median_ms"] / c[name]["median_ms"] for c, t in rounds]
        cpu_ratios = [t[name]["cpu_median_ms"] / c[name]["cpu_median_ms"] for c, t in rounds]
        ratio = statistics.median(ratios)
        rows[name] = {"camlens": over_rounds([c[name] for c, _ in rounds]), "torch": over_rounds([t[name] for _, t in rounds]),
                      "torch_over_camlens": ratio, "round_ratios": ratios,
                      "torch_over_camlens_cpu": statistics.median(cpu_ratios)}
        if name in ("cam", "grad-cam", "grad-cam++"):
            rows[name]["target"] = f">= {CAM_FAMILY_TARGET_RATIO:g}x"
            rows[name]["met"] = ratio >= CAM_FAMILY_TARGET_RATIO
    return {"architecture": args.arch, "threads": threads, "camlens_threads": camlens["threads"], "logit_max_abs_error": logit_error, "raw_map_max_rel_error": map_errors,
            "rounds": args.rounds, "methods": rows}


# ---------------------------------------------------------------- training: the Fashion-MNIST classifiers

def read_idx_gz(path):
    data = gzip.open(path).read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def kaiming_conv(conv):
    nn.init.kaiming_uniform_(conv.weight, nonlinearity="relu")  # bound sqrt(6 / fan_in)
    return conv


def batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.1)  # Keras momentum 0.9


class FashionCnn(nn.Module):
    """train/architecture.h's VGG presets: [3x3 SAME conv (no bias) -> BatchNorm -> ReLU -> (2x2 pool)]
    per stage, then global average pool and Dense to 10 logits; BatchNorm epsilon 1e-3 and Keras momentum
    0.9 (torch's 0.1); He-uniform convs, Glorot dense."""

    def __init__(self, stages):
        super().__init__()
        layers, channels = [], 1
        for out, pool in stages:
            layers += [kaiming_conv(nn.Conv2d(channels, out, 3, padding=1, bias=False)), batch_norm(out), nn.ReLU()]
            if pool:
                layers.append(nn.MaxPool2d(2))
            channels = out
        self.features = nn.Sequential(*layers)
        self.logits = glorot_dense(channels, 10)

    def forward(self, x):
        return self.logits(self.features(x).mean(dim=(2, 3)))


def glorot_dense(channels, classes):
    dense = nn.Linear(channels, classes)
    nn.init.xavier_uniform_(dense.weight)
    nn.init.zeros_(dense.bias)
    return dense


def separable(channels, out):
    """A depthwise 3x3 SAME conv then a 1x1 conv, both without bias (a BatchNorm follows)."""
    return nn.Sequential(kaiming_conv(nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)),
                         kaiming_conv(nn.Conv2d(channels, out, 1, bias=False)))


class ResidualBlock(nn.Module):
    """[separable -> BN -> ReLU -> separable -> BN -> 3x3 max-pool stride 2 SAME] + [1x1 conv stride 2 -> BN]."""

    def __init__(self, channels, out):
        super().__init__()
        self.branch = nn.Sequential(separable(channels, out), batch_norm(out), nn.ReLU(),
                                    separable(out, out), batch_norm(out))
        self.shortcut = nn.Sequential(kaiming_conv(nn.Conv2d(channels, out, 1, stride=2, bias=False)), batch_norm(out))

    def forward(self, x):
        y = self.branch(x)
        # TensorFlow's SAME pool: the extra pixel padded after, with -inf so that it never wins.
        y = F.max_pool2d(F.pad(y, same_pads(y.shape[3], 3, 2) + same_pads(y.shape[2], 3, 2), value=-math.inf), 3, 2)
        return y + self.shortcut(x)


class MiniXception(nn.Module):
    """train/architecture.h's Xception presets: 3x3 conv -> BN -> ReLU (-> 2x2 pool), residual separable
    blocks, a separable head -> BN -> ReLU, global average pool, Dense to 10 logits."""

    def __init__(self, entry, blocks, head, entry_pool=False):
        super().__init__()
        layers = [kaiming_conv(nn.Conv2d(1, entry, 3, padding=1, bias=False)), batch_norm(entry), nn.ReLU()]
        if entry_pool:
            layers.append(nn.MaxPool2d(2))
        channels = entry
        for out in blocks:
            layers.append(ResidualBlock(channels, out))
            channels = out
        layers += [separable(channels, head), batch_norm(head), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.logits = glorot_dense(head, 10)

    def forward(self, x):
        return self.logits(self.features(x).mean(dim=(2, 3)))


ARCHITECTURES = {
    "vgg": lambda: FashionCnn([(32, True), (64, False), (64, True), (128, False)]),
    "vgg-quick": lambda: FashionCnn([(12, True), (24, True), (48, False), (48, False)]),
    "xception": lambda: MiniXception(32, [64, 128], 128),
    "xception-quick": lambda: MiniXception(16, [32, 64], 64, entry_pool=True),
}


def augment(images, generator, max_shift=2):
    """The trainer's augmentation, vectorised: a flip with probability 1/2, then a shift by up to
    max_shift pixels each way with zeros entering at the edges."""
    n, _, h, w = images.shape
    flip = torch.rand(n, generator=generator) < 0.5
    images = torch.where(flip[:, None, None, None], images.flip(-1), images)
    padded = F.pad(images, (max_shift,) * 4)
    dy = torch.randint(-max_shift, max_shift + 1, (n,), generator=generator)
    dx = torch.randint(-max_shift, max_shift + 1, (n,), generator=generator)
    rows = (max_shift - dy)[:, None] + torch.arange(h)[None, :]
    cols = (max_shift - dx)[:, None] + torch.arange(w)[None, :]
    return padded[torch.arange(n)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]


def torch_train_epoch(model, images, labels, batches, augment_on, seed):
    """One epoch of `batches` steps as camlens's train_classifier runs it; returns seconds per step,
    wall clock and process CPU time."""
    decayed = [p for n, p in model.named_parameters() if n.endswith("weight") and p.dim() > 1]
    others = [p for n, p in model.named_parameters() if not (n.endswith("weight") and p.dim() > 1)]
    optimizer = torch.optim.AdamW([{"params": decayed, "weight_decay": 0.01}, {"params": others, "weight_decay": 0.0}],
                                  lr=0.002, betas=(0.9, 0.999), eps=1e-7)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / max(1, batches - 1))))
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(labels), generator=generator)
    model.train()
    cpu_start, start = time.process_time(), time.perf_counter()
    for step in range(batches):
        index = order[step * 64:(step + 1) * 64]
        x = images[index]
        if augment_on:
            x = augment(x, generator)
        loss = F.cross_entropy(model(x), labels[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return (time.perf_counter() - start) / batches, (time.process_time() - cpu_start) / batches


def run_camlens_epoch(threads, args):
    run = subprocess.run([args.train_binary, "--batches", str(args.train_batches), "--repeats", "1",
                          "--threads", str(threads), "--arch", args.arch] + ([] if args.augment else ["--no-augment"]),
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(run.stdout)


def train_comparison(threads, args):
    """One shortened epoch each, camlens then PyTorch, for --train-repeats rounds; the ratio is the
    median of the rounds' ratios (as in explain_comparison)."""
    data = "/usr/share/datasets/fashion-mnist"
    images = torch.from_numpy(read_idx_gz(f"{data}/train-images-idx3-ubyte.gz").astype(np.float32) / 255.0)[:, None]
    labels = torch.from_numpy(read_idx_gz(f"{data}/train-labels-idx1-ubyte.gz").astype(np.int64))
    count = args.train_batches * 64
    images, labels = images[:count].contiguous(), labels[:count].contiguous()
    torch.manual_seed(1)
    model = ARCHITECTURES[args.arch]()
    torch_train_epoch(model, images[:320], labels[:320], 5, args.augment, 0)  # warm-up
    camlens_epochs, torch_epochs = [], []
    for r in range(args.train_repeats):
        camlens = run_camlens_epoch(threads, args)
        camlens_epochs.append((camlens["step_ms"]["median"], camlens["step_ms"]["cpu_median"]))
        wall, cpu = torch_train_epoch(model, images, labels, args.train_batches, args.augment, 1 + r)
        torch_epochs.append((1000.0 * wall, 1000.0 * cpu))
    step = lambda epochs: {**summarize([wall for wall, _ in epochs]), "cpu_median_ms": summarize([cpu for _, cpu in epochs])["median_ms"]}
    camlens_step, torch_step = step(camlens_epochs), step(torch_epochs)
    ratios = [t[0] / c[0] for c, t in zip(camlens_epochs, torch_epochs)]
    ratio = statistics.median(ratios)
    full = camlens["full_epoch_steps"]
    return {"architecture": args.arch, "threads": threads, "camlens_threads": camlens["threads"], "batch": 64, "batches_per_timed_epoch": args.train_batches,
            "repeats": args.train_repeats, "augment": args.augment,
            "camlens_step": camlens_step, "torch_step": torch_step,
            "camlens_epoch_seconds": camlens_step["median_ms"] * full / 1000.0,
            "torch_epoch_seconds": torch_step["median_ms"] * full / 1000.0,
            "torch_over_camlens": ratio, "round_ratios": ratios,
            "torch_over_camlens_cpu": statistics.median(t[1] / c[1] for c, t in zip(camlens_epochs, torch_epochs)),
            "target": "camlens no slower (ratio >= 1)", "met": ratio >= 1.0}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2", help="PyTorch thread counts (comma-separated)")
    parser.add_argument("--explain-binary", default=os.path.join(ROOT, "build/native/camlens_bench_explain"))
    parser.add_argument("--train-binary", default=os.path.join(ROOT, "build/native/camlens_bench_train"))
    parser.add_argument("--train-batches", type=int, default=40, help="batches of 64 per timed epoch")
    parser.add_argument("--train-repeats", type=int, default=3, help="rounds of one epoch each, camlens then PyTorch")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of camlens's explain benchmark, then PyTorch's timings")
    parser.add_argument("--no-augment", dest="augment", action="store_false")
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-explain", action="store_true")
    parser.add_argument("--arch", default="vgg", choices=sorted(ARCHITECTURES),
                        help="the architecture (train/architecture.h's preset) both sides train")
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args()

    results = {"torch_version": torch.__version__, "explain": [], "train": []}
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        print(f"== {threads} thread(s)")
        explain = {"methods": {}} if args.skip_explain else explain_comparison(threads, args)
        if not args.skip_explain:
            results["explain"].append(explain)
            print(f"  PyTorch and camlens ({explain['camlens_threads']}); torch logits within "
                  f"{explain['logit_max_abs_error']:.1e} of camlens's")
        for name, row in explain["methods"].items():
            c, t = row["camlens"], row["torch"]
            verdict = f"  target {row['target']}: {'met' if row['met'] else 'MISSED'}" if "met" in row else ""
            print(f"  {name:11s} camlens {c['median_ms']:8.3f} ms [{c['p10_ms']:.3f}-{c['p90_ms']:.3f}]  "
                  f"torch {t['median_ms']:8.3f} ms [{t['p10_ms']:.3f}-{t['p90_ms']:.3f}]  "
                  f"torch/camlens {row['torch_over_camlens']:6.1f}x (CPU time {row['torch_over_camlens_cpu']:.1f}x)"
                  f"{verdict}")
        if not args.skip_train:
            train = train_comparison(threads, args)
            results["train"].append(train)
            c, t = train["camlens_step"], train["torch_step"]
            print(f"  {args.arch} training step (batch 64): camlens {c['median_ms']:.2f} ms [{c['p10_ms']:.2f}-{c['p90_ms']:.2f}], "
                  f"torch {t['median_ms']:.2f} ms [{t['p10_ms']:.2f}-{t['p90_ms']:.2f}]; per epoch "
                  f"{train['camlens_epoch_seconds']:.1f} s vs {train['torch_epoch_seconds']:.1f} s; "
                  f"torch/camlens {train['torch_over_camlens']:.2f}x ({'met' if train['met'] else 'MISSED'})")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
