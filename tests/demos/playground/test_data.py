"""The playground's data: generated sets, the split, the features, and CSV files good and bad."""

import numpy as np
import pytest

from demos.playground.data import DataError, features, make_dataset, parse_csv
from demos.playground.settings import DATASETS, Settings


@pytest.mark.parametrize("name", [d for d in DATASETS if d not in ("xor4", "csv")])
def test_generated_sets_split_by_the_ratio(name):
    data = make_dataset(Settings(dataset=name, train_percent=70))
    assert len(data.train_points) == 140 and len(data.test_points) == 60
    assert data.train_labels.dtype.kind == "i" and data.classes == 2


def test_the_seeds_xor_trains_and_scores_on_its_4_points():
    data = make_dataset(Settings(dataset="xor4", train_percent=10))
    assert data.train_points.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and not data.has_test


def test_classes_setting_makes_multiclass_spirals():
    data = make_dataset(Settings(dataset="spiral", classes=4))
    assert data.classes == 4
    assert set(np.concatenate([data.train_labels, data.test_labels]).tolist()) == {0, 1, 2, 3}


def test_the_seed_fixes_points_and_split():
    a, b = make_dataset(Settings(dataset="circle", seed=3)), make_dataset(Settings(dataset="circle", seed=3))
    np.testing.assert_array_equal(a.train_points, b.train_points)
    c = make_dataset(Settings(dataset="circle", seed=4))
    assert not np.array_equal(a.train_points, c.train_points)


def test_extent_follows_the_data():
    (x0, x1), (y0, y1) = make_dataset(Settings(dataset="xor4")).extent()
    assert (x0, x1, y0, y1) == pytest.approx((-0.1, 1.1, -0.1, 1.1))
    (x0, x1), _ = make_dataset(Settings(dataset="circle")).extent()
    assert x0 < -5 and x1 > 5


def test_features_are_computed_from_the_points():
    p = np.array([[1.0, 2.0], [-0.5, 0.25]])
    out = features(p, ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    np.testing.assert_allclose(out[1], [-0.5, 0.25, 0.25, 0.0625, -0.125, np.sin(-0.5), np.sin(0.25)])


def test_no_feature_is_refused():
    with pytest.raises(DataError, match="at least one input feature"):
        features(np.zeros((2, 2)), ())


def test_csv_with_and_without_header():
    points, labels = parse_csv(b"x1,x2,label\n0,0,1\n1,0,3\n0,1,3\n1,1,1\n")
    assert points.tolist() == [[0, 0], [1, 0], [0, 1], [1, 1]]
    assert labels.tolist() == [0, 1, 1, 0]  # 1 and 3 renumbered 0 and 1
    points2, labels2 = parse_csv(b"0,0,1\n1,0,3\n0,1,3\n1,1,1\n")
    np.testing.assert_array_equal(points, points2)
    np.testing.assert_array_equal(labels, labels2)


def test_a_csv_makes_a_split_data_set():
    rows = "\n".join(f"{i},{i % 7},{i % 2}" for i in range(20))
    data = make_dataset(Settings(dataset="csv", train_percent=50), parse_csv(rows.encode()))
    assert len(data.train_points) == 10 and data.classes == 2


BAD_CSVS = [
    (b"x1,x2,label\n0,0,0\n1,abc,1\n0,1,1\n1,1,0\n", "row 3, column x2: 'abc' is not a number"),
    (b"x1,x2,label\n0,0,0\n1,nan,1\n0,1,1\n1,1,0\n", "row 3, column x2 is nan"),
    (b"x1,x2,label\n0,0,1\n1,0,1\n0,1,1\n1,1,1\n",
     "every row has the label 1: a classifier needs at least two classes"),
    (b"a,b,c\n0,0,0\n1,0,1\n0,1,1\n1,1,0\n", "the columns must be x1, x2, label (in that order), got a, b, c"),
    (b"x1,x2\n0,0\n1,0\n0,1\n1,1\n", "the columns must be x1, x2, label"),
    (b"0,0,0,5\n1,0,1,5\n0,1,1,5\n1,1,0,5\n", "row 1 has 4 values; each row needs 3"),
    (b"0,0,0\n1,,1\n0,1,1\n1,1,0\n", "row 2, column x2 is empty"),
    (b"0,0,0\n1,0,0.5\n0,1,1\n1,1,0\n", "row 2: the label 0.5 is not a whole number"),
    (b"0,0,0\n1,1,1\n", "only 2 data rows"),
    (b"", "the file is empty"),
    (b"\xff\xfe\x00x", "not UTF-8 text"),
    (b"0,0,inf\n1,0,1\n0,1,1\n1,1,0\n", "row 1, column label is inf"),
]


@pytest.mark.parametrize("content, message", BAD_CSVS, ids=[m.split(":")[0][:30] for _, m in BAD_CSVS])
def test_bad_csvs_are_refused_with_the_row_and_the_fix(content, message):
    with pytest.raises(DataError) as caught:
        parse_csv(content)
    assert message in str(caught.value)


def test_too_many_rows_are_refused():
    rows = "\n".join(f"{i},{i},{i % 2}" for i in range(5001))
    with pytest.raises(DataError, match="5,001 rows: the playground takes at most 5,000"):
        parse_csv(rows.encode())
