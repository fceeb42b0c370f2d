"""HTTP API that serves the iris classifier, with Prometheus metrics.

Run from the project root (after `python src/train.py`):

    uvicorn src.app:app --host 0.0.0.0 --port 8000

Endpoints: GET /health, GET /version, POST /predict, GET /metrics.

Inference is plain numpy (no PyTorch in the default image). The cuda image
(`docker build --build-arg VARIANT=cuda`) also has PyTorch: with VARIANT=cuda
and a visible GPU, the same weights run on the GPU instead.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from src.model import NumpyMLP, TorchPredictor

MAX_INSTANCES = 1000

# One measurement in centimetres. strict=True rejects strings such as "5.1",
# allow_inf_nan=False rejects NaN and Infinity, and the bounds reject values
# no flower has.
Feature = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=100)]
# One flower: exactly four measurements, in the training column order
# (sepal_length, sepal_width, petal_length, petal_width).
Instance = Annotated[list[Feature], Field(min_length=4, max_length=4)]


class PredictRequest(BaseModel):
    instances: list[Instance] = Field(min_length=1, max_length=MAX_INSTANCES)


class PredictResponse(BaseModel):
    predictions: list[str]


# --- Prometheus metrics, by hand ------------------------------------------
#
# The text exposition format is simple enough to write without a library:
#   # HELP name text / # TYPE name counter|histogram|gauge / name{label="v"} value
# A histogram is cumulative `_bucket{le="..."}` counters plus `_sum` and `_count`.

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
# Label values come from this fixed list, never from the raw URL: a scanner
# trying thousands of paths must not create thousands of time series.
KNOWN_PATHS = ("/health", "/version", "/predict", "/metrics")


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


class Metrics:
    """Request counter and latency histogram, labelled by path (and status)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, int], int] = {}
        self.buckets: dict[str, list[int]] = {}  # per path, one count per bucket (not cumulative)
        self.sums: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def observe(self, path: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(path, status)] = self.requests.get((path, status), 0) + 1
            counts = self.buckets.setdefault(path, [0] * len(BUCKETS))
            for i, upper in enumerate(BUCKETS):
                if seconds <= upper:
                    counts[i] += 1
                    break
            self.sums[path] = self.sums.get(path, 0.0) + seconds
            self.counts[path] = self.counts.get(path, 0) + 1

    def render(self, info: dict[str, str]) -> str:
        with self._lock:
            lines = [
                "# HELP http_requests_total HTTP requests served, by path and status code.",
                "# TYPE http_requests_total counter",
            ]
            for (path, status), n in sorted(self.requests.items()):
                lines.append(f'http_requests_total{{path="{_label(path)}",status="{status}"}} {n}')
            lines += [
                "# HELP http_request_duration_seconds Time to answer an HTTP request, by path.",
                "# TYPE http_request_duration_seconds histogram",
            ]
            for path in sorted(self.counts):
                cumulative = 0
                for upper, n in zip(BUCKETS, self.buckets[path], strict=True):
                    cumulative += n
                    lines.append(
                        f'http_request_duration_seconds_bucket{{path="{_label(path)}",'
                        f'le="{_number(upper)}"}} {cumulative}'
                    )
                lines += [
                    f'http_request_duration_seconds_bucket{{path="{_label(path)}",le="+Inf"}} '
                    f"{self.counts[path]}",
                    f'http_request_duration_seconds_sum{{path="{_label(path)}"}} '
                    f"{self.sums[path]!r}",
                    f'http_request_duration_seconds_count{{path="{_label(path)}"}} '
                    f"{self.counts[path]}",
                ]
        labels = ",".join(f'{k}="{_label(v)}"' for k, v in sorted(info.items()))
        lines += [
            "# HELP model_info The model this process serves (always 1).",
            "# TYPE model_info gauge",
            f"model_info{{{labels}}} 1",
        ]
        return "\n".join(lines) + "\n"


class MetricsMiddleware:
    """Pure ASGI middleware: times every HTTP request and records its status code."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # if the app raises before answering, the server answers 500

        async def send_and_record_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            path = scope.get("path", "")
            label = path if path in KNOWN_PATHS else "other"
            self.metrics.observe(label, status, time.perf_counter() - start)


# --- Model loading ---------------------------------------------------------

state: dict[str, Any] = {}
metrics = Metrics()


def load_predictor(path: Path) -> tuple[Any, str]:
    """The numpy model, or the same weights on the GPU in the cuda image."""
    mlp = NumpyMLP.from_npz(path)
    if os.environ.get("VARIANT", "cpu") == "cuda":
        try:
            import torch

            if torch.cuda.is_available():
                return TorchPredictor(mlp, "cuda"), f"torch-cuda ({torch.cuda.get_device_name(0)})"
            print("VARIANT=cuda but no CUDA device is visible: serving with numpy")
        except ImportError:
            print("VARIANT=cuda but PyTorch is not installed: serving with numpy")
    return mlp, "numpy"


def read_version(model_path: Path) -> dict[str, Any]:
    """model_version and accuracy from the metrics.json written next to the model.

    The file travels with the model, so it describes what is really served. The
    MODEL_VERSION environment variable (set by the deployment) is the fallback.
    """
    info: dict[str, Any] = {
        "model_version": os.environ.get("MODEL_VERSION", "unknown"),
        "accuracy": None,
    }
    try:
        saved = json.loads((model_path.parent / "metrics.json").read_text())
    except (OSError, ValueError):
        return info
    if isinstance(saved, dict):
        if saved.get("model_version"):
            info["model_version"] = str(saved["model_version"])
        if isinstance(saved.get("accuracy"), (int, float)):
            info["accuracy"] = float(saved["accuracy"])
    return info


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Load once at startup, not on every request.
    path = Path(os.environ.get("MODEL_PATH", "model/model.npz"))
    state["version"] = read_version(path)
    state["backend"] = "none"
    try:
        state["model"], state["backend"] = load_predictor(path)
        print(
            f"serving {path} (version {state['version']['model_version']}) with {state['backend']}"
        )
    except Exception as exc:  # keep serving so /health can report the problem
        print(f"could not load model from {path}: {exc!r}")
    yield
    state.clear()


app = FastAPI(title="Iris classifier", lifespan=lifespan)
app.add_middleware(MetricsMiddleware, metrics=metrics)


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's default handler echoes the rejected input back. A NaN or
    # Infinity in that input cannot be written as JSON, which would turn
    # the 422 into a 500, so answer with location and message only.
    errors = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": errors})


@app.get("/health")
def health() -> Any:
    if "model" not in state:
        return JSONResponse(status_code=503, content={"status": "model not loaded"})
    return {"status": "ok"}


@app.get("/version")
def version() -> dict[str, Any]:
    return state.get("version", {"model_version": "unknown", "accuracy": None})


@app.post("/predict")
def predict(request: PredictRequest) -> PredictResponse:
    if "model" not in state:
        raise HTTPException(status_code=503, detail="model not loaded")
    X = np.asarray(request.instances, dtype=np.float32)
    return PredictResponse(predictions=state["model"].predict(X))


@app.get("/metrics", response_class=PlainTextResponse)
def prometheus_metrics() -> PlainTextResponse:
    info = {
        "model_version": str(state.get("version", {}).get("model_version", "unknown")),
        "backend": str(state.get("backend", "none")),
    }
    return PlainTextResponse(
        metrics.render(info), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
