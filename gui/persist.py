"""Remembering widgets across restarts: one table of (setting key, widget) pairs.

Saving, restoring and watching walk the same table, so a control added to it is saved,
restored and saved again when it changes (and one left out is none of these). Spin boxes keep
their value, combo boxes the text of their choice, splitters and windows their geometry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QDoubleSpinBox, QSpinBox, QSplitter, QWidget

Persisted = Sequence[tuple[str, QWidget]]


def save(settings: QSettings, table: Persisted) -> None:
    for key, widget in table:
        if isinstance(widget, QComboBox):
            settings.setValue(key, widget.currentText())
        elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            settings.setValue(key, widget.value())
        elif isinstance(widget, QSplitter):
            settings.setValue(key, widget.saveState())
        else:
            settings.setValue(key, widget.saveGeometry())


def restore(settings: QSettings, table: Persisted) -> None:
    """Set each widget from its saved value; a value that no longer fits is ignored."""
    for key, widget in table:
        value = settings.value(key)
        if value is None:
            continue
        try:
            if isinstance(widget, QComboBox):
                index = widget.findText(str(value))
                if index >= 0:
                    widget.setCurrentIndex(index)
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value))
            elif isinstance(widget, QDoubleSpinBox):
                widget.setValue(float(value))
            elif isinstance(widget, QSplitter):
                widget.restoreState(value)
            elif not isinstance(widget, QAbstractSpinBox):
                widget.restoreGeometry(value)
        except (TypeError, ValueError):
            continue


def watch(table: Persisted, changed: Callable[[], None]) -> None:
    """Call ``changed`` whenever a control of the table changes, so that what the user chose
    is saved as it is chosen (a crash or a killed process keeps it), not only at exit. A
    window's geometry is not watched: it is saved with the rest and at exit."""
    for _key, widget in table:
        if isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(lambda _index: changed())
        elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            widget.valueChanged.connect(lambda _value: changed())
        elif isinstance(widget, QSplitter):
            widget.splitterMoved.connect(lambda _pos, _index: changed())
