"""HTTP API that serves the iris classifier.

Run from the project root (after `python src/train.py`):

    uvicorn src.app:app --host 0.0.0.0 --port 8000
"""

import os
from contextlib import asynccontextmanager

import joblib
import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

# TODO(kata): describe the request body with pydantic models so FastAPI rejects
# bad input with a 422 before it reaches the model. A valid body is
#     {"instances": [[5.1, 3.5, 1.4, 0.2], ...]}
# with 1 to 1000 instances, each exactly 4 finite numbers (no strings, no NaN).
# Hints: pydantic.BaseModel, pydantic.Field(min_length=..., max_length=...,
# strict=True, allow_inf_nan=False), typing.Annotated.

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


# Already done for you. FastAPI's default handler echoes the rejected input
# back. Once you reject NaN, that echo would contain a NaN, which cannot be
# written as JSON and would turn your 422 into a 500.
@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": errors})


@app.get("/health")
def health():
    if "iris" not in models:
        return JSONResponse(status_code=503, content={"status": "model not loaded"})
    return {"status": "ok"}


@app.post("/predict")
def predict(body: dict):
    # TODO(kata): take your request model instead of a plain dict. As it is,
    # a missing key, a short row or a string in the data crashes with a 500.
    if "iris" not in models:
        raise HTTPException(status_code=503, detail="model not loaded")
    X = np.asarray(body["instances"], dtype=float)
    labels = models["iris"].predict(X)
    return {"predictions": [str(label) for label in labels]}
