"""The numpy model used for serving computes what the torch model computes."""

import numpy as np
import pytest

from src.model import NumpyMLP, build_torch_mlp


def test_predicts_known_flowers(petal_model, known_flowers):
    X = np.array([features for features, _ in known_flowers])
    assert petal_model.predict(X) == [species for _, species in known_flowers]


def test_npz_round_trip(tmp_path, petal_model):
    model = petal_model
    model.save_npz(tmp_path / "m.npz")
    loaded = NumpyMLP.from_npz(tmp_path / "m.npz")
    X = np.random.default_rng(0).uniform(0, 8, size=(50, 4))
    np.testing.assert_array_equal(loaded.logits(X), model.logits(X))
    assert loaded.classes == model.classes


def test_rejects_wrong_shapes(petal_model):
    model = petal_model
    with pytest.raises(ValueError):
        model.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError):
        NumpyMLP(
            model.w1[:, :3], model.b1, model.w2, model.b2, model.classes, model.mean, model.std
        )


def test_numpy_inference_equals_torch_inference():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = build_torch_mlp(n_classes=3).eval()
    rng = np.random.default_rng(0)
    mean = rng.uniform(1, 6, size=4).astype(np.float32)
    std = rng.uniform(0.2, 2, size=4).astype(np.float32)
    model = NumpyMLP.from_torch(net, ["a", "b", "c"], mean, std)

    X = rng.uniform(0, 10, size=(200, 4)).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy((X - mean) / std)).numpy()
    np.testing.assert_allclose(model.logits(X), expected, rtol=1e-5, atol=1e-5)
    assert model.predict(X) == [["a", "b", "c"][i] for i in expected.argmax(axis=1)]


def test_torch_predictor_matches_numpy(petal_model):
    pytest.importorskip("torch")
    from src.model import TorchPredictor

    model = petal_model
    X = np.random.default_rng(1).uniform(0, 8, size=(100, 4)).astype(np.float32)
    np.testing.assert_allclose(TorchPredictor(model, "cpu").logits(X), model.logits(X), atol=1e-5)
