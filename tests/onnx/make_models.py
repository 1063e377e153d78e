#!/usr/bin/python3
"""Exports small seeded PyTorch CNNs to ONNX with the references camlens must reproduce.

    python3 tests/onnx/make_models.py OUT_DIR

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


# name -> (constructor, the module whose output Grad-CAM explains, the ONNX node computing that output)
MODELS = {
    "tiny_resnet": (TinyResNet, lambda m: m.block2, "/block2/Relu_1"),
    "tiny_vgg": (TinyVgg, lambda m: m.features[8], "/0/features/features.8/Relu"),
    "tiny_grouped": (TinyGrouped, lambda m: m.head, "/head/Conv"),
}
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
    torch.onnx.export(exported, x, str(path), opset_version=13, input_names=["input"], output_names=["output"])

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
    if len(sys.argv) != 2:
        print("usage: make_models.py OUT_DIR", file=sys.stderr)
        return 2
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(MODELS):
        export(name, out_dir, seed + 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
