"""Retrain dialog: pick a folder, see which files are used or skipped and why, fine-tune or
train from scratch, watch progress and a live loss curve, cancel (the old model stays).

Signals of RetrainDialog: modelTrained(str folder), modelKept(str folder), scanRequested(str),
trainRequested(object).
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from songsketch.engine.api import (
    ModelCard,
    TrainJob,
    TrainProgress,
    TrainSettings,
    beats_base,
    music_amount,
    outcome_words,
    safe_filename,
    still_improving,
    style_words,
)
from songsketch.gui.workers import TrainWorker, start_thread, stop_thread


class LossCurve(QWidget):
    """How surprised the model is by the songs it learns from and by the songs set aside to
    check it (the train and validation loss), per pass through the songs (the songs it learns
    from also per batch, lighter). Lower is better."""

    def __init__(self) -> None:
        super().__init__()
        self.batch_loss: list[tuple[float, float]] = []  # (epoch position, loss)
        self.epochs: list[tuple[int, float, float]] = []  # (epoch, train, validation)
        self.setMinimumSize(360, 160)

    def clear(self) -> None:
        self.batch_loss.clear()
        self.epochs.clear()
        self.update()

    def add(self, p: TrainProgress) -> None:
        if p.val_loss is None:
            if math.isfinite(p.loss):
                self.batch_loss.append((p.epoch - 1 + p.batch / max(1, p.batches), p.loss))
        else:
            self.epochs.append((p.epoch, p.loss, p.val_loss))
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        values = [v for _, v in self.batch_loss] + [v for e in self.epochs for v in e[1:]]
        left, top, right, bottom = 40, 10, self.width() - 10, self.height() - 22
        painter.setPen(QColor("#999999"))
        painter.drawRect(left, top, right - left, bottom - top)
        if not values:
            painter.drawText(
                self.rect(),
                Qt.AlignCenter,
                "How surprised the model is by your songs shows here while it trains (lower is better)",
            )
            painter.end()
            return
        lo, hi = min(values), max(values)
        hi = hi if hi > lo else lo + 1
        span = max([x for x, _ in self.batch_loss] + [e[0] for e in self.epochs] + [1])

        def point(x: float, y: float) -> QPointF:
            return QPointF(left + (right - left) * x / span, bottom - (bottom - top) * (y - lo) / (hi - lo))

        painter.drawText(2, top + 10, f"{hi:.2f}")
        painter.drawText(2, bottom, f"{lo:.2f}")
        painter.drawText(left, self.height() - 6, "passes through your songs →")
        if self.batch_loss:
            painter.setPen(QPen(QColor("#b8cbe6"), 1))
            painter.drawPolyline(QPolygonF([point(x, y) for x, y in self.batch_loss]))
        lines = (("#2a62b0", 1, "learning from", 0), ("#d2691e", 2, "set aside", 14))
        for colour, column, label, dy in lines:
            pts = [point(e[0], e[column]) for e in self.epochs]
            painter.setPen(QPen(QColor(colour), 2))
            if len(pts) > 1:
                painter.drawPolyline(QPolygonF(pts))
            for pt in pts:
                painter.drawEllipse(pt, 2.5, 2.5)
            painter.drawText(right - 90, top + 14 + dy, label)
        painter.end()


def fitted_height(wanted: int, least: int, screen: int) -> int:
    """A window's height on a screen ``screen`` pixels high: what it wants, less on a small
    screen (room left for the title bar and a panel), never below its least."""
    return max(least, min(wanted, screen - 60))


class RetrainDialog(QDialog):
    """Signals: modelTrained(str folder) for a model worth selecting, modelKept(str folder)
    for one saved but no better than its base on the songs set aside."""

    modelTrained = Signal(str)  # a model worth selecting
    modelKept = Signal(str)  # a model saved but no better than its base: listed, not selected
    scanRequested = Signal(str)
    trainRequested = Signal(object)

    def __init__(self, models_dir: Path, default_model: Path, cache_dir: Path, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retrain on your songs")
        self.models_dir, self.default_model = models_dir, default_model
        self.folder: str | None = None
        self.training = False
        self.worker = TrainWorker(cache_dir)
        self.thread = start_thread(self.worker, "songsketch-train")
        self.scanRequested.connect(self.worker.scan)
        self.trainRequested.connect(self.worker.train)
        self.worker.scanned.connect(self._scanned)
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._cancelled)

        self.folder_label = QLabel("No folder chosen")
        choose = QPushButton("Choose folder…")
        choose.clicked.connect(self.choose_folder)
        self.files = QTableWidget(0, 3)
        self.files.setHorizontalHeaderLabels(["File", "Used", "Why"])
        self.files.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.files.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.files.verticalHeader().setVisible(False)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.fine_tune = QRadioButton("Fine-tune the default model (best for a few dozen songs)")
        self.fine_tune.setChecked(True)
        self.scratch = QRadioButton("Train a new model from scratch (needs hundreds of songs)")
        self.name = QLineEdit()
        self.name.setPlaceholderText("model name (default: the folder's name)")
        self.train_button = QPushButton("Train")
        self.train_button.setEnabled(False)
        self.train_button.clicked.connect(self.start_training)
        self.cancel_button = QPushButton("Cancel training")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.status = QLabel("Choose a folder of MIDI / MusicXML songs.")
        self.status.setWordWrap(True)
        # room for three lines up front: the layout does not grow a row when its text wraps later
        self.status.setMinimumHeight(3 * self.status.fontMetrics().lineSpacing() + 4)
        self.curve = LossCurve()

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(choose)
        row.addWidget(self.folder_label, 1)
        layout.addLayout(row)
        layout.addWidget(self.files, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.fine_tune)
        layout.addWidget(self.scratch)
        layout.addWidget(self.name)
        row = QHBoxLayout()
        row.addWidget(self.train_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.curve, 1)
        screen = self.screen().availableGeometry().height() if self.screen() else 800
        self.resize(720, fitted_height(640, self.minimumSizeHint().height(), screen))

    def choose_folder(self, folder: str | None = None) -> None:
        folder = folder or QFileDialog.getExistingDirectory(self, "Folder of songs")
        if not folder:
            return
        self.folder = folder
        self.folder_label.setText(folder)
        self.files.setRowCount(0)
        self.train_button.setEnabled(False)
        self.status.setText("Reading the folder…")
        self.scanRequested.emit(folder)

    def _scanned(self, corpus) -> None:
        self.files.setRowCount(len(corpus.reports))
        for row, report in enumerate(corpus.reports):
            try:
                shown = str(Path(report.path).relative_to(self.folder))
            except ValueError:
                shown = report.path
            self.files.setItem(row, 0, QTableWidgetItem(shown))
            self.files.setItem(row, 1, QTableWidgetItem("yes" if report.used else "no"))
            self.files.setItem(row, 2, QTableWidgetItem(report.reason))
        ok = len(corpus.songs) >= 2
        self.train_button.setEnabled(ok)
        self.status.setText(
            "Ready to train." if ok else "This folder has fewer than 2 usable songs: nothing to train on."
        )
        self._say_amount(corpus)

    def _say_amount(self, corpus) -> None:
        """The files used and skipped, how much music they hold and, for a small folder, what
        to expect (a few songs mostly teach the model to repeat them)."""
        amount = music_amount(corpus.songs)
        text = f"Used {corpus.used}, skipped {corpus.skipped}: {amount.describe()}."
        if corpus.songs and amount.expectation():
            text += f"<br><span style='color:#a05a00'>{amount.expectation()}</span>"
        self.summary.setText(text)

    def model_dir(self) -> Path:
        raw = self.name.text().strip() or Path(self.folder or "songs").name
        return self.models_dir / safe_filename(raw, "my-songs")

    def start_training(self, settings: TrainSettings | None = None) -> None:
        if self.training or not self.folder:
            return
        out = self.model_dir()
        scratch = self.scratch.isChecked()
        settings = settings or TrainSettings()  # the engine sets rate, epochs, patience for the kind of run
        self.training = True
        self.train_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.curve.clear()
        self.progress.setValue(0)
        self.status.setText(f"Training “{out.name}”…")
        self.trainRequested.emit(
            TrainJob(out, settings, None if scratch else Path(self.default_model), out.name, self.folder)
        )

    def cancel_training(self) -> None:
        if self.training:
            self.worker.cancel_event.set()
            self.status.setText("Cancelling…")

    def _progress(self, p: TrainProgress) -> None:
        self.curve.add(p)
        done = ((p.epoch - 1) + p.batch / max(1, p.batches)) / max(1, p.epochs)
        self.progress.setValue(int(100 * max(0.0, done)))
        if p.epoch == 0:  # the base model measured on the folder before the first step
            self.status.setText(
                f"Before training: the default model's surprise at your songs is {p.val_loss:.2f} "
                "(lower is better: it knows them better)"
            )
        elif p.val_loss is None:
            eta = f", about {p.eta_seconds / 60:.0f} min left at most" if p.eta_seconds else ""
            done = f"{p.batch}/{p.batches}"
            self.status.setText(f"Pass {p.epoch} of {p.epochs} through your songs ({done}){eta}")
        else:
            how = p.message
            if p.message.startswith("no better"):  # "no better for 2" passes
                how += " pass" if p.message.endswith(" 1") else " passes"
            self.status.setText(
                f"Pass {p.epoch} done: its surprise at the songs set aside to check it is "
                f"{p.val_loss:.2f} ({how}; lower is better)"
            )

    def _done(self) -> None:
        self.training = False
        self.cancel_button.setEnabled(False)
        self.train_button.setEnabled(True)

    def _finished(self, folder: str, card: ModelCard) -> None:
        self._done()
        self.progress.setValue(100)
        text = (
            f"Saved “{Path(folder).name}” after {card.epochs_run} "
            f"{'pass' if card.epochs_run == 1 else 'passes'} through your songs "
            f"(its surprise at the songs set aside: {card.validation_loss:.2f}, lower is better). "
            f"{outcome_words(card)} {style_words(card)}"
        )
        if still_improving(card):
            text += " It was still getting better at its last pass: retrain from it to go further."
        if beats_base(card):  # a fine-tune no better than its base is listed, not chosen
            self.status.setText(f"{text} It is now selected.".replace("  ", " "))
            self.modelTrained.emit(folder)
        else:
            kept = "It is kept but not selected: choose it under Model to try it anyway."
            self.status.setText(f"{text} {kept}")
            self.modelKept.emit(folder)

    def _failed(self, message: str) -> None:
        self._done()
        self.status.setText(f"<span style='color:#b00'>{message}</span>")

    def _cancelled(self, message: str) -> None:
        self._done()
        self.status.setText(message)

    def shutdown(self) -> None:
        self.worker.cancel_event.set()
        stop_thread(self.thread, 10000)

    def closeEvent(self, event) -> None:
        if not self.training:
            self.shutdown()
        super().closeEvent(event)
