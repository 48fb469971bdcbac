"""Remembering widgets across restarts: one table of (setting key, widget) pairs.

Saving and restoring walk the same table, so a control added to it is both saved and
restored (and one left out is neither). Spin boxes keep their value, combo boxes the text of
their choice, splitters and windows their geometry.
"""

from __future__ import annotations

from collections.abc import Sequence

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
