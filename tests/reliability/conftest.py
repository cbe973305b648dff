"""Fixtures of the reliability tests: a shop with products and customers, as a file to copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app import services
from db.session import Database

SKUS = ("P1", "P2", "P3", "P4", "P5")


@pytest.fixture(scope="session")
def stocked_template(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five products without stock, two customers (what the child batches expect)."""
    path = tmp_path_factory.mktemp("stocked") / "base.sqlite"
    shutil.copyfile(template_db, path)
    database = Database("sqlite:///" + str(path))
    for n, sku in enumerate(SKUS, start=1):
        services.add_product(database, sku, f"Product {n}", "9.90")
    services.add_customer(database, "C1", "Customer one")
    services.add_customer(database, "C2", "Customer two")
    database.dispose()
    return path
