"""The fault run's parts as tests: hostile folder, a killed training, a killed library
writer, a damaged library (the full run with more kills: python -m tests.faults)."""
from tests import faults


def test_hostile_folder_is_handled_without_crashes():
    tried, handled, crashes = faults.run_hostile()
    assert crashes == 0 and tried == handled and tried >= 20


def test_killed_training_leaves_the_model_loadable():
    kills, lost = faults.run_model_kills(1)
    assert kills == 1 and lost == 0


def test_killed_library_writer_loses_at_most_the_idea_in_flight():
    kills, lost = faults.run_library_kills(2)
    assert kills == 2 and lost == 0


def test_damaged_library_is_moved_aside():
    assert faults.run_damaged_library()
