from pathlib import Path

from src.train import accuracy, fit, load


def test_centroids_separate_the_species():
    rows = load(Path("data/iris.csv"))
    assert accuracy(fit(rows), rows) >= 0.8
