"""The first-start wizard: settings, then a product list previewed and imported off the GUI
thread."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWizard
from sqlalchemy import func, select

from app import formatting
from app import settings as shop_settings
from db.models import Product
from tests.importing.conftest import dump, write_csv, write_xlsx
from ui.dialogs.setup_wizard import SetupWizard, run_setup_wizard

pytestmark = pytest.mark.gui


def click(qtbot, wizard, which):
    button = wizard.button(which)
    assert button.isEnabled(), f"{which} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_new_shop_is_set_up_and_its_products_imported(qtbot, db, files, tmp_path):
    wizard = SetupWizard(db)
    qtbot.addWidget(wizard)
    wizard.show()
    assert shop_settings.shop_is_new(db)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # a shop needs a name
    qtbot.keyClicks(wizard.shop_page.fields["shop_name"].editor, "Eisenwaren ")
    wizard.shop_page.fields["shop_name"].editor.insert("Müller")  # QTest types ASCII only
    address = wizard.shop_page.fields["shop_address"].editor
    qtbot.keyClicks(address, "Hauptstr. 1")
    qtbot.keyClick(address, Qt.Key.Key_Return)
    qtbot.keyClicks(address, "10115 Berlin")
    click(qtbot, wizard, QWizard.WizardButton.NextButton)

    money = wizard.money_page
    assert wizard.currentPage() is money
    money.fields["currency"].editor.setCurrentText("chf")
    money.fields["default_tax_rate"].editor.clear()
    qtbot.keyClicks(money.fields["default_tax_rate"].editor, "8.1")
    money.fields["fulfilment_mode"].editor.setCurrentIndex(1)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    with db.read() as s:
        settings = shop_settings.load(s)
    assert (settings.shop_name, settings.shop_address, settings.currency) == (
        "Eisenwaren Müller", "Hauptstr. 1\n10115 Berlin", "CHF")
    assert (settings.default_tax_rate, settings.fulfilment_mode) == (Decimal("8.10"), "reserve")

    page = wizard.import_page
    assert wizard.currentPage() is page
    bad = write_csv(files / "bad.csv", [["SKU", "Name", "Price"], ["A-1", "Hammer", "12,50"],
                                        ["A-1", "Hammer", "zwölf"]], delimiter=";",
                    encoding="cp1252")
    page.path.setText(str(bad))
    before = dump(db)
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.plan is not None and not page.busy, timeout=10_000)
    model = page.table.model()
    assert model.rowCount() == 2
    assert [model.index(1, c).data() for c in (0, 1)] == ["3", "problem"]
    assert model.index(1, model.columnCount() - 1).data() == (
        "Price must be a number, not 'zwölf'. SKU 'A-1' is also on row 2; each may appear once.")
    assert "2 problems" in page.summary.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert dump(db) == before
    assert wizard.grab().save(str(tmp_path / "wizard-problems.png"))

    good = write_xlsx(files / "products.xlsx", [
        ["Item code", "Description", "Sales price", "VAT", "Barcode"],
        ["A-1", "Hammer", 12.5, "standard", 4006381333931],
        ["A-2", "Nägel", 0.99, None, None],
    ])
    page.path.setText(str(good))
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.plan is not None and not page.busy, timeout=10_000)
    assert page.plan.ok and page.table.model().rowCount() == 2
    assert page.table.model().headers[4] == "Price"
    assert page.table.model().index(1, 4).data() == formatting.money(Decimal("0.99"), "CHF")
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.done_page, timeout=10_000)
    assert "Imported products from products.xlsx: 2 new, 0 updated." in \
        wizard.done_page.text.text()
    assert wizard.grab().save(str(tmp_path / "wizard-done.png"))
    with db.read() as s:
        assert s.scalar(select(func.count(Product.id))) == 2
        assert s.scalar(select(Product.tax_rate).where(Product.sku == "A-2")) == Decimal("8.10")
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert not shop_settings.shop_is_new(db)


def test_no_file_skips_the_import_and_cancel_returns_false(qtbot, db):
    wizard = SetupWizard(db)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.shop_page.fields["shop_name"].editor, "Shop")
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.import_page
    click(qtbot, wizard, QWizard.WizardButton.NextButton)  # no file: nothing to import
    assert wizard.currentPage() is wizard.done_page
    assert wizard.import_page.result is None

    def cancel() -> None:
        active = QApplication.activeModalWidget()
        assert isinstance(active, SetupWizard)
        active.reject()

    QTimer.singleShot(0, cancel)
    assert run_setup_wizard(None, db) is False
