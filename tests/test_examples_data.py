"""The bundled data are the real files their manifest describes (sha256), each with an attribution."""

import csv
import hashlib

from tests.conftest import EXAMPLES


def test_manifest_hashes_match():
    with (EXAMPLES / "MANIFEST.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 40
    for row in rows:
        data = (EXAMPLES / row["path"]).read_bytes()
        assert len(data) == int(row["bytes"]), row["path"]
        assert hashlib.sha256(data).hexdigest() == row["sha256"], row["path"]


def test_every_folder_is_attributed():
    readme = (EXAMPLES / "README.md").read_text()
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        assert f"`{folder.name}/" in readme, folder.name


def test_repository_data_stays_small():
    total = sum(p.stat().st_size for p in EXAMPLES.rglob("*") if p.is_file())
    assert total < 30 * 1024 * 1024
