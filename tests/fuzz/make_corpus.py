#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, one folder per harness, from the repository's own fixtures.

    tests/fuzz/make_corpus.py OUT_DIR     ->  OUT_DIR/image/, OUT_DIR/graph_model/, ...

Seeds are derived, not committed: the fixture images and sample photos, tiny PNGs in every colour
type stb reads, the shipped models cut down to each prefix of their layers (small enough for quick
mutation), their weight manifests with a few tensors each (also stored quantized), and metadata
variants of the emotion model's, which the metadata harness resolves against that model's graph,
small ONNX models covering the importer's ops, written with the few protobuf encodings they need,
IDX files and image-folder listings of the kinds training reads, the shipped training timelines (cut
to their first epochs and probes), and a small shard of an audit.
"""
import json
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EMOTION = ROOT / "models/emotion"
FASHION = ROOT / "models/fashion-mnist"
MAX_IMAGE_SEED = 64 * 1024


def write(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def png(width, height, color_type, bit_depth, rows, palette=None, transparency=None, interlace=0):
    """A PNG from filtered scanlines (`rows`: bytes, each starting with its filter type)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))
    if palette:
        out += chunk(b"PLTE", palette)
    if transparency:
        out += chunk(b"tRNS", transparency)
    return out + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


def image_seeds(out):
    folder = out / "image"
    for path in sorted((ROOT / "tests/fixtures/images").iterdir()) + sorted((ROOT / "web/samples").rglob("*")):
        if path.suffix in (".png", ".jpg", ".bmp", ".gif") and path.stat().st_size <= MAX_IMAGE_SEED:
            write(folder, path.name, path.read_bytes())
    # 4x3 images of each colour type and depth, with each scanline filter once.
    w, h = 4, 3
    def rows(bytes_per_pixel):
        return [bytes([y % 5]) + bytes((x * 37 + y * 11) % 256 for x in range(w * bytes_per_pixel)) for y in range(h)]
    write(folder, "gray8.png", png(w, h, 0, 8, rows(1)))
    write(folder, "gray16.png", png(w, h, 0, 16, rows(2)))
    write(folder, "gray_alpha.png", png(w, h, 4, 8, rows(2)))
    write(folder, "rgb8.png", png(w, h, 2, 8, rows(3)))
    write(folder, "rgb16.png", png(w, h, 2, 16, rows(6)))
    write(folder, "rgba8.png", png(w, h, 6, 8, rows(4)))
    write(folder, "rgb_interlaced.png", png(w, h, 2, 8, rows(3), interlace=1))
    write(folder, "gray1.png", png(8, 2, 0, 1, [b"\x00\xa5", b"\x00\x3c"]))
    palette = bytes(range(12))
    write(folder, "palette_trns.png", png(w, h, 3, 8, [b"\x00" + bytes([x % 4 for x in range(w)])] * h, palette, b"\x00\x80"))
    write(folder, "palette2.png", png(w, h, 3, 2, [b"\x00\x1b"] * h, palette))


def graph_model_seeds(out):
    """The emotion graph model whole, and cut after each computing node (the cut becomes the output)."""
    folder = out / "graph_model"
    model = json.loads((EMOTION / "model.json").read_text())
    write(folder, "emotion.json", json.dumps(model))
    nodes = model["modelTopology"]["node"]
    by_name = {n["name"]: n for n in nodes}
    entries = {w["name"]: w for group in model["weightsManifest"] for w in group["weights"]}
    computing = [n for n in nodes if n["op"] not in ("Const", "Placeholder")]
    for k, last in enumerate(computing):
        needed, stack = set(), [last["name"]]
        while stack:  # the cut's ancestors
            name = stack.pop().lstrip("^").split(":")[0]
            if name in needed or name not in by_name:
                continue
            needed.add(name)
            stack.extend(by_name[name].get("input", []))
        cut = dict(model)
        cut["modelTopology"] = dict(model["modelTopology"], node=[n for n in nodes if n["name"] in needed])
        cut["weightsManifest"] = [{"paths": ["emotion.bin"], "weights": [entries[n] for n in sorted(needed) if n in entries]}]
        cut["userDefinedMetadata"] = {"signature": {"outputs": {last["name"] + ":0": {"name": last["name"] + ":0"}}}}
        write(folder, f"emotion_cut{k:02d}.json", json.dumps(cut))


def keras_layer(class_name, name, config, inputs):
    inbound = [[[i, 0, 0, {}] for i in inputs]] if inputs else []
    return {"class_name": class_name, "name": name, "config": dict(config, name=name), "inbound_nodes": inbound}


def every_layer_model():
    """A functional model with every layer class camlens reads, and its manifest."""
    layers = [
        keras_layer("InputLayer", "img", {"batch_input_shape": [None, 6, 6, 3], "dtype": "float32"}, []),
        keras_layer("Rescaling", "rescale", {"scale": 2.0, "offset": -1.0}, ["img"]),
        keras_layer("ZeroPadding2D", "pad", {"padding": [[1, 0], [0, 1]]}, ["rescale"]),
        keras_layer("Conv2D", "conv", {"filters": 3, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
                                       "activation": "relu", "use_bias": True, "data_format": "channels_last",
                                       "dilation_rate": [1, 1]}, ["pad"]),
        keras_layer("BatchNormalization", "bn", {"axis": -1, "epsilon": 0.001}, ["conv"]),
        keras_layer("SeparableConv2D", "sep", {"filters": 4, "kernel_size": 3, "padding": "same", "depth_multiplier": 2,
                                               "activation": "relu6"}, ["bn"]),
        keras_layer("DepthwiseConv2D", "dw", {"kernel_size": [3, 3], "padding": "same", "use_bias": False}, ["bn"]),
        keras_layer("Concatenate", "cat", {"axis": -1}, ["sep", "dw"]),
        keras_layer("MaxPooling2D", "pool", {"pool_size": [2, 2], "strides": [1, 1], "padding": "valid"}, ["cat"]),
        keras_layer("AveragePooling2D", "avg", {"pool_size": 2, "padding": "same"}, ["pool"]),
        keras_layer("Activation", "act", {"activation": "relu"}, ["avg"]),
        keras_layer("Activation", "same", {"activation": "linear"}, ["avg"]),
        keras_layer("Add", "add", {}, ["act", "same"]),
        keras_layer("GlobalAveragePooling2D", "gap", {"keepdims": True}, ["add"]),
        keras_layer("Flatten", "flat", {}, ["gap"]),
        keras_layer("Reshape", "shape", {"target_shape": [7]}, ["flat"]),
        keras_layer("Dropout", "drop", {"rate": 0.25}, ["shape"]),
        keras_layer("Dense", "fc", {"units": 5, "activation": "softmax"}, ["drop"]),
    ]
    weights = [("conv/kernel", [3, 3, 3, 3]), ("conv/bias", [3]), ("bn/gamma", [3]), ("bn/beta", [3]),
               ("bn/moving_mean", [3]), ("bn/moving_variance", [3]), ("sep/depthwise_kernel", [3, 3, 3, 2]),
               ("sep/pointwise_kernel", [1, 1, 6, 4]), ("sep/bias", [4]), ("dw/depthwise_kernel", [3, 3, 3, 1]),
               ("fc/kernel", [7, 5]), ("fc/bias", [5])]
    config = {"name": "every_layer", "layers": layers, "input_layers": [["img", 0, 0]], "output_layers": [["fc", 0, 0]]}
    return {"format": "layers-model", "modelTopology": {"class_name": "Model", "config": config},
            "weightsManifest": [{"paths": ["weights.bin"],
                                 "weights": [{"name": n, "shape": s, "dtype": "float32"} for n, s in weights]}]}


def layers_model_seeds(out):
    """The Fashion-MNIST layers model whole and cut after each layer, a Sequential one, and every layer class."""
    folder = out / "layers_model"
    model = json.loads((FASHION / "model.json").read_text())
    write(folder, "fashion_mnist.json", json.dumps(model))
    config = model["modelTopology"]["config"]
    for k in range(1, len(config["layers"])):
        kept = config["layers"][:k + 1]
        names = {layer["name"] for layer in kept}
        cut = json.loads(json.dumps(model))
        cut["modelTopology"]["config"].update(layers=kept, output_layers=[[kept[-1]["name"], 0, 0]])
        cut["weightsManifest"] = [{"paths": ["weights.bin"], "weights": [
            w for group in model["weightsManifest"] for w in group["weights"] if w["name"].split("/")[0] in names]}]
        write(folder, f"fashion_mnist_cut{k}.json", json.dumps(cut))
    write(folder, "every_layer.json", json.dumps(every_layer_model()))
    sequential = [
        {"class_name": "Conv2D", "config": {"name": "c", "filters": 1, "kernel_size": 1, "activation": "relu",
                                            "batch_input_shape": [None, 2, 2, 1]}},
        {"class_name": "GlobalAveragePooling2D", "config": {"name": "g"}},
        {"class_name": "Dense", "config": {"name": "d", "units": 2, "use_bias": False}}]
    write(folder, "sequential.json", json.dumps({
        "format": "layers-model",
        "modelTopology": {"model_config": {"class_name": "Sequential", "config": {"layers": sequential}}},
        "weightsManifest": [{"paths": ["w.bin"], "weights": [
            {"name": "c/kernel", "shape": [1, 1, 1, 1], "dtype": "float32"}, {"name": "c/bias", "shape": [1], "dtype": "float32"},
            {"name": "d/cell/kernel", "shape": [1, 2], "dtype": "float32"}]}]}))


def stored_tensors(folder):
    """(manifest entry, its bytes) for every tensor of a model folder, in shard order."""
    model = json.loads((folder / "model.json").read_text())
    tensors = []
    for group in model["weightsManifest"]:
        data = b"".join((folder / p).read_bytes() for p in group["paths"])
        offset = 0
        for entry in group["weights"]:
            count = 1
            for d in entry["shape"]:
                count *= d
            tensors.append((entry, data[offset:offset + 4 * count]))
            offset += 4 * count
    return tensors


def weights_seed(entries):
    """The weights harness's input: the manifest, a NUL, then the shard bytes."""
    manifest = [{"paths": ["weights.bin"], "weights": [e for e, _ in entries]}]
    return json.dumps(manifest).encode() + b"\0" + b"".join(b for _, b in entries)


def quantized(entry, data, dtype):
    """The same float32 tensor stored as TensorFlow.js quantizes it: uint8/uint16 with min and scale, or float16."""
    values = struct.unpack(f"<{len(data) // 4}f", data)
    if dtype == "float16":
        return dict(entry, quantization={"dtype": "float16"}), struct.pack(f"<{len(values)}e", *values)
    levels = 255 if dtype == "uint8" else 65535
    low, high = min(values), max(values)
    scale = (high - low) / levels or 1.0
    codes = [round((v - low) / scale) for v in values]
    return (dict(entry, quantization={"dtype": dtype, "min": low, "scale": scale}),
            struct.pack(f"<{len(codes)}{'B' if dtype == 'uint8' else 'H'}", *codes))


def weights_seeds(out):
    folder = out / "weights"
    for model_folder in (EMOTION, FASHION):
        small = [t for t in stored_tensors(model_folder) if len(t[1]) <= 4096]
        for k in (1, 2, 4):
            write(folder, f"{model_folder.name}_{k}.bin", weights_seed(small[:k]))
        for dtype in ("uint8", "uint16", "float16"):
            write(folder, f"{model_folder.name}_{dtype}.bin", weights_seed([quantized(*small[0], dtype), small[1]]))
    int32 = ({"name": "axes", "shape": [2], "dtype": "int32"}, struct.pack("<2i", 1, 2))
    scalar = ({"name": "scalar", "shape": [], "dtype": "float32"}, struct.pack("<f", 0.5))
    write(folder, "int32_and_scalar.bin", weights_seed([int32, scalar]))
    two_groups = [{"paths": ["a.bin"], "weights": [int32[0]]}, {"paths": ["b1.bin", "b2.bin"], "weights": [scalar[0]]}]
    write(folder, "two_groups.bin", json.dumps(two_groups).encode() + b"\0" + int32[1] + scalar[1])


def metadata_seeds(out):
    folder = out / "metadata"
    base = json.loads((EMOTION / "metadata.json").read_text())
    write(folder, "emotion.json", json.dumps(base))
    layer = "StatefulPartitionedCall/model_1/conv2d_5/BiasAdd"
    variants = {
        "mean_std": {"scaling": {"mean": [0.5], "std": [0.25]}},
        "mean_std3": {"scaling": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}},
        "crop_full": {"crop": "full"},
        "crop_box": {"crop": {"x": 0.1, "y": 0.2, "width": 0.5, "height": 0.6}},
        "rgb": {"input": {"height": 64, "width": 64, "color": "rgb"}},
        "other_layer": {"explain_layer": layer},
        "no_labels": {"labels": None},
    }
    for name, change in variants.items():
        variant = dict(base, **change)
        write(folder, name + ".json", json.dumps({k: v for k, v in variant.items() if v is not None}))
    write(folder, "empty.json", "{}")
    fashion = json.loads((FASHION / "model.json").read_text())["userDefinedMetadata"]
    write(folder, "fashion_mnist.json", json.dumps(fashion))


# ---- ONNX seeds: protobuf fields as onnx.proto numbers them ----

def varint(value):
    value &= (1 << 64) - 1  # negative int64 as protobuf writes it: ten bytes
    out = b""
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    data = data.encode() if isinstance(data, str) else data
    return varint(number << 3 | 2) + varint(len(data)) + data


def onnx_tensor(name, dims, floats=None, ints=None, raw=True):
    out = b"".join(field_varint(1, d) for d in dims) + field_varint(2, 1 if ints is None else 7) + field_bytes(8, name)
    if ints is not None:
        return out + field_bytes(9, struct.pack(f"<{len(ints)}q", *ints))
    if raw:
        return out + field_bytes(9, struct.pack(f"<{len(floats)}f", *floats))
    return out + field_bytes(4, struct.pack(f"<{len(floats)}f", *floats))


def onnx_attribute(name, value):
    if isinstance(value, str):
        return field_bytes(1, name) + field_bytes(4, value) + field_varint(20, 3)
    if isinstance(value, list):
        return field_bytes(1, name) + b"".join(field_varint(8, v) for v in value) + field_varint(20, 7)
    if isinstance(value, float):
        return field_bytes(1, name) + varint(2 << 3 | 5) + struct.pack("<f", value) + field_varint(20, 1)
    return field_bytes(1, name) + field_varint(3, value) + field_varint(20, 2)


def onnx_node(op, name, inputs, attributes=None):
    out = b"".join(field_bytes(1, i) for i in inputs) + field_bytes(2, name + "_out") + field_bytes(3, name) + field_bytes(4, op)
    return out + b"".join(field_bytes(5, onnx_attribute(k, v)) for k, v in (attributes or {}).items())


def onnx_value_info(name, dims):
    shape = b"".join(field_bytes(1, field_varint(1, d)) for d in dims)
    return field_bytes(1, name) + field_bytes(2, field_bytes(1, field_varint(1, 1) + field_bytes(2, shape)))


def onnx_model(nodes, initializers, input_dims, opset=13):
    output = nodes[-1][1] + "_out"
    graph = b"".join(field_bytes(1, onnx_node(*n)) for n in nodes) + field_bytes(2, "seed")
    graph += b"".join(field_bytes(5, t) for t in initializers)
    graph += field_bytes(11, onnx_value_info("x", input_dims)) + field_bytes(12, onnx_value_info(output, []))
    opset_import = field_bytes(1, "") + field_varint(2, opset)
    return field_varint(1, 8) + field_bytes(2, "make_corpus") + field_bytes(7, graph) + field_bytes(8, opset_import)


def ramp(count, scale=0.1):
    return [((i * 7) % 11 - 5) * scale for i in range(count)]


def onnx_seeds(out):
    """A residual block with a linear head, a VGG-style stack, grouped and depthwise convolutions."""
    folder = out / "onnx"
    resnet = [
        ("Conv", "conv1", ["x", "w1", "b1"], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "group": 1}),
        ("Relu", "relu1", ["conv1_out"]),
        ("Conv", "conv2", ["relu1_out", "w2"], {"kernel_shape": [3, 3], "auto_pad": "SAME_UPPER"}),
        ("Add", "add", ["conv2_out", "relu1_out"]),
        ("Clip", "relu6", ["add_out", "zero", "six"]),
        ("GlobalAveragePool", "gap", ["relu6_out"]),
        ("Flatten", "flat", ["gap_out"], {"axis": 1}),
        ("Gemm", "fc", ["flat_out", "wfc", "bfc"], {"transB": 1}),
        ("Softmax", "probs", ["fc_out"], {"axis": -1}),
    ]
    write(folder, "resnet.onnx", onnx_model(resnet, [
        onnx_tensor("w1", [4, 3, 3, 3], ramp(108)), onnx_tensor("b1", [4], ramp(4), raw=False),
        onnx_tensor("w2", [4, 4, 3, 3], ramp(144)), onnx_tensor("zero", [], [0.0]), onnx_tensor("six", [], [6.0]),
        onnx_tensor("wfc", [3, 4], ramp(12)), onnx_tensor("bfc", [3], ramp(3))], [1, 3, 6, 6]))
    vgg = [
        ("Conv", "conv", ["x", "w"], {"kernel_shape": [3, 3], "strides": [1, 1], "dilations": [1, 1], "pads": [1, 1, 1, 1]}),
        ("BatchNormalization", "bn", ["conv_out", "gamma", "beta", "mean", "var"], {"epsilon": 1e-5}),
        ("MaxPool", "pool", ["bn_out"], {"kernel_shape": [2, 2], "strides": [2, 2]}),
        ("Pad", "pad", ["pool_out", "pads"], {"mode": "constant"}),
        ("AveragePool", "avg", ["pad_out"], {"kernel_shape": [2, 2], "strides": [1, 1]}),
        ("Shape", "shape", ["avg_out"]),
        ("Gather", "batch", ["shape_out", "index"], {"axis": 0}),
        ("Unsqueeze", "batch1", ["batch_out", "axes"]),
        ("Concat", "target", ["batch1_out", "minus_one"], {"axis": 0}),
        ("Reshape", "rows", ["avg_out", "target_out"]),
        ("MatMul", "fc", ["rows_out", "wfc"]),
        ("Dropout", "drop", ["fc_out"]),
        ("Identity", "out", ["drop_out"]),
    ]
    write(folder, "vgg.onnx", onnx_model(vgg, [
        onnx_tensor("w", [2, 1, 3, 3], ramp(18)), onnx_tensor("gamma", [2], [1.0, 0.5]), onnx_tensor("beta", [2], [0.1, -0.1]),
        onnx_tensor("mean", [2], [0.0, 0.2]), onnx_tensor("var", [2], [1.0, 2.0]),
        onnx_tensor("pads", [8], ints=[0, 0, 1, 1, 0, 0, 0, 0]), onnx_tensor("index", [], ints=[0]),
        onnx_tensor("axes", [1], ints=[0]), onnx_tensor("minus_one", [1], ints=[-1]),
        onnx_tensor("wfc", [8, 2], ramp(16))], [1, 1, 4, 4]))
    grouped = [
        ("Conv", "depthwise", ["x", "wd"], {"kernel_shape": [3, 3], "group": 3, "auto_pad": "SAME_LOWER"}),
        ("Conv", "grouped", ["depthwise_out", "wg"], {"kernel_shape": [1, 1], "group": 2}),
        ("Concat", "cat", ["depthwise_out", "grouped_out"], {"axis": 1}),
        ("GlobalAveragePool", "gap", ["cat_out"]),
        ("Squeeze", "squeeze", ["gap_out", "squeeze_axes"]),
    ]
    write(folder, "grouped.onnx", onnx_model(grouped, [
        onnx_tensor("wd", [6, 1, 3, 3], ramp(54)), onnx_tensor("wg", [2, 3, 1, 1], ramp(6)),
        onnx_tensor("squeeze_axes", [2], ints=[2, 3])], [1, 3, 5, 5], opset=13))


def idx(type_code, dims, values):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


def idx_seeds(out):
    folder = out / "idx"
    write(folder, "images_4x3x3.idx", idx(0x08, [4, 3, 3], range(0, 255, 7)[:36]))
    write(folder, "labels_4.idx", idx(0x08, [4], [0, 9, 3, 3]))
    write(folder, "labels_out_of_range.idx", idx(0x08, [2], [1, 200]))
    write(folder, "rank_2.idx", idx(0x08, [2, 3], range(6)))
    write(folder, "floats.idx", idx(0x0D, [1], [0, 0, 128, 63]))


def folder_listing_seeds(out):
    folder = out / "folder_listing"
    listing = {"root": "pets", "split_given": False, "classes": [
        {"name": "cat", "train": ["cat/a.png", "cat/b.jpg", "cat/c.png", "cat/d.png"]},
        {"name": "dog", "train": ["dog/a.png", "dog/b.png", "dog/c.gif"]}],
        "skipped": [{"file": "cat/notes.txt", "reason": "not an image"}, {"file": "dog/huge.png", "reason": "too large"}]}
    write(folder, "split_drawn.json", json.dumps(listing))
    listing["split_given"] = True
    listing["classes"][0]["validation"] = ["cat/v.png"]
    listing["classes"][1]["validation"] = ["dog/v.png", "dog/w.png"]
    listing["skipped"].append({"file": "dog/broken.jpg", "reason": "unreadable", "detail": "truncated"})
    write(folder, "split_given.json", json.dumps(listing))


def timeline_seeds(out):
    """The shipped timelines cut to their first one and two epochs and probes: every field, a few KB each."""
    folder = out / "timeline"
    for model in ("fashion-mnist", "fashion-mnist-shortcut"):
        timeline = json.loads((ROOT / "models" / model / "timeline.json").read_text())
        for keep in (1, 2):
            cut = dict(timeline, probes=timeline["probes"][:keep], epochs=[
                dict(epoch, probes=epoch["probes"][:keep]) for epoch in timeline["epochs"][:keep]])
            write(folder, f"{model}_{keep}.json", json.dumps(cut))


def audit_seeds(out):
    folder = out / "audit"
    images = []
    for i in range(6):
        label = i % 2
        values = [round(((x + y + i) % 5) / 4, 3) for y in range(4) for x in range(4)]
        cells = "".join("1" if (x >= 2) == (label == 1) else "0" for y in range(4) for x in range(4))
        images.append({"file": f"{['cat', 'dog'][label]}/{i}.png", "class": label, "predicted": (i // 2) % 2,
                       "matched": True, "probability": 0.5 + i / 20, "inside_share": i / 6, "coverage": 0.5,
                       "pointing_hit": i % 3 == 0, "map": {"width": 4, "height": 4, "values": values},
                       "object": {"width": 4, "height": 4, "cells": cells}})
    audit = {"version": 1, "kind": "audit", "model": "models/pets", "data": "pets", "method": "grad-cam",
             "layer": "conv4", "shard": {"index": 0, "count": 1}, "labels": ["cat", "dog"], "classes": [],
             "images": images, "skipped": [{"file": "cat/notes.txt", "reason": "not an image"}]}
    write(folder, "two_classes.json", json.dumps(audit))
    audit["shard"] = {"index": 1, "count": 2}
    write(folder, "second_of_two_shards.json", json.dumps(audit))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tests/fuzz/make_corpus.py OUT_DIR")
    out = Path(sys.argv[1])
    for make in (image_seeds, graph_model_seeds, layers_model_seeds, weights_seeds, metadata_seeds, onnx_seeds,
                 idx_seeds, folder_listing_seeds, timeline_seeds, audit_seeds):
        make(out)


if __name__ == "__main__":
    main()
