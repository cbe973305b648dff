"""The settings dialog and the amount field, driven like a user would (pytest-qt, offscreen)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app import formatting
from app import settings as shop_settings
from ui.dialogs.settings_dialog import SettingsDialog, open_settings
from ui.widgets.amount_edit import AmountEdit

pytestmark = pytest.mark.gui


def load(db):
    with db.read() as s:
        return shop_settings.load(s)


@pytest.mark.parametrize(
    ("locale", "typed", "value"),
    [("de_DE", "1.234,50", "1234.50"), ("de_DE", "12,5", "12.5"), ("en_US", "1,234.50", "1234.50"),
     ("de_DE", "1234.50", "1234.50"), ("en_US", "", None), ("en_US", "12.345", None)],
)
def test_amount_edit_reads_the_locale(qtbot, locale, typed, value):
    edit = AmountEdit(locale=locale)
    qtbot.addWidget(edit)
    qtbot.keyClicks(edit, typed)
    assert edit.value() == (None if value is None else Decimal(value))


def test_amount_edit_refuses_letters_and_shows_values_in_the_locale(qtbot):
    edit = AmountEdit(locale="de_DE", maximum=Decimal(100))
    qtbot.addWidget(edit)
    qtbot.keyClicks(edit, "1x2")
    assert edit.text() == "12"  # the validator dropped the letter
    edit.setText("150")
    assert edit.value() is None and edit.problem() == "At most 100."
    edit.setValue(Decimal("7.5"))
    assert edit.text() == "7,50" and edit.value() == Decimal("7.50")
    assert edit.placeholderText() == "1.234,50"


def test_settings_dialog_shows_errors_next_to_the_field_and_saves_nothing(qtbot, db, tmp_path,
                                                                           monkeypatch):
    monkeypatch.setattr(formatting, "user_locale", lambda: "de_DE")
    dialog = SettingsDialog(db)
    qtbot.addWidget(dialog)
    dialog.show()
    fields = dialog.fields
    assert set(fields) == set(shop_settings.SPECS)  # every setting has an editor
    fields["shop_name"].editor.clear()
    qtbot.keyClicks(fields["shop_name"].editor, "Eisenwaren ")
    fields["shop_name"].editor.insert("Müller")  # QTest types ASCII only; this is a paste
    fields["tax_rates"].editor.clear()
    qtbot.keyClicks(fields["tax_rates"].editor, "standard=abc")
    fields["default_tax_rate"].editor.clear()
    qtbot.keyClicks(fields["default_tax_rate"].editor, "7,5")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible() and dialog.result() == 0
    assert fields["tax_rates"].error.isVisible()
    assert fields["tax_rates"].error.text() == "Tax rate 'standard' must be a number, not 'abc'."
    assert not fields["shop_name"].error.isVisible()
    assert dialog.message.text() == "Please correct: Named tax rates. Nothing was saved."
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Money and tax"
    QApplication.processEvents()  # the re-layout a user sees before the next paint
    editor = fields["tax_rates"].editor
    assert editor.height() >= editor.minimumSizeHint().height()  # the error label squeezes nothing
    image = dialog.grab()
    assert not image.isNull() and image.save(str(tmp_path / "settings-error.png"))
    assert load(db).shop_name == "My Shop"  # nothing saved

    fields["tax_rates"].editor.clear()
    qtbot.keyClicks(fields["tax_rates"].editor, "standard=19;reduced=7,5")
    fields["fulfilment_mode"].editor.setCurrentIndex(1)
    fields["overdue_grace_days"].editor.setValue(3)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == 1 and not fields["tax_rates"].error.isVisible()
    settings = load(db)
    assert settings.shop_name == "Eisenwaren Müller"
    assert settings.default_tax_rate == Decimal("7.50")
    assert settings.tax_rates == {"standard": Decimal("19.00"), "reduced": Decimal("7.50")}
    assert (settings.fulfilment_mode, settings.overdue_grace_days) == ("reserve", 3)
    assert dialog.saved is not None and set(dialog.saved) == {
        "shop_name", "default_tax_rate", "tax_rates", "fulfilment_mode", "overdue_grace_days"}


def test_open_settings_cancelled_changes_nothing(qtbot, db):
    def cancel() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        dialog.fields["shop_name"].editor.setText("Not saved")
        dialog.findChild(QDialogButtonBox).button(
            QDialogButtonBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, cancel)
    assert open_settings(None, db) is False
    assert load(db).shop_name == "My Shop"
