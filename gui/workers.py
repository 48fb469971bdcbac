"""Workers that run engine jobs off the UI thread and report back through signals."""

from __future__ import annotations

import threading
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from songsketch.engine.api import AUDIO_SUFFIXES, Cancelled, Engine, GenerationRequest, TrainJob
from songsketch.gui.ideas_model import OWN_BADGE, OWN_MODEL


class EngineWorker(QObject):
    """Owns the Engine on its own thread: loads models and generates.

    Signals:
      modelLoaded(str name, object card) a model is ready (card: its ModelCard)
      modelFailed(str message)           loading failed (the previous model stays)
      ideaReady(object entry)            one idea finished and stored in the library (streamed)
      storeFailed(str message)           an idea could not be stored (disk full...)
      generationFinished(str summary)
      generationFailed(str message)
      exported(str path) / exportFailed(str message)   a MusicXML lead sheet or a WAV was written, or not
      opened(str message)                what opening the user's files gave (ideas, refusals)
      openRefused(object refusals)       the files that could not be used: [(file name, reason)]
      singingRefused(str reason)         no melody could be heard in a microphone's recording
    """

    modelLoaded = Signal(str, object)
    modelFailed = Signal(str)
    ideaReady = Signal(object)
    storeFailed = Signal(str)
    generationFinished = Signal(str)
    generationFailed = Signal(str)
    exported = Signal(str)
    exportFailed = Signal(str)
    opened = Signal(str)
    openRefused = Signal(object)
    singingRefused = Signal(str)

    def __init__(self, library, engine: Engine | None = None) -> None:
        super().__init__()
        self.library = library
        self.engine = engine or Engine()
        self.model_name = ""
        self.source = ""  # the idea a running request goes on from
        self.source_id: int | None = None  # its library id, set by the window before each request
        self.cancel_event = threading.Event()

    @Slot(str)
    def load(self, folder: str) -> None:
        from songsketch.engine.api import ModelError

        try:
            model = self.engine.load(folder)
        except ModelError as exc:
            self.modelFailed.emit(str(exc))
            return
        except Exception as exc:  # TensorFlow failing to import or run: say so, keep the app up
            self.modelFailed.emit(f"cannot load the model: {type(exc).__name__}: {exc}")
            return
        self.model_name = model.name
        self.modelLoaded.emit(model.name, model.card)

    @Slot(object, str)
    def export_musicxml(self, idea, path: str) -> None:
        """Write a MusicXML lead sheet here, off the UI thread (music21 loads on first use)."""
        from songsketch.engine.api import write_musicxml

        try:
            write_musicxml(idea, path)
        except OSError as exc:
            self.exportFailed.emit(f"Could not save {path}: {exc.strerror or exc}")
            return
        except Exception as exc:  # music21 refusing something: say so, keep the app up
            self.exportFailed.emit(f"Could not write MusicXML: {type(exc).__name__}: {exc}")
            return
        self.exported.emit(path)

    @Slot(object, str, object, object)
    def export_audio(self, idea, path: str, font, instruments) -> None:
        """Render the idea with the built-in synth's SoundFont and instruments (the plain tone
        when ``font`` is None) and write a WAV, here, off the UI thread."""
        from songsketch.engine.api import write_wav

        try:
            write_wav(idea, path, font, instruments)
        except OSError as exc:
            self.exportFailed.emit(f"Could not save {path}: {exc.strerror or exc}")
            return
        except Exception as exc:  # a SoundFont the renderer trips on: say so, keep the app up
            self.exportFailed.emit(f"Could not render the audio: {type(exc).__name__}: {exc}")
            return
        self.exported.emit(path)

    @Slot(object)
    def generate(self, request: GenerationRequest) -> None:
        """Carry out a generation request (``GenerateRequest``, ``RegenerateRequest``)."""
        self.cancel_event.clear()
        self.source = request.source
        try:
            summary = self.engine.run(request, on_idea=self._emit, cancel=self.cancel_event.is_set)
            self.generationFinished.emit(str(summary))
        except Cancelled:
            self.generationFinished.emit("stopped")
        except Exception as exc:
            traceback.print_exc()
            self.generationFailed.emit(f"{type(exc).__name__}: {exc}")

    @Slot(object)
    def open_files(self, paths) -> None:
        """Bring the user's own files in (MIDI, MusicXML, ABC, kern) through the loader the
        training folders use, and recordings of a sung melody (WAV, FLAC, OGG): each idea heard
        becomes a library entry marked as theirs; a file that cannot be used is named with the
        reason."""
        from songsketch.engine.api import analyse_path, hear_sung_file

        added, refused = 0, []
        for path in map(Path, paths):
            try:
                sung = path.suffix.lower() in AUDIO_SUFFIXES
                heard = hear_sung_file(path) if sung else analyse_path(path)
            except Exception as exc:  # ValueError with the reason, OSError, a score music21 refuses
                refused.append((path.name, str(exc)))
                continue
            added += self._store_own(heard, path.stem, f"from {path.name}")
        message = f"Opened {added} idea{'s' if added != 1 else ''} of yours"
        if refused:
            message += f"; could not use {len(refused)}: " + " · ".join(f"{n}: {r}" for n, r in refused)
            self.openRefused.emit(refused)
        self.opened.emit(message)

    @Slot(object)
    def add_recording(self, events) -> None:
        """A phrase played on a keyboard: heard like a played file (beat, grid, key, chords)
        and stored as the user's own idea."""
        from songsketch.engine.api import recorded_idea

        try:
            heard = recorded_idea(events)
        except Exception as exc:  # nothing usable was played
            self.opened.emit(f"Could not use the recording: {exc}")
            return
        if not self._store_own(heard, f"recorded {time.strftime('%H.%M.%S')}", "played on a keyboard"):
            return  # storeFailed has said why
        idea = heard.ideas[0]
        self.opened.emit(
            f"Recorded: {idea.bars} bars in {idea.key.name}, "
            f"{idea.meter[0]}/{idea.meter[1]} at {idea.tempo} bpm"
        )

    @Slot(object, int)
    def add_singing(self, samples, rate: int) -> None:
        """What a microphone heard: the melody sung, stored as the user's own melody-only
        idea; when none can be heard, ``singingRefused`` says why and nothing is stored."""
        from songsketch.engine.api import hear_singing

        name = f"sung {time.strftime('%H.%M.%S')}"
        try:
            heard = hear_singing(samples, rate, name)
        except ValueError as exc:  # silence, noise, too short: the reason in words
            self.singingRefused.emit(str(exc))
            return
        except Exception as exc:
            traceback.print_exc()
            self.singingRefused.emit(f"{type(exc).__name__}: {exc}")
            return
        if not self._store_own(heard, name, "sung into the microphone"):
            return  # storeFailed has said why
        idea = heard.ideas[0]
        bars = f"{idea.bars} bar{'s' if idea.bars != 1 else ''}"
        self.opened.emit(
            f"Sung: {len(idea.melody)} notes, {bars} in {idea.key.name}, "
            f"{idea.meter[0]}/{idea.meter[1]} at {idea.tempo} bpm"
        )

    def _store_own(self, heard, name: str, origin: str) -> int:
        """Store the ideas heard in the user's own music as theirs (``name``, numbered when
        there are several); hand each to the window. Returns how many were stored."""
        remarks = "".join(f"; {r}" for r in heard.remarks)
        report = {"badge": OWN_BADGE, "detail": f"Your own idea, {origin}{remarks}."}
        stored = 0
        for k, idea in enumerate(heard.ideas):
            title = name if len(heard.ideas) == 1 else f"{name} ({k + 1})"
            try:
                entry = self.library.add(idea.with_name(title), report, OWN_MODEL)
            except Exception as exc:  # sqlite3.Error, OSError
                self.storeFailed.emit(f"could not store {title}: {exc}")
                continue
            stored += 1
            self.ideaReady.emit(entry)
        return stored

    def _emit(self, _index, idea, report) -> None:
        """Store the idea here, off the UI thread, then hand the entry to the window."""
        report = report.to_dict() if hasattr(report, "to_dict") else report
        if self.source:  # where it came from, for the list (which puts it under its source)
            report = dict(report or {}, source=self.source)
            if self.source_id is not None:
                report["source_id"] = self.source_id
        try:
            entry = self.library.add(idea, report, self.model_name)
        except Exception as exc:  # sqlite3.Error, OSError: disk full, read-only folder
            self.storeFailed.emit(f"could not store an idea: {exc}")
            return
        self.ideaReady.emit(entry)


class TrainWorker(QObject):
    """Scans a folder and trains a model on its own thread.

    Signals:
      scanned(object corpus)          the folder's files, used or skipped with reasons
      progress(object TrainProgress)
      finished(str folder, object card) the new model is saved (card: its ModelCard)
      failed(str message)
      cancelled(str message)
    """

    scanned = Signal(object)
    progress = Signal(object)
    finished = Signal(str, object)
    failed = Signal(str)
    cancelled = Signal(str)

    def __init__(self, cache_dir: Path) -> None:
        super().__init__()
        self.cache_dir = cache_dir
        self.cancel_event = threading.Event()
        self.corpus = None

    @Slot(str)
    def scan(self, folder: str) -> None:
        from songsketch.engine.api import CorpusError, load_folder

        try:
            self.corpus = load_folder(folder, self.cache_dir, cancel=self.cancel_event.is_set)
        except CorpusError as exc:
            self.failed.emit(str(exc))
            return
        self.scanned.emit(self.corpus)

    @Slot(object)
    def train(self, job: TrainJob) -> None:
        """Train the model ``job`` describes on the scanned folder."""
        from songsketch.engine.api import ModelError, TrainingCancelled, TrainingError, train

        self.cancel_event.clear()
        if self.corpus is None or len(self.corpus.songs) < 2:
            self.failed.emit("This folder has fewer than 2 usable songs; nothing to train on.")
            return
        try:
            result = train(
                self.corpus.songs,
                job.out_dir,
                job.settings,
                base_model=job.base_model,
                name=job.name,
                progress=self.progress.emit,
                cancel=self.cancel_event.is_set,
                data_note={
                    "source": job.source,
                    "files_used": self.corpus.used,
                    "files_skipped": self.corpus.skipped,
                },
                reproduce=job.reproduce,
            )
        except TrainingCancelled as exc:
            self.cancelled.emit(str(exc))
            return
        except (TrainingError, ModelError) as exc:
            self.failed.emit(str(exc))
            return
        except OSError as exc:
            self.failed.emit(
                f"Cannot save the model ({exc.strerror or exc}); the previous model is unchanged."
            )
            return
        except Exception as exc:
            traceback.print_exc()
            self.failed.emit(f"Training failed: {type(exc).__name__}: {exc}")
            return
        self.finished.emit(str(result.folder), result.card)


def start_thread(worker: QObject, name: str) -> QThread:
    """Move a worker to a new started thread (stopped by ``stop_thread``)."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.start()
    return thread


def stop_thread(thread: QThread, timeout_ms: int = 5000) -> None:
    thread.quit()
    thread.wait(timeout_ms)
