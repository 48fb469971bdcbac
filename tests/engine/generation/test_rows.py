"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""


def test_rows_shown_depend_on_row_order_not_on_finishing_first():
    """Extra rows must not favour ideas that finish sooner (short, sparse ones): whatever
    the finishing order, the shown rows are the first ``need`` that pass, each released as
    soon as no unfinished row before it could push it out."""
    import itertools
    import random

    from songsketch.engine.generation.rows import RowPicker

    passes = [True, False, True, True, False, True, True]  # rows 1 and 4 are refused
    need = 4
    expected = [0, 2, 3, 5]
    orders = list(itertools.permutations(range(len(passes))))
    for order in random.Random(0).sample(orders, 300) + [tuple(range(7)), tuple(range(6, -1, -1))]:
        picker, shown = RowPicker(len(passes), need), []
        for row in order:
            released = picker.finish(row, row if passes[row] else None)
            shown += released
            done_rows = set(order[: order.index(row) + 1])
            for r in released:  # sure: the rows before it that may still pass are too few
                unsure = [x for x in range(r) if x not in done_rows]
                assert sum(1 for x in range(r) if x in done_rows and passes[x]) + len(unsure) < need
            for r in done_rows:  # and nothing sure is held back
                ahead = sum(1 for x in range(r) if x not in done_rows or passes[x])
                assert (r in shown) == (passes[r] and ahead < need), (order, row, r)
            if picker.settled:
                break
        assert sorted(shown) == expected, order
        assert picker.settled and len(shown) == need
    # in row order every passing row is released the moment it finishes
    picker = RowPicker(3, 3)
    assert [picker.finish(r, r) for r in range(3)] == [[0], [1], [2]]
