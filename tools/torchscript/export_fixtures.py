#!/usr/bin/python3
"""Exports a small PyTorch model with the avfuse contract as TorchScript and ONNX model directories.

Run by the Maven build (flink-jobs, generate-test-resources) with Debian's python3-torch:

    /usr/bin/python3 tools/torchscript/export_fixtures.py flink-jobs/target/exported-models

It writes four model directories, each a drop-in for ModelDirectory.load (manifest.json,
tokenizer.json and the model files):

    torchscript-whole/  model.pt                                 runtime TORCHSCRIPT
    torchscript-parts/  video.pt audio.pt text.pt metadata.pt head.pt
    onnx-whole/         model.onnx                               runtime ONNX
    onnx-parts/         video.onnx ... head.onnx

and io.json: fixed inputs and the outputs Python computes for them, which the Java tests compare
with what DJL computes from the exported files.

The contract (FusionModel's): inputs frames (B,K,3,H,W) float, frame mask (B,K), log-mel
(B,1,M,T), token ids (B,L) int32, metadata (B,F), presence (B,4); outputs logits (B,C), the fused
embedding, then the video, audio, text and metadata embeddings, each (B,E) and L2-normalised.
Per-part files: video (frames, mask) -> (B,E); audio (log-mel) -> (B,E); text (tokens) -> (B,E);
metadata (metadata) -> (B,E); head (v, a, t, m, presence) -> logits. The fused embedding of a
per-part model is computed by the Java side, as for built-in models.
"""

import hashlib
import json
import os
import sys
import warnings

try:
    import torch
    from torch import nn
except ImportError as e:  # the build's one prerequisite outside Maven
    sys.exit(
        "export_fixtures.py needs PyTorch for /usr/bin/python3 (%s): install Debian's package, "
        "apt-get install --no-install-recommends python3-torch" % e
    )

# The manifest of the exported fixtures; the shapes below follow from it as in ModelManifest.
LABELS = ["calm", "goal", "foul"]
EMBEDDING = 16
FRAMES, HEIGHT, WIDTH = 4, 16, 16
AUDIO = {"sampleRate": 16000, "nFft": 400, "hop": 160, "nMels": 64, "fMin": 0.0, "fMax": 8000.0}
WINDOW_US = 1_000_000
MAX_TOKENS = 8
FEATURES = ["speed"]
WORDS = ["[PAD]", "[UNK]", "goal", "foul", "calm", "crowd", "referee", "the", "a", "shot",
         "whistle", "card", "red", "yellow", "corner", "kick"]
AUDIO_FRAMES = (WINDOW_US * AUDIO["sampleRate"] // 1_000_000) // AUDIO["hop"] + 1
METADATA = max(2, 2 * len(FEATURES))


def l2(x: torch.Tensor) -> torch.Tensor:
    # Same epsilon as FusionModel's fused embedding.
    return x / torch.sqrt((x * x).sum(dim=1, keepdim=True) + 1e-12)


class Video(nn.Module):
    def __init__(self, e: int):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.proj = nn.Linear(8, e)

    def forward(self, frames: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv(frames.flatten(0, 1))).mean(dim=[2, 3])
        x = x.reshape(frames.shape[0], frames.shape[1], -1)
        w = mask.unsqueeze(-1)
        x = (x * w).sum(dim=1) / w.sum(dim=1).clamp(min=1.0)
        return l2(self.proj(x))


class Audio(nn.Module):
    def __init__(self, e: int):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, stride=2, padding=1)
        self.proj = nn.Linear(8, e)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return l2(self.proj(torch.relu(self.conv(mel)).mean(dim=[2, 3])))


class Text(nn.Module):
    def __init__(self, vocabulary: int, e: int):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, 12)
        self.proj = nn.Linear(12, e)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens != 0).to(torch.float32).unsqueeze(-1)
        x = (self.embed(tokens.long()) * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return l2(self.proj(x))


class Metadata(nn.Module):
    def __init__(self, features: int, e: int):
        super().__init__()
        self.hidden = nn.Linear(features, 12)
        self.proj = nn.Linear(12, e)

    def forward(self, metadata: torch.Tensor) -> torch.Tensor:
        return l2(self.proj(torch.tanh(self.hidden(metadata))))


class Head(nn.Module):
    """Late fusion; a missing modality's embedding is zeroed, so it has no influence."""

    def __init__(self, e: int, classes: int):
        super().__init__()
        self.hidden = nn.Linear(4 * e, 24)
        self.out = nn.Linear(24, classes)

    def forward(self, v: torch.Tensor, a: torch.Tensor, t: torch.Tensor, m: torch.Tensor,
                presence: torch.Tensor) -> torch.Tensor:
        x = torch.cat([v, a, t, m], dim=1) * presence.repeat_interleave(v.shape[1], dim=1)
        return self.out(torch.relu(self.hidden(x)))


def fuse(presence: torch.Tensor, v: torch.Tensor, a: torch.Tensor, t: torch.Tensor,
         m: torch.Tensor) -> torch.Tensor:
    # As FusionModel: the normalised sum of the present modalities' embeddings.
    total = torch.zeros_like(v)
    for i, x in enumerate([v, a, t, m]):
        total = total + torch.where(presence[:, i:i + 1] > 0, x, torch.zeros_like(x))
    return l2(total)


class Whole(nn.Module):
    def __init__(self):
        super().__init__()
        self.video = Video(EMBEDDING)
        self.audio = Audio(EMBEDDING)
        self.text = Text(len(WORDS), EMBEDDING)
        self.metadata = Metadata(METADATA, EMBEDDING)
        self.head = Head(EMBEDDING, len(LABELS))

    def forward(self, frames: torch.Tensor, mask: torch.Tensor, mel: torch.Tensor,
                tokens: torch.Tensor, metadata: torch.Tensor, presence: torch.Tensor):
        v = self.video(frames, mask)
        a = self.audio(mel)
        t = self.text(tokens)
        m = self.metadata(metadata)
        logits = self.head(v, a, t, m, presence)
        return logits, fuse(presence, v, a, t, m), v, a, t, m


INPUT_NAMES = ["frames", "frame_mask", "log_mel", "tokens", "metadata", "presence"]
OUTPUT_NAMES = ["logits", "fused", "video", "audio", "text", "metadata_embedding"]


def fixed_inputs(batch: int = 3):
    g = torch.Generator().manual_seed(7)
    frames = torch.rand(batch, FRAMES, 3, HEIGHT, WIDTH, generator=g)
    mask = torch.ones(batch, FRAMES)
    mask[1, 2:] = 0  # a window with two frames
    mask[2, :] = 0   # and one without video
    frames = frames * mask[:, :, None, None, None]
    mel = torch.randn(batch, 1, AUDIO["nMels"], AUDIO_FRAMES, generator=g)
    tokens = torch.randint(2, len(WORDS), (batch, MAX_TOKENS), generator=g, dtype=torch.int32)
    tokens[0, 5:] = 0  # padding
    tokens[1, :] = 0   # no text
    metadata = torch.randn(batch, METADATA, generator=g)
    presence = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    return (frames, mask, mel, tokens, metadata, presence)


def tensor_json(name, x):
    dtype = {torch.float32: "float32", torch.int32: "int32"}[x.dtype]
    return {"name": name, "dtype": dtype, "shape": list(x.shape),
            "data": x.flatten().tolist()}


def manifest(runtime, files):
    return {
        "architecture": "avfuse-fusion-v1",
        "version": "exported-" + runtime.lower() + "-1",
        "labels": LABELS,
        "modalities": ["video", "audio", "text", "metadata"],
        "embedding": EMBEDDING,
        "fusion": None,
        "frames": FRAMES, "height": HEIGHT, "width": WIDTH,
        "audio": AUDIO,
        "maxTokens": MAX_TOKENS,
        "vocabulary": len(WORDS),
        "features": FEATURES,
        "featureClip": 100.0,
        "windowUs": WINDOW_US,
        "runtime": runtime,
        "files": files,
    }


def tokenizer():
    """A tokenizer.json in the format WordVocabulary writes (WordLevel, lower-case, whitespace)."""
    special = [{"id": i, "content": WORDS[i], "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True} for i in range(2)]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
        "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": {w: i for i, w in enumerate(WORDS)},
                  "unk_token": "[UNK]"},
    }


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)


def model_dir(out, name, runtime, files):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "manifest.json"), manifest(runtime, files))
    write_json(os.path.join(d, "tokenizer.json"), tokenizer())
    return d


def onnx(module, args, path, inputs, outputs):
    # Only the batch axis varies; the others are fixed by the manifest.
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs,
                      dynamic_axes={n: {0: "batch"} for n in inputs + outputs},
                      opset_version=13, do_constant_folding=True)


def main(out):
    # torch 1.13's exporter warns about prim::Constant shape inference on every scripted loop; the
    # shapes are checked by the Java tests instead.
    warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
    script = open(__file__, "rb").read()
    stamp = os.path.join(out, ".stamp")
    digest = hashlib.sha256(script + torch.__version__.encode()).hexdigest()
    if os.path.exists(stamp) and open(stamp).read() == digest:
        print("exported models in %s are up to date" % out)
        return
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(11)
    model = Whole().eval()
    x = fixed_inputs()
    with torch.no_grad():
        y = model(*x)
        v, a, t, m = y[2:]
        parts = {
            "video": (model.video, (x[0], x[1]), ["frames", "frame_mask"]),
            "audio": (model.audio, (x[2],), ["log_mel"]),
            "text": (model.text, (x[3],), ["tokens"]),
            "metadata": (model.metadata, (x[4],), ["metadata"]),
            "head": (model.head, (v, a, t, m, x[5]), ["v", "a", "t", "m", "presence"]),
        }

        d = model_dir(out, "torchscript-whole", "TORCHSCRIPT", {"model": "model.pt"})
        torch.jit.script(model).save(os.path.join(d, "model.pt"))
        d = model_dir(out, "torchscript-parts", "TORCHSCRIPT",
                      {p: p + ".pt" for p in parts})
        for p, (module, _, _) in parts.items():
            torch.jit.script(module).save(os.path.join(d, p + ".pt"))

        d = model_dir(out, "onnx-whole", "ONNX", {"model": "model.onnx"})
        onnx(model, x, os.path.join(d, "model.onnx"), INPUT_NAMES, OUTPUT_NAMES)
        d = model_dir(out, "onnx-parts", "ONNX", {p: p + ".onnx" for p in parts})
        for p, (module, args, names) in parts.items():
            onnx(module, args, os.path.join(d, p + ".onnx"), names,
                 ["logits" if p == "head" else "embedding"])

    write_json(os.path.join(out, "io.json"), {
        "torch": torch.__version__,
        "inputs": [tensor_json(n, t) for n, t in zip(INPUT_NAMES, x)],
        "outputs": [tensor_json(n, t) for n, t in zip(OUTPUT_NAMES, y)],
    })
    with open(stamp, "w") as f:
        f.write(digest)
    print("exported TorchScript and ONNX models (torch %s) to %s" % (torch.__version__, out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: export_fixtures.py OUTPUT_DIR")
    main(sys.argv[1])
