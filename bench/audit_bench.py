#!/usr/bin/python3
"""camlens audit against the pytorch-grad-cam way, natively: throughput and memory.

Throughput (--images N, each thread count of --threads): a folder of N Fashion-MNIST test images in
class subfolders, audited by `camlens audit` (Grad-CAM at the model's layer, the folder's class as
the target) and by the same computation in PyTorch as pytorch-grad-cam does it: the model of
--model ported to torch, batches of 64, a forward hook on the target layer keeping its output and
its gradient, backward of the sum of the targets' logits (weights require gradients, as in a model
given to pytorch-grad-cam), weights = mean of the gradients, ReLU(sum w*A), min-max, bilinear to the
image size, min-max, then per image the share of the map's energy on the object (the pixels brighter
than 0.15 of the brightest, as camlens audit's default) and the pointing game. Both sides decode
the PNGs and list the folder; camlens's time is its whole command (model loading, SpRAy, audit.json
and report.html included), and, from a second folder of 2N images, the cost of N more images
(the per-class work is paid once). camlens and torch alternate in each round; each ratio is the
median of the rounds'. The torch side's shares are checked against camlens's audit.json.

Memory (--memory COUNTS): for each count, a folder of that many images (Fashion-MNIST's 70,000
training and test images, then their mirror images) audited by camlens; its peak resident memory
(GNU time's maximum RSS), its resident memory sampled while it streams, and its time.

Needs Debian's python3-torch: run it with /usr/bin/python3. The data is written under --work
(default: a temporary folder, deleted afterwards).
"""
import argparse
import gzip
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_compare import ActivationsAndGradients, load_tfjs_weights  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FASHION = "/usr/share/datasets/fashion-mnist"
TARGET_RATIO = 5.0        # camlens at least 5x the pytorch-grad-cam way's images per second
MOST_RESIDENT = 1 << 30   # 100,000 images audited within 1 GiB
FOREGROUND = 0.15         # camlens audit's default --foreground
BATCH = 64
SHARE_TOLERANCE = 1e-3


# ---------------------------------------------------------------- the data

def read_idx_gz(path):
    data = gzip.open(path).read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def png_gray(pixels):
    """An 8-bit gray PNG with every row unfiltered (filter 0): the torch side's decoder reads it with
    zlib alone, as fast as a PNG can be read in Python."""
    height, width = pixels.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels], axis=1).tobytes()

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def decode_png_gray(data):
    """The pixels of a PNG png_gray wrote (8-bit gray, unfiltered rows); anything else fails loudly."""
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    if depth != 8 or colour != 0:
        sys.exit("audit_bench: the torch side reads 8-bit gray PNGs only (write the data with this script)")
    idat, at = b"", 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            idat += data[at + 8:at + 8 + length]
        at += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width + 1)
    if rows[:, 0].any():
        sys.exit("audit_bench: a PNG with filtered rows; the torch side reads the unfiltered PNGs this script writes")
    return rows[:, 1:]


def label_folder(label):
    return label.replace("/", "-")  # as camlens audit names class folders


def all_fashion_images():
    images = np.concatenate([read_idx_gz(f"{FASHION}/t10k-images-idx3-ubyte.gz"),
                             read_idx_gz(f"{FASHION}/train-images-idx3-ubyte.gz")])
    labels = np.concatenate([read_idx_gz(f"{FASHION}/t10k-labels-idx1-ubyte.gz"),
                             read_idx_gz(f"{FASHION}/train-labels-idx1-ubyte.gz")])
    return images, labels


def write_dataset(folder, count, labels, images, classes):
    """count images in class subfolders: the test images first, then the training images, then the
    mirror images of all of them (so that up to 140,000 are different files)."""
    if count > 2 * len(images):
        sys.exit(f"audit_bench: at most {2 * len(images)} images, asked for {count}")
    for label in labels:
        os.makedirs(os.path.join(folder, label_folder(label)), exist_ok=True)
    for n in range(count):
        source = n % len(images)
        pixels = images[source] if n < len(images) else images[source][:, ::-1]
        with open(os.path.join(folder, label_folder(labels[classes[source]]), f"{n:06d}.png"), "wb") as f:
            f.write(png_gray(np.ascontiguousarray(pixels)))


# ---------------------------------------------------------------- the model in torch

class LayersModel(nn.Module):
    """A camlens layers model (Conv2D with ReLU, MaxPooling2D, GlobalAveragePooling2D, Dense) as torch
    layers, NCHW. Each conv's ReLU is its own module, so that the target layer's hook sees the
    layer's output as the model file names it (Keras's Conv2D output is after its activation)."""

    def __init__(self, model_dir):
        super().__init__()
        spec = json.load(open(os.path.join(model_dir, "model.json")))
        weights = load_tfjs_weights(model_dir, spec["weightsManifest"])
        self.metadata = spec["userDefinedMetadata"]
        self.features = nn.ModuleDict()
        self.order = []
        for layer in spec["modelTopology"]["config"]["layers"]:
            kind, name, config = layer["class_name"], layer["name"], layer["config"]
            if kind == "Conv2D":
                kernel = weights[f"{name}/kernel"]  # [kh, kw, in, out]
                if config["padding"] != "same" or config["strides"] != [1, 1] or kernel.shape[0] % 2 != 1:
                    sys.exit(f"audit_bench: conv {name} is not an odd-sized SAME stride-1 conv")
                conv = nn.Conv2d(kernel.shape[2], kernel.shape[3], kernel.shape[:2], padding=kernel.shape[0] // 2)
                with torch.no_grad():
                    conv.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
                    conv.bias.copy_(torch.from_numpy(weights[f"{name}/bias"].copy()))
                activation = {"relu": nn.ReLU(), "linear": nn.Identity()}[config["activation"]]
                self.features[name] = nn.Sequential(conv, activation)
            elif kind == "MaxPooling2D":
                self.features[name] = nn.MaxPool2d(config["pool_size"], config["strides"])
            elif kind == "GlobalAveragePooling2D":
                self.features[name] = nn.AdaptiveAvgPool2d(1)
            elif kind == "Dense":
                dense = nn.Linear(*weights[f"{name}/kernel"].shape)
                with torch.no_grad():
                    dense.weight.copy_(torch.from_numpy(weights[f"{name}/kernel"].T.copy()))
                    dense.bias.copy_(torch.from_numpy(weights[f"{name}/bias"].copy()))
                self.features[name] = dense
                self.logits = name
            elif kind in ("InputLayer", "Activation"):
                continue  # the input, and the softmax after the logits
            else:
                sys.exit(f"audit_bench: layer {name} ({kind}) is not handled")
            self.order.append(name)

    def target_layer(self, name):
        """The module whose output is layer `name`'s output."""
        module = self.features[name]
        return module[1] if isinstance(module, nn.Sequential) else module

    def forward(self, x):
        for name in self.order:
            if name == self.logits:
                x = x.flatten(1)
            x = self.features[name](x)
        return x


# ---------------------------------------------------------------- the audit, pytorch-grad-cam's way

def list_dataset(folder, labels):
    files = []
    for c, label in enumerate(labels):
        class_folder = os.path.join(folder, label_folder(label))
        if os.path.isdir(class_folder):
            files += [(os.path.join(label_folder(label), f), c) for f in sorted(os.listdir(class_folder))]
    return sorted(files)


def scale_cams(cams, size):
    """pytorch-grad-cam's scale_cam_image, for a batch at once: min-max each map, resize it, and
    after the ReLU of aggregate_multi_layers, min-max again."""
    flat = cams.flatten(1)
    cams = cams - flat.min(dim=1).values[:, None, None]
    cams = cams / (1e-7 + cams.flatten(1).max(dim=1).values[:, None, None])
    cams = F.interpolate(cams[:, None], size=size, mode="bilinear", align_corners=False)[:, 0]
    cams = torch.relu(cams)
    cams = cams - cams.flatten(1).min(dim=1).values[:, None, None]
    return cams / (1e-7 + cams.flatten(1).max(dim=1).values[:, None, None])


def torch_audit(model, layer, folder, files, gray_scale):
    """Every file's Grad-CAM for its folder's class in batches of 64; per image the predicted class,
    the share of the map's energy on the bright pixels and the pointing game hit."""
    results = {}
    for start in range(0, len(files), BATCH):
        batch = files[start:start + BATCH]
        pixels = np.stack([decode_png_gray(open(os.path.join(folder, f), "rb").read()) for f, _ in batch])
        x = torch.from_numpy(pixels.astype(np.float32) * (gray_scale / 255.0))[:, None]
        hooks = ActivationsAndGradients(model, layer)
        logits = hooks(x)
        model.zero_grad()
        # pytorch-grad-cam's loss: the sum of each image's ClassifierOutputTarget.
        loss = sum(logits[i, c] for i, (_, c) in enumerate(batch))
        loss.backward()
        hooks.handle.remove()
        with torch.no_grad():
            a, g = hooks.activations, hooks.gradients
            weights = g.mean(dim=(2, 3))
            cams = torch.relu((weights[:, :, None, None] * a).sum(dim=1))
            heat = scale_cams(cams, pixels.shape[1:])
            brightness = torch.from_numpy(pixels.astype(np.float32))
            cut = FOREGROUND * brightness.flatten(1).max(dim=1).values
            on_object = (brightness > cut[:, None, None]) & (cut[:, None, None] > 0)
            total = heat.flatten(1).sum(dim=1)
            inside = (heat * on_object).flatten(1).sum(dim=1)
            shares = torch.where(total > 0, inside / total, torch.zeros_like(total))
            peak = heat.flatten(1).argmax(dim=1)
            hits = on_object.flatten(1).gather(1, peak[:, None])[:, 0] & (heat.flatten(1).max(dim=1).values > 0)
            predicted = logits.argmax(dim=1)
        for i, (f, _) in enumerate(batch):
            results[f] = (float(shares[i]), bool(hits[i]), int(predicted[i]))
    return results


class FromTargetLayer(ActivationsAndGradients):
    """With the weights frozen nothing below needs gradients: the target layer's output starts the graph
    the backward pass walks."""

    def save(self, module, inputs, output):
        if not output.requires_grad:
            output.requires_grad_(True)
        super().save(module, inputs, output)


def torch_parts(model, layer, folder, files, gray_scale, rounds):
    """CPU seconds per image of parts of the torch side, on batches of 64 read beforehand: the forward
    pass alone (no gradients kept), and the whole Grad-CAM with the weights frozen (backward stops at
    the target layer, as camlens's does) next to pytorch-grad-cam's (weights require gradients)."""
    batches = []
    for start in range(0, len(files), BATCH):
        batch = files[start:start + BATCH]
        pixels = np.stack([decode_png_gray(open(os.path.join(folder, f), "rb").read()) for f, _ in batch])
        batches.append((torch.from_numpy(pixels.astype(np.float32) * (gray_scale / 255.0))[:, None], [c for _, c in batch]))

    def forward_only():
        with torch.no_grad():
            for x, _ in batches:
                model(x)

    def grad_cam(hooks_of=ActivationsAndGradients):
        for x, classes in batches:
            hooks = hooks_of(model, layer)
            logits = hooks(x)
            model.zero_grad()
            sum(logits[i, c] for i, c in enumerate(classes)).backward()
            hooks.handle.remove()
            with torch.no_grad():
                torch.relu((hooks.gradients.mean(dim=(2, 3))[:, :, None, None] * hooks.activations).sum(dim=1))

    def cpu_per_image(run):
        samples = []
        for _ in range(rounds):
            start = time.process_time()
            run()
            samples.append((time.process_time() - start) / len(files))
        return statistics.median(samples)

    parts = {"forward": cpu_per_image(forward_only), "grad_cam": cpu_per_image(grad_cam)}
    for p in model.parameters():
        p.requires_grad_(False)
    parts["grad_cam_frozen_weights"] = cpu_per_image(lambda: grad_cam(FromTargetLayer))
    for p in model.parameters():
        p.requires_grad_(True)
    return parts


def child_pids(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def run_camlens_audit(args, folder, out, threads):
    """One `camlens audit` of folder: its wall-clock and CPU seconds, its peak resident bytes and its
    resident bytes sampled every 0.2 s as (seconds, bytes).

    GNU time reports the peak: the kernel's maxrss of a child forked from this process would count
    this process's own peak (torch's), which a vfork'd child carries through exec."""
    command = [args.binary, "audit", "--model", args.model, "--data", folder, "--out", out, "--threads", str(threads)]
    start = time.perf_counter()
    child = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S"] + command, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples, done = [], threading.Event()

    def sample():
        while not done.wait(0.2):
            try:
                with open(f"/proc/{child_pids(child.pid)[0]}/status") as status:
                    rss = next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmRSS:"))
                samples.append((time.perf_counter() - start, rss))
            except (OSError, IndexError, StopIteration):
                continue

    sampler = threading.Thread(target=sample)
    sampler.start()
    stderr = child.communicate()[1].decode(errors="replace")
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if child.returncode != 0:
        sys.exit(f"audit_bench: {' '.join(command)} failed ({child.returncode}): {stderr[-400:]}")
    peak_kb, user, system = stderr.strip().splitlines()[-1].split()
    return seconds, float(user) + float(system), int(peak_kb) * 1024, samples


def check_against_camlens(out, torch_results):
    """The largest difference of inside shares, and the predictions that differ, between camlens's
    audit.json and the torch side: both must compute the same thing for the timings to mean anything."""
    audit = json.load(open(os.path.join(out, "audit.json")))
    if len(audit["images"]) != len(torch_results):
        sys.exit(f"audit_bench: camlens audited {len(audit['images'])} images, torch {len(torch_results)}")
    share_error, predictions_differ = 0.0, 0
    for image in audit["images"]:
        share, _, predicted = torch_results[image["file"]]
        share_error = max(share_error, abs(share - image["inside_share"]))
        predictions_differ += predicted != image["predicted"]
    return share_error, predictions_differ


def throughput(args, work, threads, model, layer, gray_scale):
    """Rounds of: camlens on the N images, camlens on 2N images (the same N and N more), torch on the
    N images. camlens's whole command pays per-class work (SpRAy over up to 1,000 images a class,
    the report) once, whatever the count; the difference of its two runs is its cost of N more
    images, which the torch side (no per-class work) is also compared with."""
    folder, out = os.path.join(work, "throughput"), os.path.join(work, "throughput-out")
    double, double_out = os.path.join(work, "throughput-double"), os.path.join(work, "throughput-double-out")
    files = list_dataset(folder, model.metadata["labels"])
    torch.set_num_threads(threads)
    torch_audit(model, layer, folder, files[:BATCH], gray_scale)  # warm-up
    run_camlens_audit(args, folder, out, threads)  # warm-up, and the page cache holds the files
    run_camlens_audit(args, double, double_out, threads)
    rounds = []
    for _ in range(args.rounds):
        camlens_seconds, camlens_cpu = run_camlens_audit(args, folder, out, threads)[:2]
        double_seconds, double_cpu = run_camlens_audit(args, double, double_out, threads)[:2]
        cpu_start, start = time.process_time(), time.perf_counter()
        results = torch_audit(model, layer, folder, list_dataset(folder, model.metadata["labels"]), gray_scale)
        torch_seconds, torch_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        rounds.append({"camlens": camlens_seconds, "camlens_cpu": camlens_cpu,
                       "camlens_more": double_seconds - camlens_seconds, "camlens_more_cpu": double_cpu - camlens_cpu,
                       "torch": torch_seconds, "torch_cpu": torch_cpu})
    share_error, predictions_differ = check_against_camlens(out, results)
    if share_error > SHARE_TOLERANCE or predictions_differ > 0:
        sys.exit(f"audit_bench: the torch side's shares differ from camlens's by up to {share_error:.2e} and "
                 f"{predictions_differ} predictions differ: the two do not compute the same thing")
    images = len(files)
    median = lambda key: statistics.median(r[key] for r in rounds)
    ratio = lambda torch_key, camlens_key: statistics.median(r[torch_key] / r[camlens_key] for r in rounds)
    whole, more = ratio("torch", "camlens"), ratio("torch", "camlens_more")
    return {"threads": threads, "images": images, "rounds": rounds,
            "camlens_images_per_second": images / median("camlens"),
            "camlens_more_images_per_second": images / median("camlens_more"),
            "torch_images_per_second": images / median("torch"),
            "camlens_over_torch": whole, "round_ratios": [r["torch"] / r["camlens"] for r in rounds],
            "camlens_more_over_torch": more, "more_round_ratios": [r["torch"] / r["camlens_more"] for r in rounds],
            # On a shared machine the wall clock also counts other processes' time slices.
            "camlens_over_torch_cpu": ratio("torch_cpu", "camlens_cpu"),
            "camlens_more_over_torch_cpu": ratio("torch_cpu", "camlens_more_cpu"),
            "inside_share_max_abs_difference": share_error,
            "torch_cpu_seconds_per_image": torch_parts(model, layer, folder, files[:32 * BATCH], gray_scale, args.rounds),
            "target": f">= {TARGET_RATIO:g}x", "met": whole >= TARGET_RATIO, "more_met": more >= TARGET_RATIO}


def memory(args, work, count, threads, labels, images, classes):
    folder, out = os.path.join(work, f"memory-{count}"), os.path.join(work, f"memory-{count}-out")
    write_dataset(folder, count, labels, images, classes)
    seconds, cpu_seconds, peak, samples = run_camlens_audit(args, folder, out, threads)
    shutil.rmtree(folder)
    json_bytes = os.path.getsize(os.path.join(out, "audit.json"))
    shutil.rmtree(out)
    streaming = [rss for _, rss in samples[len(samples) // 10:len(samples) * 9 // 10]] or [peak]
    return {"images": count, "threads": threads, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "images_per_second": count / seconds,
            "max_rss_bytes": peak, "audit_json_bytes": json_bytes,
            "streaming_rss_bytes": {"first": samples[0][1] if samples else None, "p10": streaming[0],
                                    "p90": streaming[-1]},
            "rss_samples": samples[::max(1, len(samples) // 50)],
            "target": "max RSS <= 1 GiB", "met": peak <= MOST_RESIDENT}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build/native/camlens"))
    parser.add_argument("--model", default=os.path.join(ROOT, "models/fashion-mnist"))
    parser.add_argument("--images", type=int, default=10000, help="images in the throughput folder (and twice as many "
                        "in the second one)")
    parser.add_argument("--threads", default="1,2", help="thread counts, both sides alike (comma-separated)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of camlens then torch, per thread count")
    parser.add_argument("--memory", default="", help="image counts for the memory runs (comma-separated), e.g. "
                                                     "10000,50000,100000; none by default")
    parser.add_argument("--memory-threads", type=int, default=2)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--work", help="where the data is written (default: a temporary folder)")
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"audit_bench: no {args.binary}; build it: cmake --build build/native --target camlens")

    model = LayersModel(args.model)
    labels = model.metadata["labels"]
    layer = model.target_layer(model.metadata["explain_layer"])
    gray_scale = sum(model.metadata["input"]["gray_weights"])  # camlens turns a gray PNG into RGB, then into gray
    images, classes = all_fashion_images()
    results = {"torch_version": torch.__version__, "model": os.path.relpath(args.model, ROOT), "batch": BATCH,
               "throughput": [], "memory": []}
    work = args.work or tempfile.mkdtemp(prefix="camlens-audit-bench-")
    try:
        if not args.skip_throughput:
            write_dataset(os.path.join(work, "throughput"), args.images, labels, images, classes)
            write_dataset(os.path.join(work, "throughput-double"), 2 * args.images, labels, images, classes)
            for threads in [int(t) for t in args.threads.split(",")]:
                row = throughput(args, work, threads, model, layer, gray_scale)
                results["throughput"].append(row)
                rounds = lambda ratios: ", ".join(f"{r:.2f}" for r in ratios)
                print(f"{threads} thread(s), {row['images']} images: torch {row['torch_images_per_second']:.0f} images/s; "
                      f"camlens's whole command {row['camlens_images_per_second']:.0f} images/s, "
                      f"{row['camlens_over_torch']:.2f}x (rounds {rounds(row['round_ratios'])}; CPU time "
                      f"{row['camlens_over_torch_cpu']:.2f}x); camlens's next {row['images']} images "
                      f"{row['camlens_more_images_per_second']:.0f} images/s, {row['camlens_more_over_torch']:.2f}x "
                      f"(rounds {rounds(row['more_round_ratios'])}; CPU time {row['camlens_more_over_torch_cpu']:.2f}x); "
                      f"target {row['target']}: whole {'met' if row['met'] else 'MISSED'}, next "
                      f"{'met' if row['more_met'] else 'MISSED'}; shares within "
                      f"{row['inside_share_max_abs_difference']:.1e}", flush=True)
                parts = row["torch_cpu_seconds_per_image"]
                print(f"  torch CPU ms per image: forward alone {1000 * parts['forward']:.3f}, Grad-CAM "
                      f"{1000 * parts['grad_cam']:.3f}, with the weights frozen {1000 * parts['grad_cam_frozen_weights']:.3f}",
                      flush=True)
        for count in [int(c) for c in args.memory.split(",") if c]:
            row = memory(args, work, count, args.memory_threads, labels, images, classes)
            results["memory"].append(row)
            s = row["streaming_rss_bytes"]
            print(f"{count} images: max RSS {row['max_rss_bytes'] / 2**20:.0f} MiB, while streaming "
                  f"{s['p10'] / 2**20:.0f}-{s['p90'] / 2**20:.0f} MiB, {row['seconds']:.0f} s "
                  f"({row['images_per_second']:.0f} images/s), audit.json {row['audit_json_bytes'] / 2**20:.0f} MiB "
                  f"({'met' if row['met'] else 'MISSED'})", flush=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
