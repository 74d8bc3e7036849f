"""The ONNX embedding backend: exported locally from the installed model (no network), agreeing
with torch, exported once and reused from its cache folder."""
from __future__ import annotations

import socket

import numpy as np
import pytest

from indexer import onnx_backend

pytestmark = pytest.mark.slow

MISSING = onnx_backend.missing_packages()
if MISSING:
    pytest.skip(f"the onnx embedding backend needs {', '.join(MISSING)} (pip install onnxruntime onnx): not installed",
                allow_module_level=True)

SENTENCES = [
    "Russia's defence minister said the armed forces would be forced to use similar weapons in response.",
    "The central bank raised interest rates by a quarter point on Wednesday.",
    "Binge eating is considered the most common feeding and eating disorder in the United States.",
    "A short line.",
    "Officials changed the name of the party's press office Twitter account during the televised debate, "
    "which critics called an attempt to deceive voters looking for independent fact-checking.",
]


@pytest.fixture(scope="module")
def model_path():
    from archive.config import DEFAULT_MODEL
    from indexer.embed import resolve_model
    return resolve_model(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def reference():
    from indexer.embed import Embedder
    return Embedder(backend="torch-fp32").encode(SENTENCES)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory, model_path):
    """Both variants exported once for the module, with the network shut off."""
    folder = tmp_path_factory.mktemp("onnx-cache")
    real_connect = socket.socket.connect

    def refuse(self, address):
        raise AssertionError(f"the export tried to reach the network: {address}")

    socket.socket.connect = refuse
    try:
        for variant in onnx_backend.VARIANTS:
            onnx_backend.load_onnx(model_path, variant, cache_dir=folder)
    finally:
        socket.socket.connect = real_connect
    return folder


def test_fp32_export_matches_torch(cache_dir, model_path, reference):
    encoder = onnx_backend.load_onnx(model_path, "fp32", cache_dir=cache_dir)
    vectors = encoder.encode(SENTENCES, batch_size=2, normalize_embeddings=True, convert_to_numpy=True,
                             show_progress_bar=False)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    assert encoder.get_embedding_dimension() == encoder.get_sentence_embedding_dimension() == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(vectors * reference, axis=1)) >= 0.999


def test_int8_agrees_with_torch(cache_dir, model_path, reference):
    encoder = onnx_backend.load_onnx(model_path, "int8", cache_dir=cache_dir)
    vectors = encoder.encode(SENTENCES, batch_size=8, normalize_embeddings=True)
    cosine = np.sum(vectors * reference, axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.97, cosine
    # A str gives one vector. Dynamic quantisation scales activations per batch, so a text
    # alone and the same text in a batch differ a little (int8 only; fp32 is exact).
    single = encoder.encode(SENTENCES[0], normalize_embeddings=True)
    assert single.shape == (384,) and float(single @ reference[0]) >= 0.97


def test_cache_folder_is_reused(cache_dir, model_path, monkeypatch):
    folder = onnx_backend.cache_folder(model_path, "int8", cache_dir)
    assert (folder / onnx_backend.MANIFEST).exists() and (folder / onnx_backend.MODEL_FILE).exists()
    before = (folder / onnx_backend.MODEL_FILE).stat().st_mtime_ns

    def no_export(*args, **kwargs):
        raise AssertionError("exported again instead of reusing the cache")

    monkeypatch.setattr(onnx_backend, "export", no_export)
    onnx_backend.load_onnx(model_path, "int8", cache_dir=cache_dir)
    assert (folder / onnx_backend.MODEL_FILE).stat().st_mtime_ns == before
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(
        onnx_backend.cache_folder(model_path, v, cache_dir).name for v in onnx_backend.VARIANTS)  # no leftovers


def test_embedder_selects_onnx_by_setting(cache_dir, monkeypatch, tmp_path):
    from archive.config import Settings
    from indexer.embed import Embedder, ModelError, make_encoder
    monkeypatch.setenv("NEWSARCHIVE_ONNX_CACHE", str(cache_dir))  # the onnx_cache setting
    embedder = make_encoder(Settings.load(tmp_path, embed_backend="onnx"))
    assert embedder.dimension == 384
    assert embedder.encode(SENTENCES[:2]).shape == (2, 384)
    assert embedder.cache_key.endswith("|onnx")  # cached vectors never mix with torch's
    with pytest.raises(ModelError, match="unknown embedding backend"):
        _ = Embedder(backend="tensorflow").model


QUESTIONS = [("threatened retaliation", "who threatened retaliation"),
             ("interest rates", "how much did the central bank raise interest rates?"),
             ("eating disorder", "what is the most common eating disorder in the United States")]


def test_query_backend_gives_torchs_query_vectors_and_tokens(cache_dir):
    """The query's model pass through the fp32 export: the dense vector and late interaction's
    content-token vectors as torch gives them (the passages stay torch's)."""
    from indexer.embed import Embedder
    torch_model = Embedder()
    onnx_queries = Embedder(query_backend="onnx-fp32", onnx_cache=cache_dir)
    assert onnx_queries.query_backend == "onnx-fp32" and onnx_queries.cache_key == torch_model.cache_key
    for dense_text, token_text in QUESTIONS:
        want_vector, want_tokens = torch_model.encode_query_and_tokens(dense_text, token_text)
        vector, tokens = onnx_queries.encode_query_and_tokens(dense_text, token_text)
        assert vector.dtype == np.float32 and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
        assert float(vector @ want_vector) >= 0.999
        assert tokens.shape == want_tokens.shape and tokens.shape[0] >= 2
        assert np.min(np.sum(tokens * want_tokens, axis=1)) >= 0.999
        assert float(onnx_queries.encode_query(dense_text) @ want_vector) >= 0.999
    assert onnx_queries.encoded == 0  # no passage went through the model: queries only


def test_a_query_without_a_question_word_runs_once_with_the_same_vectors(cache_dir):
    """query_and_tokens on one text (dense and tokens alike) gives what the batch of two gives."""
    from indexer.embed import Embedder
    model = Embedder(query_backend="onnx-fp32", onnx_cache=cache_dir).query_model
    text = "threatened retaliation"
    dense, hidden = model.query_and_tokens(text, text)
    (both_dense, both_hidden), mask = model._run([text, text], ("sentence_embedding", "token_embeddings"))
    assert np.allclose(dense, both_dense[0], atol=1e-5)
    assert hidden.shape == both_hidden[1][: int(mask[1].sum())].shape
    assert np.allclose(hidden, both_hidden[1][: int(mask[1].sum())], atol=1e-5)


def test_content_tokens_from_one_tokenizer_call_are_the_two_calls_rows(cache_dir):
    """query_and_content_tokens (one Rust tokenizer call feeding the model and the mask) keeps the
    very rows query_and_tokens and late.content_token_mask keep: accents, quotes, Cyrillic, special
    tokens' text, other scripts, a text past the model's length."""
    from indexer import late
    from indexer.embed import Embedder
    from indexer.question import topic_of
    model = Embedder(query_backend="onnx-fp32", onnx_cache=cache_dir).query_model
    texts = [q for _, q in QUESTIONS] + [
        "Qu'est-ce que l'économie? Café, naïve résumé — “quoted” «guillemets»", "Ёлка й Москва: что случилось?",
        "  who said it, with spaces around  ", "C++ / C# & .NET -- 3.14% of $1,000,000?!", "北京 東京 مرحبا",
        "[CLS] who said [SEP] the [MASK] thing", "why " + "retaliation threatened " * 200]
    for text in texts:
        dense, hidden = model.query_and_tokens(topic_of(text), text)
        want = hidden[late.content_token_mask(model.tokenizer, text, len(hidden))]
        found_dense, found = model.query_and_content_tokens(topic_of(text), text)
        assert np.array_equal(found_dense, dense) and np.array_equal(found, want), text
        assert 0 < len(found) < len(hidden)  # specials and stopwords left out


def test_query_backend_setting(cache_dir, monkeypatch, tmp_path):
    from archive.config import Settings
    from indexer.embed import Embedder, ModelError, make_encoder, query_backend
    assert query_backend("auto", "torch") == "onnx-fp32"  # the packages are installed (else skipped)
    assert query_backend("auto", "onnx-int8") == ""  # passages already through ONNX: the same model
    assert query_backend("", "torch") == ""
    monkeypatch.setenv("NEWSARCHIVE_ONNX_CACHE", str(cache_dir))
    assert make_encoder(Settings.load(tmp_path)).query_backend == "onnx-fp32"
    assert make_encoder(Settings.load(tmp_path, query_backend="")).query_backend == ""
    assert Embedder(backend="torch", query_backend="torch").query_backend == ""  # the passages' own model
    with pytest.raises(ModelError, match="unknown embedding backend"):
        Embedder(query_backend="tensorflow")
