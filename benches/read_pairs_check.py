#!/usr/bin/env python
"""Cost of the JSON-type check in ``prefs.read_pairs`` (issue 17): a text column must not hold
a JSON number / boolean / list / object that polars coerced into text.

    .venv/bin/python benches/read_pairs_check.py            # 200,000 rows (about 100 MB)
    .venv/bin/python benches/read_pairs_check.py --rows 50000 --repeat 5

Times, best of ``--repeat``, in one run on the same file:

- ``polars read_ndjson``: the parse alone (the floor);
- ``read_pairs``: the whole reader (parse, type check, prompt split, content ids);
- ``check (now)``: ``_check_text_columns`` as shipped (one Rust byte scan + a column statistic);
- ``check (per-column scan)``: the previous check, one ``bytes.count`` per text column, kept
  here as the reference the new one replaced.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import tempfile
import time

import polars as pl
from pluralign import prefs
from pluralign.prefs import _io


def per_column_scan(df: pl.DataFrame, data: bytes) -> bool:
    """The earlier fast path: per text column, count `"name": "` and compare with its values."""
    head = data[: data.find(b"\n") if b"\n" in data[: 1 << 16] else 1 << 16]
    for name, dtype in df.schema.items():
        if dtype != pl.String:
            continue
        keys = {json.dumps(name, ensure_ascii=False).encode("utf-8"), json.dumps(name).encode()}
        col = df.get_column(name)
        texts = col.len() - col.null_count()
        seps = [sep for sep in (b": ", b":") if any(k + sep + b'"' in head for k in keys)][:1]
        if not (seps and sum(data.count(k + seps[0] + b'"') for k in keys) == texts):
            return False
    return True


def best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    rng = random.Random(0)
    words = [
        "the",
        "a",
        "model",
        "answer",
        "helpful",
        "harmless",
        "honest",
        "user",
        "assistant",
        "question",
        "please",
        "explain",
        "why",
        "how",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pairs.jsonl")
        with open(path, "w") as f:
            f.writelines(
                json.dumps(
                    {
                        "prompt": " ".join(rng.choices(words, k=12)),
                        "chosen": " ".join(rng.choices(words, k=30)),
                        "rejected": " ".join(rng.choices(words, k=30)),
                    }
                )
                + "\n"
                for _ in range(a.rows)
            )
        with open(path, "rb") as f:
            data = f.read()
        df = pl.read_ndjson(io.BytesIO(data))
        assert per_column_scan(df, data)
        rows = [
            ("polars read_ndjson", best(lambda: pl.read_ndjson(io.BytesIO(data)), a.repeat)),
            ("read_pairs", best(lambda: prefs.read_pairs(path), a.repeat)),
            ("check (now)", best(lambda: _io._check_text_columns(df, data, path, "x"), a.repeat)),
            ("check (per-column scan)", best(lambda: per_column_scan(df, data), a.repeat)),
        ]
    print(
        f"{a.rows} rows, {len(data) / 1e6:.1f} MB, best of {a.repeat}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print("| step | seconds |\n| --- | ---: |")
    for name, t in rows:
        print(f"| {name} | {t:.4f} |")


if __name__ == "__main__":
    main()
