"""The Fozzy Wine Recommendation API: a reference application for the inboxwine.fozzy collection.

Two endpoints, the shape the collection expects of an image:

- ``GET /health`` answers 200 ``{"status": "ok"}`` (the target group's and the container's check);
- ``GET /recommendations?q=...&limit=N`` scores every wine of an in-memory catalogue against the
  taste profile the query describes and returns the best N as JSON: CPU-bound work of a few
  milliseconds per request, like a real recommender's ranking step.

The catalogue is generated from a fixed seed at import, so every worker holds the same one.
"""

import hashlib
import heapq
import math
import os
import random

from fastapi import FastAPI, Query

CATALOGUE_SIZE = int(os.environ.get("FOZZY_CATALOGUE_SIZE", "4000"))
# The taste dimensions every wine and every query is a point of.
DIMENSIONS = ("sweetness", "acidity", "tannin", "body", "fruit", "oak", "minerality", "spice")
GRAPES = ("riesling", "pinot noir", "chardonnay", "syrah", "merlot", "cabernet sauvignon", "gruener veltliner",
          "tempranillo", "nebbiolo", "sauvignon blanc", "chenin blanc", "grenache")
REGIONS = ("Mosel", "Wachau", "Bourgogne", "Rioja", "Piemonte", "Barossa", "Napa", "Loire", "Rhone", "Douro")
# Words a query may use, each pulling the profile along some dimensions.
WORDS = {
    "sweet": {"sweetness": 1.0}, "dry": {"sweetness": -1.0}, "fresh": {"acidity": 0.8, "fruit": 0.3},
    "bold": {"body": 1.0, "tannin": 0.6}, "light": {"body": -0.8}, "fruity": {"fruit": 1.0},
    "oaky": {"oak": 1.0}, "mineral": {"minerality": 1.0}, "spicy": {"spice": 1.0}, "smooth": {"tannin": -0.7},
}


def _catalogue(size, seed=20240601):
    rng = random.Random(seed)
    wines = []
    for number in range(size):
        profile = [rng.uniform(-1.0, 1.0) for _ in DIMENSIONS]
        norm = math.sqrt(sum(value * value for value in profile)) or 1.0
        wines.append({
            "id": number,
            "name": f"{rng.choice(REGIONS)} {rng.choice(GRAPES).title()} {rng.randint(1990, 2024)}",
            "grape": rng.choice(GRAPES),
            "region": rng.choice(REGIONS),
            "price": round(rng.uniform(6.0, 180.0), 2),
            "rating": round(rng.uniform(3.0, 5.0), 2),
            "profile": [value / norm for value in profile],
        })
    return wines


WINES = _catalogue(CATALOGUE_SIZE)


def query_profile(query):
    """The unit taste vector a free-text query describes: its known words, plus a small stable
    component from the text's hash so that every query ranks the wines differently."""
    digest = hashlib.sha256(query.lower().encode()).digest()
    vector = [(digest[i] - 127.5) / 1275.0 for i in range(len(DIMENSIONS))]
    for word in query.lower().split():
        for dimension, weight in WORDS.get(word, {}).items():
            vector[DIMENSIONS.index(dimension)] += weight
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


def score(wine, profile, max_price):
    """Cosine similarity of the taste, nudged by rating; wines above the budget score lower."""
    similarity = sum(a * b for a, b in zip(wine["profile"], profile))
    value = similarity + 0.1 * (wine["rating"] - 4.0)
    if max_price is not None and wine["price"] > max_price:
        value -= 1.0 + (wine["price"] - max_price) / max_price
    return value


def recommend(query, limit=10, max_price=None, grape=None):
    profile = query_profile(query)
    candidates = (wine for wine in WINES if grape is None or wine["grape"] == grape)
    best = heapq.nlargest(limit, ((score(wine, profile, max_price), wine["id"]) for wine in candidates))
    return [
        {key: WINES[number][key] for key in ("id", "name", "grape", "region", "price", "rating")}
        | {"score": round(value, 4)}
        for value, number in best
    ]


app = FastAPI(title="Fozzy Wine Recommendation API", version="1.0.0")


@app.get("/health")
def health():
    return {"status": "ok"}


# A plain `def` endpoint runs in the worker's thread pool: the CPU-bound ranking does not block
# the event loop that serves /health.
@app.get("/recommendations")
def recommendations(q: str = Query("fresh fruity", max_length=200),
                    limit: int = Query(10, ge=1, le=50),
                    max_price: float | None = Query(None, gt=0),
                    grape: str | None = Query(None, max_length=40)):
    return {"query": q, "count": CATALOGUE_SIZE, "wines": recommend(q, limit, max_price, grape)}
