"""The iris model: a small PyTorch MLP to train, plain numpy to serve.

Training needs PyTorch (and is faster on a GPU); serving does not. The trained
weights are saved as a numpy `.npz` file, and `NumpyMLP` computes exactly the
same forward pass with numpy, so the serving image stays small and starts fast.
PyTorch is imported lazily, only by the functions that need it.

    standardise -> Linear(4, 16) -> ReLU -> Linear(16, 3) -> argmax -> class name
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
N_FEATURES = len(FEATURES)
HIDDEN = 16


def build_torch_mlp(n_classes: int = 3, hidden: int = HIDDEN) -> Any:
    """The network to train: 4 -> 16 -> n_classes. Needs PyTorch."""
    from torch import nn  # lazy: the serving code path never imports torch

    return nn.Sequential(
        nn.Linear(N_FEATURES, hidden),
        nn.ReLU(),
        nn.Linear(hidden, n_classes),
    )


@dataclass(frozen=True)
class NumpyMLP:
    """The trained network as plain arrays, in PyTorch's layout (weight: out x in)."""

    w1: np.ndarray  # (hidden, 4)
    b1: np.ndarray  # (hidden,)
    w2: np.ndarray  # (classes, hidden)
    b2: np.ndarray  # (classes,)
    classes: tuple[str, ...]
    mean: np.ndarray  # (4,) feature means of the training data
    std: np.ndarray  # (4,) feature standard deviations of the training data

    def __post_init__(self) -> None:
        hidden, n_in = self.w1.shape
        n_out = len(self.classes)
        expected = {
            "w1": (self.w1.shape, (hidden, N_FEATURES)),
            "b1": (self.b1.shape, (hidden,)),
            "w2": (self.w2.shape, (n_out, hidden)),
            "b2": (self.b2.shape, (n_out,)),
            "mean": (self.mean.shape, (N_FEATURES,)),
            "std": (self.std.shape, (N_FEATURES,)),
        }
        for name, (got, want) in expected.items():
            if got != want:
                raise ValueError(f"model array {name} has shape {got}, expected {want}")
        if n_in != N_FEATURES or n_out < 2:
            raise ValueError(f"model has {n_in} inputs and {n_out} classes")
        arrays = (self.w1, self.b1, self.w2, self.b2, self.mean, self.std)
        if not all(np.isfinite(a).all() for a in arrays) or (self.std <= 0).any():
            raise ValueError("model arrays must be finite and std positive")

    # -- saving and loading ---------------------------------------------------

    @classmethod
    def from_npz(cls, path: str | Path) -> NumpyMLP:
        """Load a model written by `save_npz` (no pickle: an .npz cannot run code)."""
        with np.load(Path(path), allow_pickle=False) as npz:
            return cls(
                w1=npz["w1"].astype(np.float32),
                b1=npz["b1"].astype(np.float32),
                w2=npz["w2"].astype(np.float32),
                b2=npz["b2"].astype(np.float32),
                classes=tuple(str(c) for c in npz["classes"]),
                mean=npz["mean"].astype(np.float32),
                std=npz["std"].astype(np.float32),
            )

    def save_npz(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:  # a file object: np.savez would append ".npz" to a name
            np.savez(
                f,
                w1=self.w1,
                b1=self.b1,
                w2=self.w2,
                b2=self.b2,
                classes=np.asarray(self.classes, dtype=str),
                mean=self.mean,
                std=self.std,
            )

    @classmethod
    def from_torch(
        cls, net: Any, classes: list[str] | tuple[str, ...], mean: np.ndarray, std: np.ndarray
    ) -> NumpyMLP:
        """Copy the weights out of a network made by `build_torch_mlp` (on any device)."""
        first, last = net[0], net[2]

        def arr(t: Any) -> np.ndarray:
            return t.detach().cpu().numpy().astype(np.float32)

        return cls(
            w1=arr(first.weight),
            b1=arr(first.bias),
            w2=arr(last.weight),
            b2=arr(last.bias),
            classes=tuple(classes),
            mean=np.asarray(mean, dtype=np.float32),
            std=np.asarray(std, dtype=np.float32),
        )

    # -- inference ------------------------------------------------------------

    def standardise(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != N_FEATURES:
            raise ValueError(f"expected an (n, {N_FEATURES}) array, got shape {X.shape}")
        return (X - self.mean) / self.std

    def logits(self, X: np.ndarray) -> np.ndarray:
        hidden = np.maximum(self.standardise(X) @ self.w1.T + self.b1, 0.0)
        return hidden @ self.w2.T + self.b2

    def predict(self, X: np.ndarray) -> list[str]:
        return [self.classes[i] for i in self.logits(X).argmax(axis=1)]


class TorchPredictor:
    """The same forward pass with PyTorch on a device: GPU serving in the cuda image."""

    def __init__(self, mlp: NumpyMLP, device: str = "cpu") -> None:
        import torch  # lazy: only the cuda image has torch

        self._torch = torch
        self.device = torch.device(device)
        self.classes = mlp.classes
        self.net = build_torch_mlp(n_classes=len(mlp.classes), hidden=mlp.w1.shape[0])
        with torch.no_grad():
            self.net[0].weight.copy_(torch.from_numpy(mlp.w1))
            self.net[0].bias.copy_(torch.from_numpy(mlp.b1))
            self.net[2].weight.copy_(torch.from_numpy(mlp.w2))
            self.net[2].bias.copy_(torch.from_numpy(mlp.b2))
        self.net.to(self.device).eval()
        self.mean = torch.from_numpy(mlp.mean).to(self.device)
        self.std = torch.from_numpy(mlp.std).to(self.device)

    def logits(self, X: np.ndarray) -> np.ndarray:
        torch = self._torch
        x = torch.as_tensor(np.asarray(X, dtype=np.float32), device=self.device)
        with torch.inference_mode():
            return self.net((x - self.mean) / self.std).cpu().numpy()

    def predict(self, X: np.ndarray) -> list[str]:
        return [self.classes[i] for i in self.logits(X).argmax(axis=1)]
