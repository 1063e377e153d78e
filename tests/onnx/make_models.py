#!/usr/bin/python3
"""Exports small seeded PyTorch CNNs to ONNX with the references camlens must reproduce.

    python3 tests/onnx/make_models.py OUT_DIR [NAME ...]

For each model NAME it writes OUT_DIR/NAME.onnx, OUT_DIR/NAME.metadata.json (ImageNet's mean and
standard deviation, the whole 32 x 32 image), OUT_DIR/NAME.png (the seeded input image) and
OUT_DIR/NAME.reference.json with what PyTorch computes on that image: the logits, the target class
(the top logit), the Grad-CAM layer (its ONNX node name), the channel weights (mean gradient of the
target logit per channel) and the raw map sum_k w_k A_k at that layer (row-major, before ReLU), and
the saliency (the largest |gradient| over each pixel's channels). Exits with status 3 and a message
when PyTorch is not installed.
"""
import json
import struct
import sys
import zlib
from pathlib import Path

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("make_models.py: python3-torch is not installed (apt-get install python3-torch)", file=sys.stderr)
    sys.exit(3)


class ResidualBlock(nn.Module):
    def __init__(self, channels_in, channels_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or channels_in != channels_out:
            self.shortcut = nn.Sequential(nn.Conv2d(channels_in, channels_out, 1, stride, bias=False),
                                          nn.BatchNorm2d(channels_out))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


class TinyResNet(nn.Module):
    """ResNet's shape: a stem with max pooling, residual blocks with batch norm, global pooling, a linear head."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=False),
                                  nn.MaxPool2d(3, 2, 1))
        self.block1 = ResidualBlock(8, 8, 1)
        self.block2 = ResidualBlock(8, 16, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.block2(self.block1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class TinyVgg(nn.Module):
    """VGG's shape: conv-ReLU stacks, max pooling, batch norm that no conv absorbs, dropout, a flattened
    spatial map into linear layers (the weights' rows must follow the NHWC order)."""

    def __init__(self, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=False), nn.MaxPool2d(2, 2),
            nn.BatchNorm2d(8),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=False), nn.MaxPool2d(2, 2),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(inplace=False), nn.AvgPool2d(2, 2))
        self.classifier = nn.Sequential(nn.Linear(16 * 4 * 4, 32), nn.ReLU(inplace=False), nn.Dropout(0.5),
                                        nn.Linear(32, classes))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))


class TinyGrouped(nn.Module):
    """MobileNet's and ResNeXt's convolutions: depthwise (with a channel multiplier), grouped, dilated,
    ReLU6 as Clip(0, 6), a concatenation of branches."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 12, 3, stride=2, padding=1)
        self.depthwise = nn.Conv2d(12, 24, 3, padding=1, groups=12)
        self.grouped = nn.Conv2d(24, 12, 3, padding=2, dilation=2, groups=3)
        self.pointwise = nn.Conv2d(24, 8, 1)
        self.head = nn.Conv2d(20, 16, 3, padding=1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = F.relu6(self.stem(x))
        x = F.relu6(self.depthwise(x))
        x = torch.cat([F.relu(self.grouped(x)), F.relu(self.pointwise(x))], dim=1)
        x = F.relu(self.head(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class SqueezeExcite(nn.Module):
    """MobileNetV3's squeeze-and-excitation: pooled channels through two 1x1 convolutions scale the map."""

    def __init__(self, channels, squeezed, gate):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.fc2 = nn.Conv2d(squeezed, channels, 1)
        self.gate = gate

    def forward(self, x):
        scale = self.gate(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
        return scale * x


class TinyMobileNetV3(nn.Module):
    """MobileNetV3's shape: HardSwish, a depthwise block with squeeze-and-excitation gated by HardSigmoid,
    a residual add, a HardSwish classifier with dropout."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.Hardswish())
        self.expand = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.depthwise = nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.se = SqueezeExcite(16, 8, nn.Hardsigmoid())
        self.project = nn.Sequential(nn.Conv2d(16, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.head = nn.Sequential(nn.Conv2d(8, 24, 1, bias=False), nn.BatchNorm2d(24))
        self.cam = nn.Hardswish()
        self.classifier = nn.Sequential(nn.Linear(24, 32), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(32, classes))

    def forward(self, x):
        x = self.stem(x)
        x = x + self.project(self.se(self.depthwise(self.expand(x))))
        x = self.cam(self.head(x))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class SiLUGate(nn.Module):
    """EfficientNet's squeeze-and-excitation on vectors: Linear layers, a sigmoid gate viewed back as [N, C, 1, 1]."""

    def __init__(self, channels, squeezed):
        super().__init__()
        self.fc1 = nn.Linear(channels, squeezed)
        self.fc2 = nn.Linear(squeezed, channels)

    def forward(self, x):
        s = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        s = torch.sigmoid(self.fc2(F.silu(self.fc1(s))))
        return x * s.view(s.size(0), -1, 1, 1)


class TinyEfficientNet(nn.Module):
    """EfficientNet's shape: SiLU (exported as x * sigmoid(x)), a depthwise block with a sigmoid-gated
    squeeze-and-excitation, input arithmetic (subtract and divide by constants), LeakyReLU."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.SiLU())
        self.depthwise = nn.Sequential(nn.Conv2d(8, 8, 3, 1, 1, groups=8, bias=False), nn.BatchNorm2d(8), nn.SiLU())
        self.se = SiLUGate(8, 4)
        self.head = nn.Sequential(nn.Conv2d(8, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.SiLU())
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.stem((x - 0.25) / 1.5)
        x = self.se(self.depthwise(x))
        x = F.leaky_relu(x, 0.1) - 0.5 * x
        x = self.head(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class DenseLayer(nn.Module):
    def __init__(self, channels_in, growth):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels_in)
        self.conv = nn.Conv2d(channels_in, growth, 3, 1, 1, bias=False)

    def forward(self, features):
        return torch.cat([features, self.conv(F.relu(self.bn(features)))], 1)


class TinyDenseNet(nn.Module):
    """DenseNet's shape: BN-ReLU-conv layers whose outputs are concatenated to their inputs, a transition
    with 2x2 average pooling, a final batch norm and ReLU before global pooling."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.block1 = nn.Sequential(DenseLayer(8, 4), DenseLayer(12, 4))
        self.transition = nn.Sequential(nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 8, 1, bias=False), nn.AvgPool2d(2, 2))
        self.block2 = nn.Sequential(DenseLayer(8, 4), DenseLayer(12, 4))
        self.norm = nn.BatchNorm2d(16)
        self.cam = nn.ReLU()
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        x = self.block2(self.transition(self.block1(self.stem(x))))
        x = self.cam(self.norm(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class InceptionBlock(nn.Module):
    """GoogLeNet's block: 1x1, 3x3 and 5x5 branches and a ceil_mode max-pool branch, concatenated."""

    def __init__(self, channels_in):
        super().__init__()
        self.branch1 = nn.Conv2d(channels_in, 4, 1)
        self.branch2 = nn.Sequential(nn.Conv2d(channels_in, 4, 1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1))
        self.branch3 = nn.Sequential(nn.Conv2d(channels_in, 2, 1), nn.ReLU(), nn.Conv2d(2, 4, 5, padding=2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), nn.Conv2d(channels_in, 4, 1))

    def forward(self, x):
        return torch.cat([F.relu(self.branch1(x)), F.relu(self.branch2(x)), F.relu(self.branch3(x)),
                          F.relu(self.branch4(x))], 1)


class TinyInception(nn.Module):
    """GoogLeNet's shape: a ceil_mode max pool, inception blocks, an average pool that counts its
    padding (count_include_pad) and rounds up (ceil_mode), LeakyReLU."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1), nn.LeakyReLU(0.2), nn.MaxPool2d(3, 2, ceil_mode=True))
        self.mixed1 = InceptionBlock(8)
        self.pool = nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=True)
        self.mixed2 = InceptionBlock(18)
        self.fc = nn.Linear(18, classes)

    def forward(self, x):
        x = self.mixed2(self.pool(self.mixed1(self.stem(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# name -> (constructor, the module whose output Grad-CAM explains, the ONNX node computing that output)
MODELS = {
    "tiny_resnet": (TinyResNet, lambda m: m.block2, "/block2/Relu_1"),
    "tiny_vgg": (TinyVgg, lambda m: m.features[8], "/0/features/features.8/Relu"),
    "tiny_grouped": (TinyGrouped, lambda m: m.head, "/head/Conv"),
    "tiny_mobilenet_v3": (TinyMobileNetV3, lambda m: m.cam, "/cam/HardSwish"),
    "tiny_efficientnet": (TinyEfficientNet, lambda m: m.head, "/head/head.2/Mul"),
    "tiny_densenet": (TinyDenseNet, lambda m: m.cam, "/cam/Relu"),
    "tiny_inception": (TinyInception, lambda m: m.mixed2, "/mixed2/Concat"),
}
# HardSwish is an ONNX op from opset 14 on; older opsets spell it out.
OPSETS = {"tiny_mobilenet_v3": 14}
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
# Models exported with a Softmax after their logits, as classifiers often are.
WITH_SOFTMAX = {"tiny_vgg"}


def randomise_batch_norm(model, generator):
    # Fresh batch norms are identities; random statistics make the test see whether they are applied.
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            with torch.no_grad():
                module.running_mean.copy_(torch.randn(module.num_features, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(module.num_features, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(module.num_features, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(module.num_features, generator=generator) * 0.1)


def write_png(path, pixels):
    """pixels: a uint8 tensor [H, W, 3]."""
    height, width, _ = pixels.shape
    rows = b"".join(b"\x00" + bytes(pixels[y].flatten().tolist()) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def export(name, out_dir, seed):
    torch.manual_seed(seed)
    constructor, cam_module, cam_node = MODELS[name]
    model = constructor()
    generator = torch.Generator().manual_seed(seed)
    randomise_batch_norm(model, generator)
    model.eval()
    # export() leaves every submodule in its root's mode: the root must be in eval() too.
    exported = (nn.Sequential(model, nn.Softmax(dim=1)) if name in WITH_SOFTMAX else model).eval()
    pixels = torch.randint(0, 256, (32, 32, 3), generator=generator, dtype=torch.uint8)
    write_png(out_dir / f"{name}.png", pixels)
    metadata = {"input": {"height": 32, "width": 32, "color": "rgb"}, "scaling": {"mean": MEAN, "std": STD}, "crop": "full"}
    (out_dir / f"{name}.metadata.json").write_text(json.dumps(metadata))
    # What camlens feeds the model: (v / 255 - mean) / std, in float32 as it computes.
    x = (pixels.permute(2, 0, 1).float() / 255 - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]
    x = x[None]
    path = out_dir / f"{name}.onnx"
    torch.onnx.export(exported, x, str(path), opset_version=OPSETS.get(name, 13), input_names=["input"], output_names=["output"])

    kept = {}
    cam_module(model).register_forward_hook(lambda _m, _i, output: kept.__setitem__("activation", output))
    x_grad = x.clone().requires_grad_(True)
    logits = model(x_grad)
    target = int(torch.argmax(logits[0]))
    activation = kept["activation"]
    gradient, saliency = torch.autograd.grad(logits[0, target], [activation, x_grad])
    weights = gradient[0].mean(dim=(1, 2))
    cam = (weights[:, None, None] * activation[0]).sum(dim=0)
    reference = {
        "logits": logits[0].tolist(),
        "target": target,
        "cam_layer": cam_node,
        "channel_weights": weights.tolist(),
        "cam_raw": cam.detach().flatten().tolist(),
        "saliency": saliency[0].abs().amax(dim=0).flatten().tolist(),
    }
    (out_dir / f"{name}.reference.json").write_text(json.dumps(reference))


def main():
    unknown = [name for name in sys.argv[2:] if name not in MODELS]
    if len(sys.argv) < 2 or unknown:
        print(f"usage: make_models.py OUT_DIR [NAME ...], NAME one of {', '.join(MODELS)}", file=sys.stderr)
        return 2
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(MODELS):
        if len(sys.argv) == 2 or name in sys.argv[2:]:
            export(name, out_dir, seed + 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
