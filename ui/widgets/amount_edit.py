"""A line edit for money, percentages and other decimal amounts typed in the user's locale
('1.234,50' in de_DE, '1,234.50' in en_US; a plain '1234.50' is always understood)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QLineEdit, QWidget

from app import formatting as fmt
from app.errors import InvalidInput

_ALLOWED = set("0123456789.,-+ \u00a0\u202f'")


class AmountValidator(QValidator):
    """Acceptable when app.formatting.parse_amount reads the text (within the limits);
    Intermediate while a number is still being typed; Invalid for anything else."""

    def __init__(self, parent: QWidget | None = None, *, decimals: int = 2,
                 minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None,
                 locale: str | None = None) -> None:
        super().__init__(parent)
        self.decimals, self.minimum, self.maximum, self.locale = decimals, minimum, maximum, locale

    def parse(self, text: str) -> Decimal:
        value = fmt.parse_amount(text, self.locale)
        if value != value.quantize(Decimal(1).scaleb(-self.decimals)):
            raise InvalidInput(f"At most {self.decimals} decimals.")
        if self.minimum is not None and value < self.minimum:
            raise InvalidInput(f"At least {fmt.number(self.minimum, self.locale)}.")
        if self.maximum is not None and value > self.maximum:
            raise InvalidInput(f"At most {fmt.number(self.maximum, self.locale)}.")
        return value

    def validate(self, text: str, pos: int) -> QValidator.State:  # type: ignore[override]
        if not text.strip():
            return QValidator.State.Intermediate
        if any(ch not in _ALLOWED for ch in text):
            return QValidator.State.Invalid
        try:
            self.parse(text)
        except (InvalidInput, ArithmeticError):
            return QValidator.State.Intermediate
        return QValidator.State.Acceptable


class AmountEdit(QLineEdit):
    """`value()` is a Decimal, or None while the field is empty or not a number yet."""

    def __init__(self, parent: QWidget | None = None, *, decimals: int = 2,
                 minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None,
                 locale: str | None = None) -> None:
        super().__init__(parent)
        self._locale = locale
        self._decimals = decimals
        self._validator = AmountValidator(self, decimals=decimals, minimum=minimum,
                                          maximum=maximum, locale=locale)
        self.setValidator(self._validator)
        example = Decimal("1234.5").quantize(Decimal(1).scaleb(-decimals)) if decimals else 1234
        self.setPlaceholderText(fmt.number(example, locale, decimals=decimals))
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.editingFinished.connect(self._tidy)

    def value(self) -> Decimal | None:
        try:
            return self._validator.parse(self.text())
        except (InvalidInput, ArithmeticError):
            return None

    def problem(self) -> str | None:
        """Why the text is not an amount (None when it is one, or the field is empty)."""
        if not self.text().strip():
            return None
        try:
            self._validator.parse(self.text())
        except InvalidInput as exc:
            return str(exc)
        return None

    def setValue(self, value: Decimal | int | None) -> None:  # noqa: N802 - Qt naming
        self.setText("" if value is None else self.shown(Decimal(value)))

    def shown(self, value: Decimal) -> str:
        """The amount in the locale, without grouping, so editing it stays simple."""
        text = fmt.number(value, self._locale, decimals=self._decimals)
        return text.replace(_group_symbol(self._locale), "")

    def _tidy(self) -> None:
        value = self.value()
        if value is not None:
            self.setText(self.shown(value))


def _group_symbol(locale: str | None) -> str:
    from babel.numbers import get_group_symbol

    return get_group_symbol(locale or fmt.user_locale())
