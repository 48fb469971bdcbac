"""Fitting the window to the screen it opens on: its usual size where there is room, smaller on
a small screen (a 1024 x 600 netbook), and the Generate panel scrolled rather than cut off
when the window is shorter than the panel."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QStyle, QWidget

DEFAULT_SIZE = QSize(1180, 760)
# what a window manager takes around a window: a title bar, its borders
FRAME_ALLOWANCE = QSize(16, 40)


def fitted_window_size(wanted: QSize, least: QSize, available: QSize) -> QSize:
    """The size (inside the frame) of a window that wants ``wanted`` on a screen whose free area
    (less its panels) is ``available``: as wanted where it fits, else the free area less a
    frame, never below ``least``."""
    room = available - FRAME_ALLOWANCE
    return QSize(
        max(least.width(), min(wanted.width(), room.width())),
        max(least.height(), min(wanted.height(), room.height())),
    )


def scrolled(panel: QWidget, least_height: int = 180) -> QScrollArea:
    """``panel`` in a scroll area with no frame: all of it reachable in a short window (a
    vertical scroll bar appears), as wide as it needs beside that bar, never scrolled sideways."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    bar = area.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, area)
    area.setMinimumSize(panel.minimumSizeHint().width() + bar, least_height)
    return area
