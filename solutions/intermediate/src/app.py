"""HTTP API that serves the iris classifier.

Run from the project root (after `python src/train.py`):

    uvicorn src.app:app --host 0.0.0.0 --port 8000
"""

import os
from contextlib import asynccontextmanager
from typing import Annotated

import joblib
import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

MAX_INSTANCES = 1000

# One measurement in centimetres. strict=True rejects strings such as "5.1",
# allow_inf_nan=False rejects NaN and Infinity, and the bounds reject values
# no flower has (huge numbers would also overflow the scaler).
Feature = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=100)]
# One flower: exactly four measurements, in the training column order
# (sepal_length, sepal_width, petal_length, petal_width).
Instance = Annotated[list[Feature], Field(min_length=4, max_length=4)]


class PredictRequest(BaseModel):
    instances: list[Instance] = Field(min_length=1, max_length=MAX_INSTANCES)


class PredictResponse(BaseModel):
    predictions: list[str]


models: dict = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Load once at startup, not on every request.
    path = os.environ.get("MODEL_PATH", "model/model.joblib")
    try:
        models["iris"] = joblib.load(path)
    except Exception as exc:  # keep serving so /health can report the problem
        print(f"could not load model from {path}: {exc!r}")
    yield
    models.clear()


app = FastAPI(title="Iris classifier", lifespan=lifespan)


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's default handler echoes the rejected input back. A NaN or
    # Infinity in that input cannot be written as JSON, which would turn
    # the 422 into a 500, so answer with location and message only.
    errors = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": errors})


@app.get("/health")
def health():
    if "iris" not in models:
        return JSONResponse(status_code=503, content={"status": "model not loaded"})
    return {"status": "ok"}


@app.post("/predict")
def predict(request: PredictRequest) -> PredictResponse:
    if "iris" not in models:
        raise HTTPException(status_code=503, detail="model not loaded")
    X = np.asarray(request.instances, dtype=float)
    labels = models["iris"].predict(X)
    return PredictResponse(predictions=[str(label) for label in labels])
