"""Piano roll: chords and melody in two colours, chord symbols, sections, bar/beat grid,
a keyboard with note names, horizontal zoom, a playhead; click a note to hear it.

Signals of PianoRoll: notePressed(int pitch, str part) with part "chords" or "melody",
dragStarted(), startChanged(int bar).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene, QGraphicsView, QHBoxLayout, QWidget

from songsketch.engine.api import SHARP_NAMES, Idea, beat_ticks

ROW = 9  # pixels per semitone
HEADER = 44  # pixels above the notes: section labels and chord symbols
CHORD_COLOUR = QColor("#4a7fc1")
MELODY_COLOUR = QColor("#e8833a")
START_COLOUR = QColor("#2e9d4a")
# what an empty roll says (before the first idea, or with none selected)
MELODY_ONLY = "Melody only: New chords for this melody (Ctrl+K) gives it chords"
EMPTY_HINT = "Click Generate (Ctrl+Return) for ideas, or open a MIDI file of your own (Ctrl+O)"
BLACK_KEYS = {1, 3, 6, 8, 10}


class _NoteItem(QGraphicsRectItem):
    def __init__(self, rect: QRectF, pitch: int, colour: QColor, part: str) -> None:
        super().__init__(rect)
        self.pitch, self.part = pitch, part
        self.setBrush(QBrush(colour))
        self.setPen(QPen(colour.darker(140), 1))
        self.setToolTip(f"{SHARP_NAMES[pitch % 12]}{pitch // 12 - 1}")
        self.setZValue(1)  # over the band of bars to rewrite


SPAN_COLOUR = QColor(120, 60, 200)
# the bars to rewrite: tinted enough to see over the shaded rows, a border, a named strip in
# the header (a fill of alpha 40 under the rows' shading was hardly seen)
SPAN_FILL = QColor(120, 60, 200, 56)
SPAN_STRIP = QColor(120, 60, 200, 150)


class _RollView(QGraphicsView):
    notePressed = Signal(int, str)
    dragStarted = Signal()
    headerClicked = Signal(float)  # scene x of a click above the notes
    headerDragged = Signal(float, float)  # scene x where a drag across the bar numbers began, now

    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.setRenderHint(QPainter.Antialiasing, False)
        self.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self._press: QPointF | None = None
        self._header_x: float | None = None  # a press on the bar numbers: selecting bars

    def mousePressEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        self._press = event.position()
        self._header_x = None
        if isinstance(item, _NoteItem):
            self.notePressed.emit(item.pitch, item.part)
        else:
            if event.position().y() < HEADER:  # the header stays at the top of the view
                self._header_x = self.mapToScene(event.position().toPoint()).x()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._header_x is not None and (event.buttons() & Qt.LeftButton):
            self.headerDragged.emit(self._header_x, self.mapToScene(event.position().toPoint()).x())
            return  # a drag across the bar numbers selects bars; it never drags the idea out
        if (
            self._press is not None
            and (event.buttons() & Qt.LeftButton)
            and (event.position() - self._press).manhattanLength() > 12
        ):
            self._press = None
            self.dragStarted.emit()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._header_x is not None and self._press is not None:
            moved = (event.position() - self._press).manhattanLength()
            if moved <= 4:  # a click: play from that bar
                self.headerClicked.emit(self._header_x)
        self._press = None
        self._header_x = None
        super().mouseReleaseEvent(event)


class _Keyboard(QWidget):
    """Piano keys with note names (C4 ...) aligned with the roll's rows."""

    def __init__(self, roll: "PianoRoll") -> None:
        super().__init__()
        self.roll = roll
        self.setFixedWidth(46)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#f4f4f4"))
        low, high = self.roll.pitch_range
        offset = self.roll.view.verticalScrollBar().value()
        font = QFont(painter.font())
        font.setPointSizeF(6.5)
        painter.setFont(font)
        for pitch in range(low, high + 1):
            y = HEADER + (high - pitch) * ROW - offset
            black = pitch % 12 in BLACK_KEYS
            painter.fillRect(
                0,
                y,
                self.width() if not black else 28,
                ROW,
                QColor("#303030") if black else QColor("#ffffff"),
            )
            painter.setPen(QColor("#b0b0b0"))
            painter.drawLine(0, y + ROW, self.width(), y + ROW)
            if pitch % 12 == 0:
                painter.setPen(QColor("#202020"))
                painter.drawText(30, y + ROW - 1, f"C{pitch // 12 - 1}")
        painter.fillRect(0, 0, self.width(), HEADER, self.palette().window())  # beside the roll's header
        painter.end()


class PianoRoll(QWidget):
    """The piano roll of one idea. Signals: notePressed(int pitch, str part), dragStarted(),
    startChanged(int bar): a click on the bar numbers marks where playback starts (bar 1
    clears the mark); spanChanged(int first, int count): a drag across the bar numbers selects
    bars to rewrite (0, 0: none)."""

    notePressed = Signal(int, str)
    dragStarted = Signal()
    startChanged = Signal(int)
    spanChanged = Signal(int, int)  # bars selected for rewriting: first, count (0, 0: none)

    def __init__(self) -> None:
        super().__init__()
        self.scene = QGraphicsScene(self)
        self.view = _RollView(self.scene)
        self.keyboard = _Keyboard(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.keyboard)
        layout.addWidget(self.view, 1)
        self.view.notePressed.connect(self.notePressed)
        self.view.dragStarted.connect(self.dragStarted)
        self.view.headerClicked.connect(self._header_clicked)
        self.view.headerDragged.connect(self._header_dragged)
        self.view.verticalScrollBar().valueChanged.connect(self.keyboard.update)
        self.view.verticalScrollBar().valueChanged.connect(self._place_header)  # (bound: let go with us)
        # the sections, chord symbols, bar numbers and play-from mark, kept at the top of the
        # view as it scrolls: (item, its y at the roll's top)
        self._header_items: list = []
        self.idea: Idea | None = None
        self.zoom = 2.0  # pixels per tick
        self.pitch_range = (36, 84)
        self.playhead = None
        self.start_bar = 0  # where playback starts (0-based)
        self.start_mark = None
        self.span: tuple[int, int] | None = None  # bars selected for rewriting (first, count)
        self.span_band = self.span_strip = self.span_label = None
        self.hint = None  # what an empty roll says
        self.setMinimumHeight(220)
        self.show_idea(None)

    def set_zoom(self, pixels_per_tick: float) -> None:
        self.zoom = max(0.5, min(8.0, pixels_per_tick))
        self.show_idea(self.idea)

    def show_idea(self, idea: Idea | None) -> None:
        """Draw an idea (None: an empty roll); another idea than the one shown plays from its
        top and has no bars selected."""
        self._header_items = []  # (before the items go)
        self.scene.clear()
        self.playhead = self.start_mark = self.span_band = self.span_strip = self.span_label = None
        self.hint = None
        if idea != self.idea:
            self.start_bar = 0  # another idea plays from its start
            if self.span is not None:  # and has no bars selected
                self.span = None
                self.spanChanged.emit(0, 0)
        self.idea = idea
        if idea is None:
            self._show_hint()
            return
        pitches = [p for c in idea.chords for p in c.voicing] + [n.pitch for n in idea.melody]
        low = min(pitches, default=48) - 2
        high = max(pitches, default=84) + 2
        self.pitch_range = (low, high)
        width = idea.total_ticks * self.zoom
        height = HEADER + (high - low + 1) * ROW
        self._draw_key_rows(width)
        self._draw_grid(idea, height)
        self._draw_sections(idea)
        self._draw_chord_symbols(idea)
        self._draw_notes(idea)
        self._add_marks(height)
        self._pin_header(width)
        self.scene.setSceneRect(QRectF(0, 0, width + 20, height))
        self.keyboard.update()
        self.view.horizontalScrollBar().setValue(0)
        self.scroll_to_notes()

    def _show_hint(self) -> None:
        """An empty roll says how to fill it."""
        hint = self.scene.addText(EMPTY_HINT)
        font = QFont(hint.font())
        font.setPointSizeF(font.pointSizeF() + 1)
        hint.setFont(font)
        hint.setDefaultTextColor(self.palette().placeholderText().color())
        hint.setPos(12, 12)
        self.hint = hint
        self.scene.setSceneRect(QRectF(0, 0, hint.boundingRect().width() + 24, HEADER))
        self.keyboard.update()

    def scroll_to_notes(self) -> None:
        """Scroll the roll up or down to the idea's notes: all of them (with the chord symbols
        above when they fit too); when the lowest and highest cannot both be seen, the middle
        between the melody and the chords, so both parts show (bass notes sit far below the
        melody, off-screen in a short window), but never below the melody's highest note."""
        idea = self.idea
        if idea is None:
            return
        melody = [n.pitch for n in idea.melody]
        chords = [p for c in idea.chords for p in c.voicing]
        if not melody and not chords:
            return
        seen = self.view.viewport().height()  # the header over its top HEADER pixels
        top, bottom = self._row_top(max(melody + chords)) - ROW, self._row_top(min(melody + chords)) + 2 * ROW
        if bottom <= seen:  # the roll from its top
            y = 0.0
        elif bottom - top <= seen - HEADER:  # all the notes, in the middle under the header
            y = (top + bottom - seen - HEADER) / 2
        else:
            centres = [sum(part) / len(part) for part in (melody, chords) if part]
            y = self._row_top(sum(centres) / len(centres)) + ROW / 2 - (seen + HEADER) / 2
            if melody:  # never past the melody's highest note: the tune is what is looked for
                y = min(y, self._row_top(max(melody)) - ROW - HEADER)
        self.view.verticalScrollBar().setValue(round(y))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.scroll_to_notes()  # a taller or shorter roll shows the notes again

    def _pin_header(self, width: float) -> None:
        """Lay the sections, chord symbols, bar numbers and play-from mark over a plain band,
        above the notes; they follow the view down, so they stay in sight however far the roll
        is scrolled to the notes."""
        band = self.scene.addRect(QRectF(-10, 0, width + 40, HEADER), QPen(Qt.NoPen), self.palette().base())
        # each item is moved by itself: a QGraphicsItemGroup of them left PySide wrappers of
        # deleted items behind, handed out again for new items of another kind
        self._header_items = [(item, item.y()) for item in [band, *self._header_items]]
        for item, _y in self._header_items:
            item.setZValue(3 if item is not band else 2)  # over the notes and the span band
        self._place_header()

    def _place_header(self, _value: int = 0) -> None:
        """Keep the header at the top of the view. Not while the scene is going (a scene being
        deleted has deleted its items before it lets the view go, whose scroll bars then move)."""
        if self._header_items and self.view.scene() is self.scene:
            top = self.view.mapToScene(0, 0).y()
            for item, y in self._header_items:
                item.setY(y + top)

    def _row_top(self, pitch: int) -> float:
        """The scene y of the top of a pitch's row."""
        return HEADER + (self.pitch_range[1] - pitch) * ROW

    def _draw_key_rows(self, width: float) -> None:
        """The rows of the black keys, shaded."""
        low, high = self.pitch_range
        for pitch in range(low, high + 1):
            if pitch % 12 in BLACK_KEYS:
                self.scene.addRect(
                    QRectF(0, self._row_top(pitch), width, ROW), QPen(Qt.NoPen), QBrush(QColor("#ececec"))
                )

    def _draw_grid(self, idea: Idea, height: float) -> None:
        """Beat lines light, bar lines dark and numbered above the notes."""
        z = self.zoom
        beat, bar = beat_ticks(idea.meter), idea.bar_ticks
        for t in range(0, idea.total_ticks + 1, beat):
            strong = t % bar == 0
            pen = QPen(QColor("#808080" if strong else "#d6d6d6"), 1)
            self.scene.addLine(t * z, HEADER, t * z, height, pen)
            if strong:  # the bar line's top, beside its number, in the header
                self._header_items.append(self.scene.addLine(t * z, HEADER - 14, t * z, HEADER, pen))
            if strong and t < idea.total_ticks:
                label = self.scene.addText(str(t // bar + 1))
                label.setDefaultTextColor(QColor("#909090"))
                label.setFont(QFont("Sans", 6))
                label.setPos(t * z + 1, HEADER - 16)
                self._header_items.append(label)

    def _draw_sections(self, idea: Idea) -> None:
        """A band along the top naming each section."""
        z = self.zoom
        for section, start, end in idea.section_spans():
            colour = QColor("#dfe9f5") if section.name == "verse" else QColor("#fbe3cf")
            band = self.scene.addRect(
                QRectF(start * z, 0, (end - start) * z, 14), QPen(Qt.NoPen), QBrush(colour)
            )
            text = self.scene.addText(section.name.title())
            text.setFont(QFont("Sans", 7, QFont.Bold))
            text.setPos(start * z + 2, -4)
            self._header_items += [band, text]

    def _draw_chord_symbols(self, idea: Idea) -> None:
        """The chords' symbols, spelt in the idea's key, where each starts; a tune without
        chords says it is one, and how to give it some."""
        z = self.zoom
        names = idea.key.spelling
        free_from = -1.0
        if not idea.chords:
            text = self.scene.addText(MELODY_ONLY)
            text.setFont(QFont("Sans", 7))
            text.setDefaultTextColor(CHORD_COLOUR.darker(130))
            text.setPos(0, 12)
            self._header_items.append(text)
        for c in idea.chords:  # a symbol that would overlap the previous one is left out
            if c.onset * z < free_from:
                continue
            text = self.scene.addText(c.display(names))
            text.setFont(QFont("Sans", 7))
            text.setDefaultTextColor(CHORD_COLOUR.darker(130))
            text.setToolTip(c.display(names))
            text.setPos(c.onset * z, 12)
            self._header_items.append(text)
            free_from = c.onset * z + text.boundingRect().width() - 6

    def _draw_notes(self, idea: Idea) -> None:
        """The chords' voicings, then the melody over them: notes a click sounds."""
        z = self.zoom
        for c in idea.chords:
            for p in c.voicing:
                self.scene.addItem(
                    _NoteItem(
                        QRectF(c.onset * z, self._row_top(p) + 1, max(2.0, c.duration * z - 1), ROW - 2),
                        p,
                        CHORD_COLOUR,
                        "chords",
                    )
                )
        for n in idea.melody:
            self.scene.addItem(
                _NoteItem(
                    QRectF(n.onset * z, self._row_top(n.pitch) + 0.5, max(2.0, n.duration * z - 1), ROW - 1),
                    n.pitch,
                    MELODY_COLOUR,
                    "melody",
                )
            )

    def _add_marks(self, height: float) -> None:
        """The playhead (hidden), the play-from mark and the band of bars to rewrite, each
        kept where it was."""
        self.playhead = self.scene.addLine(0, 0, 0, height, QPen(QColor("#d02020"), 2))
        self.playhead.setVisible(False)
        self.start_mark = self.scene.addPolygon(
            # in the bar-number row, just before the bar line it points at (clear of the symbols)
            QPolygonF([QPointF(-9, HEADER - 15), QPointF(-1, HEADER - 8), QPointF(-9, HEADER - 1)]),
            QPen(Qt.NoPen),
            QBrush(START_COLOUR),
        )
        self.start_mark.setToolTip("Playback starts here (click bar 1 to start from the top)")
        self._header_items.append(self.start_mark)
        self.set_start_bar(self.start_bar)
        self._add_span_band()

    def _add_span_band(self) -> None:
        """The band over the bars to rewrite (over the rows and grid, under the notes) and its
        strip in the header's bar-number row, named ("bars 5-6"), kept where it was."""
        tip = "Bars to rewrite (Idea > Rewrite the selected bars)"
        self.span_band = self.scene.addRect(QRectF(), QPen(SPAN_COLOUR, 2), QBrush(SPAN_FILL))
        self.span_band.setZValue(0.5)
        self.span_strip = self.scene.addRect(QRectF(), QPen(Qt.NoPen), QBrush(SPAN_STRIP))
        self.span_label = self.scene.addText("")
        self.span_label.setFont(QFont("Sans", 7, QFont.Bold))
        self.span_label.setDefaultTextColor(QColor("#ffffff"))
        self.span_label.setY(HEADER - 17)  # in the bar-number row
        for item in (self.span_band, self.span_strip, self.span_label):
            item.setToolTip(tip)
            item.setVisible(False)
        self._header_items += [self.span_strip, self.span_label]
        span, self.span = self.span, None
        if span is not None:
            self.set_span(*span)

    def _header_dragged(self, x0: float, x1: float) -> None:
        if self.idea is not None:
            bars = [
                min(max(int(x / self.zoom) // self.idea.bar_ticks, 0), self.idea.bars - 1) for x in (x0, x1)
            ]
            self.set_span(min(bars), max(bars) - min(bars) + 1)

    def set_span(self, first: int, count: int) -> None:
        """Select bars first .. first + count - 1 (0-based) for rewriting (count 0: none),
        shown as a band over them."""
        span = (first, count) if self.idea is not None and count > 0 else None
        if span == self.span:
            return
        self.span = span
        if self.span_band is not None:
            for item in (self.span_band, self.span_strip, self.span_label):
                item.setVisible(span is not None)
            if span is not None:
                bar = self.idea.bar_ticks * self.zoom
                height = self._row_top(self.pitch_range[0] - 1)
                self.span_band.setRect(QRectF(first * bar + 1, HEADER, count * bar - 2, height - HEADER))
                self.span_strip.setRect(QRectF(first * bar, HEADER - 15, count * bar, 15))
                last = first + count
                self.span_label.setPlainText(f"bars {first + 1}-{last}" if count > 1 else f"bar {last}")
                self.span_label.setX(first * bar + 14)  # after the first bar's number
        self.spanChanged.emit(*(span or (0, 0)))

    def _header_clicked(self, x: float) -> None:
        if self.idea is not None:
            self.set_start_bar(int(x / self.zoom) // self.idea.bar_ticks)

    def set_start_bar(self, bar: int) -> None:
        """Mark where playback starts (0: the top, no mark)."""
        bar = max(0, min(bar, self.idea.bars - 1)) if self.idea is not None else 0
        changed = bar != self.start_bar
        self.start_bar = bar
        if self.start_mark is not None:
            self.start_mark.setX(bar * self.idea.bar_ticks * self.zoom)  # (its y: the header's)
            self.start_mark.setVisible(bar > 0)
        if changed:
            self.startChanged.emit(bar)

    def set_playhead(self, tick: float | None) -> None:
        """Move the playhead to a tick (None hides it); the view follows it."""
        if self.playhead is None:
            return
        if tick is None:
            self.playhead.setVisible(False)
            return
        x = tick * self.zoom
        self.playhead.setLine(x, 0, x, self.scene.sceneRect().height())
        self.playhead.setVisible(True)
        self.view.ensureVisible(QRectF(x, self.view.mapToScene(0, 0).y(), 1, 1), 60, 0)
