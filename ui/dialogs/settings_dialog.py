"""The shop's settings in one dialog: every field checked by app.settings, refusals shown next
to the field, everything saved in one transaction (or nothing)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import settings as shop_settings
from app.errors import InvalidInput
from db.session import Database
from ui.widgets.amount_edit import AmountEdit

COMMON_CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
                     "CAD", "AUD", "JPY")

# (tab, settings on it); a setting added to app.settings later lands on "Other".
PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Shop", ("shop_name", "shop_address", "shop_tax_id", "shop_logo")),
    ("Money and tax", ("currency", "default_tax_rate", "tax_rates", "tax_rounding")),
    ("Invoices", ("payment_terms_days", "payment_terms_text")),
    ("Orders and stock", ("fulfilment_mode", "pending_age_days", "defective_age_days",
                          "overdue_grace_days")),
)

LABELS = {
    "shop_name": "Shop name",
    "shop_address": "Address",
    "shop_tax_id": "Tax / VAT id",
    "shop_logo": "Logo file",
    "currency": "Currency",
    "default_tax_rate": "Default tax rate (%)",
    "tax_rates": "Named tax rates",
    "tax_rounding": "Tax rounding",
    "payment_terms_days": "Payment terms (days)",
    "payment_terms_text": "Payment terms text",
    "fulfilment_mode": "When stock arrives",
    "pending_age_days": "Pending line is late after (days)",
    "defective_age_days": "Defective stock waits at most (days)",
    "overdue_grace_days": "Invoice overdue after due date + (days)",
}

CHOICES = {
    "tax_rounding": (("line", "per line (totals are sums of lines)"),
                     ("document", "per document and rate")),
    "fulfilment_mode": (("deliver", "deliver and invoice waiting orders at once"),
                        ("reserve", "only reserve it; a clerk delivers")),
}
MULTILINE = {"shop_address", "payment_terms_text"}
DAYS = {"payment_terms_days", "pending_age_days", "defective_age_days", "overdue_grace_days"}


class SettingField:
    """One editor, its error label, and the text it hands to app.settings."""

    def __init__(self, name: str, value: str, doc: str, parent: QWidget) -> None:
        self.name = name
        self.editor = self._editor(name, value, parent)
        self.editor.setObjectName(name)
        self.editor.setToolTip(doc)
        self.error = QLabel(parent)
        self.error.setObjectName(f"{name}_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()

    def _editor(self, name: str, value: str, parent: QWidget) -> Any:
        if name in CHOICES:
            box = QComboBox(parent)
            for key, text in CHOICES[name]:
                box.addItem(text, key)
            box.setCurrentIndex(max(0, box.findData(value)))
            return box
        if name == "currency":
            box = QComboBox(parent)
            box.setEditable(True)
            box.addItems(COMMON_CURRENCIES)
            box.setCurrentText(value)
            return box
        if name in DAYS:
            spin = QSpinBox(parent)
            spin.setRange(0, 3650)
            spin.setValue(int(value) if value.isdigit() else 0)
            return spin
        if name == "default_tax_rate":
            edit = AmountEdit(parent, decimals=2, maximum=Decimal(100))
            try:
                edit.setValue(Decimal(value))
            except ArithmeticError:
                edit.setText(value)
            return edit
        if name in MULTILINE:
            text = QPlainTextEdit(parent)
            text.setPlainText(value)
            text.setTabChangesFocus(True)
            text.setFixedHeight(text.fontMetrics().lineSpacing() * 4 + 12)
            return text
        edit = QLineEdit(value, parent)
        if name == "tax_rates":
            edit.setPlaceholderText("standard=19;reduced=7;zero=0")
        return edit

    def text(self) -> str:
        e = self.editor
        if isinstance(e, QComboBox):
            return str(e.currentData()) if self.name in CHOICES else e.currentText()
        if isinstance(e, QSpinBox):
            return str(e.value())
        if isinstance(e, AmountEdit):
            value = e.value()
            return e.text() if value is None else str(value)
        if isinstance(e, QPlainTextEdit):
            return e.toPlainText()
        return e.text()

    def show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def check(self) -> bool:
        """Check with app.settings' own parser; show the refusal next to the field."""
        try:
            shop_settings.SPECS[self.name].parse(self.text())
        except InvalidInput as exc:
            self.show_error(str(exc))
            return False
        self.show_error(None)
        return True


def build_form(parent: QWidget, rows: list[shop_settings.SettingRow], names: tuple[str, ...],
               fields: dict[str, SettingField]) -> QWidget:
    """A form page with the named settings; used by this dialog and by the setup wizard."""
    page = QWidget(parent)
    form = QFormLayout(page)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    by_name = {r.name: r for r in rows}
    for name in names:
        row = by_name.get(name)
        if row is None:
            continue
        field = SettingField(name, row.value, row.doc, page)
        fields[name] = field
        holder = QWidget(page)
        holder.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if name == "shop_logo":
            line = QHBoxLayout()
            line.addWidget(field.editor, 1)
            browse = QPushButton("Browse…", holder)
            browse.clicked.connect(lambda _=False, f=field, h=holder: _choose_logo(h, f))
            line.addWidget(browse)
            column.addLayout(line)
        else:
            column.addWidget(field.editor)
        column.addWidget(field.error)
        label = QLabel(LABELS.get(name, name.replace("_", " ").capitalize()), page)
        label.setToolTip(row.doc)
        label.setBuddy(field.editor)
        form.addRow(label, holder)
    return page


def _choose_logo(parent: QWidget, field: SettingField) -> None:
    path, _ = QFileDialog.getOpenFileName(parent, "Logo", "", "Images (*.png *.jpg *.jpeg)")
    if path:
        field.editor.setText(path)


class SettingsDialog(QDialog):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Shop settings")
        self.fields: dict[str, SettingField] = {}
        self.saved: dict[str, str] | None = None
        rows = shop_settings.read_all(db)
        self._stored = {r.name: r.value for r in rows}
        self.tabs = QTabWidget(self)
        placed: set[str] = set()
        for title, names in PAGES:
            self.tabs.addTab(build_form(self.tabs, rows, names, self.fields), title)
            placed.update(names)
        others = tuple(r.name for r in rows if r.name not in placed)
        if others:
            self.tabs.addTab(build_form(self.tabs, rows, others, self.fields), "Other")
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(560, 420)

    def values(self) -> dict[str, str]:
        return {name: field.text() for name, field in self.fields.items()}

    def save(self) -> None:
        """Check every field; save all of them in one transaction, or show what is wrong."""
        from app.services.catalog import save_settings

        bad = [name for name, field in self.fields.items() if not field.check()]
        if bad:
            self._show_problems(bad)
            return
        changed = {n: v for n, v in self.values().items() if v != self._stored.get(n)}
        try:
            self.saved = save_settings(self.db, changed) if changed else {}
        except shop_settings.InvalidSettings as exc:
            for name, text in exc.problems.items():
                self.fields[name].show_error(text)
            self._show_problems(list(exc.problems))
            return
        except Exception as exc:  # noqa: BLE001 - a locked or broken database: say so
            from ui.errors import show_error

            show_error(self, exc)
            return
        self.accept()

    def _show_problems(self, names: list[str]) -> None:
        labels = ", ".join(LABELS.get(n, n) for n in names)
        self.message.setText(f"Please correct: {labels}. Nothing was saved.")
        self.message.show()
        for index, (_, page_names) in enumerate(PAGES):
            if names[0] in page_names:
                self.tabs.setCurrentIndex(index)
                break
        self.fields[names[0]].editor.setFocus()


def open_settings(parent: QWidget | None, db: Database) -> bool:
    """Show the settings dialog; True when something was saved."""
    dialog = SettingsDialog(db, parent)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    return dialog.exec() == QDialog.DialogCode.Accepted and bool(dialog.saved)
