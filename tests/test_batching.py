"""The one batching helper and the one progress bar (``xaiwidgets._core.batching``)."""

import numpy as np
import pytest
import torch

from xaiwidgets._core.batching import batch_slices, map_batches, progress


def test_batch_slices_cover_every_sample_once_in_order():
    got = [(s.start, s.stop) for s in batch_slices(10, 4)]
    assert got == [(0, 4), (4, 8), (8, 10)]
    assert list(batch_slices(0, 4)) == []
    assert sum(s.stop - s.start for s in batch_slices(1000)) == 1000


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_batch_size_is_checked_by_name(bad):
    with pytest.raises((TypeError, ValueError), match="argument 'batch_size'"):
        list(batch_slices(5, bad))


def test_map_batches_concatenates_tensors_arrays_and_tuples_in_batch_order():
    seen = []

    def fn(b):
        seen.append(len(b))
        return b * 2, b.sum(1)

    x = torch.arange(14.0).reshape(7, 2)
    double, sums = map_batches(fn, x, 3)
    assert seen == [3, 3, 1]
    torch.testing.assert_close(double, x * 2)
    torch.testing.assert_close(sums, x.sum(1))
    a = np.arange(5.0)
    np.testing.assert_array_equal(map_batches(lambda b: b + 1, a, 2), a + 1)
    empty = map_batches(lambda b: b[:, :1], torch.zeros(0, 3), 2)
    assert empty.shape == (0, 1)


def test_progress_is_silent_unless_enabled(capsys):
    assert list(progress(range(3))) == [0, 1, 2]
    assert capsys.readouterr().err == ""
    list(progress(range(3), enabled=True, desc="work"))
    assert "work" in capsys.readouterr().err
