"""Embedding with the model exported from PyTorch: ONNX Runtime or OpenVINO, fp32 or int8.

Exported here, once, with no network: the sentence-transformers model's transformer goes
through `torch.onnx.export`; int8 is ONNX Runtime's dynamic quantization (weights int8,
activations quantized per batch) or, for OpenVINO, NNCF's int8 weight compression. Both need no
calibration data. At run time nothing but the runtime, the fast tokenizer (`tokenizers`) and
numpy is used, and pooling and normalisation follow the model's own sentence-transformers
config, so vectors match PyTorch's (cosine >= 0.999 for fp32, tested).

OpenVINO (the default on a CPU) comes with the default install; ONNX Runtime and NNCF (for
openvino-int8) with the `fast` extra: `pip install '.[fast]'`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.embedding import INPUTS, padded

# Exported models, one folder per model, shared by every index of this user: made once.
EXPORTS = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag-news" / "models"
FILES = {"onnx": "model.onnx", "onnx-int8": "model-int8.onnx",
         "openvino": "openvino.xml", "openvino-int8": "openvino-int8.xml"}


class ExportedModel:
    """A sentence-transformers model run by ONNX Runtime or OpenVINO on the CPU."""

    def __init__(self, model: str, model_path: str, backend: str, exports: Path):
        self.folder = export(model, model_path, exports)
        file = self.folder / FILES[backend]
        if not file.exists():
            _quantize(self.folder, backend)
        config = json.loads((self.folder / "sentence.json").read_text())
        self.pooling, self.normalize = config["pooling"], config["normalize"]
        if self.pooling not in ("mean", "cls"):
            raise ValueError(f"{self.folder}: pooling {self.pooling!r} is not supported by the "
                             "exported backends; use --embed-backend torch")
        self.dim = int(config["dim"])
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(config["max_seq_length"]))
        self.tokenizer.no_padding()
        self._run = _onnxruntime(file) if backend.startswith("onnx") else _openvino(file)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths pad less
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), batch_size):
            idx = order[i:i + batch_size]
            enc = self.tokenizer.encode_batch([texts[j] for j in idx])
            out[idx] = self.embed(padded([e.ids for e in enc], [e.type_ids for e in enc]))
        return out

    def embed(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """Unit vectors (if the model normalises) of texts tokenized and padded."""
        hidden = self._run(feed)
        if self.pooling == "cls":
            vecs = hidden[:, 0]
        else:
            mask = feed["attention_mask"][..., None].astype(np.float32)
            vecs = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        if self.normalize:
            vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs.astype(np.float32)


def export(model: str, model_path: str, exports: Path) -> Path:
    """The ONNX export of `model` (read from `model_path`) with its tokenizer and pooling,
    made once under `exports` (in a temporary folder renamed into place, so a killed export
    leaves nothing half made)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_")
    folder = exports / slug
    if (folder / "sentence.json").exists():
        return folder
    print(f"rag: exporting {model} to ONNX once, into {folder}", file=sys.stderr, flush=True)
    tmp = exports / f".{slug}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging

    logging.disable_progress_bar()
    st = SentenceTransformer(model_path, device="cpu")
    transformer = st[0].auto_model.eval()
    names = [n for n in INPUTS if n in st.tokenizer.model_input_names]
    sample = st.tokenizer(["an example", "another, longer example"], padding=True,
                          return_tensors="pt")
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's notes on traced shapes
        torch.onnx.export(
            _Hidden(transformer, names), tuple(sample[n] for n in names),
            str(tmp / FILES["onnx"]), input_names=names, output_names=["hidden"],
            dynamic_axes={**axes, "hidden": {0: "batch", 1: "tokens"}}, opset_version=17,
            dynamo=False)
    st.tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
    pooling = next((m for m in st if type(m).__name__ == "Pooling"), None)
    (tmp / "sentence.json").write_text(json.dumps({
        "dim": st.get_embedding_dimension(), "max_seq_length": st.max_seq_length,
        "pooling": pooling.get_config_dict().get("pooling_mode", "mean") if pooling else "mean",
        "normalize": any(type(m).__name__ == "Normalize" for m in st)}))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder


class _Hidden:
    """The transformer as a function of its inputs, returning the last hidden state."""

    def __new__(cls, transformer, names: list[str]):
        import torch

        class Hidden(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(self, *inputs):
                return self.transformer(**dict(zip(names, inputs, strict=True)))[0]

        return Hidden()


def _quantize(folder: Path, backend: str) -> None:
    """The other files of FILES, made from the fp32 export."""
    source, target = folder / FILES["onnx"], folder / FILES[backend]
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    if backend == "onnx-int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, target)
        return
    import openvino as ov

    model = ov.Core().read_model(str(source))
    if backend == "openvino-int8":
        import nncf

        model = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    ov.save_model(model, str(tmp.with_suffix(".xml")))
    os.replace(tmp.with_suffix(".bin"), target.with_suffix(".bin"))
    os.replace(tmp.with_suffix(".xml"), target)


def _onnxruntime(file: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = os.cpu_count() or 1
    session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    return lambda feed: session.run(None, {k: v for k, v in feed.items() if k in wanted})[0]


def _openvino(file: Path):
    import openvino as ov

    compiled = ov.Core().compile_model(str(file), "CPU")
    wanted = {i.get_any_name() for i in compiled.inputs}
    local = threading.local()  # an infer request serves one call at a time: one per thread

    def run(feed: dict[str, np.ndarray]) -> np.ndarray:
        request = getattr(local, "request", None)
        if request is None:
            request = local.request = compiled.create_infer_request()
        result = request.infer({k: v for k, v in feed.items() if k in wanted})
        return np.asarray(next(iter(result.values())))

    return run
