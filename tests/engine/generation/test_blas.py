"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""

from songsketch.engine.generation.generator import GenerationSettings, Generator
from songsketch.engine.ml.store import load


def test_decoders_on_two_threads_share_one_blas_limit():
    from threadpoolctl import threadpool_info, threadpool_limits

    from songsketch.engine.generation.blas import one_blas_thread

    def blas() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    with threadpool_limits(2, user_api="blas"):
        before = blas()
        first, second = one_blas_thread(), one_blas_thread()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)  # the first out while the second decodes
        assert blas() == {1}
        second.__exit__(None, None, None)  # the last out restores
        assert blas() == before


def test_decoding_keeps_blas_to_one_thread_and_restores_it(tiny_model):
    """A second BLAS thread only waits for a busy core on these small matrices: decoding
    runs BLAS single-threaded and gives the previous setting back afterwards."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    generator = Generator(load(tiny_model[0]).weights)
    seen = []
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        # the cancel poll runs inside the decoding loop, every 16 steps
        generator.generate(
            GenerationSettings(count=3, bars_per_section=2, seed=1),
            cancel=lambda: seen.append(blas_threads()) or False,
        )
        assert blas_threads() == before
    assert len(seen) >= 2 and all(s == {1} for s in seen)
    import os

    assert before == {2} or (os.cpu_count() or 1) < 2  # OpenBLAS caps threads at the cores
